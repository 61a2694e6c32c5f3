//! What a guest fd refers to, and per-fd state (rights, flags).
//!
//! Every operation that behaves differently per kind of descriptor is one
//! `match` in this file (`filetype`, `read`, `write`, `readiness`,
//! `filestat`, ...). A new kind of descriptor (sockets) is a new variant plus
//! one arm in each of these methods; the host calls in `wasi/` never match on
//! the variant themselves except where only one kind makes sense (paths on a
//! `Dir`).

use std::io::{self, Read, Seek, SeekFrom, Write};

use cap_fs_ext::OsMetadataExt;
use cap_std::fs::{Dir, File, Metadata};

use crate::{
    errno::{Errno, Fault},
    stdio::{Input, Output},
    types::{Filetype, Rights, fdflags},
    wasi::clock::nanos,
};

/// One open guest fd: the object plus its WASI rights and flags.
#[derive(Debug)]
pub struct FdEntry {
    /// The object.
    pub(crate) desc: Descriptor,
    /// Rights for operations on this fd.
    pub(crate) base: Rights,
    /// Rights handed down to fds opened through this one.
    pub(crate) inheriting: Rights,
    /// `fdflags` (append, nonblock, sync bits).
    pub(crate) flags: u16,
}

impl FdEntry {
    /// An entry with the given rights and no flags.
    pub(crate) fn new(desc: Descriptor, base: Rights, inheriting: Rights) -> Self {
        Self {
            desc,
            base,
            inheriting,
            flags: 0,
        }
    }

    /// Requires every right in `needed`.
    ///
    /// # Errors
    ///
    /// `ENOTCAPABLE` when a right is missing.
    pub(crate) fn check(&self, needed: Rights) -> Result<(), Errno> {
        if self.base.contains(needed) {
            Ok(())
        } else {
            Err(Errno::Notcapable)
        }
    }

    /// The descriptor kind, for tracing and diagnostics.
    pub fn kind(&self) -> &'static str {
        self.desc.kind()
    }
}

/// The object behind a guest fd.
#[derive(Debug)]
#[non_exhaustive]
pub enum Descriptor {
    /// fd 0.
    Stdin(Input),
    /// fd 1.
    Stdout(Output),
    /// fd 2.
    Stderr(Output),
    /// A regular (or other non-directory) file.
    File(FileDesc),
    /// A directory, preopened or opened by the guest.
    Dir(DirDesc),
    /// A TCP or UDP socket (opened, accepted or pre-opened with `--tcplisten`).
    Socket(crate::socket::SocketDesc),
}

/// An open file. The file position is the host's.
#[derive(Debug)]
pub struct FileDesc {
    pub(crate) file: File,
}

/// An open directory.
#[derive(Debug)]
pub struct DirDesc {
    pub(crate) dir: Dir,
    /// The guest-visible name if this is a preopen.
    pub(crate) preopen: Option<String>,
    /// Entries snapshot taken at cookie 0, reused by later `fd_readdir` calls.
    pub(crate) listing: Option<Vec<crate::wasi::fd_dir::Dirent>>,
}

/// Which direction a `poll_oneoff` subscription waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interest {
    /// Readable (`eventtype::fd_read`).
    Read,
    /// Writable (`eventtype::fd_write`).
    Write,
}

/// The answer to "would this I/O proceed now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// Ready; `nbytes` is a hint of how much (0 if unknown).
    Ready {
        /// Bytes available to read (or 0 for writes/unknown).
        nbytes: u64,
        /// The peer hung up / end of file reached.
        hangup: bool,
    },
    /// Not ready yet; the poll loop must wait (sockets).
    Pending,
}

/// `filestat` contents (see `types::FILESTAT_SIZE` for the layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filestat {
    /// Device id.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// File type.
    pub filetype: Filetype,
    /// Hard link count.
    pub nlink: u64,
    /// Size in bytes.
    pub size: u64,
    /// Access time, ns since the epoch.
    pub atim: u64,
    /// Modification time, ns since the epoch.
    pub mtim: u64,
    /// Status change time, ns since the epoch.
    pub ctim: u64,
}

