//! Stopping the guest on `SIGTERM` / `SIGINT`.
//!
//! The guest runs as PID 1 of the container's PID namespace, and the kernel drops
//! signals sent to a namespace's init from outside unless it installed a handler for
//! them. Without one, `ctr task kill` (SIGTERM) would do nothing and every stop would wait
//! for containerd's SIGKILL. The wasm engine cannot be interrupted at an arbitrary point,
//! so the handler ends the process the way the default action would have: exit status
//! 128 + signal number, which containerd reports exactly as a process killed by it.

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Installs the handlers and a thread that exits the process on the first signal.
///
/// # Errors
///
/// When the handlers cannot be registered.
pub(crate) fn exit_on_termination() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGTERM, SIGINT])?;
    std::thread::Builder::new()
        .name("fdvirt-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                log::info!("guest stopped by signal {signal}");
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}
