//! [`RunError`]: why a guest could not be run to completion, on any engine.

use std::{io, path::PathBuf};

use fdtable::FdError;
use hostcalls::SetupError;

/// An engine's own error (wasmi's or wasmtime's), kept as the source of a [`RunError`].
pub type EngineError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a guest could not be run to completion.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The bytes are not a valid WebAssembly module.
    #[error("not a valid WebAssembly module: {source}")]
    Load {
        /// The engine's decoder or validator error.
        #[source]
        source: EngineError,
    },
    /// The module imports something the runtime does not provide.
    #[error(
        "unknown import `{module}::{name}` with signature {signature}: the runtime cannot satisfy it"
    )]
    UnknownImport {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
        /// The signature the module expects, e.g. `(i32, i32) -> i32`.
        signature: String,
    },
    /// The guest trapped (any trap other than `proc_exit`).
    #[error("wasm trap: {kind}{}: {message}", in_function(function.as_deref()))]
    Trap {
        /// Short trap kind (`UnreachableCodeReached`, `MemoryOutOfBounds`, `host`, ...).
        kind: String,
        /// The wasm function that trapped, by its name-section name, when known.
        function: Option<String>,
        /// Human-readable description.
        message: String,
    },
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
    /// The module exports no `_start` function of type `() -> ()`.
    #[error("module has no `_start` function of type () -> ()")]
    NoStart,
    /// Instantiation failed for another reason (e.g. a data segment out of range).
    #[error("instantiation failed: {source}")]
    Instantiate {
        /// The engine's error.
        #[source]
        source: EngineError,
    },
}

impl From<SetupError> for RunError {
    fn from(e: SetupError) -> Self {
        match e {
            SetupError::Io { path, source } => RunError::Io { path, source },
            SetupError::FdSetup { fd, source } => RunError::FdSetup { fd, source },
            SetupError::Listen { addr, source } => RunError::Listen { addr, source },
            // `SetupError` is non_exhaustive: a future variant is still a setup failure.
            other => RunError::Instantiate {
                source: Box::new(other),
            },
        }
    }
}

fn in_function(f: Option<&str>) -> String {
    match f {
        Some(name) => format!(" in function `{name}`"),
        None => String::new(),
    }
}
