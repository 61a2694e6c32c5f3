//! From a container's [`RuntimeContext`] to a finished guest: [`Prepared::from_context`]
//! checks everything that can be checked before the container starts, [`Prepared::run`]
//! runs the module and maps how it ended to the container's exit status.

use std::io::Write as _;

use containerd_shim_wasm::sandbox::context::{Entrypoint, RuntimeContext, Source, WasmBinaryType};
use runtime_glue::{GuestBuilder, Run, RunError, Stdio};

use crate::settings::{Settings, SettingsError};

/// Exit status when fdvirt could not start the guest (as `fdvirt run`).
pub const STARTUP_FAILURE: i32 = 125;
/// Exit status of a guest that trapped (128 + SIGABRT, as `fdvirt run` and Wasmtime).
pub const TRAP: i32 = 134;

/// Why a container cannot run on fdvirt.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GuestError {
    /// The `FDVIRT_*` settings are invalid.
    #[error("fdvirt settings: {0}")]
    Settings(#[from] SettingsError),
    /// The entrypoint could not be read.
    #[error("cannot read the entrypoint {entry:?}: {reason}")]
    Unreadable {
        /// The OCI process's first argument.
        entry: String,
        /// The library's error.
        reason: String,
    },
    /// The entrypoint is neither a wasm module nor WAT text.
    #[error("the entrypoint {entry:?} is not a WebAssembly module ({reason})")]
    NotWasm {
        /// The OCI process's first argument.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The entrypoint is a component (WASI preview 2), which fdvirt does not run.
    #[error("the entrypoint {entry:?} is a wasm component; fdvirt runs WASI preview1 modules")]
    Component {
        /// The OCI process's first argument.
        entry: String,
    },
    /// `module.wasm#func` asks for an export other than `_start`.
    #[error("the entrypoint asks for export `{func}`; fdvirt runs `_start` only")]
    Func {
        /// The export named after `#`.
        func: String,
    },
}

/// A guest ready to run: the module's bytes, argv and the settings.
#[derive(Debug)]
pub struct Prepared {
    /// The module (binary; WAT text is assembled here).
    pub wasm: Vec<u8>,
    /// argv, argv\[0\] being the entrypoint path as given (without `#func`).
    pub args: Vec<String>,
    /// fdvirt settings and the guest's environment.
    pub settings: Settings,
}

impl Prepared {
    /// Reads and checks the container's entrypoint and settings.
    ///
    /// # Errors
    ///
    /// [`GuestError`] naming what is wrong.
    pub fn from_context(ctx: &impl RuntimeContext) -> Result<Prepared, GuestError> {
        let settings = Settings::from_env(ctx.envs())?;
        let Entrypoint {
            func, arg0, source, ..
        } = ctx.entrypoint();
        let entry = arg0.map(|p| p.display().to_string()).unwrap_or_default();
        if func != "_start" {
            return Err(GuestError::Func { func });
        }
        let wasm = read_module(&source, &entry)?;
        let mut args: Vec<String> = ctx.args().to_vec();
        if let Some(first) = args.first_mut()
            && let Some((path, _)) = first.split_once('#')
        {
            *first = path.to_owned();
        }
        Ok(Prepared {
            wasm,
            args,
            settings,
        })
    }

    /// Runs the guest to its end and returns the container's exit status (see the crate
    /// docs); messages about failures go to the container's stderr and the shim's log.
    pub fn run(self) -> i32 {
        let name = self.args.first().cloned().unwrap_or_default();
        let engine = self.settings.engine;
        let builder = GuestBuilder::new()
            .args(self.args)
            .stdin(Stdio::Inherit)
            .stdout(Stdio::Inherit)
            .stderr(Stdio::Inherit);
        let builder = match builder.preopen_dir("/", "/") {
            Ok(b) => self.settings.configure(b),
            Err(err) => return report(STARTUP_FAILURE, &format!("preopening /: {err}")),
        };
        match builder.run_bytes_on(engine, &self.wasm) {
            Ok(status) => guest_status(status.code),
            Err(err @ RunError::Trap { .. }) => {
                report(TRAP, &format!("guest {name} trapped: {err}"))
            }
            Err(err) => report(STARTUP_FAILURE, &format!("running {name}: {err}")),
        }
    }
}

/// The module's bytes from a file or an OCI wasm layer, checked to be a core module.
fn read_module(source: &Source<'_>, entry: &str) -> Result<Vec<u8>, GuestError> {
    let bytes = source.as_bytes().map_err(|e| GuestError::Unreadable {
        entry: entry.to_owned(),
        reason: format!("{e:#}"),
    })?;
    let wasm = wat::parse_bytes(&bytes).map_err(|e| GuestError::NotWasm {
        entry: entry.to_owned(),
        reason: not_wasm_reason(&bytes, &e),
    })?;
    match WasmBinaryType::from_bytes(&wasm) {
        Some(WasmBinaryType::Module) => Ok(wasm.into_owned()),
        Some(WasmBinaryType::Component) => Err(GuestError::Component {
            entry: entry.to_owned(),
        }),
        None => Err(GuestError::NotWasm {
            entry: entry.to_owned(),
            reason: "unsupported wasm binary version".into(),
        }),
    }
}

/// A short reason: the magic bytes for binaries, the parser's message for text.
fn not_wasm_reason(bytes: &[u8], err: &wat::Error) -> String {
    let text = std::str::from_utf8(bytes).is_ok();
    if text {
        let first = err.to_string();
        let first = first.lines().next().unwrap_or_default();
        format!("text that is not WAT: {first}")
    } else {
        let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        format!(
            "starts with {}, not the wasm magic 00 61 73 6d",
            head.join(" ")
        )
    }
}

/// Writes `message` to the container's stderr and the shim log; returns `status`.
fn report(status: i32, message: &str) -> i32 {
    log::error!("{message}");
    let _ = writeln!(std::io::stderr(), "fdvirt: {message}");
    status
}

/// A guest status as a process exit status: itself in 0..=255, else 1 (never a
/// truncation that could read as success).
fn guest_status(code: i32) -> i32 {
    if (0..=255).contains(&code) {
        return code;
    }
    report(
        1,
        &format!(
            "guest exit status {} does not fit a process exit code; exiting with 1",
            code as u32
        ),
    )
}

#[cfg(test)]
#[path = "guest_tests.rs"]
mod tests;
