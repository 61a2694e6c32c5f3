//! [`SetupError`] (building a guest's host state failed) and [`ExitStatus`] (how a guest
//! that ran ended): the engine-neutral ends of a run.

use std::{io, path::PathBuf};

use fdtable::FdError;

/// How a guest ended when it did not fail to start: `code` is 0 when
/// `_start` returned, or the value passed to `proc_exit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExitStatus {
    /// The exit code.
    pub code: i32,
}

impl ExitStatus {
    /// True for exit code 0.
    pub fn success(self) -> bool {
        self.code == 0
    }
}

/// Why a guest's host state could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A host file or directory could not be opened.
    #[error("{}: {source}", path.display())]
    Io {
        /// The host path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The initial descriptors (stdio, preopens) do not fit the fd policy or limit.
    #[error("cannot install initial fd {fd}: {source}")]
    FdSetup {
        /// The fd that could not be installed.
        fd: u32,
        /// The fd table's error.
        #[source]
        source: FdError,
    },
    /// A pre-opened listener (`--tcplisten`) could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The requested address.
        addr: std::net::SocketAddr,
        /// The host error.
        #[source]
        source: io::Error,
    },
}
