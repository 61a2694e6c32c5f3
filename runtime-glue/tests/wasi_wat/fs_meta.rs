//! Metadata calls: sizes, times, allocate, advise, sync, append flag,
//! hard links, positional writes, unlink.

use std::{
    fs,
    time::{Duration, UNIX_EPOCH},
};

use crate::util::{errno, module, run_with, sandboxed};

/// `fields` + a body that first opens "f" (O_CREAT) into the fd at 0x40.
fn with_f(dir: &std::path::Path, extra_fields: &str, body: &str) -> i32 {
    let fields = format!(r#"(data (i32.const 0x200) "f") {extra_fields}"#);
    let body = format!(
        "(call $ok (call $open (i32.const 3) (i32.const 0x200) (i32.const 1) (i32.const 1)))
         {body}"
    );
    run_with(sandboxed(dir), &module(&fields, &body))
        .unwrap()
        .code
}

#[test]
fn set_size_truncates_and_extends() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"0123456789").unwrap();
    let code = with_f(
        dir.path(),
        "",
        "
        (call $ok (call $fd_filestat_set_size (i32.load (i32.const 0x40)) (i64.const 4)))
        (call $ok (call $fd_filestat_get (i32.load (i32.const 0x40)) (i32.const 0x400)))
        (call $exit (i32.wrap_i64 (i64.load (i32.const 0x420))))",
    );
    assert_eq!(code, 4);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"0123");
}

#[test]
fn allocate_extends_but_never_shrinks() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"abc").unwrap();
    let code = with_f(
        dir.path(),
        "",
        "
        (call $ok (call $fd_allocate (i32.load (i32.const 0x40)) (i64.const 0) (i64.const 1)))
        (call $ok (call $fd_allocate (i32.load (i32.const 0x40)) (i64.const 8) (i64.const 8)))
        (call $exit (call $fd_allocate (i32.load (i32.const 0x40)) (i64.const -1) (i64.const 8)))",
    );
    assert_eq!(code, 22, "offset + len overflow is EFBIG");
    assert_eq!(fs::metadata(dir.path().join("f")).unwrap().len(), 16);
}

#[test]
fn advise_validates_advice_and_sync_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let code = with_f(dir.path(), "", "
        (call $ok (call $fd_advise (i32.load (i32.const 0x40)) (i64.const 0) (i64.const 0) (i32.const 1)))
        (call $ok (call $fd_sync (i32.load (i32.const 0x40))))
        (call $ok (call $fd_datasync (i32.load (i32.const 0x40))))
        (call $exit (call $fd_advise (i32.load (i32.const 0x40)) (i64.const 0) (i64.const 0) (i32.const 9)))");
    assert_eq!(code, errno::INVAL);
}

#[test]
fn fd_set_times_sets_mtime_exactly() {
    let dir = tempfile::tempdir().unwrap();
    // mtime = 1_000_000_000 s + 5 ns (MTIM = 4), atime untouched.
    let code = with_f(
        dir.path(),
        "",
        "
        (call $exit (call $fd_filestat_set_times (i32.load (i32.const 0x40))
          (i64.const 0) (i64.const 1000000000000000005) (i32.const 4)))",
    );
    assert_eq!(code, 0);
    let mtime = fs::metadata(dir.path().join("f"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(mtime, UNIX_EPOCH + Duration::new(1_000_000_000, 5));
}

#[test]
fn set_times_with_both_value_and_now_is_einval() {
    let dir = tempfile::tempdir().unwrap();
    let code = with_f(
        dir.path(),
        "",
        "
        (call $exit (call $fd_filestat_set_times (i32.load (i32.const 0x40))
          (i64.const 0) (i64.const 0) (i32.const 12)))",
    );
    assert_eq!(code, errno::INVAL);
}

#[test]
fn path_set_times_sets_atime() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("g"), b"").unwrap();
    let body = "(call $exit (call $path_filestat_set_times (i32.const 3) (i32.const 1)
        (i32.const 0x200) (i32.const 1) (i64.const 2000000000000000000) (i64.const 0) (i32.const 1)))";
    let out = run_with(
        sandboxed(dir.path()),
        &module(r#"(data (i32.const 0x200) "g")"#, body),
    )
    .unwrap();
    assert_eq!(out.code, 0);
    let atime = fs::metadata(dir.path().join("g"))
        .unwrap()
        .accessed()
        .unwrap();
    assert_eq!(atime, UNIX_EPOCH + Duration::from_secs(2_000_000_000));
}

#[test]
fn append_flag_makes_writes_go_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"start-").unwrap();
    let code = with_f(
        dir.path(),
        r#"(data (i32.const 0x300) "end")"#,
        "
        (call $ok (call $fd_fdstat_set_flags (i32.load (i32.const 0x40)) (i32.const 1)))
        (call $ok (call $write_to (i32.load (i32.const 0x40)) (i32.const 0x300) (i32.const 3)))
        (call $ok (call $fd_fdstat_get (i32.load (i32.const 0x40)) (i32.const 0x400)))
        (call $exit (i32.load16_u (i32.const 0x402)))",
    );
    assert_eq!(code, 1, "fdstat reports APPEND");
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"start-end");
}

#[test]
fn sync_flags_cannot_be_changed_after_open() {
    let dir = tempfile::tempdir().unwrap();
    let code = with_f(
        dir.path(),
        "",
        "
        (call $exit (call $fd_fdstat_set_flags (i32.load (i32.const 0x40)) (i32.const 16)))",
    );
    assert_eq!(code, errno::INVAL);
}

#[test]
fn pwrite_does_not_move_the_position() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"......").unwrap();
    let code = with_f(dir.path(), r#"(data (i32.const 0x300) "XY")"#, "
        (i32.store (i32.const 0x50) (i32.const 0x300)) (i32.store (i32.const 0x54) (i32.const 2))
        (call $ok (call $fd_pwrite (i32.load (i32.const 0x40)) (i32.const 0x50) (i32.const 1) (i64.const 3) (i32.const 0x58)))
        (call $ok (call $fd_tell (i32.load (i32.const 0x40)) (i32.const 0x60)))
        (call $exit (i32.wrap_i64 (i64.load (i32.const 0x60))))");
    assert_eq!(code, 0);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"...XY.");
}

#[test]
fn hard_link_and_unlink() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a"), b"shared").unwrap();
    let fields = r#"(data (i32.const 0x200) "a") (data (i32.const 0x210) "b")"#;
    let body = "
      (call $ok (call $path_link (i32.const 3) (i32.const 0) (i32.const 0x200) (i32.const 1)
                                 (i32.const 3) (i32.const 0x210) (i32.const 1)))
      (call $ok (call $path_unlink_file (i32.const 3) (i32.const 0x200) (i32.const 1)))
      (call $exit (call $path_unlink_file (i32.const 3) (i32.const 0x200) (i32.const 1)))";
    let out = run_with(sandboxed(dir.path()), &module(fields, body)).unwrap();
    assert_eq!(out.code, errno::NOENT);
    assert_eq!(fs::read(dir.path().join("b")).unwrap(), b"shared");
}

#[test]
fn unlink_of_a_directory_fails_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("d")).unwrap();
    let body =
        "(call $exit (call $path_unlink_file (i32.const 3) (i32.const 0x200) (i32.const 1)))";
    let out = run_with(
        sandboxed(dir.path()),
        &module(r#"(data (i32.const 0x200) "d")"#, body),
    )
    .unwrap();
    assert!(
        out.code == errno::ISDIR || out.code == errno::PERM,
        "{}",
        out.code
    );
    assert!(dir.path().join("d").is_dir());
}
