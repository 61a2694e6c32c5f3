//! The engines a guest can run on, and [`Run`]: running a configured [`GuestBuilder`].

mod typed;
pub mod wasmi;
#[cfg(feature = "wasmtime")]
pub mod wasmtime;

use std::{fmt, path::Path, str::FromStr};

use hostcalls::{ExitStatus, GuestBuilder, SetupError};

pub use typed::UntypedRow;

use crate::error::RunError;

/// A WebAssembly engine fdvirt can run guests on. Both run the same host layer
/// ([`hostcalls`]) with the same results; they differ in speed, startup and memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Engine {
    /// wasmi, an interpreter: starts in microseconds, small memory (the default).
    #[default]
    Wasmi,
    /// wasmtime with Cranelift: compiles the guest to machine code (cached on disk), for
    /// guests that compute.
    #[cfg(feature = "wasmtime")]
    Wasmtime,
}

impl Engine {
    /// Every engine this build has, default first.
    pub const ALL: &'static [Engine] = &[
        Engine::Wasmi,
        #[cfg(feature = "wasmtime")]
        Engine::Wasmtime,
    ];

    /// The engine named by the `FDVIRT_ENGINE` environment variable, else the default: the
    /// `fdvirt` CLI's default for `--engine`, and how the test suites run once per engine.
    ///
    /// # Errors
    ///
    /// [`UnknownEngine`] when the variable names no engine of this build.
    pub fn from_env() -> Result<Engine, UnknownEngine> {
        match std::env::var(ENGINE_VAR) {
            Ok(name) if !name.is_empty() => name.parse(),
            _ => Ok(Engine::default()),
        }
    }

    /// The engine's name on the command line (`--engine NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Engine::Wasmi => "wasmi",
            #[cfg(feature = "wasmtime")]
            Engine::Wasmtime => "wasmtime",
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The environment variable [`Engine::from_env`] reads.
pub const ENGINE_VAR: &str = "FDVIRT_ENGINE";

/// An engine name that is not one of [`Engine::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown engine `{name}` (this build has: {})", engine_names())]
pub struct UnknownEngine {
    /// The name given.
    name: String,
}

fn engine_names() -> String {
    let names: Vec<_> = Engine::ALL.iter().map(|e| e.name()).collect();
    names.join(", ")
}

impl FromStr for Engine {
    type Err = UnknownEngine;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Engine::ALL
            .iter()
            .copied()
            .find(|e| e.name() == s)
            .ok_or_else(|| UnknownEngine { name: s.to_owned() })
    }
}

/// A host call that trapped for a reason other than `proc_exit`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("host call `{call}` failed: {message}")]
pub struct HostCallTrap {
    /// The host function's name.
    pub call: &'static str,
    /// What went wrong.
    pub message: String,
}

/// `proc_exit(code)` unwinding out of the guest (engines carry it as an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("guest exited with code {0}")]
pub struct GuestExit(pub i32);

/// Running a configured guest: `GuestBuilder::new()...run_bytes(&wasm)`.
pub trait Run: Sized {
    /// Runs a module given as wasm bytes on `engine`: instantiate, call `_start`.
    ///
    /// # Errors
    ///
    /// [`RunError::Load`], [`RunError::UnknownImport`], [`RunError::Trap`],
    /// [`RunError::NoStart`], [`RunError::Setup`].
    fn run_bytes_on(self, engine: Engine, wasm: &[u8]) -> Result<ExitStatus, RunError>;

    /// [`Self::run_bytes_on`] the default engine (wasmi).
    ///
    /// # Errors
    ///
    /// As [`Self::run_bytes_on`].
    fn run_bytes(self, wasm: &[u8]) -> Result<ExitStatus, RunError> {
        self.run_bytes_on(Engine::default(), wasm)
    }

    /// Loads `path` and runs it on `engine`.
    ///
    /// # Errors
    ///
    /// [`RunError::Setup`] ([`SetupError::Io`]) if the file cannot be read, else as
    /// [`Self::run_bytes_on`].
    fn run_file_on(self, engine: Engine, path: impl AsRef<Path>) -> Result<ExitStatus, RunError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| SetupError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        self.run_bytes_on(engine, &bytes)
    }

    /// [`Self::run_file_on`] the default engine (wasmi).
    ///
    /// # Errors
    ///
    /// As [`Self::run_file_on`].
    fn run_file(self, path: impl AsRef<Path>) -> Result<ExitStatus, RunError> {
        self.run_file_on(Engine::default(), path)
    }
}

impl Run for GuestBuilder {
    fn run_bytes_on(self, engine: Engine, wasm: &[u8]) -> Result<ExitStatus, RunError> {
        // Text modules are assembled once here, so every engine (and the name section a
        // trap report reads) sees the same binary.
        let wasm = wat::parse_bytes(wasm).map_err(|e| RunError::Load {
            source: Box::new(e),
        })?;
        let wasm = wasm.as_ref();
        match engine {
            Engine::Wasmi => wasmi::run(self, wasm),
            #[cfg(feature = "wasmtime")]
            Engine::Wasmtime => wasmtime::run(self, wasm),
        }
    }
}
