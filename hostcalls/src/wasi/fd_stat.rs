//! `fd_*` metadata and hint calls: fdstat, filestat, sizes, times, advise,
//! allocate, sync, datasync.

use std::{io, num::NonZeroU64};

use rustix::fs::{Advice, Timespec, Timestamps, UTIME_NOW, UTIME_OMIT};

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    descriptor::Descriptor,
    errno::{Errno, Fault},
    memory,
    types::{FDSTAT_SIZE, FILESTAT_SIZE, Rights, fdflags, flags16, fstflags},
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        fd_fdstat_get(fd: u32, stat: u32) -> errno,
        fd_fdstat_set_flags(fd: u32, flags: u32) -> errno,
        fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> errno,
        fd_filestat_get(fd: u32, stat: u32) -> errno,
        fd_filestat_set_size(fd: u32, size: u64) -> errno,
        fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst_flags: u32) -> errno,
        fd_advise(fd: u32, offset: u64, len: u64, advice: u32) -> errno,
        fd_allocate(fd: u32, offset: u64, len: u64) -> errno,
        fd_datasync(fd: u32) -> errno,
        fd_sync(fd: u32) -> errno,
    ];
}

/// Writes `fdstat` (layout in [`crate::types::FDSTAT_SIZE`]).
pub(crate) fn fd_fdstat_get(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    stat: u32,
) -> Result<(), Fault> {
    let entry = cx.entry(fd)?;
    let mut b = [0u8; FDSTAT_SIZE as usize];
    b[0] = entry.desc.filetype() as u8;
    b[2..4].copy_from_slice(&entry.flags.to_le_bytes());
    b[8..16].copy_from_slice(&entry.base.0.to_le_bytes());
    b[16..24].copy_from_slice(&entry.inheriting.0.to_le_bytes());
    memory::write_bytes(mem, stat, &b)?;
    Ok(())
}

/// Changes APPEND / NONBLOCK; the sync flags can only be chosen at open.
pub(crate) fn fd_fdstat_set_flags(
    cx: &mut GuestCtx,
    _mem: &mut [u8],
    fd: u32,
    flags: u32,
) -> Result<(), Fault> {
    let entry = cx.entry_mut_with(fd, Rights::FD_FDSTAT_SET_FLAGS)?;
    let flags = flags16(flags, fdflags::ALL)?;
    let changeable = fdflags::APPEND | fdflags::NONBLOCK;
    if (flags ^ entry.flags) & !changeable != 0 {
        return Err(Errno::Inval.into());
    }
    entry.flags = flags;
    if let Descriptor::Socket(s) = &mut entry.desc {
        s.set_nonblocking(flags & fdflags::NONBLOCK != 0);
    }
    Ok(())
}

/// Drops rights; asking for a right the fd lacks is `ENOTCAPABLE`.
pub(crate) fn fd_fdstat_set_rights(
    cx: &mut GuestCtx,
    _mem: &mut [u8],
    fd: u32,
    base: u64,
    inheriting: u64,
) -> Result<(), Fault> {
    let entry = cx.entry_mut(fd)?;
    let (base, inheriting) = (Rights(base), Rights(inheriting));
    if !entry.base.contains(base) || !entry.inheriting.contains(inheriting) {
        return Err(Errno::Notcapable.into());
    }
    entry.base = base;
    entry.inheriting = inheriting;
    Ok(())
}

/// Writes `filestat` for the fd's object.
pub(crate) fn fd_filestat_get(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    stat: u32,
) -> Result<(), Fault> {
    let entry = cx.entry_with(fd, Rights::FD_FILESTAT_GET)?;
    memory::range(mem.len(), stat, FILESTAT_SIZE)?;
    let st = entry.desc.filestat()?;
    memory::write_bytes(mem, stat, &st.to_bytes())?;
    Ok(())
}

/// Truncates or extends the file.
pub(crate) fn fd_filestat_set_size(
    cx: &mut GuestCtx,
    _mem: &mut [u8],
    fd: u32,
    size: u64,
) -> Result<(), Fault> {
    let entry = cx.entry_with(fd, Rights::FD_FILESTAT_SET_SIZE)?;
    entry.desc.file()?.set_len(size)?;
    Ok(())
}

/// One time argument of the `*_set_times` calls, decoded from `fst_flags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetTime {
    /// Leave the time as it is.
    Omit,
    /// The host's current time.
    Now,
    /// This many ns since the epoch.
    At(u64),
}

