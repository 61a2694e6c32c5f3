//! `fdvirt run`: builds a guest from the options and maps its outcome to an exit code.

use super::{
    args::{DirMapping, RunArgs},
    exit::TRAP,
};
use anyhow::Context as _;
use runtime_glue::trace::TraceFilter;
use runtime_glue::{GuestBuilder, Run, RunError};
use std::{io::IsTerminal as _, path::Path};
use tracing::Level;
use tracing_subscriber::{EnvFilter, Layer as _, filter::Targets, fmt, prelude::*};

/// Runs the module; returns the guest's exit code, or [`TRAP`] after printing the trap.
///
/// # Errors
/// Setup failures (unreadable module, bad preopen, unknown import, ...), with context naming
/// the file; `main` prints them and exits with [`super::exit::STARTUP_FAILURE`].
pub(super) fn run(args: RunArgs) -> anyhow::Result<i32> {
    let trace = init_tracing(args.trace.is_some(), args.trace_file.as_deref(), args.stats)?;
    let module = args.module.clone();
    let engine = args.engine;
    let builder = configure(args, trace)?;
    match builder.run_file_on(engine, &module) {
        Ok(status) => Ok(super::exit::guest_status(status.code)),
        Err(RunError::Trap {
            kind,
            function,
            message,
        }) => {
            let place = match function {
                Some(name) => format!("in wasm function `{name}`"),
                None => "in an unnamed wasm function".to_owned(),
            };
            eprintln!(
                "fdvirt: guest {} trapped: {kind} {place}: {message}",
                module.display()
            );
            Ok(TRAP)
        }
        Err(err) => Err(err).with_context(|| format!("running {}", module.display())),
    }
}

/// Applies every `run` option to a [`GuestBuilder`].
///
/// # Errors
/// A `--dir` that cannot be opened, named in the message.
pub(super) fn configure(args: RunArgs, trace: bool) -> anyhow::Result<GuestBuilder> {
    // argv[0] is the module path as typed, as Wasmtime does.
    let argv0 = args.module.to_string_lossy().into_owned();
    let mut builder = GuestBuilder::new()
        .args(std::iter::once(argv0).chain(args.args))
        .envs(args.envs.into_iter().map(|e| (e.key, e.value)))
        .fd_policy(args.fd_policy)
        .trace(trace)
        .trace_filter(args.trace.unwrap_or_else(TraceFilter::all))
        .stats(args.stats)
        .trap_names(!args.no_trap_names);
    if let Some(max) = args.max_fds {
        builder = builder.max_fds(max);
    }
    for dir in args.dirs {
        builder = builder
            .preopen_dir(&dir.host, &dir.guest)
            .with_context(|| dir_error(&dir))?;
    }
    Ok(builder.network(args.net.config()))
}

/// The message for a `--dir` that cannot be opened, with a hint when it looks like
/// WasmEdge's `GUEST:HOST` syntax.
fn dir_error(dir: &DirMapping) -> String {
    let host = dir.host.to_string_lossy();
    let option = match dir.guest == host {
        true => format!("--dir {host}"),
        false => format!("--dir {host}::{}", dir.guest),
    };
    let mut msg = format!("{option}: cannot preopen {host}");
    if let Some((guest, host)) = host.split_once(':').filter(|_| !host.contains("::")) {
        msg.push_str(&format!(
            " (WasmEdge's `--dir GUEST:HOST` is `--dir HOST::GUEST` here: `--dir {host}::{guest}`)"
        ));
    }
    msg
}

/// Installs the subscriber: `--trace` enables target `fdvirt::trace` (and the one startup
/// line on `fdvirt::limits`) on stderr, or in `trace_file`; `RUST_LOG` adds its own
/// directives for stderr, and `--stats` the once-a-second `fdvirt::stats` lines there.
/// Returns whether host-call tracing is on.
///
/// # Errors
/// The trace file cannot be created.
fn init_tracing(trace_flag: bool, trace_file: Option<&Path>, stats: bool) -> anyhow::Result<bool> {
    let env = || {
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
        match (stats, "fdvirt::stats=info".parse()) {
            (true, Ok(d)) => filter.add_directive(d),
            _ => filter,
        }
    };
    let ours = ["fdvirt::trace=trace", "fdvirt::limits=info"];
    let installed = if let Some(path) = trace_file {
        let file = std::fs::File::create(path)
            .with_context(|| format!("--trace-file {}: cannot create", path.display()))?;
        // The trace goes to the file only; stderr keeps everything else.
        let to_file = Targets::new()
            .with_target(runtime_glue::trace::TARGET, Level::TRACE)
            .with_target("fdvirt::limits", Level::INFO);
        let file_layer = fmt::layer()
            .with_writer(std::sync::Mutex::new(file))
            .with_target(false)
            .with_level(false)
            .with_ansi(false)
            .without_time()
            .with_filter(to_file);
        let mut rest = env();
        for d in ["fdvirt::trace=off", "fdvirt::limits=off"] {
            rest = rest.add_directive(d.parse()?);
        }
        tracing_subscriber::registry()
            .with(file_layer)
            .with(stderr_layer().with_filter(rest))
            .try_init()
            .is_ok()
    } else {
        let mut filter = env();
        if trace_flag {
            for d in ours {
                filter = filter.add_directive(d.parse()?);
            }
        }
        tracing_subscriber::registry()
            .with(stderr_layer().with_filter(filter))
            .try_init()
            .is_ok()
    };
    let on = trace_flag || trace_file.is_some();
    Ok(installed && (on || tracing::enabled!(target: "fdvirt::trace", tracing::Level::TRACE)))
}

/// Plain lines on stderr (colours only on a terminal).
fn stderr_layer<S>() -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_level(false)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
}
