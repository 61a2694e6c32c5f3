//! WASI preview1 ABI constants and byte layouts (witx `typenames.witx`).
//!
//! Every multi-byte field is little-endian (wasm32 linear memory). Offsets
//! and sizes below are the C ABI layout wasi-libc compiles against.

/// A set of WASI rights (`rights`, u64 bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rights(pub u64);

macro_rules! rights {
    ($($name:ident = $bit:expr;)*) => {
        impl Rights {
            $(
                #[doc = concat!("The `", stringify!($name), "` right (bit ", stringify!($bit), ").")]
                pub const $name: Rights = Rights(1 << $bit);
            )*
        }
    };
}

rights! {
    FD_DATASYNC = 0; FD_READ = 1; FD_SEEK = 2; FD_FDSTAT_SET_FLAGS = 3; FD_SYNC = 4;
    FD_TELL = 5; FD_WRITE = 6; FD_ADVISE = 7; FD_ALLOCATE = 8; PATH_CREATE_DIRECTORY = 9;
    PATH_CREATE_FILE = 10; PATH_LINK_SOURCE = 11; PATH_LINK_TARGET = 12; PATH_OPEN = 13;
    FD_READDIR = 14; PATH_READLINK = 15; PATH_RENAME_SOURCE = 16; PATH_RENAME_TARGET = 17;
    PATH_FILESTAT_GET = 18; PATH_FILESTAT_SET_SIZE = 19; PATH_FILESTAT_SET_TIMES = 20;
    FD_FILESTAT_GET = 21; FD_FILESTAT_SET_SIZE = 22; FD_FILESTAT_SET_TIMES = 23;
    PATH_SYMLINK = 24; PATH_REMOVE_DIRECTORY = 25; PATH_UNLINK_FILE = 26;
    POLL_FD_READWRITE = 27; SOCK_SHUTDOWN = 28; SOCK_ACCEPT = 29;
}

impl Rights {
    /// No rights at all.
    pub const NONE: Rights = Rights(0);
    /// Every right preview1 defines (bits 0..=29); higher bits are ignored.
    pub const KNOWN: Rights = Rights((1 << 30) - 1);

    /// Rights that make sense on a regular file descriptor.
    pub const FILE: Rights = Rights(
        Self::FD_DATASYNC.0
            | Self::FD_READ.0
            | Self::FD_SEEK.0
            | Self::FD_FDSTAT_SET_FLAGS.0
            | Self::FD_SYNC.0
            | Self::FD_TELL.0
            | Self::FD_WRITE.0
            | Self::FD_ADVISE.0
            | Self::FD_ALLOCATE.0
            | Self::FD_FILESTAT_GET.0
            | Self::FD_FILESTAT_SET_SIZE.0
            | Self::FD_FILESTAT_SET_TIMES.0
            | Self::POLL_FD_READWRITE.0,
    );

    /// Rights that make sense on a directory descriptor.
    pub const DIR: Rights = Rights(
        Self::FD_DATASYNC.0
            | Self::FD_FDSTAT_SET_FLAGS.0
            | Self::FD_SYNC.0
            | Self::PATH_CREATE_DIRECTORY.0
            | Self::PATH_CREATE_FILE.0
            | Self::PATH_LINK_SOURCE.0
            | Self::PATH_LINK_TARGET.0
            | Self::PATH_OPEN.0
            | Self::FD_READDIR.0
            | Self::PATH_READLINK.0
            | Self::PATH_RENAME_SOURCE.0
            | Self::PATH_RENAME_TARGET.0
            | Self::PATH_FILESTAT_GET.0
            | Self::PATH_FILESTAT_SET_SIZE.0
            | Self::PATH_FILESTAT_SET_TIMES.0
            | Self::FD_FILESTAT_GET.0
            | Self::FD_FILESTAT_SET_TIMES.0
            | Self::PATH_SYMLINK.0
            | Self::PATH_REMOVE_DIRECTORY.0
            | Self::PATH_UNLINK_FILE.0,
    );

    /// Rights of the standard input stream.
    pub const STDIN: Rights = Rights(
        Self::FD_READ.0
            | Self::FD_FDSTAT_SET_FLAGS.0
            | Self::FD_FILESTAT_GET.0
            | Self::POLL_FD_READWRITE.0,
    );

    /// Rights of the standard output and error streams.
    pub const STDOUT: Rights = Rights(
        Self::FD_WRITE.0
            | Self::FD_FDSTAT_SET_FLAGS.0
            | Self::FD_FILESTAT_GET.0
            | Self::POLL_FD_READWRITE.0,
    );

