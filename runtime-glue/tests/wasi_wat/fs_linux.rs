//! Path calls that must answer as Linux does (checked against `open(2)`,
//! `linkat(2)`, `rmdir(2)`, `stat(2)` and `rename(2)` on the same trees):
//! write rights on a directory, `path_link` following a symlink, trailing
//! slashes.

use std::{
    fs,
    os::unix::fs::{MetadataExt, symlink},
    path::Path,
};

use crate::util::{errno, module, run_with, sandboxed};

const DIRECTORY: i32 = 2;
const FD_READ: u64 = 0x2;
const FD_WRITE: u64 = 0x40;
const FD_READDIR: u64 = 0x4000;
const FOLLOW: i32 = 1;
const NOFOLLOW: i32 = 0;
const DIR_FILETYPE: i32 = 3;
const FILE_FILETYPE: i32 = 4;

/// The errno of the WAT call expression `call` in a guest with `root` preopened as fd 3;
/// `{0}`, `{1}` in `call` stand for `(i32.const ptr) (i32.const len)` of `paths[0]`,
/// `paths[1]` (placed in guest memory). `then` runs after a successful call (it may
/// `$exit` with something else).
fn errno_then(root: &Path, call: &str, paths: &[&str], then: &str) -> i32 {
    let mut fields = String::new();
    let mut call = call.to_owned();
    for (i, p) in paths.iter().enumerate() {
        let at = 0x200 + 0x40 * i;
        assert!(p.len() < 0x40 && !p.contains('"'));
        fields += &format!(r#"(data (i32.const {at}) "{p}")"#);
        call = call.replace(
            &format!("{{{i}}}"),
            &format!("(i32.const {at}) (i32.const {})", p.len()),
        );
    }
    let body = format!(
        "(local $e i32) (local.set $e {call}) (if (i32.eqz (local.get $e)) (then {then})) (call $exit (local.get $e))"
    );
    run_with(sandboxed(root), &module(&fields, &body))
        .expect("guest runs")
        .code
}

/// [`errno_then`] with nothing after the call.
fn errno_in(root: &Path, call: &str, paths: &[&str]) -> i32 {
    errno_then(root, call, paths, "")
}

/// A sandbox holding dir `d`, file `f`, and symlinks `lnk -> f`, `lnkd -> d`.
fn tree() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("d")).unwrap();
    fs::write(root.path().join("f"), b"data").unwrap();
    symlink("f", root.path().join("lnk")).unwrap();
    symlink("d", root.path().join("lnkd")).unwrap();
    root
}

/// `path_open(3, follow, path, oflags, rights, rights, 0)`.
fn open_call(oflags: i32, rights: u64) -> String {
    format!(
        "(call $path_open (i32.const 3) (i32.const 1) {{0}} (i32.const {oflags}) \
         (i64.const {rights}) (i64.const {rights}) (i32.const 0) (i32.const 0x40))"
    )
}

/// `open(dir, O_RDWR | O_DIRECTORY)` is EISDIR on Linux (and in wasmtime); fdvirt used to
/// open the directory and silently drop the write right.
#[test]
fn path_open_directory_with_fd_write_is_eisdir() {
    let root = tree();
    let r = root.path();
    let with_write = open_call(DIRECTORY, FD_WRITE);
    assert_eq!(errno_in(r, &with_write, &["d"]), errno::ISDIR);
    assert_eq!(errno_in(r, &with_write, &["lnkd"]), errno::ISDIR);
    assert_eq!(
        errno_in(r, &open_call(DIRECTORY, u64::MAX), &["d"]),
        errno::ISDIR
    );
    // open(2)'s other answers come first: a file is ENOTDIR, a missing path ENOENT.
    assert_eq!(errno_in(r, &with_write, &["f"]), errno::NOTDIR);
    assert_eq!(errno_in(r, &with_write, &["nope"]), errno::NOENT);
    // Read rights open it.
    let read = open_call(DIRECTORY, FD_READ | FD_READDIR);
    assert_eq!(errno_in(r, &read, &["d"]), errno::SUCCESS);
}

/// `path_link(3, flags, old, 3, new)`.
fn link_call(flags: i32) -> String {
    format!("(call $path_link (i32.const 3) (i32.const {flags}) {{0}} (i32.const 3) {{1}})")
}

/// With LOOKUPFLAGS_SYMLINK_FOLLOW the new name is a hard link to the symlink's target, as
/// `linkat(AT_SYMLINK_FOLLOW)`; fdvirt used to ignore the flag and link the symlink itself.
#[test]
fn path_link_follow_links_the_target_of_a_symlink() {
    let root = tree();
    let r = root.path();
    fs::create_dir(r.join("sub")).unwrap();
    symlink("lnk", r.join("lnk2")).unwrap();
    symlink("../f", r.join("sub/up")).unwrap();
    let f_ino = fs::metadata(r.join("f")).unwrap().ino();
    for (old, new) in [("lnk", "h1"), ("lnk2", "h2"), ("sub/up", "h3"), ("f", "h4")] {
        assert_eq!(errno_in(r, &link_call(FOLLOW), &[old, new]), 0, "{old}");
        let meta = fs::symlink_metadata(r.join(new)).unwrap();
        assert!(meta.is_file(), "{old}: {new} is a {:?}", meta.file_type());
        assert_eq!(meta.ino(), f_ino, "{old}: {new} is f's inode");
    }
    // Without the flag the symlink itself is linked (linkat without AT_SYMLINK_FOLLOW).
    assert_eq!(errno_in(r, &link_call(NOFOLLOW), &["lnk", "h5"]), 0);
    assert!(fs::symlink_metadata(r.join("h5")).unwrap().is_symlink());
}

