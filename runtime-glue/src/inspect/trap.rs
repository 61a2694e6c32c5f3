//! What a failed `call_indirect` did, worked out from the module bytes alone.
//!
//! An engine that traps with "indirect call type mismatch" knows little more than that.
//! Its adapter only has to know, at the trap, the function executing (the caller), the
//! table slot operand of the failed call, and — when the caller contains more than one
//! `call_indirect` — which call site it was (sites numbered in module order: function
//! bodies in order, instructions in order, `call_indirect` and `return_call_indirect`
//! alike).
//! [`indirect_trap`] turns them into the whole story from the type, function, element and
//! name sections: `rc_dtor_func called table slot 2164 (zend_list_free: (i32) -> i32) as
//! (i32) -> ()`. Nothing here depends on an engine.

use super::{Signature, parse::Facts};
use std::fmt::{self, Display, Formatter};

/// One failed indirect call, described from the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndirectTrap {
    /// The function containing the call site (name section, else export/import name).
    pub caller: String,
    /// The table the call went through.
    pub table: u32,
    /// The slot operand.
    pub slot: u32,
    /// The function an element segment put in that slot, with its type; `None` when no
    /// active segment with a constant offset fills it (an empty slot, or one filled by
    /// `table.set` / `table.init` at run time).
    pub found: Option<(String, Signature)>,
    /// The type the call expected (its `call_indirect` type immediate).
    pub expected: Signature,
}

/// `rc_dtor_func called table slot 2164 (zend_list_free: (i32) -> i32) as (i32) -> ()`.
impl Display for IndirectTrap {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} called table ", self.caller)?;
        if self.table != 0 {
            write!(f, "{} ", self.table)?;
        }
        write!(f, "slot {} ", self.slot)?;
        match &self.found {
            Some((name, sig)) => write!(f, "({name}: {sig})")?,
            None => f.write_str("(not filled by an element segment)")?,
        }
        write!(f, " as {}", self.expected)
    }
}

/// Describes a failed call in function `caller` through table slot `slot`. The call site
/// is the caller's only `call_indirect` if it has one, else `site` (module order, see the
/// module docs), which must then be one of the caller's. `None` when `wasm` does not parse
/// or the site cannot be told.
pub fn indirect_trap(
    wasm: &[u8],
    caller: u32,
    site: Option<u32>,
    slot: u32,
) -> Option<IndirectTrap> {
    let facts = Facts::read(wasm).ok()?;
    let mut own = facts.indirect_calls.iter().filter(|c| c.caller == caller);
    let call = match (own.next(), own.next()) {
        (Some(only), None) => only,
        (Some(_), Some(_)) => facts
            .indirect_calls
            .get(usize::try_from(site?).ok()?)
            .filter(|c| c.caller == caller)?,
        (None, _) => return None,
    };
    let expected = facts.type_signature(call.type_index)?.clone();
    // Later segments overwrite earlier ones, as instantiation does.
    let found = facts
        .table_funcs
        .iter()
        .rev()
        .find(|e| e.table == Some(call.table) && e.slot == Some(slot))
        .map(|e| {
            let sig = facts.func_signature(e.func).cloned().unwrap_or_default();
            (facts.func_name(e.func), sig)
        });
    Some(IndirectTrap {
        caller: facts.func_name(call.caller),
        table: call.table,
        slot,
        found,
        expected,
    })
}
