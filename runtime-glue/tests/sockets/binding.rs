//! V1 / `_v2` binding by import signature (spec §4.2), proven with in-process WAT guests:
//! the same import name bound to different host calls depending on its declared type, and
//! UDP loopback through both `sock_recv_from` forms checking the address and port layouts.

use crate::util::engine;
use runtime_glue::{GuestBuilder, Run, RunError, Stdio};

fn run(wat: &str) -> Result<i32, RunError> {
    let wasm = wat::parse_str(wat).unwrap_or_else(|e| panic!("bad test WAT: {e}\n{wat}"));
    GuestBuilder::new()
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .run_bytes_on(engine(), &wasm)
        .map(|s| s.code)
}

/// Common prelude: memory layout as in `errno.rs` plus a UDP socket bound to
/// 127.0.0.1:0 in local 0 and its port (via V2 storage getlocaladdr) in local 1.
const DATA: &str = r#"
  (memory (export "memory") 1)
  (data (i32.const 0x100) "\00\02\00\00\04\00\00\00")
  (data (i32.const 0x200) "\7f\00\00\01")
  (data (i32.const 0x110) "\20\02\00\00\10\00\00\00")
  (data (i32.const 0x120) "\00\03\00\00\80\00\00\00")
  (data (i32.const 0x500) "\00\06\00\00\10\00\00\00")
  (data (i32.const 0x520) "\00\07\00\00\40\00\00\00")
  (data (i32.const 0x600) "sixteen-byte-msg")
"#;

