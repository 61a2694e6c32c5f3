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
#[error("{}", unknown_engine(name))]
pub struct UnknownEngine {
    /// The name given.
    name: String,
}

/// Names an engine this build lacks for what it is, and says how to get it.
fn unknown_engine(name: &str) -> String {
    if name == "wasmtime" {
        return format!(
            "this fdvirt was built without the wasmtime engine (it has: {}); build it with \
             `cargo build --release --features wasmtime`",
            engine_names()
        );
    }
    format!(
        "unknown engine `{name}` (this build has: {})",
        engine_names()
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for &engine in Engine::ALL {
            assert_eq!(engine.name().parse::<Engine>(), Ok(engine));
        }
        let err = "v8".parse::<Engine>().unwrap_err().to_string();
        assert!(
            err.starts_with("unknown engine `v8` (this build has: wasmi"),
            "{err}"
        );
    }

    /// A build without the wasmtime engine says so, and how to get it, rather than
    /// calling a real engine unknown.
    #[cfg(not(feature = "wasmtime"))]
    #[test]
    fn wasmtime_without_the_feature_names_the_build_flag() {
        let err = "wasmtime".parse::<Engine>().unwrap_err().to_string();
        assert!(err.contains("built without the wasmtime engine"), "{err}");
        assert!(err.contains("--features wasmtime"), "{err}");
    }

    /// CI tests every engine: a test run whose build lacks one must not pass quietly
    /// (`scripts/test` builds with `--features runtime-glue/wasmtime`). Where it is built,
    /// the engine runs a guest to its `proc_exit`.
    #[test]
    fn this_build_has_every_engine() {
        let engine = match "wasmtime".parse::<Engine>() {
            Ok(engine) => engine,
            Err(e) => {
                testkit::skip(&e.to_string());
                return;
            }
        };
        let exits_7 = br#"(module
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (memory (export "memory") 1)
            (func (export "_start") i32.const 7 call $exit))"#;
        let status = GuestBuilder::new().run_bytes_on(engine, exits_7).unwrap();
        assert_eq!(status.code, 7);
    }
}
