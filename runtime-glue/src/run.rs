//! Load, link, instantiate, run `_start`, and classify how it ended.

use wasmi::{Engine, Instance, Module, Store, StoreLimitsBuilder, Val};

use crate::{
    builder::GuestBuilder,
    ctx::GuestCtx,
    error::{ExitStatus, RunError},
    linker::{self, HostCallTrap},
    names,
};

/// Runs `wasm` as configured by `builder`.
pub(crate) fn run(builder: GuestBuilder, wasm: &[u8]) -> Result<ExitStatus, RunError> {
    let engine = Engine::default();
    // wasmi also accepts the text format; the instrumentation and the name lookups read
    // binary, so text is translated first (unparsable text stays as is, for wasmi's error).
    let binary = wat::parse_bytes(wasm).unwrap_or(std::borrow::Cow::Borrowed(wasm));
    let wasm: &[u8] = &binary;
    // Prefer the instrumented module (names the trapping function); fall
    // back to the original if instrumentation declined or broke validation.
    let instrumented = builder
        .names_traps()
        .then(|| names::instrument(wasm))
        .flatten();
    let module = match instrumented.map(|w| Module::new(&engine, w)) {
        Some(Ok(m)) => m,
        _ => Module::new(&engine, wasm).map_err(|source| RunError::Load { source })?,
    };
    linker::check_imports(&module)?;
    let mut ctx = builder.build_ctx()?;
    if let Some(bytes) = ctx.max_memory {
        ctx.limits = StoreLimitsBuilder::new().memory_size(bytes).build();
    }
    let mut store = Store::new(&engine, ctx);
    store.limiter(|cx| &mut cx.limits);
    let linker = linker::build(&engine, &module)?;
    let instance = match linker.instantiate_and_start(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return finish(e, None, None),
    };
    store.data_mut().memory = instance.get_memory(&store, "memory");
    let start = instance
        .get_typed_func::<(), ()>(&store, "_start")
        .map_err(|_| RunError::NoStart)?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(ExitStatus { code: 0 }),
        Err(e) => {
            let detail = indirect_call(&e, &instance, &store, wasm);
            finish(e, current_function(&instance, &store, wasm), detail)
        }
    }
}

/// For a failed `call_indirect`, the site and slot the instrumentation recorded, described
/// from the module (`inspect::indirect_trap`): caller, slot, the function found there and
/// both types.
fn indirect_call(
    e: &wasmi::Error,
    instance: &Instance,
    store: &Store<GuestCtx>,
    wasm: &[u8],
) -> Option<String> {
    use wasmi::TrapCode;
    if !matches!(
        e.as_trap_code(),
        Some(TrapCode::BadSignature | TrapCode::IndirectCallToNull)
    ) {
        return None;
    }
    let read = |name: &str| match instance.get_global(store, name)?.get(store) {
        Val::I32(v) if v >= 0 => Some(v as u32),
        _ => None,
    };
    let caller = read(names::CURRENT_FN_EXPORT)?;
    let slot = read(names::INDIRECT_SLOT_EXPORT)?;
    let site = read(names::INDIRECT_SITE_EXPORT);
    crate::inspect::indirect_trap(wasm, caller, site, slot).map(|t| t.to_string())
}

/// The function the instrumentation global points at, by name.
fn current_function(instance: &Instance, store: &Store<GuestCtx>, wasm: &[u8]) -> Option<String> {
    let global = instance.get_global(store, names::CURRENT_FN_EXPORT)?;
    let Val::I32(index) = global.get(store) else {
        return None;
    };
    let index = index as u32;
    Some(names::function_name(wasm, index).unwrap_or_else(|| format!("<wasm function {index}>")))
}

/// Maps a wasmi error from running guest code to an exit or a trap;
/// `function` names the wasm function executing when it happened, and `detail` (a failed
/// `call_indirect`'s slot and types) is appended to the engine's message.
fn finish(
    e: wasmi::Error,
    function: Option<String>,
    detail: Option<String>,
) -> Result<ExitStatus, RunError> {
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
        let message = match detail {
            Some(detail) => format!("{code}: {detail}"),
            None => code.to_string(),
        };
        return Err(RunError::Trap {
            kind: format!("{code:?}"),
            function,
            message,
        });
    }
    Err(RunError::Instantiate { source: e })
}
