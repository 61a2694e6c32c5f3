//! The wasmtime engine (Cranelift JIT): compiled guests run near native speed, at the cost
//! of a compile step (cached on disk, like the `wasmtime` CLI's) and a larger footprint.
//! See BENCHMARKS.md for when it is the better choice.
//!
//! wasmtime reports where a trap happened itself (its backtrace names the wasm function).
//! The trap-naming instrumentation ([`crate::names`]) still runs unless turned off, for
//! what no backtrace has: the table slot a failed `call_indirect` used, so its message
//! names the function found there and both types, as on wasmi. No zero-page reclaim:
//! wasmtime maps linear memory lazily, so untouched pages are never resident.

pub mod linker;

use std::sync::OnceLock;

use hostcalls::{ExitStatus, GuestBuilder, GuestCtx};
use wasmtime::{
    Config, Engine, Module, Store, StoreLimits, StoreLimitsBuilder, Trap, WasmBacktrace,
};

use super::{GuestExit, HostCallTrap};
use crate::{error::RunError, names};
pub use linker::{WasmtimeHost, add_to_linker, check_imports};

/// fdvirt's own store data: the guest's host state plus what the wasmtime adapter needs.
#[derive(Debug)]
pub struct StoreData {
    /// The guest's host state.
    pub guest: GuestCtx,
    /// The guest's exported `memory`, looked up once after instantiation.
    memory: Option<wasmtime::Memory>,
    /// wasmtime's resource limiter built from the guest's memory cap.
    limits: StoreLimits,
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
        }
    }
}

impl WasmtimeHost for StoreData {
    fn guest(&mut self) -> &mut GuestCtx {
        &mut self.guest
    }

    fn memory(&self) -> Option<wasmtime::Memory> {
        self.memory
    }
}

/// The process-wide engine: Cranelift with wasmtime's on-disk compile cache (the same
/// cache and configuration file the `wasmtime` CLI uses), so a guest is compiled once per
/// version of its bytes. Without a usable cache directory it compiles every time.
///
/// # Errors
///
/// [`RunError::Instantiate`] if wasmtime rejects the configuration.
pub fn engine() -> Result<Engine, RunError> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    let made = ENGINE.get_or_init(|| {
        let mut config = Config::new();
        if let Ok(cache) = wasmtime::Cache::from_file(None) {
            config.cache(Some(cache));
        }
        Engine::new(&config).map_err(|e| e.to_string())
    });
    made.clone().map_err(|message| RunError::Instantiate {
        source: message.into(),
    })
}

/// Runs `wasm` as configured by `builder`.
pub(crate) fn run(builder: GuestBuilder, wasm: &[u8]) -> Result<ExitStatus, RunError> {
    let engine = engine()?;
    // Prefer the instrumented module (names the trapping function); fall back to the
    // original if instrumentation declined or broke validation. (`wasm` is binary:
    // `Run::run_bytes_on` assembled any text already.)
    let instrumented = names::for_builder(&builder, wasm);
    let module = match instrumented.map(|w| Module::new(&engine, w)) {
        Some(Ok(m)) => m,
        _ => Module::new(&engine, wasm).map_err(|e| RunError::Load { source: e.into() })?,
    };
    check_imports(&module)?;
    let mut store = Store::new(&engine, StoreData::new(builder.build_ctx()?));
    store.limiter(|data| &mut data.limits);
    let mut linker = wasmtime::Linker::new(&engine);
    add_to_linker(&mut linker, &module)?;
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(e) => return finish(e, wasm, None),
    };
    store.data_mut().memory = instance.get_memory(&mut store, "memory");
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .map_err(|_| RunError::NoStart)?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(ExitStatus { code: 0 }),
        Err(e) => {
            let detail = indirect_call(&e, &instance, &mut store, wasm);
            finish(e, wasm, detail)
        }
    }
}

/// For a failed `call_indirect`, the slot (and site) the instrumentation recorded,
/// described from the module (`inspect::indirect_trap`); the caller is the innermost frame
/// of wasmtime's backtrace.
fn indirect_call(
    e: &wasmtime::Error,
    instance: &wasmtime::Instance,
    store: &mut Store<StoreData>,
    wasm: &[u8],
) -> Option<String> {
    if !matches!(
        e.downcast_ref::<Trap>(),
        Some(Trap::BadSignature | Trap::IndirectCallToNull)
    ) {
        return None;
    }
    let caller = e
        .downcast_ref::<WasmBacktrace>()
        .and_then(|bt| bt.frames().first())
        .map(|frame| frame.func_index())?;
    let mut read = |name: &str| match instance.get_global(&mut *store, name)?.get(&mut *store) {
        wasmtime::Val::I32(v) if v >= 0 => Some(v as u32),
        _ => None,
    };
    let slot = read(names::INDIRECT_SLOT_EXPORT)?;
    let site = read(names::INDIRECT_SITE_EXPORT);
    crate::inspect::indirect_trap(wasm, caller, site, slot).map(|t| t.to_string())
}

/// Maps a wasmtime error from running guest code to an exit or a trap, naming the
/// innermost wasm function of its backtrace from the module's name section (the names
/// the wasmi engine reports).
fn finish(e: wasmtime::Error, wasm: &[u8], detail: Option<String>) -> Result<ExitStatus, RunError> {
    if let Some(GuestExit(code)) = e.downcast_ref::<GuestExit>() {
        return Ok(ExitStatus { code: *code });
    }
    if let Some(h) = e.downcast_ref::<HostCallTrap>() {
        return Err(RunError::Trap {
            kind: "host".into(),
            function: Some(h.call.to_string()),
            message: h.message.clone(),
        });
    }
    if let Some(trap) = e.downcast_ref::<Trap>() {
        let function = e
            .downcast_ref::<WasmBacktrace>()
            .and_then(|bt| bt.frames().first())
            .map(|frame| {
                let index = frame.func_index();
                names::function_name(wasm, index)
                    .or_else(|| frame.func_name().map(str::to_owned))
                    .unwrap_or_else(|| format!("<wasm function {index}>"))
            });
        return Err(RunError::Trap {
            kind: format!("{trap:?}"),
            function,
            // wasmtime's text is "wasm trap: <what>"; report <what>, as wasmi does.
            message: {
                let what = trap.to_string();
                let what = what.trim_start_matches("wasm trap: ");
                match detail {
                    Some(detail) => format!("{what}: {detail}"),
                    None => what.to_owned(),
                }
            },
        });
    }
    Err(RunError::Instantiate { source: e.into() })
}
