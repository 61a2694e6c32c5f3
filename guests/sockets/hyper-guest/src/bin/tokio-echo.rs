//! TCP echo server on `tokio_wasi`: tokio's own `examples/echo.rs`, as WasmEdge ships it
//! for `wasm32-wasi`, kept as close to the original as wasm allows.
//!
//! Usage: `tokio-echo [ADDR]` (or env `ECHO_ADDR`; default `127.0.0.1:8080`).
//!
//! Like the original, an error from `accept` ends the server (`?`): this is the guest that
//! died under load when the host answered the SDK's `sock_getpeeraddr` (made right after
//! `sock_accept`) with `ENOTCONN` for a peer that had already reset (issue 16). The one
//! change: a read or write error ends that connection's task instead of `expect`ing, since
//! on wasm32-wasip1 a panic aborts the whole process rather than one task.

use std::error::Error;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let addr = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("ECHO_ADDR").ok())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listener = TcpListener::bind(&addr).await?;
    println!("Listening on: {}", listener.local_addr()?);
    loop {
        let (mut socket, _) = listener.accept().await?;
        tokio::spawn(async move {
            let mut buf = vec![0; 1024];
            loop {
                let n = match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if socket.write_all(&buf[0..n]).await.is_err() {
                    return;
                }
            }
        });
    }
}
