//! poll_oneoff and clocks.

use std::time::{Duration, Instant};

use runtime_glue::{GuestBuilder, SharedBuffer, Stdio};

use crate::util::{call_errno, errno, module, run, run_with};

/// A relative clock subscription at 0x100 (userdata 0x77, `ns` timeout).
fn clock_sub(ns: u64) -> String {
    format!(
        "(i64.store (i32.const 0x100) (i64.const 0x77))
         (i32.store8 (i32.const 0x108) (i32.const 0))
         (i32.store (i32.const 0x110) (i32.const 1))
         (i64.store (i32.const 0x118) (i64.const {ns}))
         (i64.store (i32.const 0x120) (i64.const 0))
         (i32.store16 (i32.const 0x128) (i32.const 0))"
    )
}

#[test]
fn poll_clock_timeout_waits_and_reports_the_event() {
    let body = format!(
        "{}
         (call $ok (call $poll_oneoff (i32.const 0x100) (i32.const 0x200) (i32.const 1) (i32.const 0x300)))
         (call $exit (i32.add (i32.mul (i32.load (i32.const 0x300)) (i32.const 1000))
                              (i32.wrap_i64 (i64.load (i32.const 0x200)))))",
        clock_sub(30_000_000)
    );
    let t = Instant::now();
    let out = run("", &body);
    assert!(
        t.elapsed() >= Duration::from_millis(30),
        "slept {:?}",
        t.elapsed()
    );
    assert_eq!(out.code, 1000 + 0x77, "one event carrying the userdata");
}

#[test]
fn poll_fd_write_on_stdout_is_ready_before_clock() {
    // Subscription 0: clock 10 s; subscription 1: fd_write on fd 1.
    let body = format!(
        "{}
         (i64.store (i32.const 0x130) (i64.const 0x55))
         (i32.store8 (i32.const 0x138) (i32.const 2))
         (i32.store (i32.const 0x140) (i32.const 1))
         (call $ok (call $poll_oneoff (i32.const 0x100) (i32.const 0x200) (i32.const 2) (i32.const 0x300)))
         (call $exit (i32.add (i32.mul (i32.load (i32.const 0x300)) (i32.const 1000))
                              (i32.add (i32.mul (i32.load8_u (i32.const 0x20a)) (i32.const 100))
                                       (i32.wrap_i64 (i64.load (i32.const 0x200))))))",
        clock_sub(10_000_000_000)
    );
    let t = Instant::now();
    let out = run("", &body);
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(
        out.code,
        1000 + 200 + 0x55,
        "1 event: fd_write (type 2), userdata 0x55"
    );
}

#[test]
fn poll_fd_read_on_stdin_bytes_reports_available_bytes() {
    let body = "
         (i64.store (i32.const 0x100) (i64.const 1))
         (i32.store8 (i32.const 0x108) (i32.const 1))
         (i32.store (i32.const 0x110) (i32.const 0))
         (call $ok (call $poll_oneoff (i32.const 0x100) (i32.const 0x200) (i32.const 1) (i32.const 0x300)))
         (call $exit (i32.wrap_i64 (i64.load (i32.const 0x210))))";
    let b = GuestBuilder::new().stdin(Stdio::Bytes(b"12345".to_vec()));
    assert_eq!(run_with(b, &module("", body)).unwrap().code, 5);
}

#[test]
fn poll_with_no_subscriptions_is_einval_and_bad_buffer_is_efault() {
    assert_eq!(
        call_errno(
            "(call $poll_oneoff (i32.const 0x100) (i32.const 0x200) (i32.const 0) (i32.const 0x300))"
        ),
        errno::INVAL
    );
    assert_eq!(
        call_errno(
            "(call $poll_oneoff (i32.const 0xfff0) (i32.const 0x200) (i32.const 1) (i32.const 0x300))"
        ),
        errno::FAULT
    );
}

