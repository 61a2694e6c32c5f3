//! `path_*` calls other than `path_open`: create/remove directories, stat,
//! set times, link, symlink, readlink, rename, unlink.
//!
//! Every path is resolved by cap-std relative to a directory fd, so `..`,
//! absolute paths and symlinks cannot leave it; an attempt is `ENOTCAPABLE`
//! (see [`crate::errno::from_io`]).
//!
//! Trailing slashes follow Linux: `d/` names `d`, which must then be a
//! directory (`rmdir("d/")` succeeds, `stat("f/")` is `ENOTDIR`); see
//! [`split_dir_slash`].

use std::{
    os::unix::ffi::OsStrExt,
    path::{Path, PathBuf},
    time::Duration,
};

use cap_fs_ext::{DirExt, SystemTimeSpec};
use cap_std::{fs::Dir, time::SystemTime};

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    descriptor::{FdEntry, Filestat},
    errno::{Errno, Fault},
    memory,
    types::{FILESTAT_SIZE, LOOKUP_SYMLINK_FOLLOW, Rights},
    wasi::fd_stat::{SetTime, set_times},
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        path_create_directory(fd: u32, path: u32, path_len: u32) -> errno,
        path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, stat: u32) -> errno,
        path_filestat_set_times(
            fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32
        ) -> errno,
        path_link(
            old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32,
            new_fd: u32, new_path: u32, new_path_len: u32
        ) -> errno,
        path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32) -> errno,
        path_remove_directory(fd: u32, path: u32, path_len: u32) -> errno,
        path_rename(
            fd: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32
        ) -> errno,
        path_symlink(old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32) -> errno,
        path_unlink_file(fd: u32, path: u32, path_len: u32) -> errno,
    ];
}

/// Reads a guest path. Absolute paths are refused here already (cap-std
/// would refuse them too), and so are embedded NULs.
///
/// # Errors
///
/// `EFAULT`, `EILSEQ` (not UTF-8), `ENOTCAPABLE` (absolute), `EINVAL` (NUL).
pub(crate) fn guest_path(mem: &[u8], ptr: u32, len: u32) -> Result<&str, Errno> {
    let p = memory::read_str(mem, ptr, len)?;
    if p.starts_with('/') {
        return Err(Errno::Notcapable);
    }
    if p.contains('\0') {
        return Err(Errno::Inval);
    }
    Ok(p)
}

/// Splits trailing slashes off a guest path: `(path without them, whether
/// there were any)`. Linux resolves `x/` (or `x//`) as `x`, which must then
/// be a directory, a final symlink being followed; cap-std refuses some of
/// these forms outright (`rmdir("d/")` was `EINVAL`), so the calls strip the
/// slashes and check the kind themselves. A path of slashes only is left
/// alone (absolute paths are refused before this).
pub(crate) fn split_dir_slash(p: &str) -> (&str, bool) {
    match p.trim_end_matches('/') {
        "" => (p, false),
        base => (base, base.len() != p.len()),
    }
}

/// `ENOTDIR` unless `path` (following symlinks) is a directory: what a
/// trailing slash demands.
fn require_dir(dir: &Dir, path: &str) -> Result<(), Fault> {
    if dir.metadata(path)?.is_dir() {
        Ok(())
    } else {
        Err(Errno::Notdir.into())
    }
}

/// The directory behind `fd`, after checking `right`.
///
/// # Errors
///
/// `EBADF` (not open), `ENOTCAPABLE` (right missing), `ENOTDIR`.
pub(crate) fn dir_entry(cx: &GuestCtx, fd: u32, right: Rights) -> Result<(&FdEntry, &Dir), Errno> {
    let entry = cx.entry(fd)?;
    entry.check(right)?;
    Ok((entry, entry.desc.dir()?))
}

/// Creates a directory.
pub(crate) fn path_create_directory(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
) -> Result<(), Fault> {
    let (_, dir) = dir_entry(cx, fd, Rights::PATH_CREATE_DIRECTORY)?;
    dir.create_dir(split_dir_slash(guest_path(mem, path, path_len)?).0)?;
    Ok(())
}

