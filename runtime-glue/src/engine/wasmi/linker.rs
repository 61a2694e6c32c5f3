//! Links the host-call table ([`hostcalls::abi`]) into a wasmi `Linker` over any store
//! data that gives access to a [`GuestCtx`] ([`WasmiHost`]).

use hostcalls::{
    GuestCtx,
    abi::{HostCall, Signature, ValKind},
};
use wasmi::{Caller, Engine, Extern, ExternType, FuncType, Linker, Module, ValType};

use super::zero_pages::ZeroPages;
use crate::{
    engine::{
        HostCallTrap,
        typed::{Stop, UntypedRow, finish, func_wrap_typed, with_typed_signature},
    },
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

/// Runs `hc` on raw arguments with the guest memory and host state split safely: the body
/// of every typed closure [`add_to_linker`] builds.
fn call<T: WasmiHost>(
    hc: &'static HostCall,
    mut caller: Caller<'_, T>,
    raw: &[u64],
) -> Result<i32, wasmi::Error> {
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
            hc.invoke(host.guest(), data, raw)
        }
        None => hc.invoke(caller.data_mut().guest(), &mut [], raw),
    };
    finish(hc, result).map_err(|stop| match stop {
        Stop::Exit(code) => wasmi::Error::i32_exit(code),
        Stop::Trap(trap) => wasmi::Error::host(trap),
    })
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
/// defined in `linker`), or, for a host-call row whose signature has no typed binding,
/// with [`crate::engine::UntypedRow`] (a unit test keeps every row covered).
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
        let (module_name, name) = (import.module(), import.name());
        // One typed closure per signature (see `engine::typed`).
        let linked = with_typed_signature!(hc, func_wrap_typed, [linker, module_name, name, hc])
            .ok_or_else(|| RunError::Instantiate {
                source: Box::new(UntypedRow::of(hc)),
            })?;
        linked.map_err(|e| RunError::Instantiate {
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
