//! The instrumented code, instruction by instruction, against a reference built from
//! `wasmparser::Operator` values (what the module docs promise), on a generated module
//! with many functions and every kind of call.

use std::fmt::Write as _;

use wasmparser::{Operator, Parser, Payload, Validator};

use super::instrument;

const IMPORTS: u32 = 2;

/// `n` functions cycling through: no call (with SIMD and nested blocks), host and wasm
/// calls, one `call_indirect`, several of them plus a `return_call_indirect`, `call_ref`,
/// and a `return_call`.
fn generated(n: u32) -> Vec<u8> {
    let mut text = String::from(
        r#"(module
        (type $v (func (param i32)))
        (type $r (func (param i32) (result i32)))
        (import "env" "h0" (func $h0 (param i32)))
        (import "env" "h1" (func $h1 (param i32)))
        (global $g (mut i32) (i32.const 0))
        (table 8 funcref)
        (elem declare func $f0)
        (elem (i32.const 0) $f0 $f1)
        (memory 1)
        "#,
    );
    for i in 0..n {
        let prev = i.saturating_sub(1);
        let body = match i % 7 {
            0 => "(block (loop (br_if 1 (local.get 0)))) \
                  (drop (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))) (local.get 0)"
                .to_string(),
            1 => format!(
                "(call $h0 (local.get 0)) (call $h1 (i32.const {i})) (call $f{prev} (local.get 0))"
            ),
            2 => "(call_indirect (type $r) (local.get 0) (i32.const 1))".to_string(),
            3 => "(drop (call_indirect (type $r) (i32.const 1) (i32.const 0))) \
                  (call_indirect (type $v) (i32.const 2) (i32.const 1)) \
                  (return_call_indirect (type $r) (i32.const 3) (local.get 0))"
                .to_string(),
            4 => "(call_ref $r (local.get 0) (ref.func $f0))".to_string(),
            5 => "(return_call $f0 (local.get 0))".to_string(),
            _ => format!("(global.set $g (call $f{prev} (i32.const {i}))) (global.get $g)"),
        };
        let _ = writeln!(text, "(func $f{i} (type $r) {body})");
    }
    text.push(')');
    wat::parse_str(&text).expect("generated WAT parses")
}

/// Each body's operators.
fn bodies(wasm: &[u8]) -> Vec<Vec<Operator<'_>>> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload.unwrap() {
            let mut ops = body.get_operators_reader().unwrap();
            let mut list = Vec::new();
            while !ops.eof() {
                list.push(ops.read().unwrap());
            }
            out.push(list);
        }
    }
    out
}

/// The instrumented operators of every body, derived from the original's.
fn reference(original: &[Vec<Operator<'static>>], globals: u32) -> Vec<Vec<Operator<'static>>> {
    let (cur, site, slot) = (globals, globals + 1, globals + 2);
    let mut next_site = 0;
    let mut out = Vec::new();
    for (ops, func) in original.iter().zip(IMPORTS..) {
        let set_current = [
            Operator::I32Const { value: func as i32 },
            Operator::GlobalSet { global_index: cur },
        ];
        let indirect = |op: &Operator<'_>| {
            matches!(
                op,
                Operator::CallIndirect { .. } | Operator::ReturnCallIndirect { .. }
            )
        };
        let sites = ops.iter().filter(|op| indirect(op)).count();
        let mut body = set_current.to_vec();
        for op in ops {
            if indirect(op) {
                body.push(Operator::GlobalSet { global_index: slot });
                body.push(Operator::GlobalGet { global_index: slot });
                if sites > 1 {
                    body.push(Operator::I32Const { value: next_site });
                    body.push(Operator::GlobalSet { global_index: site });
                }
                next_site += 1;
            }
            body.push(op.clone());
            let restore = match op {
                Operator::Call { function_index } => *function_index >= IMPORTS,
                Operator::CallIndirect { .. } | Operator::CallRef { .. } => true,
                _ => false,
            };
            if restore {
                body.extend(set_current.iter().cloned());
            }
        }
        out.push(body);
    }
    out
}

#[test]
fn every_call_kind_is_instrumented_as_documented() {
    let wasm: &'static [u8] = Vec::leak(generated(700));
    let out = instrument(wasm).expect("instruments");
    Validator::new()
        .validate_all(&out)
        .expect("instrumented module validates");
    // One defined global ($g): ours are 1, 2 and 3.
    let expected = reference(&bodies(wasm), 1);
    let got = bodies(&out);
    assert_eq!(got.len(), expected.len());
    for (i, (got, expected)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(got, expected, "function {}", i as u32 + IMPORTS);
    }
}
