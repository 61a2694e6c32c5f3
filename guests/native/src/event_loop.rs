//! The one single-threaded [`mio`] event loop behind every mio server of this crate.
//!
//! The servers differ only in what they answer, so the loop owns everything about sockets
//! (accepting, reading until `WouldBlock`, writing, readiness interest, back-pressure) and a
//! [`Protocol`] only turns input bytes into output bytes. A benchmark then compares runtimes
//! on the same I/O path whichever server it runs.

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

/// Bytes read per `read` call; one buffer shared by every connection.
const READ_BUF: usize = 64 * 1024;

/// What to do with a connection: the verdict of [`Protocol::on_input`] and of each I/O step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Keep serving it.
    Keep,
    /// Deregister and close it now; output not yet sent is dropped.
    Close,
}

/// A per-connection byte protocol served by [`serve`].
///
/// It never sees a socket: the loop reads, calls [`on_input`](Protocol::on_input) with what
/// it read, and sends whatever was appended to `output`, so a protocol is a pure function of
/// its input and can be tested without a network.
pub trait Protocol {
    /// What the protocol keeps per connection (e.g. an unparsed request); a fresh
    /// `default()` for every accepted connection, dropped when it closes.
    type State: Default;

    /// Consumes `input`, the bytes one `read` returned, appending any reply to `output`.
    ///
    /// `output` holds nothing unsent when this is called: the loop stops reading a
    /// connection while it has output pending, so a peer that does not read gets
    /// back-pressure rather than an ever-growing buffer.
    fn on_input(&mut self, state: &mut Self::State, input: &[u8], output: &mut Vec<u8>) -> After;
}

/// One accepted connection: its protocol state and the output it still has to send.
#[derive(Debug)]
struct Conn<S> {
    stream: TcpStream,
    state: S,
    /// Output not yet written (the peer is not reading fast enough).
    pending: Vec<u8>,
    /// Whether WRITABLE interest is registered (changed only when `pending` turns empty or
    /// non-empty, so the common path makes no re-registration call).
    writable: bool,
}

/// Serves `protocol` on `listener` forever (until an unrecoverable poll error).
///
/// On Linux mio sits on epoll, on WASI preview1 on `poll_oneoff` with one subscription per
/// registered socket.
///
/// # Errors
/// Returns the error of `Poll::new`, of registering the listener, or of `Poll::poll`.
pub fn serve<P: Protocol>(mut listener: TcpListener, mut protocol: P) -> io::Result<()> {
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(1024);
    let mut conns: HashMap<Token, Conn<P::State>> = HashMap::new();
    let mut next = 1usize;
    let mut buf = vec![0u8; READ_BUF];
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
            let keep = service(&mut protocol, conn, &mut buf) == After::Keep
                && rearm(&poll, token, conn).is_ok();
            if !keep {
                let _ = poll.registry().deregister(&mut conn.stream);
                conns.remove(&token);
            }
        }
    }
}

/// Accepts every pending connection (the listener is drained until `WouldBlock`).
fn accept_all<S: Default>(
    listener: &TcpListener,
    poll: &Poll,
    conns: &mut HashMap<Token, Conn<S>>,
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
                        state: S::default(),
                        pending: Vec::new(),
                        writable: false,
                    };
                    conns.insert(token, conn);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // WouldBlock: drained. Anything else (ECONNABORTED, EMFILE): retry on next event.
            Err(_) => return,
        }
    }
}

/// Sends what is pending, then reads until `WouldBlock`, handing each read to the
/// protocol and sending its output; stops reading while output is pending so a slow
/// reader gets back-pressure instead of an unbounded buffer.
fn service<P: Protocol>(protocol: &mut P, conn: &mut Conn<P::State>, buf: &mut [u8]) -> After {
    if flush(conn) == After::Close {
        return After::Close;
    }
    while conn.pending.is_empty() {
        match conn.stream.read(buf) {
            Ok(0) => return After::Close,
            Ok(n) => {
                let after = protocol.on_input(&mut conn.state, &buf[..n], &mut conn.pending);
                if after == After::Close || flush(conn) == After::Close {
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
fn flush<S>(conn: &mut Conn<S>) -> After {
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
fn rearm<S>(poll: &Poll, token: Token, conn: &mut Conn<S>) -> io::Result<()> {
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
