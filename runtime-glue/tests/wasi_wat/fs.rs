//! Files and directories inside a preopen: open/create, read/write,
//! readdir, rename, symlinks, prestat.

use std::fs;

use crate::util::{errno, module, run_with, sandboxed};

const CREAT: i32 = 1;
const DIRECTORY: i32 = 2;
const EXCL: i32 = 4;

#[test]
fn path_open_creates_and_fd_write_writes() {
    let dir = tempfile::tempdir().unwrap();
    let fields =
        r#"(data (i32.const 0x200) "out.txt") (data (i32.const 0x300) "written by guest")"#;
    let body = format!(
        "(call $ok (call $open (i32.const 3) (i32.const 0x200) (i32.const 7) (i32.const {CREAT})))
         (call $ok (call $write_to (i32.load (i32.const 0x40)) (i32.const 0x300) (i32.const 16)))
         (call $exit (i32.load (i32.const 0x40)))"
    );
    let out = run_with(sandboxed(dir.path()), &module(fields, &body)).unwrap();
    assert_eq!(out.code, 4, "first guest-opened fd under `lowest` is 4");
    assert_eq!(
        fs::read(dir.path().join("out.txt")).unwrap(),
        b"written by guest"
    );
}

#[test]
fn excl_on_existing_file_is_eexist() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"x").unwrap();
    let body = format!(
        "(call $exit (call $open (i32.const 3) (i32.const 0x200) (i32.const 1) (i32.const {})))",
        CREAT | EXCL
    );
    let out = run_with(
        sandboxed(dir.path()),
        &module(r#"(data (i32.const 0x200) "f")"#, &body),
    )
    .unwrap();
    assert_eq!(out.code, errno::EXIST);
}

#[test]
fn missing_file_is_enoent_and_directory_flag_on_file_is_enotdir() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"x").unwrap();
    let fields = r#"(data (i32.const 0x200) "nope") (data (i32.const 0x210) "f")"#;
    let b1 =
        "(call $exit (call $open (i32.const 3) (i32.const 0x200) (i32.const 4) (i32.const 0)))";
    assert_eq!(
        run_with(sandboxed(dir.path()), &module(fields, b1))
            .unwrap()
            .code,
        errno::NOENT
    );
    let b2 = format!(
        "(call $exit (call $open (i32.const 3) (i32.const 0x210) (i32.const 1) (i32.const {DIRECTORY})))"
    );
    assert_eq!(
        run_with(sandboxed(dir.path()), &module(fields, &b2))
            .unwrap()
            .code,
        errno::NOTDIR
    );
}

#[test]
fn fd_read_and_pread_return_file_contents() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("in"), b"0123456789").unwrap();
    // read 4 bytes, then pread 3 bytes at offset 6, print both.
    let body = r#"
      (call $ok (call $open (i32.const 3) (i32.const 0x200) (i32.const 2) (i32.const 0)))
      (i32.store (i32.const 0x50) (i32.const 0x400)) (i32.store (i32.const 0x54) (i32.const 4))
      (call $ok (call $fd_read (i32.load (i32.const 0x40)) (i32.const 0x50) (i32.const 1) (i32.const 0x58)))
      (i32.store (i32.const 0x50) (i32.const 0x404)) (i32.store (i32.const 0x54) (i32.const 3))
      (call $ok (call $fd_pread (i32.load (i32.const 0x40)) (i32.const 0x50) (i32.const 1) (i64.const 6) (i32.const 0x5c)))
      (call $print (i32.const 0x400) (i32.const 7))
      (call $exit (i32.add (i32.mul (i32.load (i32.const 0x58)) (i32.const 10)) (i32.load (i32.const 0x5c))))"#;
    let out = run_with(
        sandboxed(dir.path()),
        &module(r#"(data (i32.const 0x200) "in")"#, body),
    )
    .unwrap();
    assert_eq!(out.stdout, b"0123678");
    assert_eq!(out.code, 43);
}

