//! The results-only `call_indirect` check.
//!
//! `call_indirect (type T)` traps unless the table entry's type equals T exactly. C code that
//! casts function pointers between `void f(x)` and `int f(x)` works natively (the return
//! register is just ignored) but traps in wasm when the mismatched entry is called. The
//! parameters still match in such code, so a module whose table holds a function whose type
//! differs from a `call_indirect` type *only in results* may have this bug; when the
//! entry's own type is never called indirectly, it is a suspect.

use super::{IndirectMismatch, Signature, parse::Facts};
use std::collections::{BTreeMap, BTreeSet};

/// Returns the distinct `call_indirect` signatures and every results-only mismatch.
///
/// Types are compared structurally (two type indices with equal signatures are one type for
/// `call_indirect`), and an entry is compared with a call only if both concern the same
/// table (passive/declared segments are compared with every table).
pub(crate) fn check(facts: &Facts) -> (Vec<Signature>, Vec<IndirectMismatch>) {
    // call signature -> (tables it is used on, callers)
    let mut calls: BTreeMap<&Signature, (BTreeSet<u32>, BTreeSet<u32>)> = BTreeMap::new();
    for call in &facts.indirect_calls {
        if let Some(sig) = facts.type_signature(call.type_index) {
            let slot = calls.entry(sig).or_default();
            slot.0.insert(call.table);
            slot.1.insert(call.caller);
        }
    }
    let mut mismatches = Vec::new();
    let mut reported = BTreeSet::new();
    for (call_sig, (tables, callers)) in &calls {
        for entry in &facts.table_funcs {
            let Some(func_sig) = facts.func_signature(entry.func) else {
                continue;
            };
            let same_table = entry.table.is_none_or(|t| tables.contains(&t));
            let results_only =
                func_sig.params == call_sig.params && func_sig.results != call_sig.results;
            if same_table && results_only && reported.insert((*call_sig, entry.func)) {
                mismatches.push(IndirectMismatch {
                    call_type: (*call_sig).clone(),
                    callers: callers.iter().map(|&c| facts.func_name(c)).collect(),
                    function_index: entry.func,
                    function: facts.func_name(entry.func),
                    function_type: func_sig.clone(),
                    own_type_called_indirectly: calls
                        .get(func_sig)
                        .is_some_and(|(t, _)| entry.table.is_none_or(|table| t.contains(&table))),
                });
            }
        }
    }
    (calls.keys().map(|s| (*s).clone()).collect(), mismatches)
}
