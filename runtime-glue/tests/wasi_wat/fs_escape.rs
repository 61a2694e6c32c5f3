//! A guest cannot leave its preopen, and rights are enforced per fd.

use std::fs;

use crate::util::{errno, module, run_with, sandboxed};

/// Runs `path_open(3, follow, <path>, oflags=0)` and returns the errno.
fn open_errno(root: &std::path::Path, path: &str) -> i32 {
    let fields = format!(r#"(data (i32.const 0x200) "{path}")"#);
    let body = format!(
        "(call $exit (call $open (i32.const 3) (i32.const 0x200) (i32.const {}) (i32.const 0)))",
        path.len()
    );
    run_with(sandboxed(root), &module(&fields, &body))
        .unwrap()
        .code
}

/// A sandbox dir inside a parent that holds a secret file next to it.
fn sandbox_with_secret_outside() -> (tempfile::TempDir, std::path::PathBuf) {
    let parent = tempfile::tempdir().unwrap();
    fs::write(parent.path().join("secret"), b"s").unwrap();
    let inner = parent.path().join("inner");
    fs::create_dir(&inner).unwrap();
    fs::create_dir(inner.join("sub")).unwrap();
    (parent, inner)
}

#[test]
fn dotdot_escape_is_enotcapable() {
    let (_parent, inner) = sandbox_with_secret_outside();
    assert_eq!(open_errno(&inner, "../secret"), errno::NOTCAPABLE);
    assert_eq!(open_errno(&inner, "sub/../../secret"), errno::NOTCAPABLE);
}

#[test]
fn dotdot_that_stays_inside_is_allowed() {
    let (_parent, inner) = sandbox_with_secret_outside();
    fs::write(inner.join("ok"), b"").unwrap();
    assert_eq!(open_errno(&inner, "sub/../ok"), errno::SUCCESS);
}

#[test]
fn absolute_path_is_enotcapable() {
    let (_parent, inner) = sandbox_with_secret_outside();
    assert_eq!(open_errno(&inner, "/etc/passwd"), errno::NOTCAPABLE);
}

#[test]
fn symlink_pointing_outside_is_not_followed_out() {
    let (parent, inner) = sandbox_with_secret_outside();
    std::os::unix::fs::symlink(parent.path().join("secret"), inner.join("abs_link")).unwrap();
    std::os::unix::fs::symlink("../secret", inner.join("rel_link")).unwrap();
    for link in ["abs_link", "rel_link"] {
        let code = open_errno(&inner, link);
        assert!(
            code == errno::NOTCAPABLE || code == errno::PERM,
            "{link}: got errno {code}"
        );
    }
}

#[test]
fn guest_cannot_create_absolute_symlink() {
    let (_parent, inner) = sandbox_with_secret_outside();
    let fields = r#"(data (i32.const 0x200) "/etc") (data (i32.const 0x210) "l")"#;
    let body = "(call $exit (call $path_symlink (i32.const 0x200) (i32.const 4) (i32.const 3) (i32.const 0x210) (i32.const 1)))";
    let code = run_with(sandboxed(&inner), &module(fields, body))
        .unwrap()
        .code;
    assert_eq!(code, errno::NOTCAPABLE);
    assert!(!inner.join("l").exists());
}

#[test]
fn path_open_without_path_open_right_is_enotcapable() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"").unwrap();
    // Drop every right of fd 3 except readdir, keeping `inheriting`.
    let open_after = |inheriting: i64| {
        let body = format!(
            r#"
      (call $ok (call $fd_fdstat_set_rights (i32.const 3) (i64.const 0x4000) (i64.const {inheriting})))
      (call $exit (call $open (i32.const 3) (i32.const 0x200) (i32.const 1) (i32.const 0)))"#
        );
        let wasm = module(r#"(data (i32.const 0x200) "f")"#, &body);
        run_with(sandboxed(dir.path()), &wasm).unwrap().code
    };
    // set_rights asked for inheriting = all, which fd 3 does not fully hold.
    assert_eq!(open_after(-1), 1000 + errno::NOTCAPABLE);
    assert_eq!(open_after(0), errno::NOTCAPABLE);
}

#[test]
fn write_on_read_only_fd_is_enotcapable() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"keep").unwrap();
    // Request only FD_READ (bit 1) for the new fd.
    let body = r#"
      (call $ok (call $path_open (i32.const 3) (i32.const 1) (i32.const 0x200) (i32.const 1) (i32.const 0)
                 (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x40)))
      (call $exit (call $write_to (i32.load (i32.const 0x40)) (i32.const 0x200) (i32.const 1)))"#;
    let code = run_with(
        sandboxed(dir.path()),
        &module(r#"(data (i32.const 0x200) "f")"#, body),
    )
    .unwrap()
    .code;
    assert_eq!(code, errno::NOTCAPABLE);
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"keep");
}

#[test]
fn rights_cannot_be_regained() {
    let body = r#"
      (call $ok (call $fd_fdstat_set_rights (i32.const 1) (i64.const 0) (i64.const 0)))
      (call $exit (call $fd_fdstat_set_rights (i32.const 1) (i64.const 0x40) (i64.const 0)))"#;
    let code = run_with(runtime_glue::GuestBuilder::new(), &module("", body))
        .unwrap()
        .code;
    assert_eq!(code, errno::NOTCAPABLE);
}

#[test]
fn fdstat_reports_rights_and_filetype() {
    let body = r#"
      (call $ok (call $fd_fdstat_get (i32.const 1) (i32.const 0x400)))
      (call $exit (i32.add (i32.mul (i32.load8_u (i32.const 0x400)) (i32.const 100))
        (i32.wrap_i64 (i64.and (i64.shr_u (i64.load (i32.const 0x408)) (i64.const 6)) (i64.const 1)))))"#;
    let code = run_with(runtime_glue::GuestBuilder::new(), &module("", body))
        .unwrap()
        .code;
    assert_eq!(
        code, 1,
        "captured stdout: not a terminal (filetype 0), with FD_WRITE"
    );
}
