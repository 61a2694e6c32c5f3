//! `wasi_snapshot_preview1` host calls, one family per file.
//!
//! Each call is a plain function `(cx: &mut GuestCtx, mem: &mut [u8],
//! args...) -> Result<(), Fault>` named exactly as the import, plus a row in
//! its file's `HOSTCALLS` table (see [`crate::abi`]).

// Host calls take the ABI's parameters one by one; many have more than 7.
#![allow(clippy::too_many_arguments)]

pub(crate) mod args;
pub(crate) mod clock;
pub(crate) mod fd;
pub(crate) mod fd_dir;
pub(crate) mod fd_stat;
pub(crate) mod path;
pub(crate) mod path_open;
pub(crate) mod poll;
#[cfg(test)]
mod poll_index_tests;
pub(crate) mod proc;

/// The import module name of WASI preview1.
pub const PREVIEW1: &str = "wasi_snapshot_preview1";
