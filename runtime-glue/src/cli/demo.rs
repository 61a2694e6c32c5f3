//! `fdvirt demo`: serve the built-in guest HTTP server (`guests/builtin/http_server.wat`,
//! embedded at build time and assembled with the `wat` crate, so no wasm toolchain is
//! needed) on 127.0.0.1:PORT.

use anyhow::Context as _;
use clap::Args;
use fdtable::FdPolicy;
use runtime_glue::GuestBuilder;

use super::net::NetArgs;

/// The built-in guest's source.
const BUILTIN_WAT: &str = include_str!("../../../guests/builtin/http_server.wat");

/// `fdvirt demo` options.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Port on 127.0.0.1 to serve on (the guest reads it from its `PORT` variable).
    #[arg(long, value_name = "PORT", default_value_t = 8080)]
    pub(crate) port: u16,

    /// fd numbering policy for the guest (the page shows each connection's fd).
    #[arg(long, value_name = "POLICY", default_value = "lowest")]
    pub(crate) fd_policy: FdPolicy,

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
        .run_bytes(&wasm)
        .context("running the built-in guest")?;
    Ok(status.code)
}
