//! The `fdvirt` binary: exit codes, stdout/stderr, startup errors, `inspect`, `--trace`.

use crate::util::{GUEST_DIR, engine, fdvirt, fdvirt_run, fdvirt_with, sandbox, wasi_guest};
use std::path::Path;

/// Exit code for a trapped guest (documented in `fdvirt run --help` / README).
const TRAP: i32 = 134;
/// Exit code when fdvirt cannot start the guest.
const STARTUP_FAILURE: i32 = 125;

fn guest_str(name: &str) -> String {
    wasi_guest(name).to_string_lossy().into_owned()
}

#[test]
fn run_passes_args_and_env_and_exit_code() {
    let args = fdvirt(&["run", &guest_str("args"), "one", "--two"]);
    assert_eq!(
        (args.code, args.stdout.as_str()),
        (Some(0), "argc=3\nargv[1]=one\nargv[2]=--two\n")
    );
    let env = fdvirt(&["run", "--env", "K=v=w", "--env", "Z=", &guest_str("env")]);
    assert_eq!(env.stdout, "count=2\nK=v=w\nZ=\n");
    let exit = fdvirt(&["run", &guest_str("exit"), "42"]);
    assert_eq!(
        (exit.code, exit.stdout.as_str(), exit.stderr.as_str()),
        (Some(42), "exiting with 42\n", "stderr line\n")
    );
}

#[test]
fn exit_status_beyond_a_byte_is_not_truncated_to_success() {
    let r = fdvirt(&["run", &guest_str("exit"), "256"]);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(
        r.stderr.contains("guest exit status 256 does not fit"),
        "{}",
        r.stderr
    );
    assert_eq!(fdvirt(&["run", &guest_str("exit"), "200"]).code, Some(200));
}

#[test]
fn run_with_dir_does_file_io() {
    let dir = sandbox();
    let r = fdvirt_run(&[], dir.path(), &wasi_guest("dirlist"), &[GUEST_DIR]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            Some(0),
            "entries=4\na.txt file 5\nb.txt file 5\nc.txt file 5\nd dir 0\n"
        )
    );
}

