//! Process exit codes of `fdvirt run`.
//!
//! | code | meaning |
//! |---|---|
//! | 0..=255 | the guest's own status: `proc_exit(n)` (or 0 when `_start` returns) |
//! | 125 | fdvirt could not start the guest (bad module, unknown import, missing `--dir`, ...) |
//! | 134 | the guest trapped (128 + SIGABRT, the code Wasmtime's CLI uses for traps too) |
//! | 2 | command-line usage error (clap) |
//!
//! A guest may of course exit with 125 or 134 itself; the message on stderr tells them apart.

/// fdvirt failed before or while setting up the guest (not the guest's own status).
pub(crate) const STARTUP_FAILURE: i32 = 125;
/// The guest trapped.
pub(crate) const TRAP: i32 = 134;
