//! One pass over the module with `wasmparser`, collecting the facts `inspect` needs.

use super::{EntityKind, ExportInfo, InspectError, MemoryInfo, Signature, ValKind};
use std::collections::{BTreeMap, HashMap};
use wasmparser::{
    CompositeInnerType, DataKind, ElementItems, ElementKind, ExternalKind, FunctionBody,
    KnownCustom, Name, Operator, Parser, Payload, RefType, TypeRef, ValType,
};

/// An import before it is bound against the runtime.
#[derive(Debug, Clone)]
pub(crate) struct RawImport {
    pub(crate) module: String,
    pub(crate) name: String,
    pub(crate) kind: EntityKind,
}

/// A `call_indirect` (or `return_call_indirect`) site.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndirectCall {
    /// Function index of the function containing the call.
    pub(crate) caller: u32,
    pub(crate) type_index: u32,
    pub(crate) table: u32,
}

/// A function placed in a table by an element segment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableFunc {
    /// `None` for passive and declared segments (they may reach any table via `table.init`).
    pub(crate) table: Option<u32>,
    /// The slot it lands in: active segments with an `i32.const` offset only.
    pub(crate) slot: Option<u32>,
    pub(crate) func: u32,
}

/// Facts about a module, independent of the runtime.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// Type section, by type index; `None` for non-function (GC) types.
    pub(crate) types: Vec<Option<Signature>>,
    /// Type index of every function, imported functions first.
    pub(crate) func_types: Vec<u32>,
    pub(crate) imports: Vec<RawImport>,
    pub(crate) exports: Vec<ExportInfo>,
    pub(crate) memories: Vec<MemoryInfo>,
    /// Name-section function names.
    pub(crate) names: HashMap<u32, String>,
    pub(crate) table_funcs: Vec<TableFunc>,
    pub(crate) indirect_calls: Vec<IndirectCall>,
    /// Active data segments of memory 0 with a constant address: (address, bytes).
    pub(crate) data: Vec<(u32, Vec<u8>)>,
    /// For each function that contains a `call_indirect`, the addresses its code names:
    /// `i32.const` values and load offsets (where a C function-pointer array is read).
    pub(crate) addresses: HashMap<u32, Vec<u32>>,
    /// Every such address named anywhere in the code: (the first function naming it,
    /// whether others do too). Where another function names an address inside a run of
    /// function pointers, another array (another C symbol) starts.
    pub(crate) code_refs: BTreeMap<u32, (u32, bool)>,
    imported_funcs: u32,
    bodies_seen: u32,
}

impl Facts {
    /// Parses every section of `wasm` that matters to `inspect`.
    pub(crate) fn read(wasm: &[u8]) -> Result<Self, InspectError> {
        let mut facts = Facts::default();
        for payload in Parser::new(0).parse_all(wasm) {
            facts.payload(payload?)?;
        }
        Ok(facts)
    }

    /// The signature of function `func`, if it has a function type.
    pub(crate) fn func_signature(&self, func: u32) -> Option<&Signature> {
        let ty = *self.func_types.get(usize::try_from(func).ok()?)?;
        self.type_signature(ty)
    }

    /// The signature of type `ty`, if it is a function type.
    pub(crate) fn type_signature(&self, ty: u32) -> Option<&Signature> {
        self.types.get(usize::try_from(ty).ok()?)?.as_ref()
    }

    /// A readable name: name section, else an export or import name, else `func[N]`.
    pub(crate) fn func_name(&self, func: u32) -> String {
        if let Some(n) = self.names.get(&func) {
            return n.clone();
        }
        if let Some(e) = self
            .exports
            .iter()
            .find(|e| e.kind == "func" && e.index == func)
        {
            return format!("{} (export)", e.name);
        }
        let imported = self
            .imports
            .iter()
            .filter(|i| matches!(i.kind, EntityKind::Func(_)));
        if let Some(i) = imported.clone().nth(func as usize) {
            return format!("{}.{} (import)", i.module, i.name);
        }
        format!("func[{func}]")
    }

