//! IPv6 through the raw ABI in process: bind ::1 and ::, connect over IPv6, and read
//! back local/peer addresses in both V1 (type 6, 16 octets) and V2 (family 2) forms.

use crate::util::engine;
use runtime_glue::{GuestBuilder, Run, Stdio};

/// Listener on `[addr]:0` (16 octets at 0x220), client connects to ::1 at its port, then
/// the guest checks V1 getlocaladdr of the listener, V1 getpeeraddr of the accepted
/// socket and V2 getpeeraddr of the client; exit 0 when all match.
fn run(bind_octets: &str) -> i32 {
    let wat = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "sock_open" (func $open (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_bind" (func $bind (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_listen" (func $listen (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_connect" (func $connect (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getlocaladdr" (func $local (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getpeeraddr" (func $peer (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getpeeraddr_v2" (func $peer2 (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x110) "\20\02\00\00\10\00\00\00")
  (data (i32.const 0x220) "{bind_octets}")
  (data (i32.const 0x130) "\40\02\00\00\10\00\00\00")
  (data (i32.const 0x240) "\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01")
  (data (i32.const 0x150) "\00\03\00\00\80\00\00\00")
  (func $is_loopback6 (param $at i32) (result i32)
    (i32.and (i64.eqz (i64.load (local.get $at)))
             (i64.eq (i64.load (i32.add (local.get $at) (i32.const 8))) (i64.const 0x0100000000000000))))
  (func (export "_start") (local $l i32) (local $c i32) (local $s i32) (local $port i32)
    (if (call $open (i32.const 2) (i32.const 2) (i32.const 0x400)) (then (return (call $exit (i32.const 200)))))
    (local.set $l (i32.load (i32.const 0x400)))
    (if (call $bind (local.get $l) (i32.const 0x110) (i32.const 0)) (then (return (call $exit (i32.const 200)))))
    (if (call $listen (local.get $l) (i32.const 4)) (then (return (call $exit (i32.const 101)))))
    (if (call $local (local.get $l) (i32.const 0x110) (i32.const 0x408) (i32.const 0x40c)) (then (return (call $exit (i32.const 102)))))
    (if (i32.ne (i32.load (i32.const 0x408)) (i32.const 6)) (then (return (call $exit (i32.const 103)))))
    (local.set $port (i32.load (i32.const 0x40c)))
    (if (call $open (i32.const 2) (i32.const 2) (i32.const 0x400)) (then (return (call $exit (i32.const 104)))))
    (local.set $c (i32.load (i32.const 0x400)))
    (if (call $connect (local.get $c) (i32.const 0x130) (local.get $port)) (then (return (call $exit (i32.const 105)))))
    (if (call $accept (local.get $l) (i32.const 0x400)) (then (return (call $exit (i32.const 106)))))
    (local.set $s (i32.load (i32.const 0x400)))
    ;; accepted socket's peer (V1): type 6, ::1
    (if (call $peer (local.get $s) (i32.const 0x110) (i32.const 0x408) (i32.const 0x410)) (then (return (call $exit (i32.const 107)))))
    (if (i32.ne (i32.load (i32.const 0x408)) (i32.const 6)) (then (return (call $exit (i32.const 108)))))
    (if (i32.eqz (call $is_loopback6 (i32.const 0x220))) (then (return (call $exit (i32.const 109)))))
    ;; client's peer (V2 storage): family 2, ::1, the listener's port
    (if (call $peer2 (local.get $c) (i32.const 0x150) (i32.const 0x414)) (then (return (call $exit (i32.const 110)))))
    (if (i32.ne (i32.load16_u (i32.const 0x300)) (i32.const 2)) (then (return (call $exit (i32.const 111)))))
    (if (i32.eqz (call $is_loopback6 (i32.const 0x302))) (then (return (call $exit (i32.const 112)))))
    (if (i32.ne (i32.load (i32.const 0x414)) (local.get $port)) (then (return (call $exit (i32.const 113)))))
    (call $exit (i32.const 0))))"#
    );
    let wasm = wat::parse_str(&wat).unwrap_or_else(|e| panic!("bad WAT: {e}"));
    GuestBuilder::new()
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .run_bytes_on(engine(), &wasm)
        .unwrap_or_else(|e| panic!("guest failed: {e}"))
        .code
}

const LOOPBACK: &str = r"\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01";
const ANY: &str = r"\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00";

#[test]
fn ipv6_loopback_bind_connect_and_addresses() {
    if !crate::util::ipv6_available() {
        return;
    }
    assert_eq!(run(LOOPBACK), 0);
}

#[test]
fn ipv6_any_bind_is_reached_over_loopback() {
    if !crate::util::ipv6_available() {
        return;
    }
    assert_eq!(run(ANY), 0);
}
