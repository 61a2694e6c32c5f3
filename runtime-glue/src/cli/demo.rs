//! `fdvirt demo`: serve the built-in guest HTTP server (`runtime-glue/guests/http_server.wat`,
//! embedded at build time and assembled with the `wat` crate, so no wasm toolchain is
//! needed) on 127.0.0.1:PORT.

use anyhow::Context as _;
use clap::Args;
use fdtable::FdPolicy;
use runtime_glue::{GuestBuilder, Run};

use super::net::NetArgs;

/// The built-in guest's source.
const BUILTIN_WAT: &str = include_str!("../../guests/http_server.wat");

/// `fdvirt demo` options.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Port on 127.0.0.1 to serve on (the guest reads it from its `PORT` variable).
    #[arg(long, value_name = "PORT", default_value_t = 8080)]
    pub(crate) port: u16,

    /// fd numbering policy for the guest (the page shows each connection's fd).
    #[arg(long, value_name = "POLICY", default_value = "lowest")]
    pub(crate) fd_policy: FdPolicy,

    /// The engine to serve it on (wasmi or wasmtime).
    #[arg(
        long,
        value_name = "ENGINE",
        env = "FDVIRT_ENGINE",
        default_value = "wasmi"
    )]
    pub(crate) engine: runtime_glue::Engine,

    /// Network options.
    #[command(flatten)]
    pub(crate) net: NetArgs,
}

/// Assembles and runs the built-in guest; returns its exit code.
///
/// # Errors
/// If the embedded WAT does not assemble (a build bug) or the guest cannot start.
pub(crate) fn demo(args: DemoArgs) -> anyhow::Result<i32> {
    let wasm = wat::parse_str(BUILTIN_WAT).context("assembling the built-in guest")?;
    eprintln!(
        "fdvirt demo: serving the built-in guest on http://127.0.0.1:{}/ (Ctrl-C to stop)",
        args.port
    );
    let status = GuestBuilder::new()
        .args(["http_server.wasm"])
        .env("PORT", args.port.to_string())
        .fd_policy(args.fd_policy)
        .network(args.net.config())
        .run_bytes_on(args.engine, &wasm)
        .context("running the built-in guest")?;
    Ok(status.code)
}

/// `fdvirt run` with nothing after it means `fdvirt demo`: the README's first command
/// works without a module. Any other command line is returned unchanged.
pub(crate) fn bare_run_as_demo(
    argv: impl IntoIterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let mut argv: Vec<_> = argv.into_iter().collect();
    if argv.len() == 2 && argv[1] == "run" {
        argv[1] = "demo".into();
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::bare_run_as_demo;

    fn argv(args: &[&str]) -> Vec<std::ffi::OsString> {
        args.iter().map(Into::into).collect()
    }

    #[test]
    fn bare_run_becomes_demo_and_nothing_else_changes() {
        assert_eq!(
            bare_run_as_demo(argv(&["fdvirt", "run"])),
            argv(&["fdvirt", "demo"])
        );
        for other in [
            &["fdvirt", "run", "x.wasm"][..],
            &["fdvirt", "run", "--help"],
            &["fdvirt"],
            &["fdvirt", "inspect"],
        ] {
            assert_eq!(bare_run_as_demo(argv(other)), argv(other));
        }
    }
}
