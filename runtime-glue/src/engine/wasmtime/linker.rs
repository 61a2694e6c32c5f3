//! Links the host-call table ([`hostcalls::abi`]) into a wasmtime `Linker` over any store
//! data that gives access to a [`GuestCtx`] ([`WasmtimeHost`]).

use hostcalls::{
    GuestCtx,
    abi::{self, HostCall, Signature, ValKind},
    errno::{Fault, Trap},
};
use wasmtime::{Caller, Extern, ExternType, FuncType, Linker, Module, Val, ValType};

use crate::{
    engine::{GuestExit, HostCallTrap, MAX_PARAMS},
    error::RunError,
    imports,
};

/// Store data the host calls can run on: a projection to the guest's [`GuestCtx`].
///
/// An embedder with its own store type implements [`WasmtimeHost::guest`] and nothing
/// else: the guest's `memory` export is then looked up on each call.
pub trait WasmtimeHost: 'static {
    /// The guest's host state inside this store data.
    fn guest(&mut self) -> &mut GuestCtx;

    /// The guest's exported memory, if the embedder cached it after instantiation
    /// (saves an export lookup by name on every host call).
    fn memory(&self) -> Option<wasmtime::Memory> {
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

/// Raw bits of a wasm argument (i32 zero-extended).
fn raw(v: &Val) -> u64 {
    match v {
        Val::I32(x) => u64::from(*x as u32),
        Val::I64(x) => *x as u64,
        _ => 0,
    }
}

/// Calls `hc` with the guest memory and host state split safely.
fn dispatch<T: WasmtimeHost>(
    hc: &'static HostCall,
    mut caller: Caller<'_, T>,
    args: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
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
            hc.invoke(host.guest(), data, raw_args)
        }
        None => hc.invoke(caller.data_mut().guest(), &mut [], raw_args),
    };
    match result {
        Err(Fault::Trap(Trap::Exit(code))) => Err(wasmtime::Error::new(GuestExit(code))),
        Err(Fault::Trap(Trap::Host(message))) => Err(wasmtime::Error::new(HostCallTrap {
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

/// wasmtime's function type in the engine-neutral terms of [`imports`].
fn signature(ty: &FuncType) -> Signature {
    let kind = |t: ValType| match t {
        ValType::I32 => ValKind::I32,
        ValType::I64 => ValKind::I64,
        ValType::F32 => ValKind::F32,
        ValType::F64 => ValKind::F64,
        ValType::V128 => ValKind::V128,
        ValType::Ref(r) if r.heap_type().is_func() => ValKind::FuncRef,
        ValType::Ref(r) if r.heap_type().is_extern() => ValKind::ExternRef,
        ValType::Ref(_) => ValKind::OtherRef,
    };
    Signature {
        params: ty.params().map(kind).collect(),
        results: ty.results().map(kind).collect(),
    }
}

fn import_type(ty: &ExternType) -> imports::ImportType {
    match ty {
        ExternType::Func(f) => imports::ImportType::Func(signature(f)),
        ExternType::Memory(_) => imports::ImportType::Memory,
        ExternType::Table(_) => imports::ImportType::Table,
        ExternType::Global(_) => imports::ImportType::Global,
        _ => imports::ImportType::Other,
    }
}

/// Fails with [`RunError::UnknownImport`] for the first import the table cannot satisfy,
/// by the one binding rule ([`imports::bind`]) every engine and `inspect` use.
///
/// # Errors
///
/// As described.
pub fn check_imports(module: &Module) -> Result<(), RunError> {
    for import in module.imports() {
        imports::bind(import.module(), import.name(), &import_type(&import.ty()))?;
    }
    Ok(())
}

/// Adds every host call `module` imports to `linker`, each under the imported name and
/// bound to the row that name and signature select (WasmEdge's V1/`_v2` rule, see
/// [`abi::resolve`]). Imports the table cannot satisfy are left out: instantiation then
/// reports them, or call [`check_imports`] first for fdvirt's message.
///
/// # Errors
///
/// [`RunError::Instantiate`] if wasmtime refuses a definition (e.g. the name is already
/// defined in `linker`).
pub fn add_to_linker<T: WasmtimeHost>(
    linker: &mut Linker<T>,
    module: &Module,
) -> Result<(), RunError> {
    let engine = linker.engine().clone();
    let mut seen = std::collections::HashSet::new();
    for import in module.imports() {
        let ty = import.ty();
        if !matches!(ty, ExternType::Func(_)) || !seen.insert((import.module(), import.name())) {
            continue;
        }
        let Ok(hc) = imports::bind(import.module(), import.name(), &import_type(&ty)) else {
            continue;
        };
        let row_type = FuncType::new(
            &engine,
            hc.params.iter().copied().map(val_type),
            hc.results().iter().copied().map(val_type),
        );
        linker
            .func_new(
                import.module(),
                import.name(),
                row_type,
                move |caller, args, results| dispatch(hc, caller, args, results),
            )
            .map_err(|e| RunError::Instantiate { source: e.into() })?;
    }
    Ok(())
}
