//! Shared code for the standard-WASI guests (no WasmEdge extensions).
//!
//! Standard preview1 cannot create sockets: a server gets its listener from the host as a
//! pre-opened fd (Wasmtime's `-S tcplisten=ADDR`, fdvirt's `--tcplisten ADDR`; the first one
//! is fd 3) and only calls `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`,
//! `fd_read`/`fd_write`, `fd_close` and `poll_oneoff` on it.
//!
//! * [`raw`]: hand-written imports of the standard calls (the bins declare `sock_accept`
//!   themselves, because the legacy and the standard guest need different signatures);
//! * [`http`]: a tiny HTTP/1.1 request splitter and the fixed response;
//! * [`oneshot`]: accept-answer-close for N requests over raw calls;
//! * [`poll`]: `poll_oneoff` over fds with the wasm32 `subscription`/`event` layouts.

pub mod http;
pub mod oneshot;
pub mod poll;
pub mod raw;

/// The listener fd: first argument, else env `LISTEN_FD`, else 3 (the first pre-opened
/// listener, which Wasmtime and fdvirt place right after stdio).
pub fn listen_fd_from_args_or_env() -> u32 {
    std::env::args()
        .nth(1)
        .or_else(|| std::env::var("LISTEN_FD").ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
}
