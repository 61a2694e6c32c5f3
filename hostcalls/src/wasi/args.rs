//! `args_*` and `environ_*`: argv and the environment, as NUL-terminated
//! strings packed into one guest buffer plus an array of u32 pointers.

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    errno::{Errno, Fault},
    memory,
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        args_get(argv: u32, argv_buf: u32) -> errno,
        args_sizes_get(argc: u32, argv_buf_size: u32) -> errno,
        environ_get(environ: u32, environ_buf: u32) -> errno,
        environ_sizes_get(environc: u32, environ_buf_size: u32) -> errno,
    ];
}

/// Writes `count` and the total bytes including one NUL per string.
fn sizes(mem: &mut [u8], list: &[Vec<u8>], count_ptr: u32, size_ptr: u32) -> Result<(), Fault> {
    let count = u32::try_from(list.len()).map_err(|_| Errno::Overflow)?;
    let bytes = list
        .iter()
        .try_fold(0u32, |acc, s| {
            u32::try_from(s.len())
                .ok()
                .and_then(|n| acc.checked_add(n)?.checked_add(1))
        })
        .ok_or(Errno::Overflow)?;
    memory::write_u32(mem, count_ptr, count)?;
    memory::write_u32(mem, size_ptr, bytes)?;
    Ok(())
}

/// Fills the pointer array at `ptrs` and the string buffer at `buf`.
fn fill(mem: &mut [u8], list: &[Vec<u8>], ptrs: u32, buf: u32) -> Result<(), Fault> {
    let mut cursor = buf;
    for (i, s) in list.iter().enumerate() {
        let slot = u32::try_from(i)
            .ok()
            .and_then(|i| i.checked_mul(4))
            .and_then(|off| ptrs.checked_add(off))
            .ok_or(Errno::Fault)?;
        memory::write_u32(mem, slot, cursor)?;
        memory::write_bytes(mem, cursor, s)?;
        let len = u32::try_from(s.len()).map_err(|_| Errno::Fault)?;
        let nul = cursor.checked_add(len).ok_or(Errno::Fault)?;
        memory::write_u8(mem, nul, 0)?;
        cursor = nul.checked_add(1).ok_or(Errno::Fault)?;
    }
    Ok(())
}

/// Writes argv pointers and strings.
pub(crate) fn args_get(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    argv: u32,
    buf: u32,
) -> Result<(), Fault> {
    fill(mem, &cx.args, argv, buf)
}

/// Reports argc and the argv buffer size.
pub(crate) fn args_sizes_get(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    argc: u32,
    size: u32,
) -> Result<(), Fault> {
    sizes(mem, &cx.args, argc, size)
}

/// Writes environment pointers and `KEY=VALUE` strings.
pub(crate) fn environ_get(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    environ: u32,
    buf: u32,
) -> Result<(), Fault> {
    fill(mem, &cx.env, environ, buf)
}

/// Reports the environment count and buffer size.
pub(crate) fn environ_sizes_get(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    count: u32,
    size: u32,
) -> Result<(), Fault> {
    sizes(mem, &cx.env, count, size)
}