#[test]
fn trap_exits_134_and_names_the_function() {
    let r = fdvirt(&["run", &guest_str("trap")]);
    assert_eq!(r.code, Some(TRAP), "{r:?}");
    assert_eq!(r.stdout, "about to trap\n");
    assert!(
        r.stderr.contains("trapped") && r.stderr.contains("`fdvirt_guest_boom`"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_trap_names_runs_uninstrumented() {
    let r = fdvirt(&["run", "--no-trap-names", &guest_str("trap")]);
    assert_eq!(r.code, Some(TRAP), "{r:?}");
    // wasmi names functions only through the instrumentation the flag turns off; wasmtime
    // names them from its own backtrace, at no cost, so the flag changes nothing there.
    let named = r.stderr.contains("`fdvirt_guest_boom`");
    match engine() {
        runtime_glue::Engine::Wasmi => assert!(
            r.stderr.contains("unnamed wasm function") && !named,
            "{}",
            r.stderr
        ),
        _ => assert!(named, "{}", r.stderr),
    }
}

fn write_wat(dir: &Path, name: &str, wat: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, wat::parse_str(wat).expect("wat")).expect("write wasm");
    path.to_string_lossy().into_owned()
}

#[test]
fn unknown_import_is_a_clear_startup_error() {
    let dir = sandbox();
    let m = write_wat(
        dir.path(),
        "php.wasm",
        r#"(module (import "env" "php_thing" (func (param i32 i64) (result f64)))
                   (memory (export "memory") 1) (func (export "_start")))"#,
    );
    let r = fdvirt(&["run", &m]);
    assert_eq!(r.code, Some(STARTUP_FAILURE), "{r:?}");
    for needle in ["php.wasm", "env", "php_thing", "(i32, i64) -> f64"] {
        assert!(
            r.stderr.contains(needle),
            "stderr lacks {needle:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn missing_module_and_dir_name_the_path() {
    let r = fdvirt(&["run", "/nonexistent/fdvirt-test.wasm"]);
    assert_eq!(r.code, Some(STARTUP_FAILURE));
    assert!(
        r.stderr.contains("/nonexistent/fdvirt-test.wasm"),
        "{}",
        r.stderr
    );
    let r = fdvirt(&[
        "run",
        "--dir",
        "/nonexistent-dir-fdvirt::/x",
        &guest_str("args"),
    ]);
    assert_eq!(r.code, Some(STARTUP_FAILURE));
    assert!(r.stderr.contains("/nonexistent-dir-fdvirt"), "{}", r.stderr);
}

#[test]
fn wasmedge_style_dir_gets_a_hint() {
    let r = fdvirt(&[
        "run",
        "--dir",
        "/fdvirt-guest-side:/nonexistent-host-side",
        &guest_str("args"),
    ]);
    assert_eq!(r.code, Some(STARTUP_FAILURE));
    assert!(
        r.stderr
            .contains("`--dir /nonexistent-host-side::/fdvirt-guest-side`"),
        "{}",
        r.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        fdvirt(&["run", "--fd-policy", "sideways", "x.wasm"]).code,
        Some(2)
    );
    assert_eq!(
        fdvirt(&["run", "--max-fds", "many", "x.wasm"]).code,
        Some(2)
    );
    assert_eq!(fdvirt(&["frobnicate"]).code, Some(2));
    // (A bare `fdvirt run` is not an error: it serves the built-in demo guest.)
}

#[test]
fn inspect_reports_a_real_guest() {
    let r = fdvirt(&["inspect", &guest_str("fileio")]);
    assert_eq!(r.code, Some(0), "{r:?}");
    for needle in [
        "standard WASI preview1",
        "wasi_snapshot_preview1.fd_write (i32, i32, i32, i32) -> i32",
        "wasi_snapshot_preview1.path_open",
        "func _start",
        "memory 0:",
        "call_indirect check:",
    ] {
        assert!(
            r.stdout.contains(needle),
            "inspect output lacks {needle:?}:\n{}",
            r.stdout
        );
    }
    assert!(!r.stdout.contains("unsatisfiable"), "{}", r.stdout);
}

#[test]
fn inspect_flags_results_only_mismatch_and_unknown_imports() {
    let dir = sandbox();
    let m = write_wat(
        dir.path(),
        "zend.wasm",
        r#"(module
            (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32) (result i32)))
            (import "env" "missing" (func (param i32)))
            (type $dtor (func (param i32)))
            (table 2 funcref) (elem (i32.const 0) $zend_list_free)
            (func $zend_list_free (param i32) (result i32) i32.const 0)
            (func $call_dtor (param i32) local.get 0 i32.const 0 call_indirect (type $dtor)))"#,
    );
    let r = fdvirt(&["inspect", &m]);
    assert_eq!(r.code, Some(0), "{r:?}");
    for needle in [
        "sock_accept (i32, i32) -> i32  [legacy 2-arg (WasmEdge V1)]",
        "env.missing (i32) -> ()  [no such host function]",
        "1. SUSPECT: slot 0 holds `zend_list_free`: (i32) -> i32, a type no call_indirect uses; called as (i32) -> () in call_dtor",
    ] {
        assert!(r.stdout.contains(needle), "lacks {needle:?}:\n{}", r.stdout);
    }
    let json = fdvirt(&["inspect", "--json", &m]);
    assert!(
        json.stdout.starts_with("{\"imports\":[")
            && json.stdout.contains("\"function\":\"zend_list_free\"")
    );
    if let Some(parsed) = python_json_summary(&json.stdout) {
        assert_eq!(parsed, "2 imports; zend_list_free suspect=True");
    }
    let bad = fdvirt(&["inspect", "/nonexistent/x.wasm"]);
    assert_eq!(bad.code, Some(STARTUP_FAILURE));
}

