//! Shared helpers for the guests built on the crates.io `wasmedge_wasi_socket` SDK.
//!
//! The SDK gives blocking and non-blocking `TcpListener`/`TcpStream` over the WasmEdge
//! socket ABI and a thin wrapper over `poll_oneoff` (`wasmedge_wasi_socket::poll`). There
//! are no threads on wasm32-wasip1, so every server that must hold many connections at once
//! (the echo and HTTP guests, which the benchmarks drive with 64 connections) multiplexes
//! them in one `poll_oneoff` loop: [`serve`].

use std::io::{self, Read, Write};
use wasmedge_wasi_socket::poll::{self, EventType, Subscription};
use wasmedge_wasi_socket::{TcpListener, TcpStream};

/// The address a server binds: first command-line argument, else the environment variable
/// `env`, else `default`. Any literal `SocketAddr` works (`127.0.0.1:1234`, `[::1]:1234`,
/// `[::]:1234`); the SDK parses literals itself and resolves host names with `sock_getaddrinfo`.
pub fn addr_from_args_or_env(env: &str, default: &str) -> String {
    std::env::args()
        .nth(1)
        .or_else(|| std::env::var(env).ok())
        .unwrap_or_else(|| default.to_string())
}

/// What a protocol handler wants done with a connection after handling its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep the connection open and keep reading.
    Continue,
    /// Flush what is queued, then close.
    Close,
}

/// One accepted connection: its socket and its unsent output.
struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    closing: bool,
}

/// `userdata` of the listener's subscription; connections use their slot index.
const LISTENER: u64 = u64::MAX;

/// Serves `listener` forever, multiplexing every connection through `poll_oneoff`.
///
/// For each chunk received, `handle(input, output)` is called: it consumes what it can
/// from `input` (partial requests stay there) and appends its reply to `output`. A peer
/// error or hang-up closes only that connection; the server never exits on a peer's fault.
///
/// # Errors
/// Returns an error only if `poll_oneoff` itself fails (a host bug, not a peer's fault).
pub fn serve(
    listener: &TcpListener,
    mut handle: impl FnMut(&mut Vec<u8>, &mut Vec<u8>) -> Flow,
) -> io::Result<()> {
    let mut conns: Vec<Option<Conn>> = Vec::new();
    loop {
        let mut subs = vec![Subscription::io(LISTENER, listener, true, false, None)];
        for (i, c) in conns.iter().enumerate() {
            if let Some(c) = c {
                let want_write = !c.output.is_empty();
                subs.push(Subscription::io(
                    i as u64, &c.stream, !c.closing, want_write, None,
                ));
            }
        }
        for event in poll::poll(&subs)? {
            if event.userdata == LISTENER {
                accept_all(listener, &mut conns);
                continue;
            }
            let slot = event.userdata as usize;
            let Some(Some(conn)) = conns.get_mut(slot) else {
                continue;
            };
            let keep = match event.event_type {
                EventType::Read => on_readable(conn, &mut handle),
                EventType::Write => flush(conn),
                EventType::Error(_) | EventType::Timeout => false,
            };
            if !keep {
                // Dropping the SDK stream shuts it down and closes the fd.
                conns[slot] = None;
            }
        }
    }
}

/// Accepts every pending connection (the listener is non-blocking) into a free slot.
fn accept_all(listener: &TcpListener, conns: &mut Vec<Option<Conn>>) {
    loop {
        match listener.accept(true) {
            Ok((stream, _peer)) => {
                let conn = Conn {
                    stream,
                    input: Vec::new(),
                    output: Vec::new(),
                    closing: false,
                };
                match conns.iter().position(Option::is_none) {
                    Some(i) => conns[i] = Some(conn),
                    None => conns.push(Some(conn)),
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
            Err(e) => {
                // e.g. ECONNABORTED: the peer left before we accepted; keep serving.
                eprintln!("accept: {e}");
                return;
            }
        }
    }
}

/// Drains the socket, runs the handler, and tries to send the reply. Returns whether
/// the connection stays open.
fn on_readable(
    conn: &mut Conn,
    handle: &mut impl FnMut(&mut Vec<u8>, &mut Vec<u8>) -> Flow,
) -> bool {
    let mut buf = [0u8; 16 * 1024];
    let mut eof = false;
    loop {
        match conn.stream.read(&mut buf) {
            Ok(0) => {
                eof = true;
                break;
            }
            Ok(n) => conn.input.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    if !conn.input.is_empty() && handle(&mut conn.input, &mut conn.output) == Flow::Close {
        conn.closing = true;
    }
    if eof {
        conn.closing = true;
    }
    flush(conn)
}

/// Sends as much queued output as the socket takes. Returns whether the connection
/// stays open (false once a closing connection has sent everything, or on error).
fn flush(conn: &mut Conn) -> bool {
    while !conn.output.is_empty() {
        match conn.stream.write(&conn.output) {
            Ok(0) => return false,
            Ok(n) => {
                conn.output.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
    !conn.closing
}