/// Imports shared by the UDP tests (the recv_from import varies per test).
const IMPORTS: &str = r#"
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "sock_open" (func $open (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_bind" (func $bind (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getlocaladdr_v2" (func $local2 (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send_to" (func $send_to (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
"#;

/// Opens, binds and sends 16 bytes to itself; leaves fd in $fd and port in $port.
const SETUP: &str = r#"
    (if (call $open (i32.const 1) (i32.const 1) (i32.const 0x400)) (then (return (call $exit (i32.const 100)))))
    (local.set $fd (i32.load (i32.const 0x400)))
    (if (call $bind (local.get $fd) (i32.const 0x100) (i32.const 0)) (then (return (call $exit (i32.const 101)))))
    (if (call $local2 (local.get $fd) (i32.const 0x120) (i32.const 0x40c)) (then (return (call $exit (i32.const 102)))))
    (local.set $port (i32.load (i32.const 0x40c)))
    (i32.store (i32.const 0x300) (i32.const 0))
    (i32.store (i32.const 0x304) (i32.const 0))
    (if (call $send_to (local.get $fd) (i32.const 0x500) (i32.const 1) (i32.const 0x100) (local.get $port) (i32.const 0) (i32.const 0x410))
        (then (return (call $exit (i32.const 103)))))
"#;

fn module(extra_import: &str, body: &str) -> String {
    format!(
        "(module {IMPORTS} {extra_import} {DATA}
           (func (export \"_start\") (local $fd i32) (local $port i32) {SETUP} {body}))"
    )
}

#[test]
fn seven_arg_recv_from_binds_v1_and_writes_octets_only() {
    let wat = module(
        r#"(import "wasi_snapshot_preview1" "sock_recv_from" (func $rf (param i32 i32 i32 i32 i32 i32 i32) (result i32)))"#,
        r#"(i32.store (i32.const 0x220) (i32.const 0))
           (if (call $rf (local.get $fd) (i32.const 0x520) (i32.const 1) (i32.const 0x110) (i32.const 0) (i32.const 0x414) (i32.const 0x418))
               (then (return (call $exit (i32.const 104)))))
           (if (i32.ne (i32.load (i32.const 0x414)) (i32.const 16)) (then (return (call $exit (i32.const 105)))))
           (if (i32.ne (i32.load (i32.const 0x220)) (i32.const 0x0100007f)) (then (return (call $exit (i32.const 106)))))
           (call $exit (i32.const 0))"#,
    );
    assert_eq!(run(&wat).expect("runs"), 0);
}

#[test]
fn eight_arg_recv_from_binds_v2_with_storage_and_host_order_port() {
    let wat = module(
        r#"(import "wasi_snapshot_preview1" "sock_recv_from" (func $rf (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))"#,
        r#"(i32.store (i32.const 0x41c) (i32.const 0))
           (if (call $rf (local.get $fd) (i32.const 0x520) (i32.const 1) (i32.const 0x120) (i32.const 0) (i32.const 0x41c) (i32.const 0x414) (i32.const 0x418))
               (then (return (call $exit (i32.const 104)))))
           (if (i32.ne (i32.load (i32.const 0x414)) (i32.const 16)) (then (return (call $exit (i32.const 105)))))
           (if (i32.ne (i32.load16_u (i32.const 0x300)) (i32.const 1)) (then (return (call $exit (i32.const 106)))))
           (if (i32.ne (i32.load (i32.const 0x302)) (i32.const 0x0100007f)) (then (return (call $exit (i32.const 107)))))
           ;; 2-byte port in host order: the u32 slot reads back as the port itself.
           (if (i32.ne (i32.load (i32.const 0x41c)) (local.get $port)) (then (return (call $exit (i32.const 108)))))
           (if (i32.ne (i32.load16_u (i32.const 0x418)) (i32.const 0)) (then (return (call $exit (i32.const 109)))))
           (call $exit (i32.const 0))"#,
    );
    assert_eq!(run(&wat).expect("runs"), 0);
}

#[test]
fn three_arg_getlocaladdr_import_binds_v2() {
    let wat = module(
        r#"(import "wasi_snapshot_preview1" "sock_getlocaladdr" (func $gl (param i32 i32 i32) (result i32)))"#,
        r#"(i32.store16 (i32.const 0x300) (i32.const 0))
           (if (call $gl (local.get $fd) (i32.const 0x120) (i32.const 0x40c)) (then (return (call $exit (i32.const 104)))))
           (if (i32.ne (i32.load16_u (i32.const 0x300)) (i32.const 1)) (then (return (call $exit (i32.const 105)))))
           (call $exit (i32.ne (i32.load (i32.const 0x40c)) (local.get $port)))"#,
    );
    assert_eq!(run(&wat).expect("runs"), 0);
}

#[test]
fn an_import_matching_neither_form_fails_at_startup() {
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "_start")))"#;
    match run(wat) {
        Err(RunError::UnknownImport {
            name, signature, ..
        }) => {
            assert_eq!(name, "sock_accept");
            assert!(signature.contains("i32, i32, i32, i32"), "{signature}");
        }
        other => panic!("expected UnknownImport, got {other:?}"),
    }
}

#[test]
fn v1_and_v2_accept_coexist_in_one_module_by_explicit_name() {
    // The legacy name and the explicit `_v2` name side by side; both reach a listener.
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (import "wasi_snapshot_preview1" "sock_open" (func $open (param i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_listen" (func $listen (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $setfl (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_accept" (func $a1 (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "sock_accept_v2" (func $a2 (param i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "_start") (local $fd i32)
          (drop (call $open (i32.const 1) (i32.const 2) (i32.const 0x400)))
          (local.set $fd (i32.load (i32.const 0x400)))
          (drop (call $listen (local.get $fd) (i32.const 4)))
          (drop (call $setfl (local.get $fd) (i32.const 4)))
          ;; both return AGAIN (6) on the non-blocking listener: 6 * 10 + 6 = 66
          (call $exit (i32.add (i32.mul (call $a1 (local.get $fd) (i32.const 0x404)) (i32.const 10))
                               (call $a2 (local.get $fd) (i32.const 0) (i32.const 0x404))))))"#;
    assert_eq!(run(wat).expect("runs"), 66);
}
