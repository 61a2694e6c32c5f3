//! stdout, exit codes, args/environ, random, clocks, unknown imports.

use crate::util::engine;
use runtime_glue::{GuestBuilder, Run, RunError};

use crate::util::{call_errno, errno, errno_of, module, run, run_with};

#[test]
fn fd_write_to_stdout_is_captured() {
    let out = run(
        r#"(data (i32.const 0x100) "hello, fd\n")"#,
        "(call $print (i32.const 0x100) (i32.const 10))",
    );
    assert_eq!(out.stdout, b"hello, fd\n");
    assert_eq!(out.code, 0, "returning from _start is exit code 0");
}

#[test]
fn proc_exit_code_becomes_exit_status() {
    assert_eq!(run("", "(call $exit (i32.const 42))").code, 42);
    assert_eq!(run("", "(call $exit (i32.const -1))").code, -1);
}

#[test]
fn fd_write_reports_bytes_written() {
    let body = r#"
      (i32.store (i32.const 0x20) (i32.const 0x100)) (i32.store (i32.const 0x24) (i32.const 3))
      (i32.store (i32.const 0x28) (i32.const 0x100)) (i32.store (i32.const 0x2c) (i32.const 2))
      (drop (call $fd_write (i32.const 1) (i32.const 0x20) (i32.const 2) (i32.const 0x30)))
      (call $exit (i32.load (i32.const 0x30)))"#;
    let out = run(r#"(data (i32.const 0x100) "abc")"#, body);
    assert_eq!(out.stdout, b"abcab");
    assert_eq!(out.code, 5);
}

#[test]
fn args_sizes_count_nul_terminators() {
    let body = r#"
      (drop (call $args_sizes_get (i32.const 0x100) (i32.const 0x104)))
      (call $exit (i32.add (i32.mul (i32.load (i32.const 0x100)) (i32.const 1000))
                           (i32.load (i32.const 0x104))))"#;
    let b = GuestBuilder::new().args(["prog", "a", "bcd"]);
    let out = run_with(b, &module("", body)).unwrap();
    // 3 args; "prog\0a\0bcd\0" = 11 bytes
    assert_eq!(out.code, 3011);
}

#[test]
fn args_get_writes_pointers_and_strings() {
    // argv array at 0x100, strings at 0x200; print the whole string buffer.
    let body = r#"
      (drop (call $args_get (i32.const 0x100) (i32.const 0x200)))
      (call $print (i32.const 0x200) (i32.const 7))
      (call $exit (i32.load (i32.const 0x104)))"#;
    let b = GuestBuilder::new().args(["ab", "cde"]);
    let out = run_with(b, &module("", body)).unwrap();
    assert_eq!(out.stdout, b"ab\0cde\0");
    assert_eq!(out.code, 0x203, "argv[1] points after \"ab\\0\"");
}

#[test]
fn environ_is_key_equals_value() {
    let body = r#"
      (drop (call $environ_sizes_get (i32.const 0x100) (i32.const 0x104)))
      (drop (call $environ_get (i32.const 0x180) (i32.const 0x200)))
      (call $print (i32.const 0x200) (i32.load (i32.const 0x104)))
      (call $exit (i32.load (i32.const 0x100)))"#;
    let b = GuestBuilder::new().env("A", "1").envs([("BB", "two")]);
    let out = run_with(b, &module("", body)).unwrap();
    assert_eq!(out.stdout, b"A=1\0BB=two\0");
    assert_eq!(out.code, 2);
}

#[test]
fn args_get_into_bad_pointer_is_efault() {
    let b = GuestBuilder::new().args(["x"]);
    let code = errno_of(
        b,
        "",
        "",
        "(call $args_get (i32.const 0xffff) (i32.const 0x200))",
    );
    assert_eq!(code, errno::FAULT);
}

#[test]
fn unknown_import_fails_at_startup_naming_it() {
    let wasm = wat::parse_str(
        r#"(module (import "env" "mystery" (func (param i32 i64) (result f32)))
                   (func (export "_start")))"#,
    )
    .unwrap();
    let err = GuestBuilder::new()
        .run_bytes_on(engine(), &wasm)
        .unwrap_err();
    match &err {
        RunError::UnknownImport {
            module,
            name,
            signature,
        } => {
            assert_eq!((module.as_str(), name.as_str()), ("env", "mystery"));
            assert_eq!(signature, "(i32, i64) -> f32");
        }
        other => panic!("expected UnknownImport, got {other:?}"),
    }
    assert!(err.to_string().contains("env::mystery"));
}

#[test]
fn known_name_with_wrong_signature_is_unknown_import() {
    let wasm = wat::parse_str(
        r#"(module (import "wasi_snapshot_preview1" "fd_close" (func (param i64) (result i32)))
                   (func (export "_start")))"#,
    )
    .unwrap();
    let err = GuestBuilder::new()
        .run_bytes_on(engine(), &wasm)
        .unwrap_err();
    assert!(
        matches!(err, RunError::UnknownImport { ref signature, .. } if signature == "(i64) -> i32")
    );
}

#[test]
fn wasm_trap_is_reported_with_kind() {
    let err = run_with(GuestBuilder::new(), &module("", "unreachable")).unwrap_err();
    match err {
        RunError::Trap { kind, .. } => assert!(kind.contains("Unreachable"), "{kind}"),
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn missing_start_is_an_error() {
    let wasm = wat::parse_str("(module)").unwrap();
    assert!(matches!(
        GuestBuilder::new().run_bytes_on(engine(), &wasm),
        Err(RunError::NoStart)
    ));
}

#[test]
fn random_get_fills_and_checks_bounds() {
    // 64 random bytes are very unlikely to be all zero.
    let body = r#"
      (drop (call $random_get (i32.const 0x100) (i32.const 64)))
      (call $exit (i32.or (i64.ne (i64.load (i32.const 0x100)) (i64.const 0))
                          (i64.ne (i64.load (i32.const 0x138)) (i64.const 0))))"#;
    assert_eq!(run("", body).code, 1);
    let code = call_errno("(call $random_get (i32.const 0xfff0) (i32.const 0x20))");
    assert_eq!(code, errno::FAULT);
}

#[test]
fn proc_raise_is_enosys_and_sched_yield_succeeds() {
    assert_eq!(call_errno("(call $proc_raise (i32.const 6))"), errno::NOSYS);
    assert_eq!(call_errno("(call $sched_yield)"), errno::SUCCESS);
}

#[test]
fn max_memory_caps_memory_grow() {
    // The prelude's memory is 1 page (64 KiB); allow 2 pages in total.
    let body = "(drop (memory.grow (i32.const 1)))
                (call $exit (i32.add (i32.mul (memory.grow (i32.const 1)) (i32.const 10)) (memory.size)))";
    let wasm = module("", body);
    let capped = run_with(GuestBuilder::new().max_memory(2 * 65536), &wasm).unwrap();
    assert_eq!(
        capped.code,
        -10 + 2,
        "second grow fails with -1; size stays 2 pages"
    );
    let free = run_with(GuestBuilder::new(), &wasm).unwrap();
    assert_eq!(
        free.code,
        20 + 3,
        "without a cap the second grow returns the old size 2"
    );
}

#[test]
fn initial_memory_over_the_cap_does_not_start() {
    let wasm = module("", "");
    assert!(
        GuestBuilder::new()
            .max_memory(1024)
            .run_bytes_on(engine(), &wasm)
            .is_err()
    );
}
