//! Async HTTP/1.1 hello-world server on `tokio_wasi` + `hyper_wasi` (WasmEdge's forks of
//! tokio and hyper for wasm32-wasi).
//!
//! Usage: `hyper-hello [ADDR]` (or env `HYPER_ADDR`; default `127.0.0.1:8080`; IPv6 works).
//! Every request gets `200 OK`, body `Hello from hyper_wasi\n`; connections are kept alive
//! (HTTP/1.1 default) and each runs as its own task on a current-thread runtime.
//!
//! Host calls come from `mio_wasi` (feature `wasmedge`), which sits on `wasmedge_wasi_socket`:
//! see `guests/sockets/README.md` for the exact import list of the built module.

use std::convert::Infallible;
use std::net::SocketAddr;

use hyper::server::conn::Http;
use hyper::service::service_fn;
use hyper::{Body, Request, Response};
use tokio::net::TcpListener;

/// The single handler: a fixed body for every method and path.
async fn hello(_req: Request<Body>) -> Result<Response<Body>, Infallible> {
    Ok(Response::new(Body::from("Hello from hyper_wasi\n")))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("HYPER_ADDR").ok())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string())
        .parse()?;
    let listener = TcpListener::bind(addr).await?;
    println!("hyper server listening on {}", listener.local_addr()?);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // A peer that vanished before accept (ECONNABORTED) must not stop the server.
                eprintln!("accept: {e}");
                continue;
            }
        };
        tokio::task::spawn(async move {
            // One send per response: with vectored writes hyper hands the head and body
            // to the socket separately, and mio_wasi's stream writes them in two
            // `sock_send` calls (two segments, two client wakeups). Flattening copies the
            // small body into the head buffer instead.
            if let Err(e) = Http::new()
                .http1_writev(false)
                .serve_connection(stream, service_fn(hello))
                .await
            {
                eprintln!("connection: {e}");
            }
        });
    }
}
