//! The wasmi engine (interpreter): fdvirt's default. Starts in microseconds and keeps
//! memory small; see BENCHMARKS.md for when the wasmtime engine is the better choice.
//!
//! Two wasmi-only concerns live here: zero-page reclaim ([`zero_pages`]: wasmi zero-fills
//! grown memory, making every reserved page resident) and the trap-name instrumentation
//! ([`crate::names`]: wasmi reports a trap's kind but not the function it happened in).

pub mod linker;
pub mod zero_pages;

use hostcalls::{ExitStatus, GuestBuilder, GuestCtx};
use wasmi::{Engine, Instance, Module, Store, StoreLimits, StoreLimitsBuilder, Val};

use super::HostCallTrap;
use crate::{error::RunError, names};
pub use linker::{WasmiHost, add_to_linker, check_imports};
use zero_pages::ZeroPages;

/// fdvirt's own store data: the guest's host state plus what the wasmi adapter needs.
#[derive(Debug)]
pub struct StoreData {
    /// The guest's host state.
    pub guest: GuestCtx,
    /// The guest's exported `memory`, looked up once after instantiation so host calls
    /// need no export lookup.
    memory: Option<wasmi::Memory>,
    /// wasmi's resource limiter built from the guest's memory cap.
    limits: StoreLimits,
    /// Which part of the memory has been checked for zero pages to release.
    zero_pages: ZeroPages,
}

impl StoreData {
    /// Store data for `guest`, enforcing its memory cap ([`GuestCtx::max_memory`]).
    pub fn new(guest: GuestCtx) -> Self {
        let limits = match guest.max_memory() {
            Some(bytes) => StoreLimitsBuilder::new().memory_size(bytes).build(),
            None => StoreLimits::default(),
        };
        Self {
            guest,
            memory: None,
            limits,
            zero_pages: ZeroPages::default(),
        }
    }
}

impl WasmiHost for StoreData {
    fn guest(&mut self) -> &mut GuestCtx {
        &mut self.guest
    }

    fn memory(&self) -> Option<wasmi::Memory> {
        self.memory
    }

    fn zero_pages(&mut self) -> Option<&mut ZeroPages> {
        Some(&mut self.zero_pages)
    }
}

/// Runs `wasm` as configured by `builder`.
pub(crate) fn run(builder: GuestBuilder, wasm: &[u8]) -> Result<ExitStatus, RunError> {
    let engine = Engine::default();
    // wasmi also accepts the text format; the instrumentation and the name lookups read
    // binary, so text is translated first (unparsable text stays as is, for wasmi's error).
    // Prefer the instrumented module (names the trapping function); fall back to the
    // original if instrumentation declined or broke validation. (`wasm` is binary:
    // `Run::run_bytes_on` assembled any text already.)
    let instrumented = names::for_builder(&builder, wasm);
    let module = match instrumented.map(|w| Module::new(&engine, w)) {
        Some(Ok(m)) => m,
        _ => Module::new(&engine, wasm).map_err(|source| RunError::Load {
            source: Box::new(source),
        })?,
    };
    check_imports(&module)?;
    let mut store = Store::new(&engine, StoreData::new(builder.build_ctx()?));
    store.limiter(|data| &mut data.limits);
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
    store: &Store<StoreData>,
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
fn current_function(instance: &Instance, store: &Store<StoreData>, wasm: &[u8]) -> Option<String> {
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
    Err(RunError::Instantiate {
        source: Box::new(e),
    })
}
