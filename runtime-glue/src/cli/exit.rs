//! Process exit codes of `fdvirt run`.
//!
//! | code | meaning |
//! |---|---|
//! | 0..=255 | the guest's own status: `proc_exit(n)` (or 0 when `_start` returns) |
//! | 1 | also: the guest exited with a status outside 0..=255 (`proc_exit` takes a u32); the OS would keep only the low byte, so `proc_exit(256)` would look like success |
//! | 125 | fdvirt could not start the guest (bad module, unknown import, missing `--dir`, ...) |
//! | 134 | the guest trapped (128 + SIGABRT, the code Wasmtime's CLI uses for traps too) |
//! | 2 | command-line usage error (clap) |
//!
//! A guest may of course exit with 125 or 134 itself; the message on stderr tells them apart.
//! (Wasmtime 42 rejects statuses >= 126 and exits 1; fdvirt passes 126..=255 through, as
//! WasmEdge and native processes do.)

/// fdvirt failed before or while setting up the guest (not the guest's own status).
pub(crate) const STARTUP_FAILURE: i32 = 125;
/// The guest trapped.
pub(crate) const TRAP: i32 = 134;

/// The process exit code for a guest exit status: itself when it fits a process exit code
/// (0..=255), else 1 with a message (never a truncation that could read as success).
pub(crate) fn guest_status(code: i32) -> i32 {
    if (0..=255).contains(&code) {
        return code;
    }
    // proc_exit's u32 reaches us as i32; show it as the guest passed it.
    eprintln!(
        "fdvirt: guest exit status {} does not fit a process exit code; exiting with 1",
        code as u32
    );
    1
}
