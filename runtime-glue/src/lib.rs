//! fdvirt's engines: the host layer ([`hostcalls`]: WASI preview1 + WasmEdge sockets over a
//! virtual fd table whose numbering policy the embedder chooses) run on [wasmi] (default),
//! with the `fdvirt` CLI on top. [`Run`] runs a configured [`GuestBuilder`].
//!
//! The guest's descriptors live in an [`fdtable::FdTable`]: stdio at 0..=2,
//! preopened directories from 3, and everything the guest opens numbered by
//! the [`fdtable::FdPolicy`] (`lowest`, `random`, `capped:N`). Files and
//! directories go through [cap-std], so a guest cannot leave its preopens by
//! `..`, absolute paths or symlinks. Guest memory is reached through one
//! bounds-checked module ([`memory`]); bad pointers give `EFAULT`, never a
//! panic.
//!
//! # Examples
//!
//! Run a module that prints and exits with code 3:
//!
//! ```
//! use runtime_glue::{GuestBuilder, Run, SharedBuffer, Stdio};
//!
//! let wasm = wat::parse_str(r#"
//!   (module
//!     (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
//!     (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
//!     (memory (export "memory") 1)
//!     (data (i32.const 16) "hi\n")
//!     (func (export "_start")
//!       (i32.store (i32.const 0) (i32.const 16))   ;; iovec.buf
//!       (i32.store (i32.const 4) (i32.const 3))    ;; iovec.len
//!       (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
//!       (call $exit (i32.const 3))))
//! "#)?;
//! let out = SharedBuffer::new();
//! let status = GuestBuilder::new()
//!     .args(["hello.wasm"])
//!     .fd_policy(fdtable::FdPolicy::capped(64))
//!     .stdout(Stdio::Capture(out.clone()))
//!     .run_bytes(&wasm)?;
//! assert_eq!(status.code, 3);
//! assert_eq!(out.contents(), b"hi\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## fd numbering policies
//!
//! The same guest, opening three files in a preopened directory and
//! returning the last fd number as its exit code, under each policy:
//!
//! ```
//! use fdtable::FdPolicy;
//! use runtime_glue::{GuestBuilder, Run};
//!
//! // path_open("f", O_CREAT) three times; exit with the last fd.
//! let wasm = wat::parse_str(r#"
//!   (module
//!     (import "wasi_snapshot_preview1" "path_open"
//!       (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
//!     (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
//!     (memory (export "memory") 1)
//!     (data (i32.const 16) "f")
//!     (func $open_f
//!       (drop (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 1)
//!         (i32.const 1) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 0))))
//!     (func (export "_start")
//!       (call $open_f) (call $open_f) (call $open_f)
//!       (call $exit (i32.load (i32.const 0)))))
//! "#)?;
//! let dir = tempfile::tempdir()?;
//! let run = |policy: FdPolicy| -> Result<i32, runtime_glue::RunError> {
//!     let b = GuestBuilder::new().preopen_dir(dir.path(), "/data")?.fd_policy(policy);
//!     Ok(b.run_bytes(&wasm)?.code)
//! };
//! // lowest: POSIX numbering; stdio is 0..=2, the preopen 3, then 4, 5, 6.
//! assert_eq!(run(FdPolicy::lowest())?, 6);
//! // capped:N: uniformly random below N, so a guest with FD_SETSIZE-style
//! // limits never sees an fd >= N.
//! let fd = run(FdPolicy::capped(64).with_seed(1))?;
//! assert!((4..64).contains(&fd));
//! // random: uniformly random over [0, 2^31); shakes out fd-number assumptions.
//! let fd = run(FdPolicy::random().with_seed(1))?;
//! assert!(fd >= 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Sockets
//!
//! Guests built for WasmEdge (`wasmedge_wasi_socket`, tokio_wasi + hyper_wasi) and for
//! standard WASI (Rust std, wasi-libc) run unmodified: every WasmEdge socket call in its
//! V1 and `_v2` forms, bound by the import's signature, the standard `sock_accept`,
//! `sock_recv`, `sock_send`, `sock_shutdown`, and pre-opened listeners
//! ([`GuestBuilder::tcplisten`], `fdvirt run --tcplisten`). Sockets share the fd table
//! with files, so the fd policy numbers them too. The choices made where WasmEdge and its
//! SDK disagree, or WasmEdge is undefined, are listed in [`wasmedge`]; per-guest network
//! state (policy, `TCP_NODELAY`, the persistent poller) is in [`socket`].
//!
//! # Crate features
//!
//! All runtime functionality is always built; no feature is needed for
//! embedding (features, if any, only expose internals to the fuzz targets).
//!
//! # Implementation
//!
//! Each host call is a plain function over `(&mut GuestCtx, &mut [u8], args...)` in the
//! engine-neutral [`hostcalls`] crate, declared in its table ([`hostcalls::abi`]; `--trace`
//! lines come from [`hostcalls::trace`]). This crate adds one thin adapter per engine
//! ([`engine`]) that binds a module's imports to the table's rows by the one binding rule
//! ([`imports`]), hands each call the guest's memory, and maps `proc_exit` and traps;
//! `inspect` and the CLI sit on top. On wasmi the module is first rewritten to track the
//! currently executing function in an extra global, so a trap can be reported with the
//! function's name-section name, and the call site and table slot of each
//! `call_indirect`, so a type mismatch names the function found in the slot and both
//! types ([`inspect::indirect_trap`]).
//!
//! [wasmi]: https://docs.rs/wasmi
//! [cap-std]: https://docs.rs/cap-std
// `deny`, not `forbid`: the wasmi adapter's zero-page reclaim alone opts in, for one
// `madvise` call.
#![deny(unsafe_code)]

pub mod engine;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod imports;
pub mod inspect;
mod names;

pub use engine::{Engine, Run};
pub use error::{EngineError, RunError};
/// The host layer, re-exported whole for embedders of this crate.
pub use hostcalls;
pub use hostcalls::{
    Errno, ExitStatus, FALLBACK_MAX_FDS, Fault, GuestBuilder, GuestCtx, NetConfig, SetupError,
    SharedBuffer, SocketOptions, Stdio, Trap, UnixSockets, abi, default_max_fds, descriptor, errno,
    memory, socket, stdio, trace, types, wasi, wasmedge,
};
