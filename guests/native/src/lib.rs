//! Benchmark servers for fdvirt, built from one source for the host and for wasm32-wasip1.
//!
//! The echo server is a single-threaded [`mio`] event loop: on Linux mio sits on epoll, on
//! WASI preview1 on `poll_oneoff` with one subscription per registered socket. Running the
//! *same* code natively, under wasmtime and under fdvirt isolates the runtime's cost, and
//! the poll-scaling benchmark shows how each runtime's `poll_oneoff` copes with many idle
//! sockets.
//!
//! The listener comes from [`listener_from_args`]: on WASI it is a pre-opened socket fd
//! (`fdvirt run --tcplisten` / `wasmtime run -S tcplisten`), natively the server binds the
//! address it is given, so the harness drives every variant the same way.

pub mod sha;

use std::{
    collections::HashMap,
    io::{self, Read, Write},
};

use mio::{
    Events, Interest, Poll, Token,
    net::{TcpListener, TcpStream},
};

/// Token of the listening socket; connections use `Token(1..)`.
const LISTENER: Token = Token(0);

/// One accepted connection and the bytes it still has to send back.
#[derive(Debug)]
struct Conn {
    stream: TcpStream,
    /// Echo bytes not yet written (the peer is not reading fast enough).
    pending: Vec<u8>,
    /// Whether WRITABLE interest is registered (changed only when `pending` changes state,
    /// so the common path makes no re-registration call).
    writable: bool,
}

/// What the event loop must do with a connection after servicing it.
#[derive(Debug, PartialEq, Eq)]
enum After {
    Keep,
    Close,
}

/// Runs the echo server on `listener` forever (until an unrecoverable poll error).
///
/// # Errors
/// Returns the error of `Poll::new`, of registering the listener, or of `Poll::poll`.
pub fn serve_echo(mut listener: TcpListener) -> io::Result<()> {
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(1024);
    let mut conns: HashMap<Token, Conn> = HashMap::new();
    let mut next = 1usize;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match poll.poll(&mut events, None) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                accept_all(&listener, &poll, &mut conns, &mut next);
                continue;
            }
            let token = event.token();
            let after = match conns.get_mut(&token) {
                Some(conn) => service(conn, &mut buf),
                None => continue,
            };
            if let Some(conn) = conns.get_mut(&token)
                && (after == After::Close || rearm(&poll, token, conn).is_err())
            {
                let _ = poll.registry().deregister(&mut conn.stream);
                conns.remove(&token);
            }
        }
    }
}

/// Accepts every pending connection (the listener is drained until `WouldBlock`).
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
                    let (pending, writable) = (Vec::new(), false);
                    conns.insert(
                        token,
                        Conn {
                            stream,
                            pending,
                            writable,
                        },
                    );
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // WouldBlock: drained. Anything else (ECONNABORTED, EMFILE): retry on next event.
            Err(_) => return,
        }
    }
}

/// Reads until `WouldBlock` and writes everything back; stops reading while output is
/// pending so a slow reader gets back-pressure instead of an unbounded buffer.
fn service(conn: &mut Conn, buf: &mut [u8]) -> After {
    if flush(conn) == After::Close {
        return After::Close;
    }
    while conn.pending.is_empty() {
        match conn.stream.read(buf) {
            Ok(0) => return After::Close,
            Ok(n) => {
                conn.pending.extend_from_slice(&buf[..n]);
                if flush(conn) == After::Close {
                    return After::Close;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return After::Keep,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return After::Close,
        }
    }
    After::Keep
}

/// Writes as much of `pending` as the socket takes.
fn flush(conn: &mut Conn) -> After {
    while !conn.pending.is_empty() {
        match conn.stream.write(&conn.pending) {
            Ok(0) => return After::Close,
            Ok(n) => {
                conn.pending.drain(..n);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return After::Keep,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return After::Close,
        }
    }
    After::Keep
}

/// Interest follows state: writable only while output is pending.
fn rearm(poll: &Poll, token: Token, conn: &mut Conn) -> io::Result<()> {
    let want_writable = !conn.pending.is_empty();
    if want_writable == conn.writable {
        return Ok(());
    }
    let interest = if want_writable {
        Interest::READABLE | Interest::WRITABLE
    } else {
        Interest::READABLE
    };
    conn.writable = want_writable;
    poll.registry()
        .reregister(&mut conn.stream, token, interest)
}

/// The listening socket named on the command line.
///
/// WASI: `--fd N` (default 3, the first pre-opened socket under both fdvirt and wasmtime).
/// Native: `--listen HOST:PORT` (default 127.0.0.1:8080).
///
/// # Errors
/// Returns a bad argument as `InvalidInput`, or the error of binding / configuring.
pub fn listener_from_args() -> io::Result<TcpListener> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    #[cfg(target_os = "wasi")]
    {
        use std::os::wasi::io::FromRawFd;
        let fd: i32 = match value("--fd") {
            Some(v) => v.parse().map_err(|_| bad_arg("--fd"))?,
            None => 3,
        };
        // SAFETY: fd N is the listening socket the runtime pre-opened for this process
        // (`--tcplisten`); nothing else in this program owns or closes it.
        let std_listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
        std_listener.set_nonblocking(true)?;
        Ok(TcpListener::from_std(std_listener))
    }
    #[cfg(not(target_os = "wasi"))]
    {
        let addr = value("--listen").unwrap_or_else(|| "127.0.0.1:8080".to_string());
        let addr = addr.parse().map_err(|_| bad_arg("--listen"))?;
        TcpListener::bind(addr)
    }
}

fn bad_arg(flag: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("bad value for {flag}"))
}
