//! Guests run through the embedding API (`GuestBuilder`), stdout captured.

use crate::util::engine;
use crate::util::{GUEST_DIR, sandbox, wasi_guest};
use fdtable::FdPolicy;
use runtime_glue::{GuestBuilder, Run, RunError, SharedBuffer, Stdio};
use std::path::Path;

/// Runs `guest` with `args` (argv[0] = guest name) and `dir` preopened at `/sandbox`;
/// returns (exit code, stdout).
fn run(guest: &str, args: &[&str], dir: Option<&Path>) -> (i32, String) {
    run_with(GuestBuilder::new(), guest, args, dir).expect("guest runs")
}

fn run_with(
    builder: GuestBuilder,
    guest: &str,
    args: &[&str],
    dir: Option<&Path>,
) -> Result<(i32, String), RunError> {
    let out = SharedBuffer::new();
    let mut b = builder
        .args(std::iter::once(guest).chain(args.iter().copied()))
        .stdout(Stdio::Capture(out.clone()));
    if let Some(dir) = dir {
        b = b.preopen_dir(dir, GUEST_DIR)?;
    }
    let status = b.run_file_on(engine(), wasi_guest(guest))?;
    Ok((
        status.code,
        String::from_utf8_lossy(&out.contents()).into_owned(),
    ))
}

#[test]
fn args_reach_the_guest_verbatim() {
    assert_eq!(
        run("args", &["a", "b c", "--x"], None),
        (0, "argc=4\nargv[1]=a\nargv[2]=b c\nargv[3]=--x\n".into())
    );
}

#[test]
fn env_vars_are_exactly_those_given() {
    let b = GuestBuilder::new()
        .env("B", "2")
        .envs([("A", "1"), ("EMPTY", "")]);
    assert_eq!(
        run_with(b, "env", &[], None).expect("runs"),
        (0, "count=3\nA=1\nB=2\nEMPTY=\n".into())
    );
}

#[test]
fn proc_exit_code_is_the_exit_status() {
    for code in [0, 1, 7, 255] {
        let (got, out) = run("exit", &[&code.to_string()], None);
        assert_eq!(got, code);
        assert_eq!(out, format!("exiting with {code}\n"));
    }
}

#[test]
fn file_io_in_a_preopened_dir() {
    let dir = sandbox();
    let (code, out) = run("fileio", &[GUEST_DIR], Some(dir.path()));
    assert_eq!(code, 0, "{out}");
    let expected = r#"read: "hello\n"
after append: "hello\nworld\n"
seek 6 then read: "world\n"
seek end-3 = 9
len=12 is_file=true is_dir=false
after truncate: "hello"
nested: "nested"
nested exists after remove: false
hello exists after remove: false
missing file open: true
"#;
    assert_eq!(out, expected);
    assert!(dir.path().join("sub").is_dir(), "sub/ stays on the host");
    assert!(!dir.path().join("hello.txt").exists());
}

#[test]
fn directory_listing_sees_files_and_dirs() {
    let dir = sandbox();
    let (code, out) = run("dirlist", &[GUEST_DIR], Some(dir.path()));
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "entries=4\na.txt file 5\nb.txt file 5\nc.txt file 5\nd dir 0\n"
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("list/b.txt")).expect("host sees file"),
        "b.txt"
    );
}

#[test]
fn rename_moves_files_and_dirs_on_the_host() {
    let dir = sandbox();
    let (code, out) = run("rename", &[GUEST_DIR], Some(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("after replace: \"other\"\n") && out.contains("d2/f: \"inside\"\n"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("new.txt")).expect("renamed"),
        "other"
    );
    assert!(!dir.path().join("d1").exists() && dir.path().join("d2/f").exists());
}

#[test]
fn symlinks_work_inside_and_escapes_are_refused() {
    let dir = sandbox();
    let (code, out) = run("symlink", &[GUEST_DIR], Some(dir.path()));
    assert_eq!(code, 0, "{out}");
    let expected = r#"read_link: "target.txt"
via link: "through the link"
is_symlink=true
escape via ../ link refused: true
escape via absolute link refused: true
escape via ../ path refused: true
absolute outside path refused: true
"#;
    assert_eq!(out, expected);
    let link = std::fs::read_link(dir.path().join("link")).expect("host sees a symlink");
    assert_eq!(link, Path::new("target.txt"));
}

#[test]
fn clocks_and_sleep_behave() {
    let (code, out) = run("clock", &[], None);
    assert_eq!(code, 0);
    assert!(out.lines().all(|l| l.ends_with(": true")), "{out}");
    assert_eq!(out.lines().count(), 4);
}

#[test]
fn random_get_fills_with_random_bytes() {
    let (code, out) = run("random", &[], None);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "errno=0,0\nnot all zero: true\ntwo draws differ: true\nat least 32 distinct bytes of 64: true\nempty draw errno=0\n"
    );
}

