//! Ranking the `call_indirect` mismatches of a real-size program.
//!
//! In a C program of PHP's size (3,356 table slots, 19 indirect signatures), every
//! function of type `(i32) -> i32` in the table differs only in results from every
//! `(i32) -> ()` call: thousands of results-only candidates, nearly all harmless because
//! `(i32) -> i32` is itself called indirectly elsewhere. What singles out the real bug is
//! where the pointer lives. C code like PHP's
//!
//! ```c
//! static const zend_rc_dtor_func_t zend_rc_dtor_func[] = {
//!     zend_empty_destroy, zend_string_destroy, ..., (zend_rc_dtor_func_t)zend_list_free, ...};
//! void rc_dtor_func(zend_refcounted *p) { zend_rc_dtor_func[GC_TYPE(p)](p); }
//! ```
//!
//! compiles to a data segment holding a run of table slot numbers (the array) and a
//! caller whose code names the array's address (`i32.load offset=ADDR` or
//! `i32.const ADDR`) next to its `call_indirect`. An array whose slots are mostly of the
//! called type, with one entry that differs only in results, is the strongest evidence
//! there is: ranked first, per calling function. (Rust vtables read as runs too, but hold
//! one or two functions of any one type: they need a majority of the called type.) Entries whose own type no
//! `call_indirect` uses (suspects) follow; everything else is folded into counts.

use super::{Evidence, IndirectFinding, IndirectMismatch, Signature, parse::Facts};
use std::collections::{BTreeSet, HashMap};

/// A run of at least two consecutive aligned words in data that are all filled slots
/// of table 0.
#[derive(Debug)]
struct PointerArray {
    address: u32,
    slots: Vec<u32>,
}

impl PointerArray {
    fn end(&self) -> u64 {
        u64::from(self.address) + 4 * self.slots.len() as u64
    }
}

/// Ranked findings: pointer arrays first (purest first), then suspects.
pub(crate) fn rank(facts: &Facts, mismatches: &[IndirectMismatch]) -> Vec<IndirectFinding> {
    let slot_funcs: HashMap<u32, u32> = facts
        .table_funcs
        .iter()
        .filter(|e| e.table == Some(0))
        .filter_map(|e| Some((e.slot?, e.func)))
        .collect();
    let arrays = pointer_arrays(facts, &slot_funcs);
    let mut findings = array_findings(facts, &arrays, &slot_funcs);
    // Purest arrays first: fewest entries of other types, then most of the called type.
    findings.sort_by_cached_key(|f| {
        let strength = match f.evidence {
            Evidence::PointerArray {
                address,
                len,
                same_type,
            } => (len - same_type, u32::MAX - same_type, address),
            Evidence::OwnTypeNeverCalled => (u32::MAX, 0, 0),
        };
        (strength, f.callers.clone(), f.slot)
    });
    let first_slot = |func: u32| {
        facts
            .table_funcs
            .iter()
            .find(|e| e.func == func)
            .and_then(|e| e.slot)
    };
    findings.extend(
        mismatches
            .iter()
            .filter(|m| m.is_suspect())
            .map(|m| IndirectFinding {
                callers: m.callers.clone(),
                call_type: m.call_type.clone(),
                slot: first_slot(m.function_index),
                function: m.function.clone(),
                function_type: m.function_type.clone(),
                evidence: Evidence::OwnTypeNeverCalled,
            }),
    );
    findings
}

/// Every run of filled table-0 slot numbers in the data segments.
fn pointer_arrays(facts: &Facts, slot_funcs: &HashMap<u32, u32>) -> Vec<PointerArray> {
    let mut arrays = Vec::new();
    for (base, bytes) in &facts.data {
        let skip = ((4 - base % 4) % 4) as usize;
        let mut run: Option<PointerArray> = None;
        let words = bytes.get(skip..).unwrap_or_default().chunks_exact(4);
        for (i, word) in (0u32..).zip(words) {
            let value = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            if value != 0 && slot_funcs.contains_key(&value) {
                let address = base.wrapping_add(skip as u32).wrapping_add(4 * i);
                run.get_or_insert_with(|| PointerArray {
                    address,
                    slots: Vec::new(),
                })
                .slots
                .push(value);
            } else if let Some(done) = run.take() {
                arrays.extend((done.slots.len() >= 2).then_some(done));
            }
        }
        arrays.extend(run.filter(|r| r.slots.len() >= 2));
    }
    arrays.sort_by_key(|a| a.address);
    arrays
}

