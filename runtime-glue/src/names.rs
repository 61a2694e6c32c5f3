//! Naming the wasm function a trap happened in, and the table slot of a failed
//! `call_indirect` (the wasmi adapter's trap instrumentation).
//!
//! wasmi reports a trap's kind but not where it happened. Before running, the
//! module is therefore rewritten (with `wasm-encoder`'s reencoder) to keep three
//! extra mutable globals, appended after all others and exported:
//!
//! * [`CURRENT_FN_EXPORT`], the index of the function currently executing: every
//!   function body starts with `i32.const <own index>; global.set $cur`, and every
//!   `call` of a wasm function, `call_indirect` and `call_ref` is followed by the same
//!   pair to restore it after the callee returns (a call of an imported host function
//!   needs none: the host never sets the global). When a trap unwinds, the global holds
//!   the innermost function.
//! * [`INDIRECT_SITE_EXPORT`] and [`INDIRECT_SLOT_EXPORT`]: just before every
//!   `call_indirect` / `return_call_indirect`, `global.set $slot; global.get $slot`
//!   copies the table slot operand, and, in a function with more than one such call,
//!   `i32.const <site>; global.set $site` records which call site it is (call sites
//!   numbered in module order, as [`crate::inspect::indirect_trap`] numbers them; in a
//!   function with one, the current function names the site, so the common case costs
//!   two instructions). After a `BadSignature` trap these say which slot was called from
//!   where; the module bytes say the rest.
//!
//! Function, type and existing global indices are unchanged, so the name section and
//! every other section stay valid; custom sections and unchanged code are copied byte
//! for byte. If anything about the module is unexpected, [`instrument`] returns `None`
//! and the original runs unchanged.

mod code;
#[cfg(test)]
mod tests;

use wasm_encoder::{
    CodeSection, ConstExpr, ExportKind, ExportSection, GlobalSection, GlobalType, Module,
    SectionId, ValType,
    reencode::{Error, Reencode, utils},
};
use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

use code::Layout;

/// Export name of the "current function" global added by [`instrument`].
pub(crate) const CURRENT_FN_EXPORT: &str = "__fdvirt_current_fn";
/// Export name of the global holding the last `call_indirect` site (module order).
pub(crate) const INDIRECT_SITE_EXPORT: &str = "__fdvirt_indirect_site";
/// Export name of the global holding the last `call_indirect`'s table slot operand.
pub(crate) const INDIRECT_SLOT_EXPORT: &str = "__fdvirt_indirect_slot";

/// The rewriter: a `wasm-encoder` reencoder that copies everything but the code, the
/// global and the export sections.
struct Instrument {
    layout: Layout,
    globals_done: bool,
    exports_done: bool,
}

/// Returns the instrumented module, or `None` to run the original.
pub(crate) fn instrument(wasm: &[u8]) -> Option<Vec<u8>> {
    let (imported_funcs, globals) = counts(wasm)?;
    let mut rewriter = Instrument {
        layout: Layout {
            imported_funcs,
            global: globals,
        },
        globals_done: false,
        exports_done: false,
    };
    let mut module = Module::new();
    rewriter
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .ok()?;
    Some(module.finish())
}

/// The module to run when `builder` names traps: the instrumented one, or `None` to run
/// the original (naming off, or [`instrument`] declined). Both engines start here.
pub(crate) fn for_builder(builder: &hostcalls::GuestBuilder, wasm: &[u8]) -> Option<Vec<u8>> {
    builder.names_traps().then(|| instrument(wasm)).flatten()
}

