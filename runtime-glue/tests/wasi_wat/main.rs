//! Hand-written WAT guests exercising `wasi_snapshot_preview1` edge cases.
//!
//! Most guests call one host function and pass its errno to `proc_exit`, so
//! the exit code *is* the errno; data comes back through captured stdout.

mod basics;
mod fds;
mod fs;
mod fs_escape;
mod fs_linux;
mod fs_meta;
mod memory;
mod poll;
mod robustness;
mod traps;
mod util;
