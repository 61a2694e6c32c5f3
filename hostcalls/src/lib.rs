//! fdvirt's host layer: WASI preview1 and the WasmEdge socket ABI as plain functions over
//! guest memory, for any WebAssembly engine.
//!
//! Every host call is a row of a declarative table ([`abi`]): import module, name,
//! signature and an implementation `fn(&mut GuestCtx, &mut [u8], &[u64])`, where the
//! byte slice is the guest's linear memory and the `u64`s are the raw wasm arguments (an
//! `i32` zero-extended). Nothing here knows an engine: an engine adapter (the
//! `runtime-glue` crate has one for wasmi and one for wasmtime; the `examples/` of that
//! crate show the same in a few dozen lines) registers each row with its linker, hands
//! the call its memory and its [`GuestCtx`], and turns the result into an `i32` errno or
//! a trap ([`abi::errno_value`], [`Fault`]).
//!
//! The guest's descriptors live in an [`fdtable::FdTable`]: stdio at 0..=2, pre-opened
//! listeners and directories from 3, and everything the guest opens numbered by the
//! [`fdtable::FdPolicy`] (`lowest`, `random`, `capped:N`). Files and directories go
//! through [cap-std], so a guest cannot leave its preopens by `..`, absolute paths or
//! symlinks. Guest memory is reached through one bounds-checked module ([`memory`]); bad
//! pointers give `EFAULT`, never a panic. Sockets ([`socket`], [`wasmedge`]) share the fd
//! table with files, so the fd policy numbers them too.
//!
//! # Examples
//!
//! Build a guest's host state and call `fd_write` on it, with a plain vector as guest
//! memory:
//!
//! ```
//! use hostcalls::{GuestBuilder, SharedBuffer, Stdio, abi, memory};
//!
//! let out = SharedBuffer::new();
//! let mut cx = GuestBuilder::new()
//!     .args(["hello.wasm"])
//!     .fd_policy(fdtable::FdPolicy::capped(64))
//!     .stdout(Stdio::Capture(out.clone()))
//!     .build_ctx()?;
//! let mut mem = vec![0u8; 64];
//! memory::write_u32(&mut mem, 0, 16)?; // iovec.buf
//! memory::write_u32(&mut mem, 4, 3)?; // iovec.len
//! mem[16..19].copy_from_slice(b"hi\n");
//! let fd_write = abi::find("wasi_snapshot_preview1", "fd_write").unwrap();
//! let result = fd_write.invoke(&mut cx, &mut mem, &[1, 0, 1, 8]);
//! assert_eq!(abi::errno_value(&result), Some(0));
//! assert_eq!(out.contents(), b"hi\n");
//! assert_eq!(memory::read_u32(&mem, 8)?, 3); // nwritten
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Linking into an engine
//!
//! For each function import of a module, [`abi::resolve`] picks the row it binds to (by
//! name *and* signature: WasmEdge's rule for the V1 and `_v2` socket calls); an import
//! that resolves to nothing cannot be satisfied. The engine's host function then calls
//! [`abi::HostCall::invoke`] with the guest's memory and the [`GuestCtx`] projected out of
//! the engine's store data, and returns [`abi::errno_value`] of the result, or traps on
//! [`Fault::Trap`] ([`Trap::Exit`] is `proc_exit`).
//!
//! # Crate features
//!
//! `fuzzing` exposes read-only views of host state to the fuzz targets.
//!
//! [cap-std]: https://docs.rs/cap-std
#![forbid(unsafe_code)]

pub mod abi;
mod builder;
mod ctx;
pub mod descriptor;
pub mod errno;
mod error;
mod fds;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod memory;
pub mod socket;
mod stats;
pub mod stdio;
pub mod trace;
pub mod types;
pub mod wasi;
pub mod wasmedge;

pub use builder::{FALLBACK_MAX_FDS, GuestBuilder, default_max_fds};
pub use ctx::GuestCtx;
pub use errno::{Errno, Fault, Trap};
pub use error::{ExitStatus, SetupError};
pub use fds::Fds;
pub use socket::{NetConfig, SocketOptions, UnixSockets};
pub use stdio::{SharedBuffer, Stdio};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;
