//! Naming the wasm function a trap happened in.
//!
//! wasmi reports a trap's kind but not where it happened. Before running, the
//! module is therefore rewritten so that it keeps the index of the function
//! currently executing in one extra mutable global, exported as
//! [`CURRENT_FN_EXPORT`]: every function body starts with
//! `i32.const <own index>; global.set $cur`, and every `call` of a wasm
//! function, `call_indirect` and `call_ref` is followed by the same pair to
//! restore it after the callee returns (a call of an imported host function
//! needs none: the host never sets the global). When a trap unwinds, the global holds the
//! innermost function; the name section of the original module names it.
//!
//! Function, type and existing global indices are unchanged (the global is
//! appended after all others), so the name section and every other section
//! stay valid and are copied byte for byte. If anything about the module is
//! unexpected, [`instrument`] returns `None` and the original runs unchanged.

use std::ops::Range;

use wasmparser::{KnownCustom, Name, Operator, Parser, Payload, TypeRef};

/// Export name of the "current function" global added by [`instrument`].
pub(crate) const CURRENT_FN_EXPORT: &str = "__fdvirt_current_fn";

const GLOBAL_SECTION: u8 = 6;
const EXPORT_SECTION: u8 = 7;
const CODE_SECTION: u8 = 10;

fn uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        out.push(if done { byte } else { byte | 0x80 });
        if done {
            return;
        }
    }
}

fn section(out: &mut Vec<u8>, id: u8, content: &[u8]) {
    out.push(id);
    uleb(out, content.len() as u64);
    out.extend_from_slice(content);
}

/// `i32.const idx; global.set g`.
fn set_current(out: &mut Vec<u8>, func: u32, global: u32) {
    out.push(0x41);
    sleb(out, i64::from(func as i32));
    out.push(0x24);
    uleb(out, u64::from(global));
}

/// A vector section's content with `extra` appended as one more entry.
fn append_entry(original: Option<&[u8]>, extra: &[u8]) -> Option<Vec<u8>> {
    let (count, rest) = match original {
        Some(bytes) => {
            let mut r = wasmparser::BinaryReader::new(bytes, 0);
            let count = r.read_var_u32().ok()?;
            (
                count,
                bytes.get(usize::try_from(r.original_position()).ok()?..)?,
            )
        }
        None => (0, &[][..]),
    };
    let mut out = Vec::with_capacity(rest.len() + extra.len() + 5);
    uleb(&mut out, u64::from(count.checked_add(1)?));
    out.extend_from_slice(rest);
    out.extend_from_slice(extra);
    Some(out)
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

/// Rewrites one function body (`range` excludes its size prefix).
fn body(
    wasm: &[u8],
    b: &wasmparser::FunctionBody<'_>,
    func: u32,
    imported_funcs: u32,
    global: u32,
) -> Option<Vec<u8>> {
    let Range { start, end } = b.range();
    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
    let mut locals = b.get_locals_reader().ok()?;
    for _ in 0..locals.get_count() {
        locals.read().ok()?;
    }
    let ops_start = usize::try_from(locals.original_position()).ok()?;
    let mut out = Vec::with_capacity(end - start + 16);
    out.extend_from_slice(wasm.get(start..ops_start)?);
    set_current(&mut out, func, global);
    let mut ops = b.get_operators_reader().ok()?;
    let mut copied = ops_start;
    while !ops.eof() {
        let op = ops.read().ok()?;
        if restores_after(&op, imported_funcs) {
            let after = usize::try_from(ops.original_position()).ok()?;
            out.extend_from_slice(wasm.get(copied..after)?);
            set_current(&mut out, func, global);
            copied = after;
        }
    }
    out.extend_from_slice(wasm.get(copied..end)?);
    Some(out)
}

/// Counts of imported functions and globals, and defined globals.
#[derive(Debug, Default)]
struct Counts {
    imported_funcs: u32,
    globals: u32,
}

/// Returns the instrumented module, or `None` to run the original.
pub(crate) fn instrument(wasm: &[u8]) -> Option<Vec<u8>> {
    let mut counts = Counts::default();
    let mut sections: Vec<(u8, Range<usize>)> = Vec::new();
    let mut bodies = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.ok()?;
        match &payload {
            Payload::ImportSection(r) => {
                for imp in r.clone().into_imports() {
                    match imp.ok()?.ty {
                        TypeRef::Func(_) => counts.imported_funcs += 1,
                        TypeRef::Global(_) => counts.globals += 1,
                        _ => {}
                    }
                }
            }
            Payload::GlobalSection(r) => counts.globals += r.count(),
            Payload::CodeSectionEntry(b) => bodies.push(b.clone()),
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => return None,
            _ => {}
        }
        if let Some((id, r)) = payload.as_section() {
            sections.push((
                id,
                usize::try_from(r.start).ok()?..usize::try_from(r.end).ok()?,
            ));
        }
    }
    assemble(wasm, &sections, &bodies, &counts)
}