#[test]
fn stdin_bytes_reach_the_guest() {
    let b = GuestBuilder::new().stdin(Stdio::Bytes(b"line one\nline two\n".to_vec()));
    let (code, out) = run_with(b, "cat", &[], None).expect("runs");
    assert_eq!(
        (code, out.as_str()),
        (0, "read 18 bytes\nline one\nline two\n")
    );
}

#[test]
fn trap_names_the_wasm_function() {
    let err = run_with(GuestBuilder::new(), "trap", &[], None).expect_err("guest traps");
    let RunError::Trap { function, .. } = &err else {
        panic!("expected a trap, got {err:?}")
    };
    assert_eq!(function.as_deref(), Some("fdvirt_guest_boom"), "{err}");
}

#[test]
fn unknown_import_fails_at_startup_naming_it() {
    let wasm = wat::parse_str(
        r#"(module (import "env" "php_thing" (func (param i32 i64) (result f64)))
                   (memory (export "memory") 1) (func (export "_start")))"#,
    )
    .expect("wat");
    let err = GuestBuilder::new()
        .run_bytes_on(engine(), &wasm)
        .expect_err("must not start");
    let RunError::UnknownImport {
        module,
        name,
        signature,
    } = &err
    else {
        panic!("got {err:?}")
    };
    assert_eq!((module.as_str(), name.as_str()), ("env", "php_thing"));
    assert_eq!(signature, "(i32, i64) -> f64");
}

#[test]
fn fd_policy_set_through_the_builder_applies_to_opened_files() {
    let dir = sandbox();
    let b = GuestBuilder::new().fd_policy(FdPolicy::capped(16).with_seed(3));
    let (code, out) = run_with(b, "fds", &[GUEST_DIR, "10"], Some(dir.path())).expect("runs");
    assert_eq!(code, 0, "{out}");
    let fds: Vec<u32> = out
        .lines()
        .filter_map(|l| l.rsplit_once("fd=")?.1.parse().ok())
        .collect();
    assert_eq!(fds.len(), 10 + 5 + 5);
    assert!(fds.iter().all(|&fd| (4..16).contains(&fd)), "{fds:?}");
}

/// Every error's kind and WASI errno (wasi-libc numbering). ENOTCAPABLE (76) where the fd's
/// rights or the preopen's capability forbid the operation.
#[test]
fn filesystem_errors_get_the_right_errno() {
    let dir = sandbox();
    let (code, out) = run("errors", &[GUEST_DIR], Some(dir.path()));
    assert_eq!(code, 0, "{out}");
    let expected = r#"open missing: NotFound errno=Some(44)
create_dir existing: AlreadyExists errno=Some(20)
create_new existing: AlreadyExists errno=Some(20)
remove_dir non-empty: Uncategorized errno=Some(55)
remove_file on dir: IsADirectory errno=Some(31)
remove_dir on file: NotADirectory errno=Some(54)
read_dir on file: NotADirectory errno=Some(54)
open file as dir path: NotADirectory errno=Some(54)
write-open a dir: IsADirectory errno=Some(31)
rename missing: NotFound errno=Some(44)
rename dir over file: NotADirectory errno=Some(54)
read_link on file: InvalidInput errno=Some(28)
metadata missing: NotFound errno=Some(44)
outside preopen: NotFound errno=Some(44)
dot-dot escape: Uncategorized errno=Some(76)
write to read-only fd: Uncategorized errno=Some(8)
set_len on read-only fd: Uncategorized errno=Some(76)
"#;
    assert_eq!(out, expected);
}

#[test]
fn readdir_returns_every_entry_once_across_refills() {
    let dir = sandbox();
    // 120 entries of ~59 bytes through a 200-byte buffer: ~36 fd_readdir calls, most
    // entries truncated once and re-read from their cookie.
    let (code, out) = run("bigdir", &[GUEST_DIR, "120", "200"], Some(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "created=120 std distinct=120\nraw listed=120 distinct=120 refilled=true\n"
    );
}

#[test]
fn large_chunked_io_holes_and_mtime() {
    let dir = sandbox();
    let (code, out) = run("bigfile", &[GUEST_DIR, "100000"], Some(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "len=100000 equal=true\nsum=12749904\nsize=104099 hole zero=true\nmtime=Ok(1600000000)\n"
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("big.bin"))
            .expect("host file")
            .len(),
        104_099
    );
}
