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

use std::ops::Range;

use wasm_encoder::{
    CodeSection, ConstExpr, ExportKind, ExportSection, GlobalSection, GlobalType, Module,
    SectionId, ValType,
    reencode::{Error, Reencode, utils},
};
use wasmparser::{KnownCustom, Name, Operator, Parser, Payload, TypeRef};

/// Export name of the "current function" global added by [`instrument`].
pub(crate) const CURRENT_FN_EXPORT: &str = "__fdvirt_current_fn";
/// Export name of the global holding the last `call_indirect` site (module order).
pub(crate) const INDIRECT_SITE_EXPORT: &str = "__fdvirt_indirect_site";
/// Export name of the global holding the last `call_indirect`'s table slot operand.
pub(crate) const INDIRECT_SLOT_EXPORT: &str = "__fdvirt_indirect_slot";

/// The rewriter: a `wasm-encoder` reencoder that copies everything but the code, the
/// global and the export sections.
struct Instrument<'a> {
    wasm: &'a [u8],
    imported_funcs: u32,
    /// Index of the first added global (`$cur`; `$site` and `$slot` follow).
    global: u32,
    /// Function index of the next body.
    next_func: u32,
    /// Number of the next `call_indirect` site.
    next_site: u32,
    globals_done: bool,
    exports_done: bool,
}

/// Returns the instrumented module, or `None` to run the original.
pub(crate) fn instrument(wasm: &[u8]) -> Option<Vec<u8>> {
    let (imported_funcs, globals) = counts(wasm)?;
    let mut rewriter = Instrument {
        wasm,
        imported_funcs,
        global: globals,
        next_func: imported_funcs,
        next_site: 0,
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

impl Instrument<'_> {
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
        for (g, name) in (self.global..).zip(names) {
            exports.export(name, ExportKind::Global, g);
        }
    }

    /// `i32.const func; global.set $cur`.
    fn set_current(&self, f: &mut wasm_encoder::Function, func: u32) {
        f.instructions()
            .i32_const(func as i32)
            .global_set(self.global);
    }

    /// Records the slot operand (top of the stack) and, if `numbered`, the site number,
    /// stack-neutrally.
    fn record_site(&mut self, f: &mut wasm_encoder::Function, numbered: bool) {
        let (site, slot) = (self.global + 1, self.global + 2);
        let mut sink = f.instructions();
        sink.global_set(slot).global_get(slot);
        if numbered {
            sink.i32_const(self.next_site as i32).global_set(site);
        }
        self.next_site += 1;
    }

    /// Bytes `range` of the original module (reader offsets are u64).
    fn original(&self, range: Range<u64>) -> Result<&[u8], Error> {
        let bad = || Error::InvalidCodeSectionSize;
        let start = usize::try_from(range.start).map_err(|_| bad())?;
        let end = usize::try_from(range.end).map_err(|_| bad())?;
        self.wasm.get(start..end).ok_or_else(bad)
    }
}

/// Whether the global must be restored after `op`: after a call into wasm code, which
/// sets it to the callee. A direct call of an imported (host) function leaves it alone,
/// and a host call is frequent in I/O-heavy guests, so no restore follows one.
fn restores_after(op: &Operator<'_>, imported_funcs: u32) -> bool {
    match op {
        Operator::Call { function_index } => *function_index >= imported_funcs,
        Operator::CallIndirect { .. } | Operator::CallRef { .. } => true,
        _ => false,
    }
}

/// What goes in at an insertion point of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Insert {
    /// Before a `call_indirect`: record its slot (and site number).
    Site,
    /// After a call into wasm: restore the current function.
    Restore,
}

fn is_indirect(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::CallIndirect { .. } | Operator::ReturnCallIndirect { .. }
    )
}

impl Reencode for Instrument<'_> {
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

    /// Copies the body's instructions, inserting the global updates.
    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        body: wasmparser::FunctionBody<'_>,
    ) -> Result<(), Error> {
        let func = self.next_func;
        self.next_func += 1;
        let mut f = self.new_function_with_parsed_locals(&body)?;
        self.set_current(&mut f, func);
        // One pass to find the insertion points, then copy between them.
        let mut ops = body.get_operators_reader()?;
        let start = ops.original_position();
        let mut points = Vec::new();
        while !ops.eof() {
            let at = ops.original_position();
            let op = ops.read()?;
            if is_indirect(&op) {
                points.push((at, Insert::Site));
            }
            if restores_after(&op, self.imported_funcs) {
                points.push((ops.original_position(), Insert::Restore));
            }
        }
        let end = ops.original_position();
        // A function with one call site needs no site number: the trap's current function
        // names it (see `inspect::indirect_trap`).
        let sites = points.iter().filter(|(_, i)| *i == Insert::Site).count();
        let mut copied = start;
        for (at, insert) in points {
            f.raw(self.original(copied..at)?.iter().copied());
            copied = at;
            match insert {
                Insert::Site => self.record_site(&mut f, sites > 1),
                Insert::Restore => self.set_current(&mut f, func),
            }
        }
        f.raw(self.original(copied..end)?.iter().copied());
        code.function(&f);
        Ok(())
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
