//! Helpers: a prelude importing every preview1 call, and runners.

use runtime_glue::{Engine, GuestBuilder, Run, RunError, SharedBuffer, Stdio};

/// WASI errno values used in assertions (witx numbering).
#[allow(dead_code)] // shared by the topic files; each uses a subset
pub(crate) mod errno {
    pub(crate) const SUCCESS: i32 = 0;
    pub(crate) const BADF: i32 = 8;
    pub(crate) const EXIST: i32 = 20;
    pub(crate) const FAULT: i32 = 21;
    pub(crate) const INVAL: i32 = 28;
    pub(crate) const ISDIR: i32 = 31;
    pub(crate) const LOOP: i32 = 32;
    pub(crate) const MFILE: i32 = 33;
    pub(crate) const NOENT: i32 = 44;
    pub(crate) const NOSYS: i32 = 52;
    pub(crate) const NOTDIR: i32 = 54;
    pub(crate) const NOTEMPTY: i32 = 55;
    pub(crate) const PERM: i32 = 63;
    pub(crate) const SPIPE: i32 = 70;
    pub(crate) const NOTCAPABLE: i32 = 76;
}

/// Imports of every call the tests use, named `$<call>`, one page of memory
/// exported, and helpers:
/// - `$exit (errno)` = `proc_exit`
/// - `$print (ptr len)` writes to stdout through an iovec at 0x10.
pub(crate) const PRELUDE: &str = r#"
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_res_get" (func $clock_res_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $fd_renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $fd_fdstat_set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $fd_fdstat_set_rights (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $fd_filestat_set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory" (func $path_remove_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $path_readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_advise" (func $fd_advise (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_allocate" (func $fd_allocate (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_sync" (func $fd_sync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_datasync" (func $fd_datasync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $fd_filestat_set_times (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link" (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func $proc_raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (memory (export "memory") 1)
  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0x10) (local.get $ptr))
    (i32.store (i32.const 0x14) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0x10) (i32.const 1) (i32.const 0x18))))
  ;; path_open with all rights requested (as wasi-libc does); the new fd is stored at 0x40.
  (func $open (param $dir i32) (param $path i32) (param $len i32) (param $oflags i32) (result i32)
    (call $path_open (local.get $dir) (i32.const 1) (local.get $path) (local.get $len)
      (local.get $oflags) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0x40)))
  ;; exits with 1000 + errno unless errno is 0
  (func $ok (param $e i32)
    (if (local.get $e) (then (call $exit (i32.add (i32.const 1000) (local.get $e))))))
  ;; writes [ptr, ptr+len) to fd through an iovec at 0x30
  (func $write_to (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0x30) (local.get $ptr))
    (i32.store (i32.const 0x34) (local.get $len))
    (call $fd_write (local.get $fd) (i32.const 0x30) (i32.const 1) (i32.const 0x38)))
"#;

/// What a run produced.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Exit code (the errno, by convention of these guests).
    pub code: i32,
    /// Captured stdout.
    pub stdout: Vec<u8>,
}

/// Builds a module from the prelude, extra module fields and a `_start` body.
pub(crate) fn module(fields: &str, start_body: &str) -> Vec<u8> {
    let text = format!("(module {PRELUDE}\n{fields}\n(func (export \"_start\") {start_body}))");
    wat::parse_str(&text).expect("test WAT parses")
}

/// Runs with stdout captured, on top of `builder`.
pub(crate) fn run_with(builder: GuestBuilder, wasm: &[u8]) -> Result<Outcome, RunError> {
    let out = SharedBuffer::new();
    let status = builder
        .stdout(Stdio::Capture(out.clone()))
        .run_bytes_on(engine(), wasm)?;
    Ok(Outcome {
        code: status.code,
        stdout: out.contents(),
    })
}

/// The guest name of the test preopen (fd 3).
pub(crate) const SANDBOX: &str = "/sandbox";

/// A builder with `dir` preopened as fd 3.
pub(crate) fn sandboxed(dir: &std::path::Path) -> GuestBuilder {
    GuestBuilder::new()
        .preopen_dir(dir, SANDBOX)
        .expect("temp dir opens")
}

/// Runs `start_body` with default settings; panics on a run error.
pub(crate) fn run(fields: &str, start_body: &str) -> Outcome {
    run_with(GuestBuilder::new(), &module(fields, start_body)).expect("guest runs")
}

/// The errno returned by the call expression `call` (an `i32`-producing
/// WAT expression), with `setup` run before it.
pub(crate) fn errno_of(builder: GuestBuilder, fields: &str, setup: &str, call: &str) -> i32 {
    let body = format!("{setup}\n(call $exit {call})");
    run_with(builder, &module(fields, &body))
        .expect("guest runs")
        .code
}

/// [`errno_of`] for one call in a default guest with no setup.
pub(crate) fn call_errno(call: &str) -> i32 {
    errno_of(GuestBuilder::new(), "", "", call)
}

/// The engine under test: `FDVIRT_ENGINE` (scripts/test runs the suites once per engine).
pub(crate) fn engine() -> Engine {
    Engine::from_env().expect("FDVIRT_ENGINE names an engine of this build")
}
