//! The instrumented code section: every body copied with the global updates inserted
//! (what they are and why: [the parent module](super)).
//!
//! Finding where they go means decoding every operator of every body: on a large module
//! (the 4.4 MiB, 40,000-function startup guest) most of the instrumentation's cost. A
//! small [`VisitOperator`] ([`CallSites`]) records only the calls, so no
//! `wasmparser::Operator` value is built for the other instructions, and each body's bytes
//! are copied in a few slices between the insertion points.

use wasm_encoder::{CodeSection, InstructionSink, reencode::Error};
use wasmparser::{
    BinaryReaderError, CodeSectionReader, FunctionBody, VisitOperator, VisitSimdOperator,
};

/// Where the instrumentation's globals are and which functions are the host's.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    /// Imported functions: calls of an index below this go to the host.
    pub(super) imported_funcs: u32,
    /// Index of `$cur`; `$site` and `$slot` follow it.
    pub(super) global: u32,
}

/// Adds every body of `section` (the first being function `layout.imported_funcs`) to
/// `code`, instrumented; `call_indirect` sites are numbered in module order.
///
/// # Errors
///
/// A body that does not decode.
pub(super) fn instrument_bodies(
    code: &mut CodeSection,
    section: CodeSectionReader<'_>,
    layout: Layout,
) -> Result<(), Error> {
    let mut next_site = 0u32;
    let mut scratch = Vec::new();
    for (body, func) in section.into_iter().zip(layout.imported_funcs..) {
        let body = body?;
        let scan = scan(&body, layout.imported_funcs)?;
        scratch.clear();
        copy_body(
            &mut scratch,
            body.as_bytes(),
            &scan,
            func,
            layout,
            &mut next_site,
        )
        .ok_or(Error::InvalidCodeSectionSize)?;
        code.raw(&scratch);
    }
    Ok(())
}

/// What goes in at an insertion point of a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Insert {
    /// Before a `call_indirect`: record its slot (and site number).
    Site,
    /// After a call into wasm: restore the current function.
    Restore,
}

/// One body's insertion points, as byte offsets into the body (locals included).
#[derive(Debug, Default)]
struct Scan {
    /// Where the instructions start (after the locals).
    ops_start: usize,
    /// In body order.
    points: Vec<(usize, Insert)>,
    /// `call_indirect` and `return_call_indirect` sites.
    sites: u32,
}

/// Finds `body`'s insertion points.
fn scan(body: &FunctionBody<'_>, imported_funcs: u32) -> Result<Scan, BinaryReaderError> {
    let base = body.range().start;
    // Out of range (it cannot be) makes `copy_body` decline.
    let offset = |pos: u64| {
        (pos.checked_sub(base))
            .and_then(|o| usize::try_from(o).ok())
            .unwrap_or(usize::MAX)
    };
    let mut ops = body.get_operators_reader()?;
    let mut calls = CallSites {
        imported_funcs,
        found: None,
    };
    let mut scan = Scan {
        ops_start: offset(ops.original_position()),
        ..Scan::default()
    };
    while !ops.eof() {
        let at = offset(ops.original_position());
        ops.visit_operator(&mut calls)?;
        let Some(call) = calls.found.take() else {
            continue;
        };
        if call != Call::Wasm {
            scan.points.push((at, Insert::Site));
            scan.sites += 1;
        }
        if call != Call::ReturnIndirect {
            scan.points
                .push((offset(ops.original_position()), Insert::Restore));
        }
    }
    Ok(scan)
}

/// Appends `body` (its bytes: locals, then instructions) to `out` with the global updates
/// at `scan`'s points, numbering its `call_indirect` sites from `next_site`. `None` if an
/// offset is out of range (it cannot be: the scan read these bytes).
fn copy_body(
    out: &mut Vec<u8>,
    body: &[u8],
    scan: &Scan,
    func: u32,
    layout: Layout,
    next_site: &mut u32,
) -> Option<()> {
    let (cur, site, slot) = (layout.global, layout.global + 1, layout.global + 2);
    out.extend_from_slice(body.get(..scan.ops_start)?);
    InstructionSink::new(out)
        .i32_const(func as i32)
        .global_set(cur);
    let mut copied = scan.ops_start;
    for &(at, insert) in &scan.points {
        out.extend_from_slice(body.get(copied..at)?);
        copied = at;
        let mut sink = InstructionSink::new(out);
        match insert {
            Insert::Site => {
                sink.global_set(slot).global_get(slot);
                // With one site in the function, the current function names it (see
                // `inspect::indirect_trap`).
                if scan.sites > 1 {
                    sink.i32_const(*next_site as i32).global_set(site);
                }
                *next_site += 1;
            }
            Insert::Restore => {
                sink.i32_const(func as i32).global_set(cur);
            }
        };
    }
    out.extend_from_slice(body.get(copied..)?);
    Some(())
}

/// A call that needs instrumenting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    /// `call` of a wasm function, or `call_ref`: restore the current function after it
    /// (the callee set it). A call of an imported (host) function leaves it alone, and
    /// host calls are frequent in I/O-heavy guests, so none follows one.
    Wasm,
    /// `call_indirect`: record the site before, restore after.
    Indirect,
    /// `return_call_indirect`: record the site; nothing runs after it.
    ReturnIndirect,
}

/// A [`VisitOperator`] that notes the call just decoded, if it needs instrumenting, and
/// ignores every other instruction.
#[derive(Debug)]
struct CallSites {
    imported_funcs: u32,
    found: Option<Call>,
}

/// Defines every `visit_*` method: those of the calls we instrument set `found`, the
/// others do nothing.
macro_rules! visit_calls {
    (@call $self:ident visit_call $function_index:ident) => {
        if $function_index >= $self.imported_funcs {
            $self.found = Some(Call::Wasm);
        }
    };
    (@call $self:ident visit_call_ref $($arg:ident)*) => {
        $(let _ = $arg;)*
        $self.found = Some(Call::Wasm);
    };
    (@call $self:ident visit_call_indirect $($arg:ident)*) => {
        $(let _ = $arg;)*
        $self.found = Some(Call::Indirect);
    };
    (@call $self:ident visit_return_call_indirect $($arg:ident)*) => {
        $(let _ = $arg;)*
        $self.found = Some(Call::ReturnIndirect);
    };
    (@call $self:ident $visit:ident $($arg:ident)*) => {
        $(let _ = $arg;)*
    };
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) {
                visit_calls!(@call self $visit $($($arg)*)?);
            }
        )*
    };
}

impl<'a> VisitOperator<'a> for CallSites {
    type Output = ();

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = ()>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(visit_calls);
}

impl VisitSimdOperator<'_> for CallSites {
    wasmparser::for_each_visit_simd_operator!(visit_calls);
}
