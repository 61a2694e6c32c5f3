//! The one import-binding pass: which host call a module's import binds to, or why none
//! does. Every engine adapter checks imports with it before instantiating, and `inspect`
//! reports with it, so what `inspect` says always matches what `fdvirt run` links.

use hostcalls::abi::{self, HostCall, Signature};

use crate::error::RunError;

/// What an import asks the host for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportType {
    /// A function of this type.
    Func(Signature),
    /// A linear memory (fdvirt provides none: the guest exports its own).
    Memory,
    /// A table.
    Table,
    /// A global.
    Global,
    /// Anything else (a tag, ...).
    Other,
}

/// The row that `module`.`name` of type `ty` binds to ([`abi::resolve`]: by name and
/// signature, with WasmEdge's V1/`_v2` redirects).
///
/// # Errors
///
/// [`RunError::UnknownImport`], naming the import and the type it asked for, when no row
/// fits (missing name, another signature, or not a function).
pub fn bind(module: &str, name: &str, ty: &ImportType) -> Result<&'static HostCall, RunError> {
    let found = match ty {
        ImportType::Func(sig) => abi::resolve(module, name, &sig.params, &sig.results),
        _ => None,
    };
    found.ok_or_else(|| RunError::UnknownImport {
        module: module.to_owned(),
        name: name.to_owned(),
        signature: match ty {
            ImportType::Func(sig) => sig.to_string(),
            ImportType::Memory => "memory".into(),
            ImportType::Table => "table".into(),
            ImportType::Global => "global".into(),
            ImportType::Other => "non-function import".into(),
        },
    })
}
