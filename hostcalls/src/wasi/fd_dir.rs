//! Directory fds: `fd_readdir`, `fd_prestat_get`, `fd_prestat_dir_name`.

use std::os::unix::ffi::OsStrExt;

use cap_fs_ext::OsMetadataExt;
use cap_std::fs::Dir;
use rustix::fs::DirEntryExt;

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    descriptor::{Descriptor, filetype_from},
    errno::{Errno, Fault},
    memory,
    types::{DIRENT_SIZE, Filetype, Rights},
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32) -> errno,
        fd_prestat_get(fd: u32, prestat: u32) -> errno,
        fd_prestat_dir_name(fd: u32, path: u32, path_len: u32) -> errno,
    ];
}

/// One directory entry as `fd_readdir` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dirent {
    /// Inode number.
    pub ino: u64,
    /// File type.
    pub filetype: Filetype,
    /// Name bytes (not NUL-terminated).
    pub name: Vec<u8>,
}

/// Lists a directory: `.` and `..` first, then entries sorted by name so
/// cookies (indices into this list) are stable across calls.
fn list(dir: &Dir) -> Result<Vec<Dirent>, Fault> {
    let ino_of = |p: &str| dir.metadata(p).map(|m| m.ino()).unwrap_or(0);
    let mut out = vec![
        Dirent {
            ino: ino_of("."),
            filetype: Filetype::Directory,
            name: b".".to_vec(),
        },
        Dirent {
            ino: ino_of(".."),
            filetype: Filetype::Directory,
            name: b"..".to_vec(),
        },
    ];
    for entry in dir.entries()? {
        let entry = entry?;
        let filetype = entry
            .file_type()
            .map(filetype_from)
            .unwrap_or(Filetype::Unknown);
        out.push(Dirent {
            ino: entry.ino(),
            filetype,
            name: entry.file_name().as_bytes().to_vec(),
        });
    }
    out[2..].sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The 24-byte `dirent` header followed by the name.
fn encode(d: &Dirent, next: u64) -> Vec<u8> {
    let mut b = Vec::with_capacity(DIRENT_SIZE as usize + d.name.len());
    b.extend_from_slice(&next.to_le_bytes());
    b.extend_from_slice(&d.ino.to_le_bytes());
    b.extend_from_slice(&(d.name.len() as u32).to_le_bytes());
    b.push(d.filetype as u8);
    b.extend_from_slice(&[0, 0, 0]);
    b.extend_from_slice(&d.name);
    b
}

/// Fills `buf` with entries starting at index `cookie`. The last entry may
/// be cut off when the buffer is full (`bufused == buf_len` tells the guest
/// to call again with a larger buffer or the next cookie); `bufused <
/// buf_len` means the end was reached.
pub(crate) fn fd_readdir(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    buf: u32,
    buf_len: u32,
    cookie: u64,
    bufused: u32,
) -> Result<(), Fault> {
    let entry = cx.entry_mut_with(fd, Rights::FD_READDIR)?;
    let Descriptor::Dir(d) = &mut entry.desc else {
        return Err(Errno::Notdir.into());
    };
    memory::range(mem.len(), bufused, 4)?;
    if cookie == 0 || d.listing.is_none() {
        d.listing = Some(list(&d.dir)?);
    }
    let listing = d.listing.as_deref().unwrap_or_default();
    let start = usize::try_from(cookie).unwrap_or(usize::MAX);
    let out = memory::slice_mut(mem, buf, buf_len)?;
    let mut used = 0usize;
    for (i, ent) in listing.iter().enumerate().skip(start) {
        let bytes = encode(ent, i as u64 + 1);
        let n = bytes.len().min(out.len() - used);
        out[used..used + n].copy_from_slice(&bytes[..n]);
        used += n;
        if used == out.len() {
            break;
        }
    }
    memory::write_u32(mem, bufused, used as u32)?;
    Ok(())
}

/// The guest name of preopen `fd`, or `EBADF` (which ends wasi-libc's
/// preopen scan) for anything else.
fn preopen_name(cx: &GuestCtx, fd: u32) -> Result<&str, Errno> {
    match &cx.entry(fd)?.desc {
        Descriptor::Dir(d) => d.preopen.as_deref().ok_or(Errno::Badf),
        _ => Err(Errno::Badf),
    }
}

/// Writes `prestat { tag: 0 (dir) @0, pr_name_len: u32 @4 }`.
pub(crate) fn fd_prestat_get(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    prestat: u32,
) -> Result<(), Fault> {
    let len = preopen_name(cx, fd)?.len() as u32;
    memory::range(mem.len(), prestat, 8)?;
    memory::write_u32(mem, prestat, 0)?;
    memory::write_u32(mem, prestat.checked_add(4).ok_or(Errno::Fault)?, len)?;
    Ok(())
}

/// Copies the preopen's guest name (no NUL) into `path`.
pub(crate) fn fd_prestat_dir_name(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
) -> Result<(), Fault> {
    let name = preopen_name(cx, fd)?;
    if name.len() > path_len as usize {
        return Err(Errno::Nametoolong.into());
    }
    memory::write_bytes(mem, path, name.as_bytes())?;
    Ok(())
}
