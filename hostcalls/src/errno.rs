//! Guest-visible failures ([`Errno`]) versus traps ([`Fault::Trap`]).
//!
//! The errno enum and the io::Error -> errno table live in `hostsock` (one
//! table for the whole workspace); this module re-exports them and adds the
//! glue's own split between "return an errno to the guest" and "stop the
//! guest". Only `proc_exit` and real host bugs trap.

use std::io;

use fdtable::FdError;
pub use hostsock::Errno;

/// Why a host call did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Fault {
    /// The call fails with this errno; the guest keeps running.
    #[error("errno {0:?}")]
    Errno(Errno),
    /// The guest must stop.
    #[error("trap: {0}")]
    Trap(Trap),
}

/// A reason to stop the guest from inside a host call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Trap {
    /// `proc_exit(code)`: a normal exit, not an error.
    #[error("exit with code {0}")]
    Exit(i32),
    /// A host invariant broke; the message names it.
    #[error("host error: {0}")]
    Host(String),
}

impl From<Errno> for Fault {
    fn from(e: Errno) -> Self {
        Fault::Errno(e)
    }
}

impl From<Trap> for Fault {
    fn from(t: Trap) -> Self {
        Fault::Trap(t)
    }
}

impl From<io::Error> for Fault {
    fn from(e: io::Error) -> Self {
        Fault::Errno(from_io(&e))
    }
}

impl From<FdError> for Fault {
    fn from(e: FdError) -> Self {
        Fault::Errno(from_fd(e))
    }
}

/// Maps an fd-table error onto the errno POSIX uses for it.
pub fn from_fd(e: FdError) -> Errno {
    match e {
        FdError::TableFull => Errno::Mfile,
        _ => Errno::Badf,
    }
}

/// Maps a host I/O error to an errno.
///
/// cap-std reports an attempt to leave a preopened directory (through `..`,
/// an absolute path or a symlink) as `PermissionDenied` without an OS error
/// code; that is a capability violation, so it becomes `ENOTCAPABLE`, as the
/// preview1 spec says (wasmtime answers `EPERM` here; the differential tests
/// list this as a deliberate difference). Every other error goes through
/// hostsock's table.
pub fn from_io(e: &io::Error) -> Errno {
    if e.kind() == io::ErrorKind::PermissionDenied && e.raw_os_error().is_none() {
        return Errno::Notcapable;
    }
    Errno::from_io_error(e)
}

/// The errno's ABI value (witx `errno`, u16).
pub fn code(e: Errno) -> u16 {
    e as u16
}
