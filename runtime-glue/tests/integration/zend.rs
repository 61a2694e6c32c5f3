//! The PHP `zend_list_free` bug class end to end, on a real C guest (clang + wasi-libc):
//! `fdvirt inspect` ranks the function first before running (above the harmless
//! candidates it folds); running the path that makes the call traps with "indirect call
//! type mismatch" naming the caller, the slot, the function there and both types, exit
//! 134, as wasmtime.

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

/// PHP 7.4's shape: `rc_dtor_func` calls through a `static const` array of
/// `void (*)(void *)` destructors indexed by type, one of which is `zend_list_free`, an
/// `int` function cast into it. Like PHP, the program also calls `int (*)(void *)`
/// handlers indirectly, so `zend_list_free`'s own type *is* called indirectly and it is no
/// "suspect": only the pointer-array evidence ranks it first, above the other `int`
/// handlers (noise the report folds).
const ZEND_C: &str = r#"
#include <string.h>
#include <unistd.h>

typedef void (*zend_rc_dtor_func_t)(void *);
typedef int (*handler_t)(void *);

static void say(const char *s) { write(1, s, strlen(s)); }

void zend_string_destroy(void *p) { (void)p; say("zend_string_destroy\n"); }
void zend_array_destroy(void *p) { (void)p; say("zend_array_destroy\n"); }
void zend_objects_store_del(void *p) { (void)p; say("zend_objects_store_del\n"); }
int zend_list_free(void *p) { say("zend_list_free\n"); return p != 0; }
void zend_reference_destroy(void *p) { (void)p; say("zend_reference_destroy\n"); }

#define HANDLER(n) int handler_##n(void *p) { return p != 0 ? n : -n; }
HANDLER(1) HANDLER(2) HANDLER(3) HANDLER(4) HANDLER(5) HANDLER(6)

static const zend_rc_dtor_func_t zend_rc_dtor_func[] = {
    zend_string_destroy, zend_array_destroy, zend_objects_store_del,
    (zend_rc_dtor_func_t)zend_list_free, zend_reference_destroy,
};
static const handler_t handlers[] = {
    handler_1, handler_2, handler_3, handler_4, handler_5, handler_6,
};

__attribute__((noinline)) void rc_dtor_func(int type, void *p) { zend_rc_dtor_func[type](p); }
__attribute__((noinline)) int call_handler(int i, void *p) { return handlers[i](p); }

int main(int argc, char **argv) {
    (void)argv;
    int sum = 0;
    for (int i = 0; i < 6; i++) sum += call_handler(i, &sum);
    rc_dtor_func(0, 0);
    rc_dtor_func(argc > 1 ? 3 : 1, 0);
    say(sum == 21 ? "done\n" : "bad sum\n");
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
fn inspect_ranks_zend_list_free_first_in_a_c_guest() {
    let Some(wasm) = zend_guest() else {
        return;
    };
    let r = fdvirt(&["inspect", &wasm.to_string_lossy()]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let ranked = r
        .stdout
        .split_once("  ranked findings (most likely first):\n    1. ")
        .unwrap_or_else(|| panic!("no ranked findings:\n{}", r.stdout))
        .1;
    let first = ranked.lines().next().unwrap_or_default();
    assert!(
        first
            .starts_with("rc_dtor_func calls (i32) -> () through the function-pointer array at 0x")
            && first.contains("(5 slots, 4 of that type); its slot ")
            && first.ends_with(" holds `zend_list_free`: (i32) -> i32"),
        "{}",
        r.stdout
    );
    assert!(
        !ranked.contains("    2. "),
        "one finding only:\n{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "slot holds (i32) -> i32: 6 function(s), e.g. handler_1, handler_2, handler_3, +3 more"
        ),
        "the int handlers are folded noise:\n{}",
        r.stdout
    );
}

#[test]
fn the_mismatched_call_traps_naming_caller_slot_and_types() {
    let Some(wasm) = zend_guest() else {
        return;
    };
    let wasm = wasm.to_string_lossy();
    let fine = fdvirt(&["run", &wasm]);
    assert_eq!(
        (fine.code, fine.stdout.as_str()),
        (Some(0), "zend_string_destroy\nzend_array_destroy\ndone\n")
    );
    let bad = fdvirt(&["run", &wasm, "take-the-bad-path"]);
    assert_eq!(
        (bad.code, bad.stdout.as_str()),
        (Some(134), "zend_string_destroy\n"),
        "{bad:?}"
    );
    assert!(
        bad.stderr
            .contains("trapped: BadSignature in wasm function `rc_dtor_func`"),
        "{}",
        bad.stderr
    );
    assert_mismatch_detail(&bad.stderr, "rc_dtor_func", "zend_list_free");
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
        assert_eq!(
            String::from_utf8_lossy(&theirs.stdout),
            "zend_string_destroy\n"
        );
    }
}

