//! The PHP `zend_list_free` bug class end to end, on a real C guest (clang + wasi-libc):
//! `fdvirt inspect` flags the function before running; running the path that makes the
//! call traps with "indirect call type mismatch" naming the caller, exit 134, as wasmtime.

use crate::util::{c_guest, clang_wasi, fdvirt, wasmtime};
use std::{
    path::PathBuf,
    process::{Command, Stdio},
    sync::OnceLock,
};

/// The compiled guest, built once per test process (both tests share the output file).
fn zend_guest() -> Option<PathBuf> {
    static WASM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    c_guest(WASM.get_or_init(|| clang_wasi("zend", ZEND_C)))
}

/// A function returning `int` stored in, and called through, a `void (*)(void *)`.
const ZEND_C: &str = r#"
#include <string.h>
#include <unistd.h>

typedef void (*dtor_func_t)(void *);

static void say(const char *s) { write(1, s, strlen(s)); }

int zend_list_free(void *p) { say("zend_list_free\n"); return p != 0; }
void plain_free(void *p) { (void)p; say("plain_free\n"); }

/* volatile: keeps the compiler from turning the calls into direct ones. */
volatile dtor_func_t dtors[2] = { plain_free, (dtor_func_t)zend_list_free };

__attribute__((noinline)) void zend_hash_destroy(int which, void *p) { dtors[which](p); }

int main(int argc, char **argv) {
    (void)argv;
    zend_hash_destroy(0, 0);
    zend_hash_destroy(argc > 1, 0);
    say("done\n");
    return 0;
}
"#;

/// The trap message names caller, slot, the function in the slot with its type, and the
/// type the call expected: `CALLER called table slot N (FOUND: (i32) -> i32) as (i32) -> ()`
/// (N is wherever wasm-ld put the function).
fn assert_mismatch_detail(stderr: &str, caller: &str, found: &str) {
    let head = format!("indirect call type mismatch: {caller} called table slot ");
    let tail = format!(" ({found}: (i32) -> i32) as (i32) -> ()\n");
    let rest = stderr
        .split_once(&head)
        .unwrap_or_else(|| panic!("no `{head}` in: {stderr}"))
        .1;
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
    assert!(digits > 0, "no slot number in: {stderr}");
    assert!(rest[digits..].starts_with(&tail), "{stderr}");
}

#[test]
fn inspect_flags_zend_list_free_in_a_c_guest() {
    let Some(wasm) = zend_guest() else {
        return;
    };
    let r = fdvirt(&["inspect", &wasm.to_string_lossy()]);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.contains(
            "  called as (i32) -> () in zend_hash_destroy:\n    SUSPECT: `zend_list_free` has type (i32) -> i32"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn the_mismatched_call_traps_naming_the_caller() {
    let Some(wasm) = zend_guest() else {
        return;
    };
    let wasm = wasm.to_string_lossy();
    let fine = fdvirt(&["run", &wasm]);
    assert_eq!(
        (fine.code, fine.stdout.as_str()),
        (Some(0), "plain_free\nplain_free\ndone\n")
    );
    let bad = fdvirt(&["run", &wasm, "take-the-bad-path"]);
    assert_eq!(
        (bad.code, bad.stdout.as_str()),
        (Some(134), "plain_free\n"),
        "{bad:?}"
    );
    assert!(
        bad.stderr.contains("indirect call type mismatch")
            && bad.stderr.contains("`zend_hash_destroy`"),
        "{}",
        bad.stderr
    );
    assert_mismatch_detail(&bad.stderr, "zend_hash_destroy", "zend_list_free");
    if let Some(wt) = wasmtime() {
        let theirs = Command::new(wt)
            .args(["run", &wasm, "x"])
            .stdin(Stdio::null())
            .output()
            .expect("wasmtime");
        assert_eq!(
            theirs.status.code(),
            Some(134),
            "wasmtime traps the same way"
        );
        assert_eq!(String::from_utf8_lossy(&theirs.stdout), "plain_free\n");
    }
}