/// Decodes `[atim, mtim]` for `fd_filestat_set_times` and
/// `path_filestat_set_times`, so both reject the same flags.
///
/// # Errors
///
/// `EINVAL` when a flag is unknown or a time is both "now" and given.
pub(crate) fn set_times(atim: u64, mtim: u64, flags: u32) -> Result<[SetTime; 2], Errno> {
    if flags & !0xf != 0 {
        return Err(Errno::Inval);
    }
    let has = |bit: u16| flags & u32::from(bit) != 0;
    let one = |t: u64, set: u16, now: u16| match (has(set), has(now)) {
        (true, true) => Err(Errno::Inval),
        (true, false) => Ok(SetTime::At(t)),
        (false, true) => Ok(SetTime::Now),
        (false, false) => Ok(SetTime::Omit),
    };
    Ok([
        one(atim, fstflags::ATIM, fstflags::ATIM_NOW)?,
        one(mtim, fstflags::MTIM, fstflags::MTIM_NOW)?,
    ])
}

impl SetTime {
    /// As `futimens` wants it (`UTIME_OMIT` / `UTIME_NOW` in `tv_nsec`).
    fn timespec(self) -> Timespec {
        let (tv_sec, tv_nsec) = match self {
            SetTime::Omit => (0, UTIME_OMIT),
            SetTime::Now => (0, UTIME_NOW),
            SetTime::At(t) => ((t / 1_000_000_000) as i64, (t % 1_000_000_000) as _),
        };
        Timespec { tv_sec, tv_nsec }
    }
}

/// Sets access / modification times of the fd's file or directory.
pub(crate) fn fd_filestat_set_times(
    cx: &mut GuestCtx,
    _mem: &mut [u8],
    fd: u32,
    atim: u64,
    mtim: u64,
    fst_flags: u32,
) -> Result<(), Fault> {
    let entry = cx.entry_with(fd, Rights::FD_FILESTAT_SET_TIMES)?;
    let [a, m] = set_times(atim, mtim, fst_flags)?;
    let times = Timestamps {
        last_access: a.timespec(),
        last_modification: m.timespec(),
    };
    let res = match &entry.desc {
        Descriptor::File(f) => rustix::fs::futimens(&f.file, &times),
        Descriptor::Dir(d) => rustix::fs::futimens(&d.dir, &times),
        _ => return Err(Errno::Badf.into()),
    };
    res.map_err(io::Error::from)?;
    Ok(())
}

/// Passes an access-pattern hint to the host.
pub(crate) fn fd_advise(
    cx: &mut GuestCtx,
    _mem: &mut [u8],
    fd: u32,
    offset: u64,
    len: u64,
    advice: u32,
) -> Result<(), Fault> {
    let entry = cx.entry_with(fd, Rights::FD_ADVISE)?;
    let advice = match advice {
        0 => Advice::Normal,
        1 => Advice::Sequential,
        2 => Advice::Random,
        3 => Advice::WillNeed,
        4 => Advice::DontNeed,
        5 => Advice::NoReuse,
        _ => return Err(Errno::Inval.into()),
    };
    let file = entry.desc.file()?;
    rustix::fs::fadvise(file, offset, NonZeroU64::new(len), advice).map_err(io::Error::from)?;
    Ok(())
}

/// Ensures `[offset, offset + len)` is backed: extends the file if shorter
/// (`posix_fallocate` semantics, without preallocating blocks).
pub(crate) fn fd_allocate(
    cx: &mut GuestCtx,
    _mem: &mut [u8],
    fd: u32,
    offset: u64,
    len: u64,
) -> Result<(), Fault> {
    let entry = cx.entry_with(fd, Rights::FD_ALLOCATE)?;
    let file = entry.desc.file()?;
    let end = offset.checked_add(len).ok_or(Errno::Fbig)?;
    if i64::try_from(end).is_err() {
        return Err(Errno::Fbig.into());
    }
    if file.metadata()?.len() < end {
        file.set_len(end)?;
    }
    Ok(())
}

/// Flushes file data.
pub(crate) fn fd_datasync(cx: &mut GuestCtx, _mem: &mut [u8], fd: u32) -> Result<(), Fault> {
    let entry = cx.entry_with(fd, Rights::FD_DATASYNC)?;
    entry.desc.sync(true)
}

/// Flushes file data and metadata.
pub(crate) fn fd_sync(cx: &mut GuestCtx, _mem: &mut [u8], fd: u32) -> Result<(), Fault> {
    let entry = cx.entry_with(fd, Rights::FD_SYNC)?;
    entry.desc.sync(false)
}