#[test]
fn fd_seek_and_tell_move_the_position() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("in"), b"abcdef").unwrap();
    let body = r#"
      (call $ok (call $open (i32.const 3) (i32.const 0x200) (i32.const 2) (i32.const 0)))
      (call $ok (call $fd_seek (i32.load (i32.const 0x40)) (i64.const -2) (i32.const 2) (i32.const 0x60)))
      (call $ok (call $fd_tell (i32.load (i32.const 0x40)) (i32.const 0x68)))
      (call $exit (i32.add (i32.mul (i32.wrap_i64 (i64.load (i32.const 0x60))) (i32.const 10))
                           (i32.wrap_i64 (i64.load (i32.const 0x68)))))"#;
    let out = run_with(
        sandboxed(dir.path()),
        &module(r#"(data (i32.const 0x200) "in")"#, body),
    )
    .unwrap();
    assert_eq!(out.code, 44);
}

#[test]
fn readdir_lists_dot_entries_then_sorted_names() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("b.txt"), b"").unwrap();
    fs::create_dir(dir.path().join("a_dir")).unwrap();
    let body = r#"
      (call $ok (call $fd_readdir (i32.const 3) (i32.const 0x1000) (i32.const 4096) (i64.const 0) (i32.const 0x60)))
      (call $print (i32.const 0x1000) (i32.load (i32.const 0x60)))"#;
    let out = run_with(sandboxed(dir.path()), &module("", body)).unwrap();
    let entries = parse_dirents(&out.stdout);
    let names: Vec<_> = entries.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(names, [".", "..", "a_dir", "b.txt"]);
    let cookies: Vec<_> = entries.iter().map(|e| e.0).collect();
    assert_eq!(
        cookies,
        [1, 2, 3, 4],
        "d_next is the cookie of the following entry"
    );
    assert_eq!(entries[2].2, 3, "a_dir is a directory");
    assert_eq!(entries[3].2, 4, "b.txt is a regular file");
}

#[test]
fn readdir_resumes_from_cookie_and_truncates_at_buffer_end() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["x1", "x2", "x3"] {
        fs::write(dir.path().join(n), b"").unwrap();
    }
    // From cookie 3 (skipping ".", "..", "x1") with a buffer of 30 bytes:
    // one 26-byte entry (x2) plus 4 bytes of the next, so bufused == 30.
    let body = r#"
      (call $ok (call $fd_readdir (i32.const 3) (i32.const 0x1000) (i32.const 30) (i64.const 3) (i32.const 0x60)))
      (call $print (i32.const 0x1000) (i32.const 26))
      (call $exit (i32.load (i32.const 0x60)))"#;
    let out = run_with(sandboxed(dir.path()), &module("", body)).unwrap();
    assert_eq!(out.code, 30);
    let entries = parse_dirents(&out.stdout);
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].0, entries[0].1.as_str()), (4, "x2"));
}

/// (d_next, name, d_type) of each complete dirent in `buf`.
fn parse_dirents(mut buf: &[u8]) -> Vec<(u64, String, u8)> {
    let mut out = Vec::new();
    while buf.len() >= 24 {
        let next = u64::from_le_bytes(buf[0..8].try_into().unwrap());
        let namlen = u32::from_le_bytes(buf[16..20].try_into().unwrap()) as usize;
        let kind = buf[20];
        if buf.len() < 24 + namlen {
            break;
        }
        out.push((
            next,
            String::from_utf8_lossy(&buf[24..24 + namlen]).into_owned(),
            kind,
        ));
        buf = &buf[24 + namlen..];
    }
    out
}

