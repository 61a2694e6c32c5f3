//! Bad fds, bad pointers, renumber, close, and fd numbering policies.

use std::fs;

use fdtable::FdPolicy;
use runtime_glue::GuestBuilder;

use crate::util::{call_errno, errno, module, run_with, sandboxed};

#[test]
fn bad_fds_are_ebadf() {
    for call in [
        "(call $fd_close (i32.const 99))",
        "(call $write_to (i32.const 77) (i32.const 0) (i32.const 1))",
        "(call $fd_fdstat_get (i32.const -1) (i32.const 0x100))",
        "(call $fd_renumber (i32.const 1) (i32.const 50))",
    ] {
        assert_eq!(call_errno(call), errno::BADF, "{call}");
    }
}

#[test]
fn iovec_out_of_bounds_is_efault_and_writes_nothing() {
    // First iovec valid, second points past the end of memory.
    let setup = r#"
      (i32.store (i32.const 0x20) (i32.const 0x100)) (i32.store (i32.const 0x24) (i32.const 2))
      (i32.store (i32.const 0x28) (i32.const 0xfff0)) (i32.store (i32.const 0x2c) (i32.const 0x100))"#;
    let wasm = module(
        r#"(data (i32.const 0x100) "no")"#,
        &format!(
            "{setup} (call $exit (call $fd_write (i32.const 1) (i32.const 0x20) (i32.const 2) (i32.const 0x30)))"
        ),
    );
    let out = run_with(GuestBuilder::new(), &wasm).unwrap();
    assert_eq!(out.code, errno::FAULT);
    assert!(out.stdout.is_empty(), "iovecs are validated before any I/O");
}

#[test]
fn huge_iovec_count_and_bad_result_pointer_are_efault() {
    for call in [
        "(call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x7fffffff) (i32.const 0))",
        "(call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0xfffffffe))",
        "(call $fd_fdstat_get (i32.const 1) (i32.const 0xfffc))",
    ] {
        assert_eq!(call_errno(call), errno::FAULT, "{call}");
    }
}

#[test]
fn renumber_onto_open_fd_closes_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let fields = r#"(data (i32.const 0x200) "a") (data (i32.const 0x210) "b") (data (i32.const 0x220) "A!")"#;
    let body = r#"
      (call $ok (call $open (i32.const 3) (i32.const 0x200) (i32.const 1) (i32.const 1)))
      (i32.store (i32.const 0x44) (i32.load (i32.const 0x40)))
      (call $ok (call $open (i32.const 3) (i32.const 0x210) (i32.const 1) (i32.const 1)))
      ;; fd(a) -> fd(b): b's file is closed, fd(a) is no longer open
      (call $ok (call $fd_renumber (i32.load (i32.const 0x44)) (i32.load (i32.const 0x40))))
      (call $ok (call $write_to (i32.load (i32.const 0x40)) (i32.const 0x220) (i32.const 2)))
      (call $exit (call $fd_close (i32.load (i32.const 0x44))))"#;
    let out = run_with(sandboxed(dir.path()), &module(fields, body)).unwrap();
    assert_eq!(
        out.code,
        errno::BADF,
        "the source fd is gone after renumber"
    );
    assert_eq!(
        fs::read(dir.path().join("a")).unwrap(),
        b"A!",
        "writes through the target reach a"
    );
    assert_eq!(fs::read(dir.path().join("b")).unwrap(), b"");
}

#[test]
fn seek_on_stdout_is_refused() {
    let code =
        call_errno("(call $fd_seek (i32.const 1) (i64.const 1) (i32.const 0) (i32.const 0x100))");
    assert_eq!(code, errno::NOTCAPABLE, "stdio carries no FD_SEEK right");
}

/// Opens `n` files (f0, f1, ...) and prints each new fd as a little-endian u32.
fn open_many(builder: GuestBuilder, n: u32) -> (i32, Vec<u32>) {
    let body = format!(
        r#"(local $i i32)
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $i) (i32.const {n})))
          (i32.store8 (i32.const 0x201) (i32.add (i32.const 0x41) (local.get $i)))
          (call $ok (call $open (i32.const 3) (i32.const 0x200) (i32.const 2) (i32.const 1)))
          (call $print (i32.const 0x40) (i32.const 4))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))"#
    );
    let out = run_with(builder, &module(r#"(data (i32.const 0x200) "f?")"#, &body)).unwrap();
    let fds = out
        .stdout
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    (out.code, fds)
}

#[test]
fn lowest_policy_hands_out_3_4_5_after_preopens() {
    let dir = tempfile::tempdir().unwrap();
    let (code, fds) = open_many(sandboxed(dir.path()).fd_policy(FdPolicy::lowest()), 4);
    assert_eq!(code, 0);
    assert_eq!(fds, [4, 5, 6, 7], "fd 3 is the preopen");
}

#[test]
fn capped_policy_never_reaches_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let b = sandboxed(dir.path()).fd_policy(FdPolicy::capped(16).with_seed(7));
    let (code, fds) = open_many(b, 12);
    assert_eq!(code, 0);
    assert_eq!(fds.len(), 12);
    assert!(fds.iter().all(|&fd| (4..16).contains(&fd)), "{fds:?}");
    let mut uniq = fds.clone();
    uniq.sort_unstable();
    uniq.dedup();
    assert_eq!(uniq.len(), 12, "no fd handed out twice");
    // 4 initial fds + 12 = 16: the range is full now.
    let (code, _) = open_many(sandboxed(dir.path()).fd_policy(FdPolicy::capped(16)), 13);
    assert_eq!(code, 1000 + errno::MFILE);
}

#[test]
fn emfile_at_max_fds_then_recovers_after_close() {
    let dir = tempfile::tempdir().unwrap();
    // stdio + preopen = 4 fds; limit 6 leaves room for two.
    let body = r#"
      (call $ok (call $open (i32.const 3) (i32.const 0x200) (i32.const 1) (i32.const 1)))
      (call $ok (call $open (i32.const 3) (i32.const 0x200) (i32.const 1) (i32.const 1)))
      (i32.store (i32.const 0x100) (call $open (i32.const 3) (i32.const 0x200) (i32.const 1) (i32.const 1)))
      (call $ok (call $fd_close (i32.load (i32.const 0x40))))
      (call $ok (call $open (i32.const 3) (i32.const 0x200) (i32.const 1) (i32.const 1)))
      (call $exit (i32.load (i32.const 0x100)))"#;
    let out = run_with(
        sandboxed(dir.path()).max_fds(6),
        &module(r#"(data (i32.const 0x200) "f")"#, body),
    )
    .unwrap();
    assert_eq!(out.code, errno::MFILE);
}
