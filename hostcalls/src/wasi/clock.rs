//! `clock_res_get` and `clock_time_get`: realtime, monotonic, and process /
//! thread CPU time, all in nanoseconds.

use rustix::time::ClockId;

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    errno::{Errno, Fault},
    memory,
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        clock_res_get(id: u32, resolution: u32) -> errno,
        clock_time_get(id: u32, precision: u64, time: u32) -> errno,
    ];
}

/// WASI `clockid` -> host clock.
fn clock(id: u32) -> Result<ClockId, Errno> {
    match id {
        0 => Ok(ClockId::Realtime),
        1 => Ok(ClockId::Monotonic),
        2 => Ok(ClockId::ProcessCPUTime),
        3 => Ok(ClockId::ThreadCPUTime),
        _ => Err(Errno::Inval),
    }
}

/// `secs` + `nsec` as ns since the epoch, clamped to `0..=u64::MAX`: WASI
/// times are u64, so a pre-1970 time reads as 0 and the far future
/// saturates instead of wrapping. Shared with `Filestat` times.
pub(crate) fn nanos(secs: i64, nsec: i64) -> u64 {
    let total = i128::from(secs) * 1_000_000_000 + i128::from(nsec);
    u64::try_from(total.max(0)).unwrap_or(u64::MAX)
}

/// The current time of clock `id`, in ns.
///
/// # Errors
///
/// `EINVAL` for an unknown clock id.
pub(crate) fn now(id: u32) -> Result<u64, Errno> {
    let t = rustix::time::clock_gettime(clock(id)?);
    Ok(nanos(t.tv_sec, t.tv_nsec))
}

/// Writes the resolution of clock `id`.
pub(crate) fn clock_res_get(
    _cx: &mut GuestCtx,
    mem: &mut [u8],
    id: u32,
    resolution: u32,
) -> Result<(), Fault> {
    let t = rustix::time::clock_getres(clock(id)?);
    let res = nanos(t.tv_sec, t.tv_nsec).max(1);
    memory::write_u64(mem, resolution, res)?;
    Ok(())
}

/// Writes the current time of clock `id`; `precision` is a hint and ignored.
pub(crate) fn clock_time_get(
    _cx: &mut GuestCtx,
    mem: &mut [u8],
    id: u32,
    _precision: u64,
    time: u32,
) -> Result<(), Fault> {
    memory::write_u64(mem, time, now(id)?)?;
    Ok(())
}