#[test]
fn clocks_tick_and_unknown_clock_is_einval() {
    // monotonic twice: second >= first; realtime is after 2020.
    let body = "
      (call $ok (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 0x100)))
      (call $ok (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 0x108)))
      (call $ok (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 0x110)))
      (call $ok (call $clock_time_get (i32.const 2) (i64.const 1) (i32.const 0x118)))
      (call $ok (call $clock_res_get (i32.const 1) (i32.const 0x120)))
      (call $exit (i32.and (i32.and
         (i64.ge_u (i64.load (i32.const 0x108)) (i64.load (i32.const 0x100)))
         (i64.gt_u (i64.load (i32.const 0x110)) (i64.const 1577836800000000000)))
         (i64.gt_u (i64.load (i32.const 0x120)) (i64.const 0))))";
    assert_eq!(run("", body).code, 1);
    assert_eq!(
        call_errno("(call $clock_time_get (i32.const 9) (i64.const 0) (i32.const 0x100))"),
        errno::INVAL
    );
}

#[test]
fn stdin_bytes_are_read_then_eof() {
    let body = r#"
      (i32.store (i32.const 0x50) (i32.const 0x400)) (i32.store (i32.const 0x54) (i32.const 100))
      (call $ok (call $fd_read (i32.const 0) (i32.const 0x50) (i32.const 1) (i32.const 0x58)))
      (call $print (i32.const 0x400) (i32.load (i32.const 0x58)))
      (call $ok (call $fd_read (i32.const 0) (i32.const 0x50) (i32.const 1) (i32.const 0x58)))
      (call $exit (i32.load (i32.const 0x58)))"#;
    let out = SharedBuffer::new();
    let b = GuestBuilder::new().stdin(Stdio::Bytes(b"input!".to_vec()));
    let res = run_with(b.stderr(Stdio::Capture(out)), &module("", body)).unwrap();
    assert_eq!(res.stdout, b"input!");
    assert_eq!(res.code, 0, "second read hits end of file");
}

/// Two relative clock subscriptions of one call with the same timeout, 20,000 never-due
/// absolute ones between them: both count from the call's one "now", so both are due at
/// once and come back from the same call. (Measured from a fresh `Instant::now()` each,
/// the second was due later by the time the scan took, and the call returned the
/// first alone.)
#[test]
fn relative_clocks_of_one_call_share_one_origin() {
    const FILLER: i32 = 20_000;
    const SUBS: i32 = 0x1_0000;
    const EVENTS: i32 = SUBS + (FILLER + 2) * 48;
    let fields = r#"
      ;; one monotonic clock subscription at $at
      (func $clock (param $at i32) (param $userdata i64) (param $timeout i64) (param $flags i32)
        (i64.store (local.get $at) (local.get $userdata))
        (i32.store8 offset=8 (local.get $at) (i32.const 0))
        (i32.store offset=16 (local.get $at) (i32.const 1))
        (i64.store offset=24 (local.get $at) (local.get $timeout))
        (i64.store offset=32 (local.get $at) (i64.const 0))
        (i32.store16 offset=40 (local.get $at) (local.get $flags)))"#;
    let body = format!(
        "(local $i i32)
         (drop (memory.grow (i32.const 40)))
         (call $clock (i32.const {SUBS}) (i64.const 1) (i64.const 20000000) (i32.const 0))
         (local.set $i (i32.const 1))
         (block $done (loop $next
           (br_if $done (i32.gt_u (local.get $i) (i32.const {FILLER})))
           (call $clock (i32.add (i32.const {SUBS}) (i32.mul (local.get $i) (i32.const 48)))
                        (i64.const 9) (i64.const -1) (i32.const 1))
           (local.set $i (i32.add (local.get $i) (i32.const 1)))
           (br $next)))
         (call $clock (i32.add (i32.const {SUBS}) (i32.mul (local.get $i) (i32.const 48)))
                      (i64.const 2) (i64.const 20000000) (i32.const 0))
         (call $ok (call $poll_oneoff (i32.const {SUBS}) (i32.const {EVENTS})
                                      (i32.add (local.get $i) (i32.const 1)) (i32.const 0x300)))
         ;; nevents * 100 + first userdata * 10 + second userdata
         (call $exit (i32.add (i32.mul (i32.load (i32.const 0x300)) (i32.const 100))
                     (i32.add (i32.mul (i32.wrap_i64 (i64.load (i32.const {EVENTS}))) (i32.const 10))
                              (i32.wrap_i64 (i64.load (i32.const {e1}))))))",
        e1 = EVENTS + 32
    );
    let out = run(fields, &body);
    assert_eq!(
        out.code, 212,
        "two events (userdata 1 then 2) from one call"
    );
}
