//! Serves N HTTP requests using the standard 3-argument `sock_accept(fd, flags, ro_fd*)`.
//!
//! Usage: `accept-std [FD [COUNT]]` (FD also from env `LISTEN_FD`; defaults 3 and 1):
//! accepts COUNT connections on the already-listening socket FD (a pre-opened listener,
//! e.g. fdvirt `--tcplisten`), answers one request on each with
//! `Hello from the 3-arg sock_accept guest`, closes it, and exits 0.
//!
//! Imports: `sock_accept` with type `(i32, i32, i32) -> i32` (standard preview1 = WasmEdge `sock_accept_v2`, spec §6.6), plus
//! standard `sock_recv`, `sock_send`, `sock_shutdown`, `fd_close`. Runs under Wasmtime with
//! `-S tcplisten=ADDR`; a WasmEdge-compatible host binds the import to `sock_accept_v2`
//! by signature (spec §4.2).

use std_guests::{listen_fd_from_args_or_env, oneshot};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    /// Standard form: `flags` are the new fd's fdflags (0 = blocking).
    #[link_name = "sock_accept"]
    fn sock_accept_std(fd: u32, flags: u32, ro_fd: *mut u32) -> i32;
}

fn accept(fd: u32) -> Result<u32, i32> {
    let mut new_fd = 0u32;
    // SAFETY: `new_fd` is a live u32 the host writes the accepted fd into.
    let errno = unsafe { sock_accept_std(fd, 0, &mut new_fd) };
    if errno == 0 { Ok(new_fd) } else { Err(errno) }
}

fn main() {
    let fd = listen_fd_from_args_or_env();
    let count = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    if let Err(errno) = oneshot::serve(
        fd,
        count,
        "Hello from the 3-arg sock_accept guest\n",
        accept,
    ) {
        eprintln!("sock_accept on fd {fd}: errno {errno}");
        std::process::exit(1);
    }
}
