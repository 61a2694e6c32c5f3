//! Traps name the wasm function they happened in (via the name section).

use crate::util::engine;
use runtime_glue::{Engine, GuestBuilder, Run, RunError};

use crate::util::{module, run_with};

fn trap_of(wasm: &[u8]) -> (String, Option<String>) {
    match GuestBuilder::new().run_bytes_on(engine(), wasm) {
        Err(RunError::Trap { kind, function, .. }) => (kind, function),
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn trap_names_the_innermost_function() {
    let wasm = module(
        "(func $inner (drop (i32.div_u (i32.const 1) (i32.const 0))))
         (func $outer (call $inner))",
        "(call $outer)",
    );
    let (kind, function) = trap_of(&wasm);
    assert!(kind.contains("DivisionByZero"), "{kind}");
    assert_eq!(function.as_deref(), Some("inner"));
}

#[test]
fn trap_after_a_call_returns_names_the_caller() {
    let wasm = module(
        "(func $fine (drop (i32.const 1)))
         (func $caller (call $fine) unreachable)",
        "(call $caller)",
    );
    assert_eq!(trap_of(&wasm).1.as_deref(), Some("caller"));
}

#[test]
fn trap_after_a_host_call_names_the_caller() {
    // No restore follows a call of an import (the host never sets the global), so this
    // checks that the global still names the caller after a callee ran and a host call.
    let wasm = module(
        "(func $fine (drop (i32.const 1)))
         (func $caller
           (call $fine)
           (drop (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 64)))
           unreachable)",
        "(call $caller)",
    );
    assert_eq!(trap_of(&wasm).1.as_deref(), Some("caller"));
}

#[test]
fn trap_through_call_indirect_names_the_target() {
    let wasm = module(
        "(type $t (func))
         (table 1 funcref)
         (elem (i32.const 0) $target)
         (func $target unreachable)
         (func $dispatch (call_indirect (type $t) (i32.const 0)))",
        "(call $dispatch)",
    );
    assert_eq!(trap_of(&wasm).1.as_deref(), Some("target"));
}

#[test]
fn module_without_names_gets_the_index() {
    let wasm = wat::parse_str(r#"(module (func) (func (export "_start") unreachable))"#).unwrap();
    // `wat` emits no function names for unnamed functions; index 1 is _start.
    assert_eq!(trap_of(&wasm).1.as_deref(), Some("<wasm function 1>"));
}

#[test]
fn instrumentation_keeps_globals_and_results_intact() {
    // A defined global and a call returning a value: the added global must
    // neither shift $g nor disturb the operand stack.
    let wasm = module(
        "(global $g (mut i32) (i32.const 40))
         (func $two (result i32) (i32.const 2))",
        "(global.set $g (i32.add (global.get $g) (call $two)))
         (call $exit (global.get $g))",
    );
    assert_eq!(run_with(GuestBuilder::new(), &wasm).unwrap().code, 42);
}

#[test]
fn guest_exporting_the_reserved_name_still_runs() {
    let wasm = wat::parse_str(
        r#"(module (global (export "__fdvirt_current_fn") i32 (i32.const 0))
                   (func (export "_start")))"#,
    )
    .unwrap();
    assert_eq!(
        GuestBuilder::new()
            .run_bytes_on(engine(), &wasm)
            .unwrap()
            .code,
        0
    );
}

// Without the instrumentation wasmi cannot name the function; wasmtime still can, from its
// own backtrace, so this one is wasmi's alone.

#[test]
fn trap_names_can_be_turned_off() {
    let wasm = module("(func $inner unreachable)", "(call $inner)");
    match GuestBuilder::new()
        .trap_names(false)
        .run_bytes_on(Engine::Wasmi, &wasm)
    {
        Err(RunError::Trap { function, .. }) => assert_eq!(function, None),
        other => panic!("expected a trap, got {other:?}"),
    }
}

fn trap_message(wasm: &[u8]) -> String {
    match GuestBuilder::new().run_bytes_on(engine(), wasm) {
        Err(RunError::Trap { message, .. }) => message,
        other => panic!("expected a trap, got {other:?}"),
    }
}

/// Two tables' worth of call sites before the failing one (numbering is module order,
/// `return_call_indirect` included) and a table starting at slot 1, as clang lays it out.
const DISPATCH: &str = r#"(module
    (type $v (func (param i32)))
    (type $r (func (param i32) (result i32)))
    (table 4 funcref)
    (elem (i32.const 1) $plain_free $zend_list_free)
    (func $plain_free (param i32))
    (func $zend_list_free (param i32) (result i32) i32.const 1)
    (func $get (param i32) (result i32) local.get 0 local.get 0 return_call_indirect (type $r))
    (func $rc_dtor_func (param i32 i32)
      (call_indirect (type $v) (local.get 1) (i32.add (local.get 0) (i32.const 1))))
    (func (export "_start")
      (call $rc_dtor_func (i32.const 0) (i32.const 7))
      (call $rc_dtor_func (global.get $which) (i32.const 7)))
    (global $which (mut i32) (i32.const 1)))"#;

#[test]
fn bad_signature_names_the_slot_its_function_and_both_types() {
    let wasm = wat::parse_str(DISPATCH).unwrap();
    let message = trap_message(&wasm);
    assert_eq!(
        message,
        "indirect call type mismatch: rc_dtor_func called table slot 2 \
         (zend_list_free: (i32) -> i32) as (i32) -> ()"
    );
}

#[test]
fn call_to_an_empty_slot_says_so() {
    let wasm =
        wat::parse_str(DISPATCH.replace("(mut i32) (i32.const 1)", "(mut i32) (i32.const 2)"))
            .unwrap();
    let message = trap_message(&wasm);
    assert!(
        message.ends_with(
            "rc_dtor_func called table slot 3 (not filled by an element segment) as (i32) -> ()"
        ),
        "{message}"
    );
}

#[test]
fn without_trap_names_the_mismatch_is_reported_bare() {
    let wasm = wat::parse_str(DISPATCH).unwrap();
    match GuestBuilder::new()
        .trap_names(false)
        .run_bytes_on(engine(), &wasm)
    {
        Err(RunError::Trap { message, .. }) => {
            assert_eq!(message, "indirect call type mismatch")
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn a_module_in_text_format_gets_trap_names_too() {
    // `fdvirt run app.wat`: wasmi reads text itself, but the instrumentation reads binary.
    let text = r#"(module (func $boom unreachable) (func (export "_start") (call $boom)))"#;
    match GuestBuilder::new().run_bytes(text.as_bytes()) {
        Err(RunError::Trap { function, .. }) => assert_eq!(function.as_deref(), Some("boom")),
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn a_function_with_several_indirect_calls_reports_the_one_that_failed() {
    // $dispatch calls slot 1 as (i32) -> i32 (fine), then slot 1 as (i32) -> () (traps).
    let wasm = wat::parse_str(
        r#"(module
            (type $v (func (param i32)))
            (type $r (func (param i32) (result i32)))
            (table 2 funcref)
            (elem (i32.const 1) $ret)
            (func $ret (param i32) (result i32) local.get 0)
            (func $dispatch
              (drop (call_indirect (type $r) (i32.const 5) (i32.const 1)))
              (call_indirect (type $v) (i32.const 5) (i32.const 1)))
            (func (export "_start") (call $dispatch)))"#,
    )
    .unwrap();
    assert_eq!(
        trap_message(&wasm),
        "indirect call type mismatch: dispatch called table slot 1 (ret: (i32) -> i32) as (i32) -> ()"
    );
}