impl Filestat {
    /// Converts host metadata.
    pub fn from_metadata(m: &Metadata) -> Self {
        Filestat {
            dev: m.dev(),
            ino: m.ino(),
            filetype: filetype_of(m),
            nlink: m.nlink(),
            size: m.len(),
            atim: nanos(m.atime(), m.atime_nsec()),
            mtim: nanos(m.mtime(), m.mtime_nsec()),
            ctim: nanos(m.ctime(), m.ctime_nsec()),
        }
    }

    /// Serializes into the 64-byte witx layout.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut b = [0u8; 64];
        b[0..8].copy_from_slice(&self.dev.to_le_bytes());
        b[8..16].copy_from_slice(&self.ino.to_le_bytes());
        b[16] = self.filetype as u8;
        b[24..32].copy_from_slice(&self.nlink.to_le_bytes());
        b[32..40].copy_from_slice(&self.size.to_le_bytes());
        b[40..48].copy_from_slice(&self.atim.to_le_bytes());
        b[48..56].copy_from_slice(&self.mtim.to_le_bytes());
        b[56..64].copy_from_slice(&self.ctim.to_le_bytes());
        b
    }
}

/// The WASI file type of host metadata.
pub fn filetype_of(m: &Metadata) -> Filetype {
    filetype_from(m.file_type())
}

/// The WASI file type of a host file type.
pub fn filetype_from(ft: cap_std::fs::FileType) -> Filetype {
    use cap_fs_ext::FileTypeExt;
    if ft.is_dir() {
        Filetype::Directory
    } else if ft.is_file() {
        Filetype::RegularFile
    } else if ft.is_symlink() {
        Filetype::SymbolicLink
    } else if ft.is_char_device() {
        Filetype::CharacterDevice
    } else if ft.is_block_device() {
        Filetype::BlockDevice
    } else if ft.is_socket() {
        Filetype::SocketStream
    } else {
        Filetype::Unknown
    }
}

/// A terminal is a character device; anything else (pipe, file, capture)
/// is reported as unknown, as wasmtime does, so `isatty()` in the guest
/// answers like on the host.
fn stdio_filetype(terminal: bool) -> Filetype {
    if terminal {
        Filetype::CharacterDevice
    } else {
        Filetype::Unknown
    }
}

/// The `filestat` of an object without host metadata (stdio, sockets):
/// zeros but for the type and one link.
fn stdio_filestat(filetype: Filetype) -> Filestat {
    Filestat {
        dev: 0,
        ino: 0,
        filetype,
        nlink: 1,
        size: 0,
        atim: 0,
        mtim: 0,
        ctim: 0,
    }
}