/// Writes `filestat` for a path, following a final symlink if asked.
pub(crate) fn path_filestat_get(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    stat: u32,
) -> Result<(), Fault> {
    let (_, dir) = dir_entry(cx, fd, Rights::PATH_FILESTAT_GET)?;
    let (p, slash) = split_dir_slash(guest_path(mem, path, path_len)?);
    memory::range(mem.len(), stat, FILESTAT_SIZE)?;
    let meta = if flags & LOOKUP_SYMLINK_FOLLOW != 0 || slash {
        dir.metadata(p)?
    } else {
        dir.symlink_metadata(p)?
    };
    if slash && !meta.is_dir() {
        return Err(Errno::Notdir.into());
    }
    memory::write_bytes(mem, stat, &Filestat::from_metadata(&meta).to_bytes())?;
    Ok(())
}

/// One time argument of `*_set_times` as cap-std wants it.
fn system_time_spec(t: SetTime) -> Option<SystemTimeSpec> {
    match t {
        SetTime::Omit => None,
        SetTime::Now => Some(SystemTimeSpec::SymbolicNow),
        SetTime::At(ns) => {
            let std = std::time::UNIX_EPOCH + Duration::from_nanos(ns);
            Some(SystemTimeSpec::Absolute(SystemTime::from_std(std)))
        }
    }
}