    /// True when every right in `other` is also in `self`.
    pub const fn contains(self, other: Rights) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when any right in `other` is in `self`.
    pub const fn intersects(self, other: Rights) -> bool {
        self.0 & other.0 != 0
    }

    /// The rights in both sets.
    pub const fn and(self, other: Rights) -> Rights {
        Rights(self.0 & other.0)
    }

    /// The rights in either set.
    pub const fn or(self, other: Rights) -> Rights {
        Rights(self.0 | other.0)
    }
}

/// `filetype` (u8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Filetype {
    /// Unknown or other.
    Unknown = 0,
    /// Block device.
    BlockDevice = 1,
    /// Character device (terminals, stdio).
    CharacterDevice = 2,
    /// Directory.
    Directory = 3,
    /// Regular file.
    RegularFile = 4,
    /// Datagram socket.
    SocketDgram = 5,
    /// Stream socket.
    SocketStream = 6,
    /// Symbolic link.
    SymbolicLink = 7,
}

/// A u16 flag set (`fdflags`, `oflags`) as the ABI passes it, in a u32.
///
/// # Errors
///
/// `EINVAL` when the value does not fit a u16 or has a bit outside `known`.
pub(crate) fn flags16(raw: u32, known: u16) -> Result<u16, crate::errno::Errno> {
    u16::try_from(raw)
        .ok()
        .filter(|f| f & !known == 0)
        .ok_or(crate::errno::Errno::Inval)
}

/// `fdflags` (u16) bits.
pub mod fdflags {
    /// Append mode: data written goes to the end of the file.
    pub const APPEND: u16 = 1 << 0;
    /// Write according to synchronized I/O data integrity completion.
    pub const DSYNC: u16 = 1 << 1;
    /// Non-blocking mode.
    pub const NONBLOCK: u16 = 1 << 2;
    /// Synchronized read I/O.
    pub const RSYNC: u16 = 1 << 3;
    /// Synchronized I/O file integrity completion.
    pub const SYNC: u16 = 1 << 4;
    /// Every defined flag.
    pub const ALL: u16 = 0x1f;
}

/// `oflags` (u16) bits for `path_open`.
pub mod oflags {
    /// Create the file if it does not exist.
    pub const CREAT: u16 = 1 << 0;
    /// Fail if not a directory.
    pub const DIRECTORY: u16 = 1 << 1;
    /// Fail if it already exists.
    pub const EXCL: u16 = 1 << 2;
    /// Truncate to size 0.
    pub const TRUNC: u16 = 1 << 3;
    /// Every defined flag.
    pub const ALL: u16 = 0xf;
}

/// `lookupflags` (u32): follow a final symlink.
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `fstflags` (u16) bits for the `*_set_times` calls.
pub mod fstflags {
    /// Set atime to the given value.
    pub const ATIM: u16 = 1 << 0;
    /// Set atime to now.
    pub const ATIM_NOW: u16 = 1 << 1;
    /// Set mtime to the given value.
    pub const MTIM: u16 = 1 << 2;
    /// Set mtime to now.
    pub const MTIM_NOW: u16 = 1 << 3;
}

/// Byte layout of `fdstat` (24 bytes, align 8):
/// `fs_filetype: u8 @0, fs_flags: u16 @2, fs_rights_base: u64 @8, fs_rights_inheriting: u64 @16`.
pub const FDSTAT_SIZE: u32 = 24;
/// Byte layout of `filestat` (64 bytes): `dev @0, ino @8, filetype: u8 @16, nlink @24,
/// size @32, atim @40, mtim @48, ctim @56` (all u64 except filetype).
pub const FILESTAT_SIZE: u32 = 64;
/// Byte layout of `dirent` header (24 bytes): `d_next: u64 @0, d_ino: u64 @8,
/// d_namlen: u32 @16, d_type: u8 @20`; the name follows, not NUL-terminated.
pub const DIRENT_SIZE: u32 = 24;
/// Byte layout of `subscription` (48 bytes): `userdata: u64 @0, tag: u8 @8`, then the
/// union at @16: clock = `id: u32 @16, timeout: u64 @24, precision: u64 @32,
/// flags: u16 @40`; fd_read/fd_write = `fd: u32 @16`.
pub const SUBSCRIPTION_SIZE: u32 = 48;
/// Byte layout of `event` (32 bytes): `userdata: u64 @0, error: u16 @8, type: u8 @10,
/// fd_readwrite.nbytes: u64 @16, fd_readwrite.flags: u16 @24`.
pub const EVENT_SIZE: u32 = 32;
