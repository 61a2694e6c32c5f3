//! HTTP/1.1 hello server on tokio alone (no hyper): `tokio_wasi` on wasm32-wasip1, and the
//! same source built natively with tokio as its twin (`guests/native`, bin `tokio-http`).
//!
//! Usage: `tokio-http [--listen] [ADDR]`: binds ADDR. On wasm32-wasip1 without ADDR it
//! serves the pre-opened listener fd 3 (`fdvirt run --tcplisten ADDR`). Every request head
//! (up to the blank line; bodies are not read) gets `200 OK` with the body
//! `Hello from tokio-http\n`; connections are kept alive, pipelined requests answered in
//! order, one task per connection on a current-thread runtime.

use std::io;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 22\r\n\r\nHello from tokio-http\n";

/// A request head larger than this closes the connection (a slow client's endless
/// header is held up to here, as servers bound their header buffers).
const MAX_HEAD: usize = 64 * 1024;

/// ADDR from `--listen ADDR` or the first argument.
fn addr_arg() -> Option<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().position(|a| a == "--listen") {
        Some(i) => args.get(i + 1).cloned(),
        None => args.first().cloned(),
    }
}

#[cfg(not(target_os = "wasi"))]
async fn listener() -> io::Result<TcpListener> {
    TcpListener::bind(addr_arg().unwrap_or_else(|| "127.0.0.1:8080".into())).await
}

#[cfg(target_os = "wasi")]
async fn listener() -> io::Result<TcpListener> {
    use std::os::fd::{FromRawFd, IntoRawFd};
    if let Some(addr) = addr_arg() {
        return TcpListener::bind(addr).await;
    }
    // SAFETY: fd 3 is the pre-opened listener (`--tcplisten`); nothing else owns it.
    let std_listener = unsafe { std::net::TcpListener::from_raw_fd(3) };
    // tokio accepts until WouldBlock: the listener must not block (fd_fdstat_set_flags).
    std_listener.set_nonblocking(true)?;
    // SAFETY: the fd moves from the std listener to the SDK's, still owned once.
    let sdk = unsafe { wasmedge_wasi_socket::TcpListener::from_raw_fd(std_listener.into_raw_fd()) };
    TcpListener::from_std(sdk)
}

fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    let listener = listener().await?;
    println!("tokio-http listening on {}", listener.local_addr()?);
    loop {
        let mut sock = match listener.accept().await {
            Ok((sock, _peer)) => sock,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(1024);
            let mut chunk = [0u8; 4096];
            loop {
                while let Some(end) = head_end(&buf) {
                    buf.drain(..end + 4);
                    if sock.write_all(RESPONSE).await.is_err() {
                        return;
                    }
                }
                if buf.len() > MAX_HEAD {
                    return;
                }
                match sock.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
        });
    }
}
