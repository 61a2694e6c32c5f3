//! Load, link, instantiate, run `_start`, and classify how it ended.

use wasmi::{Engine, Module, Store};

use crate::{
    builder::GuestBuilder,
    error::{ExitStatus, RunError},
    linker::{self, HostCallTrap},
};

/// Runs `wasm` as configured by `builder`.
pub(crate) fn run(builder: GuestBuilder, wasm: &[u8]) -> Result<ExitStatus, RunError> {
    let engine = Engine::default();
    let module = Module::new(&engine, wasm).map_err(|source| RunError::Load { source })?;
    linker::check_imports(&module)?;
    let ctx = builder.build_ctx()?;
    let mut store = Store::new(&engine, ctx);
    let linker = linker::build(&engine)?;
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return finish(e, wasm),
    };
    let start = instance
        .get_typed_func::<(), ()>(&store, "_start")
        .map_err(|_| RunError::NoStart)?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(ExitStatus { code: 0 }),
        Err(e) => finish(e, wasm),
    }
}

/// Maps a wasmi error from running guest code to an exit or a trap.
fn finish(e: wasmi::Error, _wasm: &[u8]) -> Result<ExitStatus, RunError> {
    if let Some(code) = e.i32_exit_status() {
        return Ok(ExitStatus { code });
    }
    if let Some(h) = e.downcast_ref::<HostCallTrap>() {
        return Err(RunError::Trap {
            kind: "host".into(),
            function: Some(h.call.to_string()),
            message: h.message.clone(),
        });
    }
    if let Some(code) = e.as_trap_code() {
        return Err(RunError::Trap {
            kind: format!("{code:?}"),
            function: None,
            message: code.to_string(),
        });
    }
    Err(RunError::Instantiate { source: e })
}
