//! [`RunError`]: why a guest could not be run to completion, on any engine.

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
    /// The guest's host state could not be built, or the module file could not be read.
    #[error(transparent)]
    Setup(#[from] SetupError),
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

fn in_function(f: Option<&str>) -> String {
    match f {
        Some(name) => format!(" in function `{name}`"),
        None => String::new(),
    }
}
