//! `path_open`: open or create a file or directory relative to a directory
//! fd, with WASI `oflags`, rights and `fdflags`.
//!
//! Rights follow preview1: the directory needs `PATH_OPEN` (plus
//! `PATH_CREATE_FILE` for `O_CREAT`, `PATH_FILESTAT_SET_SIZE` for
//! `O_TRUNC`), and every right requested for the new fd that applies to
//! files or directories must be in the directory's *inheriting* rights,
//! else `ENOTCAPABLE`. The new fd gets the requested rights that apply to
//! the kind of object actually opened. Asking for `FD_WRITE` on a directory
//! is `EISDIR`, as `open(dir, O_RDWR | O_DIRECTORY)` is.

use cap_fs_ext::{
    DirExt, FollowSymlinks, OpenOptionsFollowExt, OpenOptionsMaybeDirExt, OpenOptionsSyncExt,
};
use cap_std::fs::{Dir, OpenOptions};

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    descriptor::{Descriptor, DirDesc, FdEntry, FileDesc},
    errno::{Errno, Fault},
    memory,
    types::{LOOKUP_SYMLINK_FOLLOW, Rights, fdflags, flags16, oflags},
    wasi::path::{dir_entry, guest_path},
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        path_open(
            fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32,
            fs_rights_base: u64, fs_rights_inheriting: u64, fdflags: u32, opened_fd: u32
        ) -> errno,
    ];
}

/// Decoded `path_open` request.
#[derive(Debug, Clone, Copy)]
struct Request {
    follow: bool,
    oflags: u16,
    base: Rights,
    inheriting: Rights,
    fdflags: u16,
}

impl Request {
    /// Validates the raw ABI values (unknown flag bits are `EINVAL`).
    fn decode(
        dirflags: u32,
        oflags_raw: u32,
        base: u64,
        inheriting: u64,
        fdflags_raw: u32,
    ) -> Result<Self, Errno> {
        Ok(Request {
            follow: dirflags & LOOKUP_SYMLINK_FOLLOW != 0,
            oflags: flags16(oflags_raw, oflags::ALL)?,
            base: Rights(base).and(Rights::KNOWN),
            inheriting: Rights(inheriting).and(Rights::KNOWN),
            fdflags: flags16(fdflags_raw, fdflags::ALL)?,
        })
    }

    /// True when `oflags` has `flag`.
    fn has(&self, flag: u16) -> bool {
        self.oflags & flag != 0
    }

    /// Rights the directory must hold in its base set.
    fn dir_rights(&self) -> Rights {
        let mut r = Rights::PATH_OPEN;
        if self.has(oflags::CREAT) {
            r = r.or(Rights::PATH_CREATE_FILE);
        }
        if self.has(oflags::TRUNC) {
            r = r.or(Rights::PATH_FILESTAT_SET_SIZE);
        }
        r
    }

    /// The host file is opened writable only when a write can follow (a
    /// write-like right or APPEND) or the open itself modifies (CREAT,
    /// TRUNC), so read-only guests never hold a writable host fd.
    fn wants_write(&self) -> bool {
        let write = Rights::FD_WRITE
            .or(Rights::FD_ALLOCATE)
            .or(Rights::FD_FILESTAT_SET_SIZE);
        self.base.intersects(write)
            || self.fdflags & fdflags::APPEND != 0
            || self.has(oflags::TRUNC)
            || self.has(oflags::CREAT)
    }

    /// Host open options. Read access is also taken when nothing writes,
    /// since open(2) needs one of the two; `maybe_dir` lets a read-only open
    /// reach a directory, which `open` then turns into a `Dir`.
    fn options(&self) -> OpenOptions {
        let mut o = OpenOptions::new();
        let write = self.wants_write();
        let read = self.base.intersects(Rights::FD_READ.or(Rights::FD_READDIR)) || !write;
        o.read(read)
            .write(write)
            .create(self.has(oflags::CREAT))
            .create_new(self.has(oflags::CREAT) && self.has(oflags::EXCL))
            .truncate(self.has(oflags::TRUNC))
            .maybe_dir(!write)
            .sync(self.fdflags & fdflags::SYNC != 0)
            .dsync(self.fdflags & fdflags::DSYNC != 0)
            .rsync(self.fdflags & fdflags::RSYNC != 0)
            .follow(if self.follow {
                FollowSymlinks::Yes
            } else {
                FollowSymlinks::No
            });
        o
    }
}

/// Opens the object: a directory when asked for one or when the path turns
/// out to be one, else a file.
fn open(dir: &Dir, path: &str, req: &Request) -> Result<Descriptor, Fault> {
    let as_dir = |d: Dir| {
        Descriptor::Dir(DirDesc {
            dir: d,
            preopen: None,
            listing: None,
        })
    };
    if req.has(oflags::DIRECTORY) {
        if req.has(oflags::CREAT) || req.has(oflags::TRUNC) {
            return Err(Errno::Inval.into());
        }
        let d = if req.follow {
            dir.open_dir(path)?
        } else {
            dir.open_dir_nofollow(path)?
        };
        // open(2) refuses a directory opened for writing (`O_RDWR | O_DIRECTORY` is
        // EISDIR), and so does wasmtime; the directory was opened first so that a
        // missing path or a file still gives ENOENT / ENOTDIR, as in open(2).
        if req.base.intersects(Rights::FD_WRITE) {
            return Err(Errno::Isdir.into());
        }
        return Ok(as_dir(d));
    }
    let file = dir.open_with(path, &req.options())?;
    if file.metadata()?.is_dir() {
        return Ok(as_dir(Dir::from_std_file(file.into_std())));
    }
    Ok(Descriptor::File(FileDesc { file }))
}

/// Opens `path` relative to directory `fd`; writes the new fd.
pub(crate) fn path_open(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    dirflags: u32,
    path: u32,
    path_len: u32,
    oflags_raw: u32,
    fs_rights_base: u64,
    fs_rights_inheriting: u64,
    fdflags_raw: u32,
    opened_fd: u32,
) -> Result<(), Fault> {
    let req = Request::decode(
        dirflags,
        oflags_raw,
        fs_rights_base,
        fs_rights_inheriting,
        fdflags_raw,
    )?;
    let (entry, _) = dir_entry(cx, fd, req.dir_rights())?;
    let applicable = Rights::FILE.or(Rights::DIR);
    if !entry.inheriting.contains(req.base.and(applicable)) {
        return Err(Errno::Notcapable.into());
    }
    let parent_inheriting = entry.inheriting;
    let p = guest_path(mem, path, path_len)?;
    memory::range(mem.len(), opened_fd, 4)?;
    // EMFILE before any file is created, as open(2) does. The reservation
    // cannot be held across `open` (it borrows the table that also holds the
    // directory), so it is only a probe: the guest is single-threaded, so the
    // `insert` below then succeeds, and it is the one allocation the policy
    // (and its quarantine clock) counts.
    let _probe = cx.fds.vacant_fd()?.fd();
    let (_, dir) = dir_entry(cx, fd, Rights::NONE)?;
    let desc = open(dir, p, &req)?;
    let kind_rights = match desc {
        Descriptor::Dir(_) => Rights::DIR,
        _ => Rights::FILE,
    };
    let mut new = FdEntry::new(
        desc,
        req.base.and(kind_rights).and(parent_inheriting),
        req.inheriting.and(parent_inheriting),
    );
    new.flags = req.fdflags;
    let new_fd = cx.fds.insert(new)?;
    memory::write_u32(mem, opened_fd, new_fd)?;
    Ok(())
}