#[test]
fn rename_mkdir_unlink_rmdir_work_inside_the_preopen() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("old"), b"data").unwrap();
    let fields = r#"(data (i32.const 0x200) "old") (data (i32.const 0x210) "sub/new") (data (i32.const 0x220) "sub")
                    (data (i32.const 0x230) "gone")"#;
    let body = r#"
      (call $ok (call $path_create_directory (i32.const 3) (i32.const 0x220) (i32.const 3)))
      (call $ok (call $path_rename (i32.const 3) (i32.const 0x200) (i32.const 3) (i32.const 3) (i32.const 0x210) (i32.const 7)))
      (call $ok (call $path_create_directory (i32.const 3) (i32.const 0x230) (i32.const 4)))
      (call $ok (call $path_remove_directory (i32.const 3) (i32.const 0x230) (i32.const 4)))
      (call $exit (call $path_remove_directory (i32.const 3) (i32.const 0x220) (i32.const 3)))"#;
    let out = run_with(sandboxed(dir.path()), &module(fields, body)).unwrap();
    assert_eq!(out.code, errno::NOTEMPTY, "sub still holds new");
    assert_eq!(fs::read(dir.path().join("sub/new")).unwrap(), b"data");
    assert!(!dir.path().join("old").exists());
    assert!(!dir.path().join("gone").exists());
}

#[test]
fn symlink_inside_is_followed_and_readlink_returns_target() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("target"), b"T").unwrap();
    let fields = r#"(data (i32.const 0x200) "target") (data (i32.const 0x210) "link")"#;
    let body = r#"
      (call $ok (call $path_symlink (i32.const 0x200) (i32.const 6) (i32.const 3) (i32.const 0x210) (i32.const 4)))
      (call $ok (call $path_readlink (i32.const 3) (i32.const 0x210) (i32.const 4) (i32.const 0x400) (i32.const 64) (i32.const 0x60)))
      (call $print (i32.const 0x400) (i32.load (i32.const 0x60)))
      (call $ok (call $open (i32.const 3) (i32.const 0x210) (i32.const 4) (i32.const 0)))
      (call $exit (i32.const 0))"#;
    let out = run_with(sandboxed(dir.path()), &module(fields, body)).unwrap();
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, b"target");
}

#[test]
fn path_filestat_get_reports_type_and_size() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f"), b"12345").unwrap();
    let body = r#"
      (call $ok (call $path_filestat_get (i32.const 3) (i32.const 1) (i32.const 0x200) (i32.const 1) (i32.const 0x400)))
      (call $exit (i32.add (i32.mul (i32.load8_u (i32.const 0x410)) (i32.const 100))
                           (i32.wrap_i64 (i64.load (i32.const 0x420)))))"#;
    let out = run_with(
        sandboxed(dir.path()),
        &module(r#"(data (i32.const 0x200) "f")"#, body),
    )
    .unwrap();
    assert_eq!(out.code, 405, "filetype 4 (regular), size 5");
}

#[test]
fn prestat_names_the_preopen_and_ends_with_ebadf() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
      (call $ok (call $fd_prestat_get (i32.const 3) (i32.const 0x60)))
      (call $ok (call $fd_prestat_dir_name (i32.const 3) (i32.const 0x400) (i32.load (i32.const 0x64))))
      (call $print (i32.const 0x400) (i32.load (i32.const 0x64)))
      (call $exit (call $fd_prestat_get (i32.const 4) (i32.const 0x60)))"#;
    let out = run_with(sandboxed(dir.path()), &module("", body)).unwrap();
    assert_eq!(out.stdout, b"/sandbox");
    assert_eq!(
        out.code,
        errno::BADF,
        "wasi-libc stops scanning preopens at EBADF"
    );
}

#[test]
fn nofollow_open_of_a_symlink_is_eloop_and_filestat_sees_the_link() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("target"), b"T").unwrap();
    std::os::unix::fs::symlink("target", dir.path().join("link")).unwrap();
    let fields = r#"(data (i32.const 0x200) "link")"#;
    // dirflags = 0: do not follow the final symlink.
    let body = r#"
      (call $ok (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 0x200) (i32.const 4) (i32.const 0x400)))
      (call $ok (i32.sub (i32.load8_u (i32.const 0x410)) (i32.const 7)))
      (call $exit (call $path_open (i32.const 3) (i32.const 0) (i32.const 0x200) (i32.const 4) (i32.const 0)
        (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0x40)))"#;
    let out = run_with(sandboxed(dir.path()), &module(fields, body)).unwrap();
    assert_eq!(out.code, errno::LOOP);
}
