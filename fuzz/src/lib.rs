//! Bodies of fdvirt's fuzz targets, shared by the libFuzzer binaries in
//! `fuzz_targets/` (nightly, `cargo fuzz`) and the stable corpus replay
//! (`tests/replay.rs`), so every committed input is re-checked by plain
//! `cargo test`.
//!
//! Each body takes the raw fuzz input. Structured targets turn it into an
//! operation plan with [`arbitrary`] (`#[derive(Arbitrary)]`), with fds and
//! table rows named by index modulo the current size, as cap-std's
//! `fuzz_targets/cap-primitives.rs` does. A body panics exactly when it found
//! a bug: a panic inside our code, or a failed assertion about a property.
//!
//! | Target | Input | Property |
//! |--------|-------|----------|
//! | [`fdtable_ops`] | policy, seed, cap, quarantine, limit, op plan | every step agrees with `fdtable::model` and the policy's rules; a seeded twin table hands out the same fds |
//! | `netaddr_*` | raw bytes for one decoder | typed error or a value that re-encodes and decodes to itself |
//! | [`hostcalls`] | guest memory image + host-call plan | no panic, valid errno, fd-table invariants, no host fd leaked, nothing written outside the sandbox |
//! | [`module_load`] | wasm bytes | fdvirt's load paths (wasmi and wasmtime) and `inspect` return an error or a module |

mod fdtable_ops;
mod guest_args;
mod hostcall_checks;
mod hostcalls;
mod module_load;
mod sandbox;

pub use fdtable_ops::fdtable_ops;
pub use guest_args::{
    STRINGS as HOSTCALL_STRINGS, UNIX_ADDR as HOSTCALL_UNIX_ADDR, UNIX_PATHS as HOSTCALL_UNIX_PATHS,
};
pub use hostcalls::{HOSTCALL_ALLOW_UNIX, HOSTCALL_DOT_PREOPEN, hostcalls, hostcalls_observed};
pub use module_load::module_load;

/// A target body: raw fuzz input in, panic on a finding.
pub type Body = fn(&[u8]);

/// Every target body by name, for the replay test and tools that dispatch on
/// a corpus directory's name.
pub const TARGETS: &[(&str, Body)] = &[
    ("fdtable_ops", fdtable_ops),
    ("netaddr_posix", netaddr_posix),
    ("netaddr_wasmedge", netaddr_wasmedge),
    ("netaddr_sa_data", netaddr_sa_data),
    ("netaddr_text", netaddr_text),
    ("netaddr_addrinfo", netaddr_addrinfo),
    ("hostcalls", hostcalls),
    ("module_load", module_load),
];

/// The body for the target named `name`.
pub fn target(name: &str) -> Option<Body> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// wasm32 POSIX `sockaddr` decoding: the first 4 bytes are the `socklen`.
///
/// # Panics
/// When decode → encode → decode is unstable (see `netaddr::fuzzing`).
pub fn netaddr_posix(data: &[u8]) {
    netaddr::fuzzing::fuzz_posix(data);
}

/// WasmEdge V1/V2 address forms, storage paths and `getaddr` outputs: the
/// first 4 bytes are the raw `port` argument.
///
/// # Panics
/// When decode → encode → decode is unstable.
pub fn netaddr_wasmedge(data: &[u8]) {
    netaddr::fuzzing::fuzz_wasmedge(data);
}

/// Linux `sa_data` (WasmEdge `getaddrinfo` results): the first byte is the
/// family.
///
/// # Panics
/// When decode → encode → decode is unstable.
pub fn netaddr_sa_data(data: &[u8]) {
    netaddr::fuzzing::fuzz_sa_data(data);
}

/// The legacy text form of an address.
///
/// # Panics
/// When decode → encode → decode is unstable.
pub fn netaddr_text(data: &[u8]) {
    netaddr::fuzzing::fuzz_text(data);
}

/// `addrinfo` chains in a guest memory window: hints, chain walk, results,
/// refill.
///
/// # Panics
/// When a chain that `read_chain` accepted cannot be filled.
pub fn netaddr_addrinfo(data: &[u8]) {
    netaddr::fuzzing::fuzz_addrinfo(data);
}

#[cfg(test)]
mod tests;
