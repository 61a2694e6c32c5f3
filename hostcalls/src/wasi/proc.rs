//! `proc_exit`, `proc_raise`, `sched_yield` and `random_get`.

use rand::RngCore;

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    errno::{Errno, Fault, Trap},
    memory,
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        proc_exit(rval: i32) -> nothing,
        proc_raise(sig: u32) -> errno,
        sched_yield() -> errno,
        random_get(buf: u32, buf_len: u32) -> errno,
    ];
}

/// Ends the guest with exit code `rval` (a trap the runner turns into an
/// `ExitStatus`, never an error).
pub(crate) fn proc_exit(_cx: &mut GuestCtx, _mem: &mut [u8], rval: i32) -> Result<(), Fault> {
    Err(Trap::Exit(rval).into())
}

/// Signals are not supported: `ENOSYS`, as in wasmtime's preview1.
pub(crate) fn proc_raise(_cx: &mut GuestCtx, _mem: &mut [u8], _sig: u32) -> Result<(), Fault> {
    Err(Errno::Nosys.into())
}

/// Yields the host thread.
pub(crate) fn sched_yield(_cx: &mut GuestCtx, _mem: &mut [u8]) -> Result<(), Fault> {
    std::thread::yield_now();
    Ok(())
}

/// Fills `buf_len` bytes at `buf` with randomness.
pub(crate) fn random_get(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    buf: u32,
    buf_len: u32,
) -> Result<(), Fault> {
    let dst = memory::slice_mut(mem, buf, buf_len)?;
    cx.rng.fill_bytes(dst);
    Ok(())
}