/// Findings for callers that name an array holding slots of their call type and a
/// results-only mismatch of it.
fn array_findings(
    facts: &Facts,
    arrays: &[PointerArray],
    slot_funcs: &HashMap<u32, u32>,
) -> Vec<IndirectFinding> {
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    let mut call_types: HashMap<u32, BTreeSet<&Signature>> = HashMap::new();
    for c in facts.indirect_calls.iter().filter(|c| c.table == 0) {
        if let Some(sig) = facts.type_signature(c.type_index) {
            call_types.entry(c.caller).or_default().insert(sig);
        }
    }
    for (&caller, addresses) in &facts.addresses {
        let Some(call_types) = call_types.get(&caller) else {
            continue;
        };
        for &address in addresses {
            let Some(array) = array_at(facts, arrays, caller, address) else {
                continue;
            };
            if !seen.insert((caller, address)) {
                continue;
            }
            for call_type in call_types {
                found.extend(judge(facts, caller, &array, call_type, slot_funcs));
            }
        }
    }
    found
}

/// The array `caller` names at `address`: from there to the end of the run of slot numbers
/// it lies in, or to the next address another function names in that run (adjacent C
/// arrays form one run in data; each is named by its own code).
fn array_at(
    facts: &Facts,
    arrays: &[PointerArray],
    caller: u32,
    address: u32,
) -> Option<PointerArray> {
    // The last run starting at or before `address`, if `address` is inside it and aligned.
    let at = arrays.partition_point(|a| a.address <= address);
    let run = arrays.get(at.checked_sub(1)?)?;
    let offset = address - run.address;
    if u64::from(address) >= run.end() || !offset.is_multiple_of(4) {
        return None;
    }
    let end = facts
        .code_refs
        .range(address.checked_add(1)?..)
        .take_while(|(a, _)| u64::from(**a) < run.end())
        .find(|(_, (first, shared))| *shared || *first != caller)
        .map_or(run.end(), |(a, _)| u64::from(*a));
    let first = (offset / 4) as usize;
    let last = usize::try_from((end - u64::from(run.address)).div_ceil(4)).ok()?;
    Some(PointerArray {
        address,
        slots: run.slots.get(first..last.min(run.slots.len()))?.to_vec(),
    })
}

/// The mismatching entries of `array` for a call of `call_type`, if most of the array's
/// entries (and at least two) have exactly that type (else it is not an array of that
/// pointer type).
fn judge(
    facts: &Facts,
    caller: u32,
    array: &PointerArray,
    call_type: &Signature,
    slot_funcs: &HashMap<u32, u32>,
) -> Vec<IndirectFinding> {
    let typed: Vec<(u32, u32, &Signature)> = array
        .slots
        .iter()
        .filter_map(|s| {
            let func = *slot_funcs.get(s)?;
            Some((*s, func, facts.func_signature(func)?))
        })
        .collect();
    // An array of that pointer type is mostly entries of that type. Rust vtables (drop,
    // size, align, methods of every type) also read as runs of slot numbers, with one or
    // two entries of any given type: not evidence.
    let same_type = typed.iter().filter(|(_, _, sig)| *sig == call_type).count();
    if same_type < 2 || same_type * 2 <= array.slots.len() {
        return Vec::new();
    }
    let len = u32::try_from(array.slots.len()).unwrap_or(u32::MAX);
    typed
        .iter()
        .filter(|(_, _, sig)| sig.params == call_type.params && sig.results != call_type.results)
        .map(|&(slot, func, sig)| IndirectFinding {
            callers: vec![facts.func_name(caller)],
            call_type: call_type.clone(),
            slot: Some(slot),
            function: facts.func_name(func),
            function_type: sig.clone(),
            evidence: Evidence::PointerArray {
                address: array.address,
                len,
                same_type: u32::try_from(same_type).unwrap_or(u32::MAX),
            },
        })
        .collect()
}
