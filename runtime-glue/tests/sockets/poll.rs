//! poll_oneoff over sockets, clocks and stdio together; byte counts and hang-up flags;
//! non-blocking sockets return EAGAIN and blocking ones honour SO_RCVTIMEO. In-process
//! WAT guests that connect to their own listener.

use crate::util::engine;
use runtime_glue::{GuestBuilder, Run, Stdio};
use std::time::{Duration, Instant};

const AGAIN: i32 = 6;

fn run(body: &str) -> (i32, Duration) {
    let wat = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $setfl (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_open" (func $open (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_bind" (func $bind (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_listen" (func $listen (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_connect" (func $connect (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getlocaladdr" (func $local (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_setsockopt" (func $setopt (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getsockopt" (func $getopt (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "\00\02\00\00\04\00\00\00")
  (data (i32.const 0x200) "\7f\00\00\01")
  (data (i32.const 0x500) "\00\06\00\00\05\00\00\00")
  (data (i32.const 0x520) "\00\07\00\00\40\00\00\00")
  (data (i32.const 0x600) "hello")
  (func $sub_fd (param $at i32) (param $ud i64) (param $tag i32) (param $fd i32)
    (i64.store (local.get $at) (local.get $ud))
    (i32.store8 (i32.add (local.get $at) (i32.const 8)) (local.get $tag))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (local.get $fd)))
  (func $sub_clock (param $at i32) (param $ud i64) (param $ns i64)
    (i64.store (local.get $at) (local.get $ud))
    (i32.store8 (i32.add (local.get $at) (i32.const 8)) (i32.const 0))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (i32.const 1))
    (i64.store (i32.add (local.get $at) (i32.const 24)) (local.get $ns))
    (i32.store16 (i32.add (local.get $at) (i32.const 40)) (i32.const 0)))
  (func (export "_start") (local $l i32) (local $c i32) (local $s i32) (local $t i32)
    ;; listener $l on 127.0.0.1:0, client $c connected to it, server side $s
    (if (call $open (i32.const 1) (i32.const 2) (i32.const 0x400)) (then unreachable))
    (local.set $l (i32.load (i32.const 0x400)))
    (if (call $bind (local.get $l) (i32.const 0x100) (i32.const 0)) (then unreachable))
    (if (call $listen (local.get $l) (i32.const 4)) (then unreachable))
    (if (call $local (local.get $l) (i32.const 0x100) (i32.const 0x408) (i32.const 0x40c)) (then unreachable))
    (if (call $open (i32.const 1) (i32.const 2) (i32.const 0x400)) (then unreachable))
    (local.set $c (i32.load (i32.const 0x400)))
    (if (call $connect (local.get $c) (i32.const 0x100) (i32.load (i32.const 0x40c))) (then unreachable))
    (if (call $accept (local.get $l) (i32.const 0) (i32.const 0x400)) (then unreachable))
    (local.set $s (i32.load (i32.const 0x400)))
    {body}))"#
    );
    let wasm = wat::parse_str(&wat).unwrap_or_else(|e| panic!("bad WAT: {e}"));
    let start = Instant::now();
    let code = GuestBuilder::new()
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .run_bytes_on(engine(), &wasm)
        .unwrap_or_else(|e| panic!("guest failed: {e}"))
        .code;
    (code, start.elapsed())
}

#[test]
fn idle_socket_and_clock_only_the_clock_fires() {
    let (code, took) = run(r#"
        (call $sub_fd (i32.const 0x1000) (i64.const 7) (i32.const 1) (local.get $s))
        (call $sub_clock (i32.const 0x1030) (i64.const 9) (i64.const 100000000))
        (if (call $poll (i32.const 0x1000) (i32.const 0x2000) (i32.const 2) (i32.const 0x410)) (then unreachable))
        ;; exactly one event, the clock's userdata 9
        (call $exit (i32.add (i32.mul (i32.load (i32.const 0x410)) (i32.const 100))
                             (i32.wrap_i64 (i64.load (i32.const 0x2000)))))"#);
    assert_eq!(code, 109);
    assert!(took >= Duration::from_millis(90), "returned after {took:?}");
}

#[test]
fn readable_socket_reports_its_byte_count() {
    let (code, _) = run(r#"
        (if (call $send (local.get $c) (i32.const 0x500) (i32.const 1) (i32.const 0) (i32.const 0x414)) (then unreachable))
        (call $sub_fd (i32.const 0x1000) (i64.const 7) (i32.const 1) (local.get $s))
        (call $sub_clock (i32.const 0x1030) (i64.const 9) (i64.const 5000000000))
        (if (call $poll (i32.const 0x1000) (i32.const 0x2000) (i32.const 2) (i32.const 0x410)) (then unreachable))
        ;; userdata 7, type 1 (fd_read), nbytes 5 -> 7 * 100 + 1 * 10 + 5
        (call $exit (i32.add (i32.add
            (i32.mul (i32.wrap_i64 (i64.load (i32.const 0x2000))) (i32.const 100))
            (i32.mul (i32.load8_u (i32.const 0x200a)) (i32.const 10)))
            (i32.wrap_i64 (i64.load (i32.const 0x2010)))))"#);
    assert_eq!(code, 715);
}

#[test]
fn stdout_and_socket_write_fire_together() {
    let (code, _) = run(r#"
        (call $sub_fd (i32.const 0x1000) (i64.const 1) (i32.const 2) (i32.const 1))
        (call $sub_fd (i32.const 0x1030) (i64.const 2) (i32.const 2) (local.get $c))
        (call $sub_fd (i32.const 0x1060) (i64.const 3) (i32.const 1) (local.get $s))
        (if (call $poll (i32.const 0x1000) (i32.const 0x2000) (i32.const 3) (i32.const 0x410)) (then unreachable))
        ;; stdout writable and the client writable; the idle read does not fire
        (call $exit (i32.load (i32.const 0x410)))"#);
    assert_eq!(code, 2);
}

#[test]
fn full_hangup_sets_the_hangup_flag() {
    let (code, _) = run(r#"
        (if (call $close (local.get $c)) (then unreachable))
        (drop (call $shutdown (local.get $s) (i32.const 2)))
        (call $sub_fd (i32.const 0x1000) (i64.const 7) (i32.const 1) (local.get $s))
        (call $sub_clock (i32.const 0x1030) (i64.const 9) (i64.const 5000000000))
        (if (call $poll (i32.const 0x1000) (i32.const 0x2000) (i32.const 2) (i32.const 0x410)) (then unreachable))
        ;; userdata 7 with FD_READWRITE_HANGUP (1) in flags
        (call $exit (i32.add (i32.mul (i32.wrap_i64 (i64.load (i32.const 0x2000))) (i32.const 10))
                             (i32.load16_u (i32.const 0x2018))))"#);
    assert_eq!(code, 71);
}

#[test]
fn nonblocking_recv_is_again_at_once() {
    let (code, took) = run(r#"
        (if (call $setfl (local.get $s) (i32.const 4)) (then unreachable))
        (call $exit (call $recv (local.get $s) (i32.const 0x520) (i32.const 1) (i32.const 0) (i32.const 0x414) (i32.const 0x418)))"#);
    assert_eq!(code, AGAIN);
    assert!(took < Duration::from_secs(2));
}

#[test]
fn blocking_recv_honours_so_rcvtimeo() {
    // SO_RCVTIMEO = 300 ms as the 16-byte wasm32 timeval {0 s, 300000 us}.
    let (code, took) = run(r#"
        (i64.store (i32.const 0x800) (i64.const 0))
        (i64.store (i32.const 0x808) (i64.const 300000))
        (if (call $setopt (local.get $s) (i32.const 0) (i32.const 11) (i32.const 0x800) (i32.const 16)) (then unreachable))
        (call $exit (call $recv (local.get $s) (i32.const 0x520) (i32.const 1) (i32.const 0) (i32.const 0x414) (i32.const 0x418)))"#);
    assert_eq!(code, AGAIN);
    assert!(
        took >= Duration::from_millis(280),
        "timed out after {took:?}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn blocking_recv_returns_data_and_eof() {
    let (code, _) = run(r#"
        (if (call $send (local.get $c) (i32.const 0x500) (i32.const 1) (i32.const 0) (i32.const 0x414)) (then unreachable))
        (if (call $shutdown (local.get $c) (i32.const 2)) (then unreachable))
        (if (call $recv (local.get $s) (i32.const 0x520) (i32.const 1) (i32.const 0) (i32.const 0x414) (i32.const 0x418)) (then unreachable))
        (local.set $t (i32.load (i32.const 0x414)))
        (if (call $recv (local.get $s) (i32.const 0x520) (i32.const 1) (i32.const 0) (i32.const 0x414) (i32.const 0x418)) (then unreachable))
        ;; 5 bytes, then 0 (EOF after the peer's shutdown(WR))
        (call $exit (i32.add (i32.mul (local.get $t) (i32.const 10)) (i32.load (i32.const 0x414))))"#);
    assert_eq!(code, 50);
}

/// Non-blocking connect to `port_expr`: returns `connect_errno * 100 + SO_ERROR` after
/// waiting for writability.
fn nonblocking_connect(prelude: &str, port_expr: &str) -> i32 {
    run(&format!(
        r#"{prelude}
        (if (call $open (i32.const 1) (i32.const 2) (i32.const 0x400)) (then unreachable))
        (local.set $t (i32.load (i32.const 0x400)))
        (if (call $setfl (local.get $t) (i32.const 4)) (then unreachable))
        (i32.store (i32.const 0x420) (call $connect (local.get $t) (i32.const 0x100) {port_expr}))
        (call $sub_fd (i32.const 0x1000) (i64.const 7) (i32.const 2) (local.get $t))
        (call $sub_clock (i32.const 0x1030) (i64.const 9) (i64.const 5000000000))
        (if (call $poll (i32.const 0x1000) (i32.const 0x2000) (i32.const 2) (i32.const 0x410)) (then unreachable))
        (i32.store (i32.const 0x708) (i32.const 4))
        (if (call $getopt (local.get $t) (i32.const 0) (i32.const 2) (i32.const 0x700) (i32.const 0x708)) (then unreachable))
        (call $exit (i32.add (i32.mul (i32.load (i32.const 0x420)) (i32.const 100)) (i32.load (i32.const 0x700))))"#
    ))
    .0
}

#[test]
fn nonblocking_connect_completes_through_poll_and_so_error() {
    // EINPROGRESS (26) then SO_ERROR 0; a loopback connect may also complete at once (0).
    let code = nonblocking_connect("", "(i32.load (i32.const 0x40c))");
    assert!(code == 2600 || code == 0, "got {code}");
}

#[test]
fn nonblocking_connect_to_a_closed_port_reports_connrefused() {
    // Close the harness listener first: its port is then refused. EINPROGRESS then
    // SO_ERROR = CONNREFUSED (14), or CONNREFUSED at once (1400 + 0).
    let code = nonblocking_connect(
        "(if (call $close (local.get $l)) (then unreachable))",
        "(i32.load (i32.const 0x40c))",
    );
    assert!(code == 2614 || code == 1400, "got {code}");
}
