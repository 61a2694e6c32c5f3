//! `fd_*` data transfer and lifetime calls: read, write, pread, pwrite,
//! seek, tell, close, renumber.

use std::io::SeekFrom;

use cap_std::fs::{File, FileExt};

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    errno::{Errno, Fault},
    memory::{self, IoVecs},
    types::Rights,
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        fd_read(fd: u32, iovs: u32, iovs_len: u32, nread: u32) -> errno,
        fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten: u32) -> errno,
        fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32) -> errno,
        fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32) -> errno,
        fd_seek(fd: u32, offset: i64, whence: u32, newoffset: u32) -> errno,
        fd_tell(fd: u32, position: u32) -> errno,
        fd_close(fd: u32) -> errno,
        fd_renumber(fd: u32, to: u32) -> errno,
    ];
}

/// Largest host buffer one read allocates; longer reads are short reads.
const MAX_READ: usize = 1 << 20;

/// Reads into the iovecs at the current position.
pub(crate) fn fd_read(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nread: u32,
) -> Result<(), Fault> {
    let entry = cx.entry_mut_with(fd, Rights::FD_READ)?;
    let iovs = memory::iovecs(mem, iovs, iovs_len)?;
    memory::range(mem.len(), nread, 4)?;
    let placed = match iovs.ranges() {
        // One buffer (the common case): read straight into guest memory.
        [one] => {
            let dst = mem.get_mut(one.clone()).ok_or(Errno::Fault)?;
            entry.desc.read(dst)?.min(one.len())
        }
        _ => {
            let mut buf = vec![0u8; iovs.total().min(MAX_READ)];
            let n = entry.desc.read(&mut buf)?;
            iovs.scatter(mem, &buf[..n.min(buf.len())])
        }
    };
    memory::write_u32(mem, nread, placed as u32)?;
    Ok(())
}

/// Writes the iovecs at the current position (or the end in append mode).
pub(crate) fn fd_write(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    nwritten: u32,
) -> Result<(), Fault> {
    let entry = cx.entry_mut_with(fd, Rights::FD_WRITE)?;
    let iovs = memory::iovecs(mem, iovs, iovs_len)?;
    memory::range(mem.len(), nwritten, 4)?;
    let n = match iovs.ranges() {
        // One buffer (the common case): write straight from guest memory.
        [one] => {
            let src = mem.get(one.clone()).ok_or(Errno::Fault)?;
            entry.desc.write(src, entry.flags)?
        }
        _ => entry.desc.write(&iovs.gather(mem), entry.flags)?,
    };
    memory::write_u32(mem, nwritten, n as u32)?;
    Ok(())
}

/// The checks `fd_pread` and `fd_pwrite` share, in this order: `right`
/// plus `FD_SEEK`, a regular file, valid iovecs, room for the count at `out`.
/// All happen before any I/O, so a failing call has no side effects.
fn positioned<'a>(
    cx: &'a GuestCtx,
    mem: &[u8],
    fd: u32,
    right: Rights,
    iovs: u32,
    iovs_len: u32,
    out: u32,
) -> Result<(&'a File, IoVecs), Errno> {
    let entry = cx.entry(fd)?;
    entry.check(right.or(Rights::FD_SEEK))?;
    let file = entry.desc.file()?;
    let iovs = memory::iovecs(mem, iovs, iovs_len)?;
    memory::range(mem.len(), out, 4)?;
    Ok((file, iovs))
}

/// Reads at `offset` without moving the position.
pub(crate) fn fd_pread(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nread: u32,
) -> Result<(), Fault> {
    let (file, iovs) = positioned(cx, mem, fd, Rights::FD_READ, iovs, iovs_len, nread)?;
    let mut buf = vec![0u8; iovs.total().min(MAX_READ)];
    let n = file.read_at(&mut buf, offset)?;
    let placed = iovs.scatter(mem, &buf[..n.min(buf.len())]);
    memory::write_u32(mem, nread, placed as u32)?;
    Ok(())
}

/// Writes at `offset` without moving the position.
pub(crate) fn fd_pwrite(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: u32,
    iovs_len: u32,
    offset: u64,
    nwritten: u32,
) -> Result<(), Fault> {
    let (file, iovs) = positioned(cx, mem, fd, Rights::FD_WRITE, iovs, iovs_len, nwritten)?;
    let data = iovs.gather(mem);
    file.write_all_at(&data, offset)?;
    memory::write_u32(mem, nwritten, data.len() as u32)?;
    Ok(())
}

/// Moves the position; `whence` is SET (0), CUR (1) or END (2).
pub(crate) fn fd_seek(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    offset: i64,
    whence: u32,
    newoffset: u32,
) -> Result<(), Fault> {
    let entry = cx.entry_mut(fd)?;
    // A zero move from the current position only reads it: FD_TELL is enough.
    let allowed = if whence == 1 && offset == 0 {
        entry.base.intersects(Rights::FD_TELL.or(Rights::FD_SEEK))
    } else {
        entry.base.contains(Rights::FD_SEEK)
    };
    if !allowed {
        return Err(Errno::Notcapable.into());
    }
    let pos = match whence {
        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::Inval)?),
        1 => SeekFrom::Current(offset),
        2 => SeekFrom::End(offset),
        _ => return Err(Errno::Inval.into()),
    };
    memory::range(mem.len(), newoffset, 8)?;
    let new = entry.desc.seek(pos)?;
    memory::write_u64(mem, newoffset, new)?;
    Ok(())
}

/// Reports the current position.
pub(crate) fn fd_tell(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    position: u32,
) -> Result<(), Fault> {
    let entry = cx.entry_mut_with(fd, Rights::FD_TELL)?;
    memory::range(mem.len(), position, 8)?;
    let pos = entry.desc.seek(SeekFrom::Current(0))?;
    memory::write_u64(mem, position, pos)?;
    Ok(())
}

/// Closes `fd`. The entry is detached from the table first and dropped
/// after, outside any borrow of the table.
pub(crate) fn fd_close(cx: &mut GuestCtx, _mem: &mut [u8], fd: u32) -> Result<(), Fault> {
    let entry = cx.fds.try_remove(fd).ok_or(Errno::Badf)?;
    drop(entry);
    Ok(())
}

/// Moves `fd` onto `to`, closing what `to` referred to. As in wasmtime,
/// both must be open.
pub(crate) fn fd_renumber(
    cx: &mut GuestCtx,
    _mem: &mut [u8],
    fd: u32,
    to: u32,
) -> Result<(), Fault> {
    if !cx.fds.contains(fd) || !cx.fds.contains(to) {
        return Err(Errno::Badf.into());
    }
    let replaced = cx.fds.renumber(fd, to)?;
    drop(replaced);
    Ok(())
}
