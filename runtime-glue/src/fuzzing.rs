//! Entry points for the `fuzz` crate (feature `fuzzing`): the parts of the
//! loading path that are private to this crate, and read-only views of host
//! state that the fuzz targets assert invariants on.
//!
//! Nothing here changes behaviour; each function runs the same code the
//! runtime runs, so a panic found through it is a panic in `fdvirt run` or
//! `fdvirt inspect`. Host calls themselves need no entry point: the rows of
//! [`crate::abi::hostcalls`] are public and take a plain byte slice as guest
//! memory.
//!
//! ```
//! let wasm = wat::parse_str(r#"(module (func $f) (export "_start" (func $f)))"#)?;
//! let load = runtime_glue::fuzzing::load_module(&wasm);
//! assert!(load.validated.is_ok() && load.imports_ok == Some(true) && load.linker_ok == Some(true));
//! assert!(load.instrumented_valid == Some(true));
//! let wt = &load.wasmtime;
//! assert!(wt.validated.is_ok() && wt.imports_ok == Some(true) && wt.linker_ok == Some(true));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::OnceLock;

use wasmi::{Engine, Module};

use crate::engine::{wasmi as wasmi_engine, wasmtime as wasmtime_engine};
use crate::names;

pub use hostcalls::fuzzing::{FdRights, bound_socket_waits, fd_rights, local_ports};

/// What the loading path made of some bytes.
#[derive(Debug)]
pub struct LoadOutcome {
    /// wasmi's verdict on the original bytes (`Module::new`), as text.
    pub validated: Result<(), String>,
    /// The module rewritten to track the current function (`None`: the
    /// rewriter declined and the original runs).
    pub instrumented: Option<Vec<u8>>,
    /// Whether wasmi accepts the instrumented module; `None` without one.
    pub instrumented_valid: Option<bool>,
    /// Whether every import binds to a host call (wasmi `check_imports`);
    /// `None` when the module did not load.
    pub imports_ok: Option<bool>,
    /// Whether the wasmi linker (`linker::build`) built for the module (it
    /// must); `None` when the module did not load.
    pub linker_ok: Option<bool>,
    /// Name-section names of the first few functions, as trap messages use them.
    pub function_names: Vec<Option<String>>,
    /// The same bytes through the wasmtime engine's load path.
    pub wasmtime: WasmtimeLoad,
}

/// What the wasmtime engine's load path made of some bytes: `Module::new`
/// (Cranelift compiles the module), [`wasmtime_engine::check_imports`] and
/// [`wasmtime_engine::add_to_linker`], as `fdvirt run --engine wasmtime`
/// does before instantiation.
#[derive(Debug)]
pub struct WasmtimeLoad {
    /// wasmtime's verdict on the original bytes, as text.
    pub validated: Result<(), String>,
    /// Whether every import binds to a host call; `None` when the module did
    /// not load.
    pub imports_ok: Option<bool>,
    /// Whether `add_to_linker` succeeded (it must); `None` when the module
    /// did not load.
    pub linker_ok: Option<bool>,
}

/// Runs `wasm` through what `fdvirt run` does before instantiation, on both
/// engines: on wasmi, instrument, `Module::new` (both the instrumented and
/// the original bytes), the import check and linker construction, and look
/// up function names as a trap report would; on wasmtime, see
/// [`WasmtimeLoad`].
pub fn load_module(wasm: &[u8]) -> LoadOutcome {
    let engine = Engine::default();
    let instrumented = names::instrument(wasm);
    let instrumented_valid = instrumented
        .as_ref()
        .map(|w| Module::new(&engine, w).is_ok());
    let module = Module::new(&engine, wasm);
    let imports_ok = module
        .as_ref()
        .ok()
        .map(|m| wasmi_engine::check_imports(m).is_ok());
    // Rows have distinct names: building the linker must never fail.
    let linker_ok = (module.as_ref().ok())
        .map(|m| wasmi_engine::linker::build::<wasmi_engine::StoreData>(&engine, m).is_ok());
    let function_names = (0..4).map(|i| names::function_name(wasm, i)).collect();
    LoadOutcome {
        validated: module.map(drop).map_err(|e| e.to_string()),
        instrumented,
        instrumented_valid,
        imports_ok,
        linker_ok,
        function_names,
        wasmtime: load_wasmtime(wasm),
    }
}

/// The wasmtime half of [`load_module`].
///
/// The engine is the run path's configuration without the on-disk compile
/// cache (a fuzzer must not fill the user's cache), made once per process.
fn load_wasmtime(wasm: &[u8]) -> WasmtimeLoad {
    static ENGINE: OnceLock<wasmtime::Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(wasmtime::Engine::default);
    let module = wasmtime::Module::new(engine, wasm);
    let imports_ok = (module.as_ref().ok()).map(|m| wasmtime_engine::check_imports(m).is_ok());
    let linker_ok = module.as_ref().ok().map(|m| {
        let mut linker = wasmtime::Linker::<wasmtime_engine::StoreData>::new(engine);
        wasmtime_engine::add_to_linker(&mut linker, m).is_ok()
    });
    WasmtimeLoad {
        validated: module.map(drop).map_err(|e| e.to_string()),
        imports_ok,
        linker_ok,
    }
}
