//! `poll_oneoff` and `epoll_oneoff` semantics that the event records show: `EXIST` for a
//! socket subscribed twice in one call (spec §5.4), level-triggered reports through both
//! calls (WasmEdge's `epoll_oneoff` re-arms every subscribed fd with `EPOLL_CTL_MOD` on
//! each call, which re-reports a socket that is still ready), and the persistent
//! poller's readiness cache never reporting a socket that is no longer ready nor missing
//! one that became ready.
//!
//! In-process WAT guests (through `GuestBuilder`) connect to their own listener, call
//! the poll under test and write the raw result (`nevents`, then the event records) to
//! stdout, which the test decodes.

use runtime_glue::{Engine, GuestBuilder, Run, SharedBuffer, Stdio};

const EXIST: u16 = 20;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;
const CLOCK: u8 = 0;

/// One decoded `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Event {
    userdata: u64,
    error: u16,
    kind: u8,
    nbytes: u64,
    flags: u16,
}

/// Runs `body` after the prelude set up `$l` (listener on 127.0.0.1), `$c` (client
/// connected to it) and `$s` (the accepted server side). `body` leaves the number of
/// subscriptions in `$n` and the poll's return value in `$r`; subscriptions are built at
/// 0x1000 (48 bytes apart), events land at 0x4000. Returns the decoded events.
fn run(body: &str) -> Vec<Event> {
    let wat = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "epoll_oneoff" (func $epoll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_open" (func $open (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_bind" (func $bind (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_listen" (func $listen (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_connect" (func $connect (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getlocaladdr" (func $local (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "\00\02\00\00\04\00\00\00")
  (data (i32.const 0x200) "\7f\00\00\01")
  ;; iovecs: 0x500 = "hello" (5 bytes at 0x600); 0x520 = 2-byte receive buffer at 0x700;
  ;; 0x530 = 64-byte receive buffer at 0x700; 0x540 = "o" (the 1 byte at 0x604)
  (data (i32.const 0x500) "\00\06\00\00\05\00\00\00")
  (data (i32.const 0x520) "\00\07\00\00\02\00\00\00")
  (data (i32.const 0x530) "\00\07\00\00\40\00\00\00")
  (data (i32.const 0x540) "\04\06\00\00\01\00\00\00")
  (data (i32.const 0x600) "hello")
  (func $sub_fd (param $i i32) (param $ud i64) (param $tag i32) (param $fd i32)
    (local $at i32)
    (local.set $at (i32.add (i32.const 0x1000) (i32.mul (local.get $i) (i32.const 48))))
    (i64.store (local.get $at) (local.get $ud))
    (i32.store8 (i32.add (local.get $at) (i32.const 8)) (local.get $tag))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (local.get $fd)))
  (func $sub_clock (param $i i32) (param $ud i64) (param $ns i64)
    (local $at i32)
    (local.set $at (i32.add (i32.const 0x1000) (i32.mul (local.get $i) (i32.const 48))))
    (i64.store (local.get $at) (local.get $ud))
    (i32.store8 (i32.add (local.get $at) (i32.const 8)) (i32.const 0))
    (i32.store (i32.add (local.get $at) (i32.const 16)) (i32.const 1))
    (i64.store (i32.add (local.get $at) (i32.const 24)) (local.get $ns))
    (i32.store16 (i32.add (local.get $at) (i32.const 40)) (i32.const 0)))
  ;; Writes nevents (u32 @0x410) and the events to stdout.
  (func $dump
    (i32.store (i32.const 0x800) (i32.const 0x410))
    (i32.store (i32.const 0x804) (i32.const 4))
    (i32.store (i32.const 0x808) (i32.const 0x4000))
    (i32.store (i32.const 0x80c) (i32.mul (i32.load (i32.const 0x410)) (i32.const 32)))
    (if (call $write (i32.const 1) (i32.const 0x800) (i32.const 2) (i32.const 0x810)) (then unreachable)))
  (func (export "_start") (local $l i32) (local $c i32) (local $s i32) (local $n i32) (local $r i32)
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
    {body}
    (if (local.get $r) (then (call $exit (i32.add (i32.const 100) (local.get $r)))))
    (call $dump)))"#
    );
    let wasm = wat::parse_str(&wat).unwrap_or_else(|e| panic!("bad WAT: {e}"));
    let out = SharedBuffer::new();
    let status = GuestBuilder::new()
        .stdout(Stdio::Capture(out.clone()))
        .stderr(Stdio::Null)
        .run_bytes_on(engine(), &wasm)
        .unwrap_or_else(|e| panic!("guest failed: {e}"));
    assert_eq!(status.code, 0, "guest exit (100 + errno of the poll call)");
    decode(&out.contents())
}

fn decode(raw: &[u8]) -> Vec<Event> {
    let le64 = |b: &[u8]| u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    let le16 = |b: &[u8]| u16::from_le_bytes(b[..2].try_into().expect("2 bytes"));
    let n = u32::from_le_bytes(raw[..4].try_into().expect("nevents")) as usize;
    assert_eq!(
        raw.len(),
        4 + 32 * n,
        "nevents and the dumped records agree"
    );
    raw[4..]
        .chunks_exact(32)
        .map(|e| Event {
            userdata: le64(&e[0..]),
            error: le16(&e[8..]),
            kind: e[10],
            nbytes: le64(&e[16..]),
            flags: le16(&e[24..]),
        })
        .collect()
}

/// The event of `userdata`, which must be there exactly once.
fn event(events: &[Event], userdata: u64) -> Event {
    let found: Vec<_> = events.iter().filter(|e| e.userdata == userdata).collect();
    assert_eq!(
        found.len(),
        1,
        "one event for userdata {userdata}: {events:?}"
    );
    *found[0]
}

/// `$c` sends "hello" to `$s`.
const SEND_HELLO: &str = r#"
    (if (call $send (local.get $c) (i32.const 0x500) (i32.const 1) (i32.const 0) (i32.const 0x414)) (then unreachable))"#;

/// One call of `$poll` or `$epoll` over `$n` subscriptions.
fn call(which: &str, n: u32) -> String {
    format!(
        r#"(local.set $n (i32.const {n}))
    (local.set $r (call ${which} (i32.const 0x1000) (i32.const 0x4000) (local.get $n) (i32.const 0x410)))"#
    )
}

/// Subscription 0 reads `$s` (userdata 7), subscription 1 is a relative clock of `ms`
/// milliseconds (userdata 9).
fn read_s_and_clock(ms: u64) -> String {
    format!(
        r#"(call $sub_fd (i32.const 0) (i64.const 7) (i32.const 1) (local.get $s))
    (call $sub_clock (i32.const 1) (i64.const 9) (i64.const {ns}))"#,
        ns = ms * 1_000_000
    )
}

fn duplicate_read(which: &str) {
    let events = run(&format!(
        r#"{SEND_HELLO}
    (call $sub_fd (i32.const 0) (i64.const 7) (i32.const 1) (local.get $s))
    (call $sub_fd (i32.const 1) (i64.const 8) (i32.const 1) (local.get $s))
    (call $sub_fd (i32.const 2) (i64.const 9) (i32.const 2) (local.get $c))
    (call $sub_clock (i32.const 3) (i64.const 10) (i64.const 5000000000))
    {}"#,
        call(which, 4)
    ));
    assert_eq!(events.len(), 3, "{events:?}");
    let first = event(&events, 7);
    assert_eq!((first.error, first.kind, first.nbytes), (0, FD_READ, 5));
    let dup = event(&events, 8);
    assert_eq!(
        (dup.error, dup.kind, dup.nbytes, dup.flags),
        (EXIST, FD_READ, 0, 0),
        "the second subscription of the same socket and direction"
    );
    let other = event(&events, 9);
    assert_eq!((other.error, other.kind), (0, FD_WRITE), "unaffected");
}

#[test]
fn socket_subscribed_twice_for_reading_completes_the_second_with_exist() {
    duplicate_read("poll");
}

#[test]
fn epoll_oneoff_reports_exist_too() {
    duplicate_read("epoll");
}

#[test]
fn exist_fires_at_once_while_the_first_subscription_stays_pending() {
    // Nothing to read: the first read subscription and the clock stay pending, the
    // duplicate completes the call at once with EXIST; read and write of one socket are
    // not duplicates of each other.
    let events = run(&format!(
        r#"
    (call $sub_fd (i32.const 0) (i64.const 7) (i32.const 1) (local.get $s))
    (call $sub_fd (i32.const 1) (i64.const 8) (i32.const 2) (local.get $s))
    (call $sub_fd (i32.const 2) (i64.const 9) (i32.const 2) (local.get $s))
    (call $sub_clock (i32.const 3) (i64.const 10) (i64.const 5000000000))
    {}"#,
        call("poll", 4)
    ));
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(event(&events, 8).error, 0, "writable, not a duplicate");
    assert_eq!(event(&events, 9).error, EXIST);
}

#[test]
fn stdout_subscribed_twice_fires_twice_without_exist() {
    // Files and stdio keep preview1's (and Wasmtime's) behaviour: one event each.
    let events = run(&format!(
        r#"
    (call $sub_fd (i32.const 0) (i64.const 1) (i32.const 2) (i32.const 1))
    (call $sub_fd (i32.const 1) (i64.const 2) (i32.const 2) (i32.const 1))
    {}"#,
        call("poll", 2)
    ));
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!((event(&events, 1).error, event(&events, 2).error), (0, 0));
}

/// "hello" arrives, the guest reads 2 bytes, then polls `$s` with a 200 ms clock.
fn partial_read_then(which: &str) -> Vec<Event> {
    run(&format!(
        r#"{SEND_HELLO}
    {sub}
    {first}
    (if (local.get $r) (then (call $exit (i32.add (i32.const 100) (local.get $r)))))
    (if (i32.ne (i32.load (i32.const 0x4000)) (i32.const 7)) (then unreachable))
    (if (call $recv (local.get $s) (i32.const 0x520) (i32.const 1) (i32.const 0) (i32.const 0x414) (i32.const 0x418)) (then unreachable))
    {again}"#,
        sub = read_s_and_clock(200),
        first = call(which, 2),
        again = call(which, 2),
    ))
}

#[test]
fn poll_oneoff_is_level_triggered_unread_data_is_reported_again() {
    let events = partial_read_then("poll");
    assert_eq!(events.len(), 1, "{events:?}");
    let ev = event(&events, 7);
    assert_eq!((ev.error, ev.kind, ev.nbytes), (0, FD_READ, 3));
}

#[test]
fn epoll_oneoff_reports_unread_data_again_as_wasmedge_does() {
    // WasmEdge registers with EPOLLET but issues EPOLL_CTL_MOD for every subscribed fd
    // on every call, and the kernel re-checks the level on MOD: what a guest sees is
    // level-triggered (see `wasmedge` docs, "epoll_oneoff").
    let events = partial_read_then("epoll");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(event(&events, 7).nbytes, 3);
}

#[test]
fn epoll_oneoff_reports_a_listener_again_while_connections_are_pending() {
    // The SDK's poll_tcp_listener example accepts one connection per readable event:
    // with two connections queued, the listener must be reported again after one accept.
    let events = run(&format!(
        r#"
    (if (call $open (i32.const 1) (i32.const 2) (i32.const 0x400)) (then unreachable))
    (if (call $connect (i32.load (i32.const 0x400)) (i32.const 0x100) (i32.load (i32.const 0x40c))) (then unreachable))
    (if (call $open (i32.const 1) (i32.const 2) (i32.const 0x400)) (then unreachable))
    (if (call $connect (i32.load (i32.const 0x400)) (i32.const 0x100) (i32.load (i32.const 0x40c))) (then unreachable))
    (call $sub_fd (i32.const 0) (i64.const 5) (i32.const 1) (local.get $l))
    (call $sub_clock (i32.const 1) (i64.const 9) (i64.const 200000000))
    {first}
    (if (i32.ne (i32.load (i32.const 0x4000)) (i32.const 5)) (then unreachable))
    (if (call $accept (local.get $l) (i32.const 0) (i32.const 0x400)) (then unreachable))
    {again}"#,
        first = call("epoll", 2),
        again = call("epoll", 2),
    ));
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (event(&events, 5).error, event(&events, 5).kind),
        (0, FD_READ)
    );
}

#[test]
fn drained_socket_is_not_reported_until_new_data_arrives() {
    // Readiness cache: after the guest read everything, a poll sees only its clock; data
    // that arrives later is seen by the next poll.
    let events = run(&format!(
        r#"{SEND_HELLO}
    {sub}
    {p1}
    (if (i32.ne (i32.load (i32.const 0x4000)) (i32.const 7)) (then unreachable))
    (if (call $recv (local.get $s) (i32.const 0x530) (i32.const 1) (i32.const 0) (i32.const 0x414) (i32.const 0x418)) (then unreachable))
    {p2}
    ;; only the clock (userdata 9)
    (if (i32.ne (i32.load (i32.const 0x410)) (i32.const 1)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 0x4000)) (i32.const 9)) (then unreachable))
    (if (call $send (local.get $c) (i32.const 0x540) (i32.const 1) (i32.const 0) (i32.const 0x414)) (then unreachable))
    {p3}"#,
        sub = read_s_and_clock(100),
        p1 = call("poll", 2),
        p2 = call("poll", 2),
        p3 = call("poll", 2),
    ));
    assert_eq!(events.len(), 1, "{events:?}");
    let ev = event(&events, 7);
    assert_eq!((ev.error, ev.kind, ev.nbytes), (0, FD_READ, 1));
}

