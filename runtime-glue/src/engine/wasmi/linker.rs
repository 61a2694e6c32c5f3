//! Links the host-call table ([`hostcalls::abi`]) into a wasmi `Linker` over any store
//! data that gives access to a [`GuestCtx`] ([`WasmiHost`]).

use hostcalls::{
    GuestCtx,
    abi::{self, HostCall, Signature, ValKind},
    errno::{Fault, Trap},
};
use wasmi::{Caller, Engine, Extern, ExternType, FuncType, Linker, Module, Val, ValType};

use super::zero_pages::ZeroPages;
use crate::{
    engine::{HostCallTrap, MAX_PARAMS},
    error::RunError,
    imports,
};

impl wasmi::errors::HostError for HostCallTrap {}

/// Store data the host calls can run on: a projection to the guest's [`GuestCtx`], plus
/// two optional fast paths fdvirt's own runner uses.
///
/// An embedder with its own store type implements [`WasmiHost::guest`] and nothing else:
/// the guest's `memory` export is then looked up on each call.
pub trait WasmiHost: 'static {
    /// The guest's host state inside this store data.
    fn guest(&mut self) -> &mut GuestCtx;

    /// The guest's exported memory, if the embedder cached it after instantiation
    /// (saves an export lookup by name on every host call).
    fn memory(&self) -> Option<wasmi::Memory> {
        None
    }

    /// Zero-page reclaim state ([`ZeroPages`]); `None` turns reclaiming off.
    fn zero_pages(&mut self) -> Option<&mut ZeroPages> {
        None
    }
}

/// A row's parameter or result type: rows only use `i32` and `i64` (their arguments are
/// [`abi::AbiArg`]s).
fn val_type(k: ValKind) -> ValType {
    match k {
        ValKind::I64 => ValType::I64,
        _ => ValType::I32,
    }
}

fn row_type(hc: &HostCall) -> FuncType {
    FuncType::new(
        hc.params.iter().copied().map(val_type),
        hc.results().iter().copied().map(val_type),
    )
}

/// Raw bits of a wasm argument (i32 zero-extended).
fn raw(v: &Val) -> u64 {
    match v {
        Val::I32(x) => u64::from(*x as u32),
        Val::I64(x) => *x as u64,
        _ => 0,
    }
}

/// Calls `hc` with the guest memory and host state split safely.
fn dispatch<T: WasmiHost>(
    hc: &'static HostCall,
    mut caller: Caller<'_, T>,
    args: &[Val],
    results: &mut [Val],
) -> Result<(), wasmi::Error> {
    // Every host call has at most 9 parameters (path_open); the table is
    // checked against wasmi's types at link time, so `args` fits.
    let mut raw_buf = [0u64; MAX_PARAMS];
    for (slot, v) in raw_buf.iter_mut().zip(args) {
        *slot = raw(v);
    }
    let raw_args = &raw_buf[..args.len().min(MAX_PARAMS)];
    let memory = caller
        .data()
        .memory()
        .or_else(|| caller.get_export("memory").and_then(Extern::into_memory));
    let result = match memory {
        Some(mem) => {
            let (data, host) = mem.data_and_store_mut(&mut caller);
            if let Some(zero) = host.zero_pages() {
                zero.reclaim(data);
            }
            hc.invoke(host.guest(), data, raw_args)
        }
        None => hc.invoke(caller.data_mut().guest(), &mut [], raw_args),
    };
    match result {
        Err(Fault::Trap(Trap::Exit(code))) => Err(wasmi::Error::i32_exit(code)),
        Err(Fault::Trap(Trap::Host(message))) => Err(wasmi::Error::host(HostCallTrap {
            call: hc.name,
            message,
        })),
        other => {
            if let (Some(slot), Some(v)) = (results.first_mut(), abi::errno_value(&other)) {
                *slot = Val::I32(v);
            }
            Ok(())
        }
    }
}

/// Fails with [`RunError::UnknownImport`] for the first import the table cannot satisfy
/// (missing name, different signature, or a non-function), by the one binding rule
/// ([`imports::bind`]) every engine and `inspect` use.
///
/// # Errors
///
/// As described.
pub fn check_imports(module: &Module) -> Result<(), RunError> {
    for import in module.imports() {
        let ty = match import.ty() {
            ExternType::Func(ty) => imports::ImportType::Func(signature(ty)),
            ExternType::Memory(_) => imports::ImportType::Memory,
            ExternType::Table(_) => imports::ImportType::Table,
            ExternType::Global(_) => imports::ImportType::Global,
        };
        imports::bind(import.module(), import.name(), &ty)?;
    }
    Ok(())
}

/// wasmi's function type in the engine-neutral terms of [`imports`].
fn signature(ty: &FuncType) -> Signature {
    let kind = |t: &ValType| match t {
        ValType::I32 => ValKind::I32,
        ValType::I64 => ValKind::I64,
        ValType::F32 => ValKind::F32,
        ValType::F64 => ValKind::F64,
        ValType::V128 => ValKind::V128,
        ValType::FuncRef => ValKind::FuncRef,
        ValType::ExternRef => ValKind::ExternRef,
    };
    Signature {
        params: ty.params().iter().map(kind).collect(),
        results: ty.results().iter().map(kind).collect(),
    }
}

/// Adds every host call `module` imports to `linker`, each under the imported name and
/// bound to the row that name and signature select (WasmEdge's V1/`_v2` rule, see
/// [`abi::resolve`]). Imports the table cannot satisfy are left out: instantiation then
/// reports them, or call [`check_imports`] first for fdvirt's message.
///
/// # Errors
///
/// [`RunError::Instantiate`] if wasmi refuses a definition (e.g. the name is already
/// defined in `linker`).
pub fn add_to_linker<T: WasmiHost>(
    linker: &mut Linker<T>,
    module: &Module,
) -> Result<(), RunError> {
    let mut seen = std::collections::HashSet::new();
    for import in module.imports() {
        let ExternType::Func(ty) = import.ty() else {
            continue;
        };
        // A module may import the same function twice; wasmi defines each name once.
        if !seen.insert((import.module(), import.name())) {
            continue;
        }
        let Ok(hc) = imports::bind(
            import.module(),
            import.name(),
            &imports::ImportType::Func(signature(ty)),
        ) else {
            continue;
        };
        linker
            .func_new(
                import.module(),
                import.name(),
                row_type(hc),
                move |caller, args, results| dispatch(hc, caller, args, results),
            )
            .map_err(|e| RunError::Instantiate {
                source: Box::new(wasmi::Error::from(e)),
            })?;
    }
    Ok(())
}

/// A linker for `module` holding exactly the host calls it imports.
///
/// # Errors
///
/// As [`add_to_linker`].
pub fn build<T: WasmiHost>(engine: &Engine, module: &Module) -> Result<Linker<T>, RunError> {
    let mut linker = Linker::new(engine);
    add_to_linker(&mut linker, module)?;
    Ok(linker)
}
