//! A WASI preview1 runtime on [wasmi], with a virtual fd table whose
//! numbering policy the embedder chooses.
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
//! use runtime_glue::{GuestBuilder, SharedBuffer, Stdio};
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
//! # Implementation
//!
//! Each host call is a plain function over `(&mut GuestCtx, &mut [u8],
//! args...)`, declared in a per-family table ([`abi`]) that drives linker
//! registration, the startup import check and `--trace` logging. Per-kind
//! behaviour (stdio, file, directory) is dispatched in one place,
//! [`descriptor`]. Errors the guest sees are [`Errno`]s; only `proc_exit`
//! and host bugs trap ([`Fault`]).
//!
//! [wasmi]: https://docs.rs/wasmi
//! [cap-std]: https://docs.rs/cap-std
#![forbid(unsafe_code)]

pub mod abi;
mod builder;
mod ctx;
pub mod descriptor;
pub mod errno;
mod error;
pub mod inspect;
pub mod linker;
pub mod memory;
mod names;
mod run;
pub mod stdio;
pub mod types;
pub mod wasi;

pub use builder::{DEFAULT_MAX_FDS, GuestBuilder};
pub use ctx::GuestCtx;
pub use errno::{Errno, Fault, Trap};
pub use error::{ExitStatus, RunError};
pub use stdio::{SharedBuffer, Stdio};

#[cfg(test)]
mod tests;