impl Descriptor {
    /// Short kind name ("stdin", "file", "dir", ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Descriptor::Stdin(_) => "stdin",
            Descriptor::Stdout(_) => "stdout",
            Descriptor::Stderr(_) => "stderr",
            Descriptor::File(_) => "file",
            Descriptor::Dir(_) => "dir",
            Descriptor::Socket(_) => "socket",
        }
    }

    /// The file type `fd_fdstat_get` reports.
    pub(crate) fn filetype(&self) -> Filetype {
        match self {
            Descriptor::Stdin(i) => stdio_filetype(i.is_terminal()),
            Descriptor::Stdout(o) | Descriptor::Stderr(o) => stdio_filetype(o.is_terminal()),
            Descriptor::File(f) => f
                .file
                .metadata()
                .map(|m| filetype_of(&m))
                .unwrap_or(Filetype::Unknown),
            Descriptor::Dir(_) => Filetype::Directory,
            Descriptor::Socket(s) => s.filetype(),
        }
    }

    /// Reads at the current position.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize, Fault> {
        match self {
            Descriptor::Stdin(i) => Ok(i.read(buf)?),
            Descriptor::File(f) => Ok(f.file.read(buf)?),
            Descriptor::Socket(s) => s.read(buf),
            Descriptor::Dir(_) => Err(Errno::Isdir.into()),
            Descriptor::Stdout(_) | Descriptor::Stderr(_) => Err(Errno::Badf.into()),
        }
    }

    /// Writes at the current position, or at the end when `flags` has APPEND.
    pub(crate) fn write(&mut self, buf: &[u8], flags: u16) -> Result<usize, Fault> {
        match self {
            Descriptor::Stdout(o) | Descriptor::Stderr(o) => Ok(o.write(buf)?),
            Descriptor::File(f) => {
                if flags & fdflags::APPEND != 0 {
                    f.file.seek(SeekFrom::End(0))?;
                }
                f.file.write_all(buf)?;
                Ok(buf.len())
            }
            Descriptor::Socket(s) => s.write(buf),
            Descriptor::Dir(_) => Err(Errno::Isdir.into()),
            Descriptor::Stdin(_) => Err(Errno::Badf.into()),
        }
    }

    /// The file, or the errno for using a non-file where a file is needed.
    pub(crate) fn file(&self) -> Result<&File, Errno> {
        match self {
            Descriptor::File(f) => Ok(&f.file),
            Descriptor::Dir(_) => Err(Errno::Isdir),
            _ => Err(Errno::Spipe),
        }
    }

    /// The directory, or `ENOTDIR`.
    pub(crate) fn dir(&self) -> Result<&Dir, Errno> {
        match self {
            Descriptor::Dir(d) => Ok(&d.dir),
            _ => Err(Errno::Notdir),
        }
    }

    /// Moves the file position.
    pub(crate) fn seek(&mut self, pos: SeekFrom) -> Result<u64, Fault> {
        match self {
            Descriptor::File(f) => Ok(f.file.seek(pos)?),
            Descriptor::Dir(_) => Err(Errno::Isdir.into()),
            _ => Err(Errno::Spipe.into()),
        }
    }

    /// Metadata for `fd_filestat_get`.
    pub(crate) fn filestat(&self) -> Result<Filestat, Fault> {
        match self {
            Descriptor::Stdin(_) | Descriptor::Stdout(_) | Descriptor::Stderr(_) => {
                Ok(stdio_filestat(self.filetype()))
            }
            Descriptor::File(f) => Ok(Filestat::from_metadata(&f.file.metadata()?)),
            Descriptor::Dir(d) => Ok(Filestat::from_metadata(&d.dir.dir_metadata()?)),
            Descriptor::Socket(s) => Ok(stdio_filestat(s.filetype())),
        }
    }

    /// Would I/O in direction `interest` proceed now? Files, stdout and
    /// stderr never block; the host's stdin is polled; sockets ask their
    /// poller.
    pub(crate) fn readiness(&mut self, interest: Interest) -> Result<Readiness, Fault> {
        let ready = |nbytes| Readiness::Ready {
            nbytes,
            hangup: false,
        };
        match (self, interest) {
            (Descriptor::Stdin(i), Interest::Read) => Ok(i.readiness()),
            (Descriptor::Stdout(_) | Descriptor::Stderr(_), Interest::Write) => Ok(ready(0)),
            (Descriptor::File(f), Interest::Read) => {
                let size = f.file.metadata()?.len();
                let pos = f.file.stream_position()?;
                Ok(ready(size.saturating_sub(pos)))
            }
            (Descriptor::File(_), Interest::Write) => Ok(ready(0)),
            (Descriptor::Dir(_), _) => Err(Errno::Isdir.into()),
            // Sockets are answered by the guest's poller in `wasi::poll` (through
            // `socket::PollSockets`), never through here.
            (Descriptor::Socket(_), _) => Ok(Readiness::Pending),
            _ => Err(Errno::Badf.into()),
        }
    }

    /// Flushes data (and metadata unless `data_only`) to storage.
    pub(crate) fn sync(&self, data_only: bool) -> Result<(), Fault> {
        match self {
            Descriptor::File(f) if data_only => Ok(f.file.sync_data()?),
            Descriptor::File(f) => Ok(f.file.sync_all()?),
            Descriptor::Dir(d) => Ok(rustix::fs::fsync(&d.dir).map_err(io::Error::from)?),
            _ => Err(Errno::Inval.into()),
        }
    }
}
