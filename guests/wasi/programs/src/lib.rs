//! Shared helpers for the fdvirt WASI test guests (each binary in `src/bin/` is one guest).
//!
//! Every guest prints deterministic lines to stdout so a test can compare the output of
//! fdvirt with that of another runtime (wasmtime) byte for byte.

use std::path::PathBuf;

/// The directory argument the test passed (argv[1]), e.g. `/sandbox`.
///
/// wasi-libc resolves relative paths against the current directory `/`, so guests always
/// work with absolute paths below the preopen the test gave them.
///
/// # Panics
/// Panics (trapping the guest) when no directory argument was given: a test bug.
pub fn dir_arg() -> PathBuf {
    match std::env::args().nth(1) {
        Some(d) => PathBuf::from(d),
        None => {
            eprintln!("usage: <guest> DIR [...]");
            std::process::exit(2)
        }
    }
}

/// Prints `label: ok` or `label: error` and exits with 1 on error, keeping errno text
/// (which differs between runtimes) out of stdout; the error goes to stderr.
pub fn check<T, E: std::fmt::Display>(label: &str, r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => {
            println!("{label}: error");
            eprintln!("{label}: {e}");
            std::process::exit(1)
        }
    }
}