/// Sets access / modification times of a path.
pub(crate) fn path_filestat_set_times(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    flags: u32,
    path: u32,
    path_len: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> Result<(), Fault> {
    let (_, dir) = dir_entry(cx, fd, Rights::PATH_FILESTAT_SET_TIMES)?;
    let (p, slash) = split_dir_slash(guest_path(mem, path, path_len)?);
    let [a, m] = set_times(atim, mtim, fst_flags)?.map(system_time_spec);
    if slash {
        require_dir(dir, p)?;
    }
    if flags & LOOKUP_SYMLINK_FOLLOW != 0 || slash {
        dir.set_times(p, a, m)?;
    } else {
        dir.set_symlink_times(p, a, m)?;
    }
    Ok(())
}

/// Symlinks followed in a row before `ELOOP`, as Linux's `MAXSYMLINKS`.
const MAX_SYMLINKS: usize = 40;

/// Resolves the symlinks at the end of `path` inside `dir`, as
/// `linkat(AT_SYMLINK_FOLLOW)` does before linking: each target is read and
/// joined to the link's parent, and the next lookup goes through cap-std
/// again, so a `..` or absolute target that leaves the preopen fails there
/// (`ENOTCAPABLE`) instead of being followed out. A path that is not a
/// symlink (or does not exist) is returned as it is, for the link itself to
/// report (`ENOENT` for a dangling link).
fn follow_symlinks(dir: &Dir, path: &str) -> Result<PathBuf, Fault> {
    let mut path = PathBuf::from(path);
    for _ in 0..MAX_SYMLINKS {
        if !dir.symlink_metadata(&path).is_ok_and(|m| m.is_symlink()) {
            return Ok(path);
        }
        let target = dir.read_link_contents(&path)?;
        if target.has_root() {
            return Err(Errno::Notcapable.into());
        }
        path = path.parent().unwrap_or(Path::new("")).join(target);
    }
    Err(Errno::Loop.into())
}

/// Creates a hard link `new_fd/new_path` to `old_fd/old_path`; with
/// `LOOKUPFLAGS_SYMLINK_FOLLOW` a symlink as `old_path` is followed (the link
/// names its target, as `linkat(AT_SYMLINK_FOLLOW)`), else the symlink itself
/// is linked.
pub(crate) fn path_link(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    old_fd: u32,
    old_flags: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> Result<(), Fault> {
    let (_, old_dir) = dir_entry(cx, old_fd, Rights::PATH_LINK_SOURCE)?;
    let (_, new_dir) = dir_entry(cx, new_fd, Rights::PATH_LINK_TARGET)?;
    let old = guest_path(mem, old_path, old_path_len)?;
    let new = guest_path(mem, new_path, new_path_len)?;
    if old_flags & LOOKUP_SYMLINK_FOLLOW != 0 {
        old_dir.hard_link(follow_symlinks(old_dir, old)?, new_dir, new)?;
    } else {
        old_dir.hard_link(old, new_dir, new)?;
    }
    Ok(())
}

/// Copies a symlink's target into `buf` (truncated to `buf_len`).
pub(crate) fn path_readlink(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
    buf: u32,
    buf_len: u32,
    bufused: u32,
) -> Result<(), Fault> {
    let (_, dir) = dir_entry(cx, fd, Rights::PATH_READLINK)?;
    let p = guest_path(mem, path, path_len)?;
    memory::range(mem.len(), buf, buf_len)?;
    memory::range(mem.len(), bufused, 4)?;
    let target = dir.read_link_contents(p)?;
    let bytes = target.as_os_str().as_bytes();
    let n = bytes.len().min(buf_len as usize);
    memory::write_bytes(mem, buf, &bytes[..n])?;
    memory::write_u32(mem, bufused, n as u32)?;
    Ok(())
}

/// Removes an empty directory.
pub(crate) fn path_remove_directory(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
) -> Result<(), Fault> {
    let (_, dir) = dir_entry(cx, fd, Rights::PATH_REMOVE_DIRECTORY)?;
    // rmdir(2) of a file or of a symlink (even to a directory) is ENOTDIR by
    // itself, so the slash needs no check of its own here.
    dir.remove_dir(split_dir_slash(guest_path(mem, path, path_len)?).0)?;
    Ok(())
}

/// Renames `fd/old_path` to `new_fd/new_path`.
pub(crate) fn path_rename(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    old_path: u32,
    old_path_len: u32,
    new_fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> Result<(), Fault> {
    let (_, old_dir) = dir_entry(cx, fd, Rights::PATH_RENAME_SOURCE)?;
    let (_, new_dir) = dir_entry(cx, new_fd, Rights::PATH_RENAME_TARGET)?;
    let (old, old_slash) = split_dir_slash(guest_path(mem, old_path, old_path_len)?);
    let (new, new_slash) = split_dir_slash(guest_path(mem, new_path, new_path_len)?);
    // A slash on either side makes it a directory rename: rename(2) does not
    // follow the source, so a file or a symlink there is ENOTDIR.
    if (old_slash || new_slash) && !old_dir.symlink_metadata(old)?.is_dir() {
        return Err(Errno::Notdir.into());
    }
    old_dir.rename(old, new_dir, new)?;
    Ok(())
}

/// Creates a symlink `fd/new_path` pointing at `old_path`. An absolute
/// target is refused (cap-std), since it could only lead outside.
pub(crate) fn path_symlink(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    old_path: u32,
    old_path_len: u32,
    fd: u32,
    new_path: u32,
    new_path_len: u32,
) -> Result<(), Fault> {
    let (_, dir) = dir_entry(cx, fd, Rights::PATH_SYMLINK)?;
    let target = guest_path(mem, old_path, old_path_len)?;
    let link = guest_path(mem, new_path, new_path_len)?;
    dir.symlink(target, link)?;
    Ok(())
}

/// Removes a non-directory.
pub(crate) fn path_unlink_file(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    path: u32,
    path_len: u32,
) -> Result<(), Fault> {
    let (_, dir) = dir_entry(cx, fd, Rights::PATH_UNLINK_FILE)?;
    let (p, slash) = split_dir_slash(guest_path(mem, path, path_len)?);
    if slash {
        // unlink(2) with a trailing slash never removes anything: it answers from the
        // object itself, unfollowed (ENOENT, EISDIR for a directory, else ENOTDIR, a
        // symlink to a directory included).
        return Err(if dir.symlink_metadata(p)?.is_dir() {
            Errno::Isdir
        } else {
            Errno::Notdir
        }
        .into());
    }
    dir.remove_file(p)?;
    Ok(())
}