/// The errors of `linkat(AT_SYMLINK_FOLLOW)` on Linux: a dangling link is ENOENT, a link to
/// a directory EPERM, a loop ELOOP; and a link leading out of the preopen is never
/// followed out (ENOTCAPABLE), wherever it points.
#[test]
fn path_link_follow_errors_match_linux_and_stay_inside() {
    let parent = tempfile::tempdir().unwrap();
    fs::write(parent.path().join("outside"), b"secret").unwrap();
    let inner = parent.path().join("inner");
    fs::create_dir(&inner).unwrap();
    fs::create_dir(inner.join("d")).unwrap();
    symlink("nofile", inner.join("dangling")).unwrap();
    symlink("d", inner.join("lnkd")).unwrap();
    symlink("loop", inner.join("loop")).unwrap();
    symlink("../outside", inner.join("out_rel")).unwrap();
    symlink(parent.path().join("outside"), inner.join("out_abs")).unwrap();
    let follow = link_call(FOLLOW);
    assert_eq!(errno_in(&inner, &follow, &["dangling", "n1"]), errno::NOENT);
    assert_eq!(errno_in(&inner, &follow, &["lnkd", "n2"]), errno::PERM);
    assert_eq!(errno_in(&inner, &follow, &["loop", "n3"]), errno::LOOP);
    for link in ["out_rel", "out_abs"] {
        assert_eq!(
            errno_in(&inner, &follow, &[link, "n4"]),
            errno::NOTCAPABLE,
            "{link}"
        );
    }
    let left: Vec<_> = fs::read_dir(&inner)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        !left.iter().any(|n| n.to_string_lossy().starts_with('n')),
        "{left:?}"
    );
    assert_eq!(
        fs::metadata(parent.path().join("outside")).unwrap().nlink(),
        1
    );
}

/// `rmdir("d/")` and `rmdir("d//")` succeed on Linux; fdvirt answered EINVAL.
#[test]
fn path_remove_directory_accepts_trailing_slashes() {
    let root = tree();
    let r = root.path();
    fs::create_dir(r.join("e")).unwrap();
    let rmdir = "(call $path_remove_directory (i32.const 3) {0})";
    assert_eq!(errno_in(r, rmdir, &["d/"]), errno::SUCCESS);
    assert_eq!(errno_in(r, rmdir, &["e//"]), errno::SUCCESS);
    assert!(!r.join("d").exists() && !r.join("e").exists());
    // Still refused where the object is not a directory (a symlink to one included).
    assert_eq!(errno_in(r, rmdir, &["f/"]), errno::NOTDIR);
    fs::create_dir(r.join("d")).unwrap();
    assert_eq!(errno_in(r, rmdir, &["lnkd/"]), errno::NOTDIR);
    assert!(r.join("d").is_dir());
}

/// A trailing slash elsewhere: `stat("f/")` is ENOTDIR, `stat("lnkd/")` follows the link
/// even without LOOKUPFLAGS_SYMLINK_FOLLOW, `mkdir("x/")` works, `unlink("lnkd/")` is
/// ENOTDIR (was EISDIR), `rename("f", "g/")` is ENOTDIR and `rename("d/", "d2/")` works.
#[test]
fn trailing_slashes_demand_a_directory_elsewhere_too() {
    let root = tree();
    let r = root.path();
    let stat = "(call $path_filestat_get (i32.const 3) (i32.const 0) {0} (i32.const 0x400))";
    let filetype = "(call $exit (i32.load8_u (i32.const 0x410)))";
    assert_eq!(errno_in(r, stat, &["f/"]), errno::NOTDIR);
    assert_eq!(errno_then(r, stat, &["f"], filetype), FILE_FILETYPE);
    assert_eq!(errno_then(r, stat, &["lnkd/"], filetype), DIR_FILETYPE);
    assert_eq!(errno_then(r, stat, &["d//"], filetype), DIR_FILETYPE);
    let times = "(call $path_filestat_set_times (i32.const 3) (i32.const 0) {0} \
                 (i64.const 0) (i64.const 0) (i32.const 2))";
    assert_eq!(errno_in(r, times, &["f/"]), errno::NOTDIR);
    assert_eq!(errno_in(r, times, &["d/"]), errno::SUCCESS);
    let mkdir = "(call $path_create_directory (i32.const 3) {0})";
    assert_eq!(errno_in(r, mkdir, &["x//"]), errno::SUCCESS);
    assert!(r.join("x").is_dir());
    // unlink with a slash removes nothing: EISDIR for a directory, else ENOTDIR.
    let unlink = "(call $path_unlink_file (i32.const 3) {0})";
    assert_eq!(errno_in(r, unlink, &["f/"]), errno::NOTDIR);
    assert_eq!(errno_in(r, unlink, &["d/"]), errno::ISDIR);
    assert_eq!(errno_in(r, unlink, &["lnkd/"]), errno::NOTDIR);
    assert_eq!(errno_in(r, unlink, &["nope/"]), errno::NOENT);
    assert!(r.join("lnkd").is_symlink() && r.join("f").is_file());
    let rename = "(call $path_rename (i32.const 3) {0} (i32.const 3) {1})";
    assert_eq!(errno_in(r, rename, &["f", "g/"]), errno::NOTDIR);
    assert_eq!(errno_in(r, rename, &["f/", "g"]), errno::NOTDIR);
    assert_eq!(errno_in(r, rename, &["lnkd/", "g"]), errno::NOTDIR);
    assert!(r.join("f").is_file() && !r.join("g").exists());
    assert_eq!(errno_in(r, rename, &["d/", "d2/"]), errno::SUCCESS);
    assert!(r.join("d2").is_dir() && !r.join("d").exists());
}
