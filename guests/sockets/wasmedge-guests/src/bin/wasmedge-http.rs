//! Minimal HTTP/1.1 server on the `wasmedge_wasi_socket` SDK: a fixed response, keep-alive.
//!
//! Usage: `wasmedge-http [ADDR]` (or env `HTTP_ADDR`; default `127.0.0.1:8080`; IPv6 works).
//! Every request (a header block ending in CRLF CRLF; a `Content-Length` body is skipped)
//! gets `200 OK` with the body `Hello from wasmedge_wasi_socket\n`. Connections stay open
//! unless the request says `Connection: close`; pipelined requests are answered in order.
//! Host calls: as `wasmedge-echo` (2-arg `sock_accept`, `poll_oneoff`, ...).

use wasmedge_guests::{Flow, addr_from_args_or_env, serve};
use wasmedge_wasi_socket::TcpListener;

const BODY: &str = "Hello from wasmedge_wasi_socket\n";

/// Where the first complete request in `buf` ends, and whether it asked to close.
fn parse_request(buf: &[u8]) -> Option<(usize, bool)> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let mut body_len = 0usize;
    // HTTP/1.0 closes by default; HTTP/1.1 keeps the connection open by default.
    let http10 = head
        .lines()
        .next()
        .is_some_and(|l| l.trim_end().ends_with("http/1.0"));
    let mut close = http10 && !head.contains("connection: keep-alive");
    for line in head.lines() {
        if let Some(v) = line.strip_prefix("content-length:") {
            body_len = v.trim().parse().unwrap_or(0);
        }
        if line.starts_with("connection:") && line.contains("close") {
            close = true;
        }
    }
    let end = head_end.checked_add(body_len)?;
    (buf.len() >= end).then_some((end, close))
}

fn main() -> std::io::Result<()> {
    let addr = addr_from_args_or_env("HTTP_ADDR", "127.0.0.1:8080");
    let listener = TcpListener::bind(addr.as_str(), true)?;
    println!("http server listening on {}", listener.local_addr()?);
    let response = |connection: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             Connection: {connection}\r\n\r\n{BODY}",
            BODY.len()
        )
    };
    let (keep_alive, close_it) = (response("keep-alive"), response("close"));
    serve(&listener, |input, output| {
        while let Some((end, close)) = parse_request(input) {
            input.drain(..end);
            let reply = if close { &close_it } else { &keep_alive };
            output.extend_from_slice(reply.as_bytes());
            if close {
                return Flow::Close;
            }
        }
        Flow::Continue
    })
}
