//! The compute-bound HTTP server: every request costs a SHA-256 over [`WORK_BYTES`] bytes
//! (plus the request target) before the reply, the shape of a PHP page or a database query
//! where the guest's own code, not the host calls, dominates. It measures how fast each
//! runtime executes guest code; the echo and hello servers measure its I/O path.
//!
//! Same event loop as the echo server (single-threaded [`mio`]: epoll natively,
//! `poll_oneoff` on WASI). SHA-256 is `sha2` with `force-soft`: the portable code natively
//! too, since the wasm guest cannot use the CPU's SHA extensions and the comparison is
//! about executing the same code.

use std::{
    collections::HashMap,
    io::{self, Read, Write},
};

use mio::{
    Events, Interest, Poll, Token,
    net::{TcpListener, TcpStream},
};
use sha2::{Digest, Sha256};

/// Bytes hashed per request: ~0.2 ms natively, so compute dominates the request.
pub const WORK_BYTES: usize = 64 * 1024;

/// Token of the listening socket; connections use `Token(1..)`.
const LISTENER: Token = Token(0);

/// A connection's unparsed input and unsent output.
#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    writable: bool,
}

/// Serves forever (until an unrecoverable poll error).
///
/// # Errors
/// Returns the error of `Poll::new`, of registering the listener, or of `Poll::poll`.
pub fn serve_sha(mut listener: TcpListener) -> io::Result<()> {
    let work: Vec<u8> = (0..WORK_BYTES).map(|i| (i % 251) as u8).collect();
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(1024);
    let mut conns: HashMap<Token, Conn> = HashMap::new();
    let mut next = 1usize;
    loop {
        match poll.poll(&mut events, None) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        for event in events.iter() {
            let token = event.token();
            if token == LISTENER {
                accept_all(&listener, &poll, &mut conns, &mut next);
                continue;
            }
            let Some(conn) = conns.get_mut(&token) else {
                continue;
            };
            let keep = service(conn, &work) && rearm(&poll, token, conn).is_ok();
            if !keep {
                let _ = poll.registry().deregister(&mut conn.stream);
                conns.remove(&token);
            }
        }
    }
}

fn accept_all(
    listener: &TcpListener,
    poll: &Poll,
    conns: &mut HashMap<Token, Conn>,
    next: &mut usize,
) {
    loop {
        match listener.accept() {
            Ok((mut stream, _peer)) => {
                let token = Token(*next);
                *next += 1;
                let _ = stream.set_nodelay(true);
                if poll
                    .registry()
                    .register(&mut stream, token, Interest::READABLE)
                    .is_ok()
                {
                    let conn = Conn {
                        stream,
                        input: Vec::new(),
                        output: Vec::new(),
                        writable: false,
                    };
                    conns.insert(token, conn);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // WouldBlock: drained. Anything else: retry on the next event.
            Err(_) => return,
        }
    }
}

/// Reads what is there, answers every complete request, writes; whether to keep it.
fn service(conn: &mut Conn, work: &[u8]) -> bool {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match conn.stream.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => conn.input.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
        if conn.input.len() > 64 * 1024 {
            return false; // no request head is this long
        }
    }
    while let Some(end) = head_end(&conn.input) {
        let digest = hash(work, request_target(&conn.input[..end]));
        conn.input.drain(..end);
        conn.output.extend_from_slice(response(&digest).as_bytes());
    }
    flush(conn)
}

/// The end of the first complete request head (requests carry no body).
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// The request target (`/path`) of a request head; empty if malformed.
fn request_target(head: &[u8]) -> &[u8] {
    head.split(|&b| b == b' ').nth(1).unwrap_or_default()
}

/// Hex SHA-256 of `work` followed by `target`.
pub fn hash(work: &[u8], target: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(std::hint::black_box(work));
    h.update(target);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn response(digest: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: keep-alive\r\n\r\n{digest}\n",
        digest.len() + 1
    )
}

/// Writes as much output as the socket takes; whether the connection stays.
fn flush(conn: &mut Conn) -> bool {
    while !conn.output.is_empty() {
        match conn.stream.write(&conn.output) {
            Ok(0) => return false,
            Ok(n) => {
                conn.output.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    true
}

/// Writable interest only while output is pending.
fn rearm(poll: &Poll, token: Token, conn: &mut Conn) -> io::Result<()> {
    let want = !conn.output.is_empty();
    if want == conn.writable {
        return Ok(());
    }
    conn.writable = want;
    let interest = if want {
        Interest::READABLE | Interest::WRITABLE
    } else {
        Interest::READABLE
    };
    poll.registry()
        .reregister(&mut conn.stream, token, interest)
}
