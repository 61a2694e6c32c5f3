//! `fdvirt inspect`.

use super::args::InspectArgs;
use anyhow::Context as _;
use std::io::{ErrorKind, Write as _};

/// Reads, inspects and prints one module; returns exit code 0.
///
/// # Errors
/// The module cannot be read or parsed (named in the message), or stdout fails other than
/// by a closed pipe (`fdvirt inspect x.wasm | head` is fine).
pub(super) fn inspect(args: &InspectArgs) -> anyhow::Result<i32> {
    let path = &args.module;
    let wasm = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let report = runtime_glue::inspect::inspect(&wasm)
        .with_context(|| format!("inspecting {}", path.display()))?;
    let text = match args.json {
        true => format!("{}\n", report.to_json()),
        false => format!("module: {}\n{report}", path.display()),
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(0),
    }
}