    fn payload(&mut self, payload: Payload<'_>) -> Result<(), InspectError> {
        match payload {
            Payload::TypeSection(r) => self.types(r)?,
            Payload::ImportSection(r) => {
                for import in r.into_imports() {
                    self.import(import?);
                }
            }
            Payload::FunctionSection(r) => {
                for ty in r {
                    self.func_types.push(ty?);
                }
            }
            Payload::MemorySection(r) => {
                for m in r {
                    self.memories.push(memory(m?));
                }
            }
            Payload::ExportSection(r) => {
                for e in r {
                    self.exports.push(export(e?));
                }
            }
            Payload::ElementSection(r) => {
                for element in r {
                    self.element(element?)?;
                }
            }
            Payload::CodeSectionEntry(body) => self.body(&body)?,
            Payload::DataSection(r) => {
                for data in r {
                    self.data_segment(data?);
                }
            }
            Payload::CustomSection(c) => self.custom(&c),
            Payload::ComponentSection { .. } | Payload::ModuleSection { .. } => {
                return Err(InspectError::Unsupported {
                    what: "component model",
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Function signatures by type index (`None` for GC struct/array types).
    fn types(&mut self, r: wasmparser::TypeSectionReader<'_>) -> Result<(), InspectError> {
        for group in r {
            for sub in group?.into_types() {
                self.types.push(match sub.composite_type.inner {
                    CompositeInnerType::Func(f) => Some(signature(f.params(), f.results())),
                    _ => None,
                });
            }
        }
        Ok(())
    }

    fn import(&mut self, import: wasmparser::Import<'_>) {
        let kind = match import.ty {
            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                self.func_types.push(ty);
                self.imported_funcs += 1;
                EntityKind::Func(self.type_signature(ty).cloned().unwrap_or_default())
            }
            TypeRef::Table(_) => EntityKind::Table,
            TypeRef::Memory(m) => {
                self.memories.push(memory(m));
                EntityKind::Memory(memory(m))
            }
            TypeRef::Global(_) => EntityKind::Global,
            TypeRef::Tag(_) => EntityKind::Tag,
        };
        self.imports.push(RawImport {
            module: import.module.to_owned(),
            name: import.name.to_owned(),
            kind,
        });
    }

    fn element(&mut self, element: wasmparser::Element<'_>) -> Result<(), InspectError> {
        let (table, base) = match element.kind {
            ElementKind::Active {
                table_index,
                offset_expr,
            } => (Some(table_index.unwrap_or(0)), const_offset(&offset_expr)),
            ElementKind::Passive | ElementKind::Declared => (None, None),
        };
        let mut push = |i: u32, func: u32| {
            let slot = base.and_then(|b| b.checked_add(i));
            self.table_funcs.push(TableFunc { table, slot, func });
        };
        match element.items {
            ElementItems::Functions(funcs) => {
                for (i, func) in (0u32..).zip(funcs) {
                    push(i, func?);
                }
            }
            ElementItems::Expressions(_, exprs) => {
                for (i, expr) in (0u32..).zip(exprs) {
                    for op in expr?.get_operators_reader() {
                        if let Operator::RefFunc { function_index } = op? {
                            push(i, function_index);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn body(&mut self, body: &FunctionBody<'_>) -> Result<(), InspectError> {
        let caller = self.imported_funcs + self.bodies_seen;
        self.bodies_seen += 1;
        let (mut addresses, mut indirect) = (Vec::new(), false);
        for op in body.get_operators_reader()? {
            match op? {
                Operator::CallIndirect {
                    type_index,
                    table_index,
                }
                | Operator::ReturnCallIndirect {
                    type_index,
                    table_index,
                } => {
                    indirect = true;
                    self.indirect_calls.push(IndirectCall {
                        caller,
                        type_index,
                        table: table_index,
                    });
                }
                Operator::I32Const { value } => addresses.push(value as u32),
                Operator::I32Load { memarg } => {
                    addresses.extend(u32::try_from(memarg.offset).ok());
                }
                _ => {}
            }
        }
        for &a in &addresses {
            let entry = self.code_refs.entry(a).or_insert((caller, false));
            entry.1 |= entry.0 != caller;
        }
        if indirect {
            self.addresses.insert(caller, addresses);
        }
        Ok(())
    }

    fn data_segment(&mut self, data: wasmparser::Data<'_>) {
        if let DataKind::Active {
            memory_index: 0,
            offset_expr,
        } = data.kind
            && let Some(address) = const_offset(&offset_expr)
        {
            self.data.push((address, data.data.to_vec()));
        }
    }

    /// Function names from the `name` section; a malformed name section is ignored, as
    /// engines do (it is only debug information).
    fn custom(&mut self, c: &wasmparser::CustomSectionReader<'_>) {
        let KnownCustom::Name(names) = c.as_known() else {
            return;
        };
        for sub in names.into_iter().flatten() {
            if let Name::Function(map) = sub {
                for naming in map.into_iter().flatten() {
                    self.names.insert(naming.index, naming.name.to_owned());
                }
            }
        }
    }
}

/// The value of an `i32.const N` offset expression (other offsets, e.g. `global.get`,
/// are only known at instantiation).
fn const_offset(expr: &wasmparser::ConstExpr<'_>) -> Option<u32> {
    let mut ops = expr.get_operators_reader();
    match (ops.read().ok()?, ops.read().ok()?) {
        (Operator::I32Const { value }, Operator::End) => Some(value as u32),
        _ => None,
    }
}

fn signature(params: &[ValType], results: &[ValType]) -> Signature {
    Signature {
        params: params.iter().map(|&v| val_kind(v)).collect(),
        results: results.iter().map(|&v| val_kind(v)).collect(),
    }
}

fn val_kind(v: ValType) -> ValKind {
    match v {
        ValType::I32 => ValKind::I32,
        ValType::I64 => ValKind::I64,
        ValType::F32 => ValKind::F32,
        ValType::F64 => ValKind::F64,
        ValType::V128 => ValKind::V128,
        ValType::Ref(r) if r == RefType::FUNCREF => ValKind::FuncRef,
        ValType::Ref(r) if r == RefType::EXTERNREF => ValKind::ExternRef,
        ValType::Ref(_) => ValKind::OtherRef,
    }
}

fn memory(m: wasmparser::MemoryType) -> MemoryInfo {
    MemoryInfo {
        initial_pages: m.initial,
        maximum_pages: m.maximum,
        memory64: m.memory64,
        shared: m.shared,
    }
}

fn export(e: wasmparser::Export<'_>) -> ExportInfo {
    ExportInfo {
        name: e.name.to_owned(),
        kind: kind_name(e.kind),
        index: e.index,
    }
}

fn kind_name(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => "func",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}
