//! Turns the [`crate::abi`] table into a wasmi `Linker`, and checks a
//! module's imports against it before anything runs.

use wasmi::{
    Caller, Engine, Extern, ExternType, FuncType, Linker, Module, Val, ValType, errors::HostError,
};

use crate::{
    abi::{self, HostCall, ValKind},
    ctx::GuestCtx,
    errno::{Fault, Trap},
    error::RunError,
};

/// A host call that trapped for a reason other than `proc_exit`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("host call `{call}` failed: {message}")]
pub struct HostCallTrap {
    /// The host function's name.
    pub call: &'static str,
    /// What went wrong.
    pub message: String,
}

impl HostError for HostCallTrap {}

fn val_type(k: ValKind) -> ValType {
    match k {
        ValKind::I32 => ValType::I32,
        ValKind::I64 => ValType::I64,
    }
}

fn val_name(t: &ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
        ValType::V128 => "v128",
        ValType::FuncRef => "funcref",
        ValType::ExternRef => "externref",
    }
}

/// `(i32, i64) -> i32` for a wasmi function type.
pub fn func_type_text(ty: &FuncType) -> String {
    let join = |v: &[ValType]| v.iter().map(val_name).collect::<Vec<_>>().join(", ");
    match ty.results() {
        [] => format!("({})", join(ty.params())),
        [one] => format!("({}) -> {}", join(ty.params()), val_name(one)),
        many => format!("({}) -> ({})", join(ty.params()), join(many)),
    }
}

/// The table's view of a wasm function type; `None` if it uses a type no row uses.
fn kinds(ty: &FuncType) -> Option<(Vec<ValKind>, Vec<ValKind>)> {
    let kind = |t: &ValType| match t {
        ValType::I32 => Some(ValKind::I32),
        ValType::I64 => Some(ValKind::I64),
        _ => None,
    };
    let params = ty.params().iter().map(kind).collect::<Option<Vec<_>>>()?;
    let results = ty.results().iter().map(kind).collect::<Option<Vec<_>>>()?;
    Some((params, results))
}

/// The row a function import binds to, by name and signature (see [`abi::resolve`]).
fn resolve_import(module: &str, name: &str, ty: &FuncType) -> Option<&'static HostCall> {
    let (params, results) = kinds(ty)?;
    abi::resolve(module, name, &params, &results)
}

fn row_type(hc: &HostCall) -> FuncType {
    FuncType::new(
        hc.params.iter().copied().map(val_type),
        hc.results().iter().copied().map(val_type),
    )
}

/// Fails with [`RunError::UnknownImport`] for the first import the table
/// cannot satisfy (missing name, different signature, or a non-function).
///
/// # Errors
///
/// As described.
pub fn check_imports(module: &Module) -> Result<(), RunError> {
    for import in module.imports() {
        let unknown = |signature: String| RunError::UnknownImport {
            module: import.module().to_string(),
            name: import.name().to_string(),
            signature,
        };
        match import.ty() {
            ExternType::Func(ty) => {
                if resolve_import(import.module(), import.name(), ty).is_none() {
                    return Err(unknown(func_type_text(ty)));
                }
            }
            ExternType::Memory(_) => return Err(unknown("memory".into())),
            ExternType::Table(_) => return Err(unknown("table".into())),
            ExternType::Global(_) => return Err(unknown("global".into())),
        }
    }
    Ok(())
}

/// More parameters than any host call has.
const MAX_PARAMS: usize = 16;

/// Raw bits of a wasm argument (i32 zero-extended).
fn raw(v: &Val) -> u64 {
    match v {
        Val::I32(x) => u64::from(*x as u32),
        Val::I64(x) => *x as u64,
        _ => 0,
    }
}

/// Calls `hc` with the guest memory and host state split safely.
fn dispatch(
    hc: &'static HostCall,
    mut caller: Caller<'_, GuestCtx>,
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
        .memory
        .or_else(|| caller.get_export("memory").and_then(Extern::into_memory));
    let started = caller.data().stats.is_some().then(crate::stats::thread_cpu);
    let result = match memory {
        Some(mem) => {
            let (data, cx) = mem.data_and_store_mut(&mut caller);
            cx.zero_pages.reclaim(data);
            hc.invoke(cx, data, raw_args)
        }
        None => hc.invoke(caller.data_mut(), &mut [], raw_args),
    };
    if let (Some(t0), Some(stats)) = (started, caller.data_mut().stats.as_mut()) {
        stats.record(
            hc.name,
            raw_args,
            crate::stats::thread_cpu().saturating_sub(t0),
        );
    }
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

/// A linker for `module`: every row of the host-call table under its own name, except
/// that an import whose signature selects another row (WasmEdge's V1/`_v2` rule, see
/// [`abi::resolve`]) gets that row under the imported name.
///
/// # Errors
///
/// [`RunError::Instantiate`] if two rows share a name (a table bug).
pub fn build(engine: &Engine, module: &Module) -> Result<Linker<GuestCtx>, RunError> {
    let mut linker = Linker::new(engine);
    let redirected: Vec<(String, &'static HostCall)> = module
        .imports()
        .filter_map(|i| match i.ty() {
            ExternType::Func(ty) => resolve_import(i.module(), i.name(), ty)
                .filter(|hc| hc.name != i.name())
                .map(|hc| (i.name().to_string(), hc)),
            _ => None,
        })
        .collect();
    for (name, hc) in &redirected {
        let hc: &'static HostCall = hc;
        linker
            .func_new(
                hc.module,
                name,
                row_type(hc),
                move |caller, args, results| dispatch(hc, caller, args, results),
            )
            .map_err(|e| RunError::Instantiate {
                source: wasmi::Error::from(e),
            })?;
    }
    let taken = |hc: &HostCall| {
        redirected
            .iter()
            .any(|(n, r)| n == hc.name && r.module == hc.module)
    };
    for hc in abi::hostcalls().filter(|hc| !taken(hc)) {
        linker
            .func_new(
                hc.module,
                hc.name,
                row_type(hc),
                move |caller, args, results| dispatch(hc, caller, args, results),
            )
            .map_err(|e| RunError::Instantiate {
                source: wasmi::Error::from(e),
            })?;
    }
    Ok(linker)
}
