//! `fdvirt inspect`: what a module needs from the runtime, and a results-only
//! `call_indirect` mismatch check.
//!
//! [`inspect`] reads a module with `wasmparser` (it never instantiates it) and returns a
//! [`Report`]:
//!
//! * imports grouped by ABI family — standard `wasi_snapshot_preview1`, WasmEdge sockets
//!   (with the form of each call whose legacy V1 and `_v2` types differ, e.g. the 2-arg
//!   legacy `sock_accept` against the standard 3-arg one, `shared/spec/wasmedge-socket-abi.md`
//!   §4.2), and imports the runtime cannot satisfy, each with its signature;
//! * exports and memories;
//! * the `call_indirect` check: for every function type a module calls indirectly, the
//!   functions placed in tables whose type has the same parameters but different results.
//!   Such a call traps at run time with "indirect call type mismatch" only when that entry is
//!   reached — the bug class of PHP's `zend_list_free` (a destructor declared `void` but
//!   stored and called as returning `int`), which native code tolerates and wasm does not.
//!
//! The `Display` impl of [`Report`] is the human-readable output of `fdvirt inspect`.
//!
//! # Examples
//!
//! ```
//! let wasm = wat::parse_str(r#"(module
//!     (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32) (result i32)))
//!     (memory (export "memory") 1))"#)?;
//! let report = runtime_glue::inspect::inspect(&wasm)?;
//! assert_eq!(report.socket_forms(), vec![("sock_accept", "legacy 2-arg (WasmEdge V1)")]);
//! assert!(report.unsatisfied().next().is_none());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod catalog;
mod indirect;
mod json;
mod parse;
mod ranking;
mod render;
#[cfg(test)]
mod tests;
mod trap;

pub use trap::{IndirectTrap, indirect_trap};

/// An error reading the module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InspectError {
    /// The bytes are not a well-formed WebAssembly module.
    #[error("not a valid WebAssembly module: {0}")]
    Parse(#[from] wasmparser::BinaryReaderError),
    /// The module uses a type the inspector does not model (GC, component model, ...).
    #[error("unsupported module feature: {what}")]
    Unsupported {
        /// What was found.
        what: &'static str,
    },
}

pub use hostcalls::abi::{Signature, ValKind};

/// Which ABI a host import belongs to (`--json` writes the variant name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[non_exhaustive]
pub enum AbiFamily {
    /// Standard WASI preview1 (`wasi_snapshot_preview1`), including its four socket calls.
    Preview1,
    /// The WasmEdge socket extension (`shared/spec/wasmedge-socket-abi.md`).
    WasmEdgeSocket,
    /// Not a function the runtime provides.
    Unknown,
}

/// How an import binds to the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Binding {
    /// Linked; `form` names the variant when the function has several (else empty).
    Bound {
        /// e.g. `legacy 2-arg (WasmEdge V1)`.
        form: &'static str,
    },
    /// The runtime has a function of this name, but not with the imported type.
    SignatureMismatch {
        /// The types the runtime accepts for this name.
        accepted: Vec<Signature>,
    },
    /// No host function of this module and name (or a non-function import).
    Unknown,
}

/// What kind of entity an import or export is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EntityKind {
    /// A function of this type.
    Func(Signature),
    /// A table.
    Table,
    /// A memory.
    Memory(MemoryInfo),
    /// A global.
    Global,
    /// An exception tag.
    Tag,
}

/// One import and how the runtime satisfies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportInfo {
    /// Import module name.
    pub module: String,
    /// Import field name.
    pub name: String,
    /// What is imported.
    pub kind: EntityKind,
    /// ABI family (from the runtime's table; `Unknown` when the name is not there).
    pub family: AbiFamily,
    /// Whether and how it binds.
    pub binding: Binding,
}

impl ImportInfo {
    /// Whether the runtime can satisfy this import.
    pub fn is_satisfied(&self) -> bool {
        matches!(self.binding, Binding::Bound { .. })
    }
}

/// One export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportInfo {
    /// Export name.
    pub name: String,
    /// `func`, `table`, `memory`, `global` or `tag`.
    pub kind: &'static str,
    /// Index in its index space.
    pub index: u32,
}

/// A memory, defined or imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryInfo {
    /// Initial size in 64 KiB pages.
    pub initial_pages: u64,
    /// Maximum size in pages, if declared.
    pub maximum_pages: Option<u64>,
    /// 64-bit addressing (memory64).
    pub memory64: bool,
    /// Shared (threads proposal).
    pub shared: bool,
}

/// A function placed in a table whose signature differs from a `call_indirect` type only in
/// its results: calling it through that type traps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndirectMismatch {
    /// The type used by `call_indirect`.
    pub call_type: Signature,
    /// Functions containing such a `call_indirect` (names, deduplicated, in index order).
    pub callers: Vec<String>,
    /// Function index of the table entry.
    pub function_index: u32,
    /// Its name (name section, else export or import name, else `func[N]`).
    pub function: String,
    /// Its actual signature.
    pub function_type: Signature,
    /// Whether the module also calls the entry's own type indirectly (on that table). If not,
    /// a call through the table can reach the entry only with a mismatching type, which traps:
    /// a suspect (Rust vtables also hold never-called methods, so not always a bug). If so,
    /// the entry may be called correctly elsewhere, and the finding is only a candidate.
    pub own_type_called_indirectly: bool,
}