#[test]
fn trace_logs_host_calls_to_stderr() {
    let r = fdvirt(&["run", "--trace", &guest_str("args"), "hi"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (Some(0), "argc=2\nargv[1]=hi\n")
    );
    for call in ["args_sizes_get", "args_get", "fd_write"] {
        assert!(r.stderr.contains(call), "trace lacks {call}:\n{}", r.stderr);
    }
    let quiet = fdvirt(&["run", &guest_str("args")]);
    assert!(
        !quiet.stderr.contains("fd_write"),
        "no trace without --trace: {}",
        quiet.stderr
    );
}

#[test]
fn rust_log_enables_the_trace_too() {
    let r = fdvirt_with(
        &["run", &guest_str("args")],
        &[("RUST_LOG", "fdvirt=trace")],
        b"",
    );
    assert_eq!(r.code, Some(0));
    assert!(
        r.stderr.contains("args_get(") && r.stderr.contains("fd_write("),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains('\u{1b}'),
        "no ANSI colours into a pipe: {:?}",
        r.stderr
    );
}

#[test]
fn stdin_is_inherited_and_env_key_passes_the_host_value() {
    let cat = fdvirt_with(&["run", &guest_str("cat")], &[], b"piped bytes\n");
    assert_eq!(
        (cat.code, cat.stdout.as_str()),
        (Some(0), "read 12 bytes\npiped bytes\n")
    );
    let env = fdvirt_with(
        &["run", "--env", "FDVIRT_FROM_HOST", &guest_str("env")],
        &[("FDVIRT_FROM_HOST", "yes")],
        b"",
    );
    assert_eq!(env.stdout, "count=1\nFDVIRT_FROM_HOST=yes\n");
}

/// Parses `json` with Python's json module (a strict parser) and summarizes it; `None` after
/// `testkit::skip` (a failure under `FDVIRT_REQUIRE_ALL=1`) when python3 is absent.
fn python_json_summary(json: &str) -> Option<String> {
    let script = "import json,sys; d=json.load(sys.stdin); m=d['indirect_mismatches'][0]; \
                  print(f\"{len(d['imports'])} imports; {m['function']} suspect={m['suspect']}\")";
    let mut child = match std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            testkit::skip(&format!("JSON validity check: python3 not runnable ({e})"));
            return None;
        }
    };
    let mut stdin = child.stdin.take().expect("piped");
    std::io::Write::write_all(&mut stdin, json.as_bytes()).expect("write json");
    drop(stdin);
    let out = child.wait_with_output().expect("python3");
    assert!(out.status.success(), "python3 rejected the JSON: {json}");
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[test]
fn inspect_into_a_closed_pipe_is_not_an_error() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fdvirt"))
        .args(["inspect", &guest_str("fileio")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // the reader goes away at once, like `| head -0`
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn stats_split_host_and_guest_time_per_poll_oneoff() {
    // 120 polls of a 10 ms clock: a little over a second, so one stats line is due.
    let dir = sandbox();
    let m = write_wat(
        dir.path(),
        "poller.wasm",
        r#"(module
             (import "wasi_snapshot_preview1" "poll_oneoff"
               (func $poll (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (func (export "_start") (local $i i32)
               ;; subscription at 0: userdata 0, tag 0 (clock), id 1 (monotonic), 10 ms
               (i64.store (i32.const 24) (i64.const 10000000))
               (i32.store (i32.const 16) (i32.const 1))
               (loop $again
                 (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
                 (local.set $i (i32.add (local.get $i) (i32.const 1)))
                 (br_if $again (i32.lt_u (local.get $i) (i32.const 120))))))"#,
    );
    let r = fdvirt(&["run", "--stats", &m]);
    assert_eq!(r.code, Some(0), "{r:?}");
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("fdvirt stats"))
        .unwrap_or_else(|| panic!("no stats line: {}", r.stderr));
    // About 100 polls in the first second, each with its one subscription; the guest is
    // idle in between (the clock waits), not busy.
    let polls: u32 = line
        .split("poll_oneoff ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no call count in {line:?}"));
    assert!((50..=101).contains(&polls), "{line}");
    assert!(line.contains(", 1 subs/call,"), "{line}");
    assert!(
        fdvirt(&["run", &m]).stderr.is_empty(),
        "off without --stats"
    );
}
