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
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use wasmi::{Engine, Module};

use crate::{linker, names};

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
    /// Whether every import binds to a host call (`linker::check_imports`);
    /// `None` when the module did not load.
    pub imports_ok: Option<bool>,
    /// Whether `linker::build` succeeded for the module (it must); `None`
    /// when the module did not load.
    pub linker_ok: Option<bool>,
    /// Name-section names of the first few functions, as trap messages use them.
    pub function_names: Vec<Option<String>>,
}

/// Runs `wasm` through what `fdvirt run` does before instantiation:
/// instrument, `Module::new` (both the instrumented and the original bytes),
/// the import check and linker construction; and looks up function names as
/// a trap report would.
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
        .map(|m| linker::check_imports(m).is_ok());
    // Rows have distinct names: building the linker must never fail.
    let linker_ok = (module.as_ref().ok()).map(|m| linker::build(&engine, m).is_ok());
    let function_names = (0..4).map(|i| names::function_name(wasm, i)).collect();
    LoadOutcome {
        validated: module.map(drop).map_err(|e| e.to_string()),
        instrumented,
        instrumented_valid,
        imports_ok,
        linker_ok,
        function_names,
    }
}