impl IndirectMismatch {
    /// True when the entry's own type is never called indirectly (see
    /// [`IndirectMismatch::own_type_called_indirectly`]).
    pub fn is_suspect(&self) -> bool {
        !self.own_type_called_indirectly
    }
}

/// Why a results-only mismatch is ranked as likely to be called (see [`IndirectFinding`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Evidence {
    /// The caller's code names the address of a function-pointer array in a data segment
    /// (a run of `len` table slot numbers at `address`), `same_type` of whose entries have
    /// exactly the called type and the finding's entry differs from it only in results:
    /// C's `static const dtor_t dtors[] = {..., (dtor_t)returns_int, ...}; dtors[i](p);`.
    PointerArray {
        /// Linear-memory address of the array's first entry.
        address: u32,
        /// Number of entries (slot numbers) in the run.
        len: u32,
        /// Entries of exactly the called type.
        same_type: u32,
    },
    /// No `call_indirect` uses the entry's own type: a call through its slot can only trap.
    OwnTypeNeverCalled,
}

/// One ranked `call_indirect` finding: a call of `call_type` in `callers` that may reach
/// `function`, whose type differs only in results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndirectFinding {
    /// The calling functions (one for [`Evidence::PointerArray`]).
    pub callers: Vec<String>,
    /// The type the call expects.
    pub call_type: Signature,
    /// The table-0 slot holding the entry, when an element segment with a constant offset
    /// places it.
    pub slot: Option<u32>,
    /// The entry's name.
    pub function: String,
    /// The entry's type.
    pub function_type: Signature,
    /// Why it is ranked.
    pub evidence: Evidence,
}

/// Everything `fdvirt inspect` reports about one module.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// Imports in module order.
    pub imports: Vec<ImportInfo>,
    /// Exports in module order.
    pub exports: Vec<ExportInfo>,
    /// Memories: imported first, then defined.
    pub memories: Vec<MemoryInfo>,
    /// Distinct signatures used by `call_indirect` / `return_call_indirect`.
    pub indirect_call_types: Vec<Signature>,
    /// Number of function slots filled by element segments.
    pub table_functions: usize,
    /// Number of `call_indirect` / `return_call_indirect` instructions.
    pub indirect_sites: usize,
    /// Results-only mismatches found by the `call_indirect` check (every candidate).
    pub indirect_mismatches: Vec<IndirectMismatch>,
    /// The mismatches worth a look, most likely first (see [`Evidence`]).
    pub indirect_findings: Vec<IndirectFinding>,
}

impl Report {
    /// Imports the runtime cannot satisfy (unknown names, wrong types, non-function imports).
    pub fn unsatisfied(&self) -> impl Iterator<Item = &ImportInfo> {
        self.imports.iter().filter(|i| !i.is_satisfied())
    }

    /// `(name, form)` for every bound import with several forms, e.g. which `sock_accept`.
    pub fn socket_forms(&self) -> Vec<(&str, &'static str)> {
        self.imports
            .iter()
            .filter_map(|i| match i.binding {
                Binding::Bound { form } if !form.is_empty() => Some((i.name.as_str(), form)),
                _ => None,
            })
            .collect()
    }
}

/// Reads `wasm` and reports its imports, exports, memories and `call_indirect` mismatches.
///
/// # Errors
/// [`InspectError::Parse`] when `wasm` is not a well-formed module;
/// [`InspectError::Unsupported`] for GC struct/array types.
pub fn inspect(wasm: &[u8]) -> Result<Report, InspectError> {
    let facts = parse::Facts::read(wasm)?;
    let imports = facts.imports.iter().map(classify).collect();
    let (indirect_call_types, indirect_mismatches) = indirect::check(&facts);
    let indirect_findings = ranking::rank(&facts, &indirect_mismatches);
    Ok(Report {
        imports,
        exports: facts.exports.clone(),
        memories: facts.memories.clone(),
        indirect_call_types,
        table_functions: facts.table_funcs.len(),
        indirect_sites: facts.indirect_calls.len(),
        indirect_mismatches,
        indirect_findings,
    })
}

/// Binds one import against the runtime's table (see `catalog`).
fn classify(import: &parse::RawImport) -> ImportInfo {
    let (family, binding) = match &import.kind {
        EntityKind::Func(sig) => catalog::bind(&import.module, &import.name, sig),
        // The runtime provides functions only (no memory, table or global imports).
        _ => (AbiFamily::Unknown, Binding::Unknown),
    };
    ImportInfo {
        module: import.module.clone(),
        name: import.name.clone(),
        kind: import.kind.clone(),
        family,
        binding,
    }
}