/// Imported functions and all globals (imported and defined); `None` for a component or
/// a module that already exports one of our names (the result would not validate).
fn counts(wasm: &[u8]) -> Option<(u32, u32)> {
    let (mut funcs, mut globals) = (0u32, 0u32);
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::ImportSection(r) => {
                for imp in r.into_imports() {
                    match imp.ok()?.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => funcs += 1,
                        TypeRef::Global(_) => globals += 1,
                        _ => {}
                    }
                }
            }
            Payload::GlobalSection(r) => globals = globals.checked_add(r.count())?,
            Payload::ExportSection(r) => {
                for export in r {
                    let name = export.ok()?.name;
                    if [
                        CURRENT_FN_EXPORT,
                        INDIRECT_SITE_EXPORT,
                        INDIRECT_SLOT_EXPORT,
                    ]
                    .contains(&name)
                    {
                        return None;
                    }
                }
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => return None,
            // Imports, globals and exports all come before the code: skip reading through
            // every body.
            Payload::CodeSectionStart { .. } => break,
            _ => {}
        }
    }
    Some((funcs, globals))
}

/// Section order rank (the spec's order; the tag section sits between memory and global).
fn rank(id: SectionId) -> u8 {
    match id {
        SectionId::Tag => 6,
        SectionId::Global => 7,
        SectionId::Export => 8,
        SectionId::Start => 9,
        SectionId::Element => 10,
        SectionId::DataCount => 11,
        SectionId::Code => 12,
        SectionId::Data => 13,
        other => other as u8,
    }
}

impl Instrument {
    fn add_globals(&self, globals: &mut GlobalSection) {
        let ty = GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        };
        globals.global(ty, &ConstExpr::i32_const(0)); // $cur
        globals.global(ty, &ConstExpr::i32_const(-1)); // $site: none yet
        globals.global(ty, &ConstExpr::i32_const(-1)); // $slot
    }

    fn add_exports(&self, exports: &mut ExportSection) {
        let names = [
            CURRENT_FN_EXPORT,
            INDIRECT_SITE_EXPORT,
            INDIRECT_SLOT_EXPORT,
        ];
        for (g, name) in (self.layout.global..).zip(names) {
            exports.export(name, ExportKind::Global, g);
        }
    }
}

impl Reencode for Instrument {
    type Error = std::convert::Infallible;

    /// Custom sections (the name section above all) are copied byte for byte.
    fn parse_custom_section(
        &mut self,
        module: &mut Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), Error> {
        module.section(&utils::custom_section(self, section));
        Ok(())
    }

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), Error> {
        utils::parse_global_section(self, globals, section)?;
        self.add_globals(globals);
        self.globals_done = true;
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), Error> {
        utils::parse_export_section(self, exports, section)?;
        self.add_exports(exports);
        self.exports_done = true;
        Ok(())
    }

    /// Adds a global or export section where the module has none.
    fn intersperse_section_hook(
        &mut self,
        module: &mut Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), Error> {
        let next = before.map_or(u8::MAX, rank);
        if !self.globals_done && next > rank(SectionId::Global) {
            let mut globals = GlobalSection::new();
            self.add_globals(&mut globals);
            module.section(&globals);
            self.globals_done = true;
        }
        if !self.exports_done && next > rank(SectionId::Export) {
            let mut exports = ExportSection::new();
            self.add_exports(&mut exports);
            module.section(&exports);
            self.exports_done = true;
        }
        Ok(())
    }

    /// Copies the bodies with the global updates inserted ([`code`]).
    fn parse_code_section(
        &mut self,
        code: &mut CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), Error> {
        code::instrument_bodies(code, section, self.layout)
    }

    /// Unknown sections make the module invalid anyway: decline.
    fn parse_unknown_section(
        &mut self,
        _module: &mut Module,
        _id: u8,
        _contents: &[u8],
    ) -> Result<(), Error> {
        Err(Error::UnexpectedNonCoreModuleSection)
    }
}

/// The name-section name of function `index`, if the module has one.
pub(crate) fn function_name(wasm: &[u8], index: u32) -> Option<String> {
    for payload in Parser::new(0).parse_all(wasm) {
        let Ok(Payload::CustomSection(c)) = payload else {
            continue;
        };
        let KnownCustom::Name(reader) = c.as_known() else {
            continue;
        };
        for sub in reader {
            let Ok(Name::Function(map)) = sub else {
                continue;
            };
            for naming in map {
                match naming {
                    Ok(n) if n.index == index => return Some(n.name.to_string()),
                    _ => {}
                }
            }
        }
    }
    None
}
