//! TCP echo server on the `wasmedge_wasi_socket` SDK.
//!
//! Usage: `wasmedge-echo [ADDR]` (or env `ECHO_ADDR`; default `127.0.0.1:1234`). ADDR may be
//! IPv4 or IPv6 (`[::1]:1234`, `[::]:1234`). Every byte received is sent back on the same
//! connection; any number of connections are served at once through `poll_oneoff`.
//!
//! Host calls: `sock_open`, `sock_setsockopt` (SO_REUSEADDR), `sock_bind`, `sock_listen`,
//! `fd_fdstat_get`/`fd_fdstat_set_flags` (non-blocking), the legacy 2-arg `sock_accept`,
//! `sock_getpeeraddr` (4-arg V1), `sock_recv`, `sock_send`, `sock_shutdown`, `fd_close`,
//! `poll_oneoff`.

use wasmedge_guests::{Flow, addr_from_args_or_env, serve};
use wasmedge_wasi_socket::TcpListener;

fn main() -> std::io::Result<()> {
    let addr = addr_from_args_or_env("ECHO_ADDR", "127.0.0.1:1234");
    let listener = TcpListener::bind(addr.as_str(), true)?;
    println!("echo server listening on {}", listener.local_addr()?);
    serve(&listener, |input, output| {
        output.append(input);
        Flow::Continue
    })
}