/// Arrays per type and functions per array in [`php_sized_c`]: 48 pointers are 192 bytes,
/// a multiple of 16, so wasm-ld lays the arrays out back to back with no padding between
/// them and the data holds one unbroken run of 2,880 slot numbers.
const ARRAYS: usize = 30;
const PER_ARRAY: usize = 48;

/// A program of PHP's size: 1,440 `void (*)(void *)` and 1,440 `int (*)(void *)`
/// functions in 60 adjacent `static const` arrays of 48, each array read by its own caller,
/// and one `int` function cast into `vt17` at index 23 (in place of `v839`, which is then
/// in no table: 2,879 slots). Every `int` function differs only in results from every
/// `void` call and the other way round: 2,878 harmless candidates around one real bug.
fn php_sized_c() -> String {
    use std::fmt::Write as _;
    let mut c = String::from(
        "typedef void (*vfn)(void *);\ntypedef int (*ifn)(void *);\nvolatile int sink;\n",
    );
    for i in 0..ARRAYS * PER_ARRAY {
        let _ = writeln!(c, "void v{i}(void *p) {{ (void)p; sink += {i}; }}");
        let _ = writeln!(c, "int r{i}(void *p) {{ return p ? {i} : sink; }}");
    }
    let mut main = String::from("int main(int argc, char **argv) {\n  (void)argv;\n");
    for k in 0..ARRAYS {
        let v: Vec<String> = (0..PER_ARRAY)
            .map(|j| match (k, j) {
                (17, 23) => "(vfn)r777".to_owned(),
                _ => format!("v{}", k * PER_ARRAY + j),
            })
            .collect();
        let r: Vec<String> = (0..PER_ARRAY)
            .map(|j| format!("r{}", k * PER_ARRAY + j))
            .collect();
        let _ = writeln!(c, "static const vfn vt{k}[] = {{{}}};", v.join(", "));
        let _ = writeln!(c, "static const ifn it{k}[] = {{{}}};", r.join(", "));
        let _ = writeln!(
            c,
            "__attribute__((noinline)) void callv{k}(int i, void *p) {{ vt{k}[i](p); }}"
        );
        let _ = writeln!(
            c,
            "__attribute__((noinline)) int calli{k}(int i, void *p) {{ return it{k}[i](p); }}"
        );
        let _ = writeln!(
            main,
            "  callv{k}(argc - 1, 0); sink += calli{k}(argc - 1, 0);"
        );
    }
    c + &main + "  return 0;\n}\n"
}

#[test]
fn inspect_of_a_php_sized_program_ranks_the_one_cast_and_folds_the_rest() {
    static WASM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let Some(wasm) = c_guest(WASM.get_or_init(|| clang_wasi("php_sized", &php_sized_c()))) else {
        return;
    };
    let r = fdvirt(&["inspect", &wasm.to_string_lossy()]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let section = r
        .stdout
        .split_once("call_indirect check: ")
        .unwrap_or_else(|| panic!("no check:\n{}", r.stdout))
        .1;
    assert!(
        section.starts_with("2 signature(s) called indirectly at 60 site(s), 2879 table slot(s)"),
        "{section}"
    );
    // One ranked finding: the cast, in its own array (not the run of all 60), found among
    // 47 of the right type.
    let first = section
        .split_once("    1. ")
        .unwrap_or_else(|| panic!("no finding:\n{section}"))
        .1
        .lines()
        .next()
        .unwrap_or_default();
    assert!(
        first.starts_with("callv17 calls (i32) -> () through the function-pointer array at 0x")
            && first.contains("(48 slots, 47 of that type); its slot ")
            && first.ends_with(" holds `r777`: (i32) -> i32"),
        "{section}"
    );
    assert!(!section.contains("    2. "), "one finding only:\n{section}");
    // The 2,878 harmless pairs fold into two lines; the whole section stays short.
    assert!(
        section.contains("folded: 2878 other candidate(s)")
            && section.contains("called as (i32) -> (), slot holds (i32) -> i32: 1439 function(s)")
            && section.contains("called as (i32) -> i32, slot holds (i32) -> (): 1439 function(s)"),
        "{section}"
    );
    assert!(section.lines().count() <= 8, "{section}");
}