#[test]
fn data_consumed_without_polling_is_not_reported_stale() {
    // The socket is registered by a first poll (data was already there), the guest then
    // reads everything and more data comes and goes without a poll in between: the edge
    // the kernel queued meanwhile must not make the next poll report an empty socket.
    let events = run(&format!(
        r#"{SEND_HELLO}
    {sub}
    {p1}
    (if (call $recv (local.get $s) (i32.const 0x530) (i32.const 1) (i32.const 0) (i32.const 0x414) (i32.const 0x418)) (then unreachable))
    (if (call $send (local.get $c) (i32.const 0x540) (i32.const 1) (i32.const 0) (i32.const 0x414)) (then unreachable))
    (if (call $recv (local.get $s) (i32.const 0x530) (i32.const 1) (i32.const 0) (i32.const 0x414) (i32.const 0x418)) (then unreachable))
    {p2}"#,
        sub = read_s_and_clock(100),
        p1 = call("poll", 2),
        p2 = call("poll", 2),
    ));
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        (event(&events, 9).kind, event(&events, 9).error),
        (CLOCK, 0),
        "only the clock: the socket is empty"
    );
}

/// The engine under test: `FDVIRT_ENGINE` (scripts/test runs the suites once per engine).
fn engine() -> Engine {
    Engine::from_env().expect("FDVIRT_ENGINE names an engine of this build")
}
