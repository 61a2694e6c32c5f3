//! `fdvirt inspect`.

use super::args::InspectArgs;
use anyhow::Context as _;

/// Reads, inspects and prints one module; returns exit code 0.
pub(super) fn inspect(args: &InspectArgs) -> anyhow::Result<i32> {
    let path = &args.module;
    let wasm = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let report = runtime_glue::inspect::inspect(&wasm)
        .with_context(|| format!("inspecting {}", path.display()))?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        println!("module: {}", path.display());
        print!("{report}");
    }
    Ok(0)
}