/// Section order rank (custom sections keep their place: rank None).
fn rank(id: u8) -> Option<u8> {
    match id {
        1..=5 => Some(id),
        13 => Some(6),
        6 => Some(7),
        7 => Some(8),
        8 => Some(9),
        9 => Some(10),
        12 => Some(11),
        10 => Some(12),
        11 => Some(13),
        _ => None,
    }
}

fn assemble(
    wasm: &[u8],
    sections: &[(u8, Range<usize>)],
    bodies: &[wasmparser::FunctionBody<'_>],
    counts: &Counts,
) -> Option<Vec<u8>> {
    let global = counts.globals;
    let new_global = [0x7f, 0x01, 0x41, 0x00, 0x0b]; // mut i32 = i32.const 0
    let mut new_export = Vec::new();
    uleb(&mut new_export, CURRENT_FN_EXPORT.len() as u64);
    new_export.extend_from_slice(CURRENT_FN_EXPORT.as_bytes());
    new_export.push(0x03);
    uleb(&mut new_export, u64::from(global));
    let mut out = wasm.get(..8)?.to_vec();
    let (mut global_done, mut export_done) = (false, false);
    for (id, r) in sections {
        let content = wasm.get(r.clone())?;
        let rk = rank(*id);
        if !global_done && rk.is_some_and(|k| k > 7) {
            section(&mut out, GLOBAL_SECTION, &append_entry(None, &new_global)?);
            global_done = true;
        }
        if !export_done && rk.is_some_and(|k| k > 8) {
            section(&mut out, EXPORT_SECTION, &append_entry(None, &new_export)?);
            export_done = true;
        }
        match *id {
            GLOBAL_SECTION => {
                section(
                    &mut out,
                    GLOBAL_SECTION,
                    &append_entry(Some(content), &new_global)?,
                );
                global_done = true;
            }
            EXPORT_SECTION => {
                section(
                    &mut out,
                    EXPORT_SECTION,
                    &append_entry(Some(content), &new_export)?,
                );
                export_done = true;
            }
            CODE_SECTION => {
                let code = code_section(wasm, bodies, counts.imported_funcs, global)?;
                section(&mut out, CODE_SECTION, &code);
            }
            _ => section(&mut out, *id, content),
        }
    }
    if !global_done {
        section(&mut out, GLOBAL_SECTION, &append_entry(None, &new_global)?);
    }
    if !export_done {
        section(&mut out, EXPORT_SECTION, &append_entry(None, &new_export)?);
    }
    Some(out)
}

/// The code section's content with every body rewritten.
fn code_section(
    wasm: &[u8],
    bodies: &[wasmparser::FunctionBody<'_>],
    imported_funcs: u32,
    global: u32,
) -> Option<Vec<u8>> {
    let mut code = Vec::new();
    uleb(&mut code, bodies.len() as u64);
    for (i, b) in (0u32..).zip(bodies) {
        let rewritten = body(
            wasm,
            b,
            imported_funcs.checked_add(i)?,
            imported_funcs,
            global,
        )?;
        uleb(&mut code, rewritten.len() as u64);
        code.extend_from_slice(&rewritten);
    }
    Some(code)
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
