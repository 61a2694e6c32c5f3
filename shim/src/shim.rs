//! The runwasi traits: [`FdvirtShim`] names the shim, [`FdvirtSandbox`] runs a container.

use containerd_shim_wasm::sandbox::Sandbox;
use containerd_shim_wasm::sandbox::context::RuntimeContext;
use containerd_shim_wasm::shim::{Shim, Version, version};

use crate::guest::Prepared;

/// The shim: runtime `io.containerd.fdvirt.v1`, binary `containerd-shim-fdvirt-v1`.
#[derive(Debug)]
pub struct FdvirtShim;

impl Shim for FdvirtShim {
    type Sandbox = FdvirtSandbox;

    fn name() -> &'static str {
        "fdvirt"
    }

    fn version() -> Version {
        version!()
    }
}

/// Runs one container's guest. runwasi creates it in the container's init process
/// (after namespaces, mounts and `pivot_root`), calls [`Sandbox::can_handle`] before the
/// container is reported created, then [`Sandbox::run_wasi`] when it is started.
#[derive(Debug, Default)]
pub struct FdvirtSandbox;

impl Sandbox for FdvirtSandbox {
    async fn run_wasi(&self, ctx: &impl RuntimeContext) -> anyhow::Result<i32> {
        let prepared = Prepared::from_context(ctx).inspect_err(|e| log::error!("{e}"))?;
        if let Err(err) = crate::signals::exit_on_termination() {
            log::warn!("cannot handle SIGTERM/SIGINT ({err}); stopping will need SIGKILL");
        }
        // As the fdvirt CLI: every guest socket costs host fds, so use the container's
        // whole RLIMIT_NOFILE (the guest's default fd limit follows it).
        if let Err(err) = hostsock::NofileLimit::raise_soft_to_hard() {
            log::debug!("could not raise RLIMIT_NOFILE: {err}");
        }
        log::info!("running {:?} on fdvirt", prepared.args.first());
        Ok(prepared.run())
    }

    /// Refuses, before the container starts, an entrypoint that is not a wasm module and
    /// settings that do not parse (runwasi then fails the task's creation).
    async fn can_handle(&self, ctx: &impl RuntimeContext) -> anyhow::Result<()> {
        match Prepared::from_context(ctx) {
            Ok(_) => Ok(()),
            Err(err) => {
                log::error!("fdvirt cannot run this container: {err}");
                Err(err.into())
            }
        }
    }
}
