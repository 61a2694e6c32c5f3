//! Options of the subcommands, following Wasmtime's CLI where it has the same option.

use clap::Args;
use fdtable::FdPolicy;
use std::path::PathBuf;

/// `fdvirt run` options.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Preopen host directory HOST for the guest, at guest path GUEST (default: HOST as
    /// given). Repeatable. WasmEdge's `--dir GUEST:HOST` is `--dir HOST::GUEST` here.
    #[arg(long = "dir", value_name = "HOST[::GUEST]", value_parser = parse_dir)]
    pub(crate) dirs: Vec<DirMapping>,

    /// Set an environment variable for the guest; `--env KEY` passes the host's value.
    /// Repeatable. The guest sees no host variables otherwise.
    #[arg(long = "env", value_name = "KEY[=VALUE]", value_parser = parse_env)]
    pub(crate) envs: Vec<EnvVar>,

    /// fd numbering policy: lowest | random | capped:N, with options ",seed=S",
    /// ",quarantine=N" (e.g. `capped:1024,seed=7`).
    #[arg(long, value_name = "POLICY", default_value = "lowest")]
    pub(crate) fd_policy: FdPolicy,

    /// The engine: wasmi (interpreter; starts fastest, least memory) or wasmtime (Cranelift
    /// JIT with an on-disk compile cache; fastest for guests that compute).
    #[arg(
        long,
        value_name = "ENGINE",
        env = "FDVIRT_ENGINE",
        default_value = "wasmi"
    )]
    pub(crate) engine: runtime_glue::Engine,

    /// Maximum number of open fds (EMFILE beyond), like RLIMIT_NOFILE. Default: what the
    /// host lets fdvirt hold (its RLIMIT_NOFILE, raised to the hard limit at startup,
    /// less 32 fds fdvirt keeps); this option can only lower it.
    #[arg(long, value_name = "N")]
    pub(crate) max_fds: Option<usize>,

    /// Log host calls like `strace -r -T` to stderr (or --trace-file): decoded arguments,
    /// result, outputs, time spent; a call that may block is shown when it starts too.
    /// `--trace=sock,poll` logs only those families (sock, poll, fd, path, file, clock,
    /// env, proc, all) or host call names. `RUST_LOG=fdvirt=trace` traces everything too.
    #[arg(
        long,
        value_name = "CLASSES",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "all"
    )]
    pub(crate) trace: Option<runtime_glue::trace::TraceFilter>,

    /// Write the trace to FILE instead of stderr, one line per write, so the file shows a
    /// call the guest is blocked in (implies --trace).
    #[arg(long, value_name = "FILE")]
    pub(crate) trace_file: Option<PathBuf>,

    /// Once a second, print how the guest's CPU time splits between its own code and host
    /// calls (poll_oneoff per call: subscriptions, host µs, guest µs), for profiling
    /// servers.
    #[arg(long)]
    pub(crate) stats: bool,

    /// Do not instrument the module to name the wasm function a trap happens in (and, for a
    /// call_indirect mismatch, the table slot, the function in it and both types). The
    /// instrumentation (a global written on every wasm call, one or two before each
    /// call_indirect) costs about 3% on call-heavy guests; without it a trap message names
    /// no function.
    #[arg(long)]
    pub(crate) no_trap_names: bool,

    /// Network options (pre-opened listeners, policy, TCP_NODELAY).
    #[command(flatten)]
    pub(crate) net: super::net::NetArgs,

    /// The WebAssembly module to run.
    #[arg(value_name = "MODULE.wasm")]
    pub(crate) module: PathBuf,

    /// Arguments for the guest, passed verbatim (its argv 0 is MODULE as given).
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub(crate) args: Vec<String>,
}

/// `fdvirt inspect` options.
#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,

    /// The WebAssembly module to inspect.
    #[arg(value_name = "MODULE.wasm")]
    pub(crate) module: PathBuf,
}

/// A `--dir HOST[::GUEST]` preopen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirMapping {
    /// Directory on the host.
    pub(crate) host: PathBuf,
    /// Path the guest sees (its preopen name).
    pub(crate) guest: String,
}

/// A `--env` variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvVar {
    pub(crate) key: String,
    pub(crate) value: String,
}

/// Parses `HOST` or `HOST::GUEST` (Wasmtime's syntax; a single `:` is part of the path, so
/// Windows-style and odd host paths still work).
pub(crate) fn parse_dir(s: &str) -> Result<DirMapping, String> {
    let (host, guest) = match s.split_once("::") {
        Some((host, guest)) => (host, guest),
        None => (s, s),
    };
    if host.is_empty() || guest.is_empty() {
        return Err(format!("expected HOST or HOST::GUEST, got {s:?}"));
    }
    Ok(DirMapping {
        host: PathBuf::from(host),
        guest: guest.to_owned(),
    })
}

/// Parses `KEY=VALUE`, or `KEY` meaning the host's value of KEY.
pub(crate) fn parse_env(s: &str) -> Result<EnvVar, String> {
    let (key, value) = match s.split_once('=') {
        Some((k, v)) => (k, v.to_owned()),
        None => {
            let v = std::env::var(s)
                .map_err(|_| format!("--env {s}: not set in the host environment"))?;
            (s, v)
        }
    };
    if key.is_empty() {
        return Err(format!("expected KEY=VALUE, got {s:?}"));
    }
    Ok(EnvVar {
        key: key.to_owned(),
        value,
    })
}
