//! HTTP/1.1 keep-alive server in plain Rust std on a pre-opened listener.
//!
//! Usage: `std-http [FD]` (or env `LISTEN_FD`; default 3, the first pre-opened listener of
//! `wasmtime run -S tcplisten=ADDR` / `fdvirt run --tcplisten ADDR`). Every request gets
//! `200 OK`, body `Hello from Rust std on wasm32-wasip1\n`; connections are kept alive and
//! served concurrently: the listener and all connections are non-blocking and multiplexed
//! with `poll_oneoff`. A peer's error closes only that connection; never exits on its own.
//!
//! Imports (all standard preview1): `sock_accept` (3 args, from std's
//! `TcpListener::accept`), `fd_read`/`fd_write` (std's `TcpStream` I/O), `fd_fdstat_set_flags`
//! (`set_nonblocking`), `fd_fdstat_get`, `fd_close`, `poll_oneoff` (std's `TcpStream` drop
//! closes without `sock_shutdown`).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std_guests::poll::{FD_READ, FD_WRITE, Subscription, poll};
use std_guests::{http, listen_fd_from_args_or_env};

const BODY: &str = "Hello from Rust std on wasm32-wasip1\n";
const LISTENER: u64 = u64::MAX;

/// An accepted connection with its pending input and output.
struct Conn {
    stream: TcpStream,
    input: Vec<u8>,
    output: Vec<u8>,
    closing: bool,
}

fn accept_all(listener: &TcpListener, conns: &mut Vec<Option<Conn>>) {
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(e) = stream.set_nonblocking(true) {
                    eprintln!("set_nonblocking: {e}");
                    continue;
                }
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
                eprintln!("accept: {e}");
                return;
            }
        }
    }
}

/// Reads what is available, answers complete requests, flushes. Returns whether to keep.
fn on_readable(conn: &mut Conn) -> bool {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match conn.stream.read(&mut buf) {
            Ok(0) => {
                conn.closing = true;
                break;
            }
            Ok(n) => conn.input.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
    while let Some((end, close)) = http::request_end(&conn.input) {
        conn.input.drain(..end);
        conn.output
            .extend_from_slice(http::response(BODY, close).as_bytes());
        if close {
            conn.closing = true;
            break;
        }
    }
    flush(conn)
}

/// Sends queued output; returns whether the connection stays open.
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
    !conn.closing
}

fn subscriptions(listener: &TcpListener, conns: &[Option<Conn>]) -> Vec<Subscription> {
    let mut subs = vec![Subscription::fd(
        LISTENER,
        FD_READ,
        listener.as_raw_fd() as u32,
    )];
    for (i, c) in conns.iter().enumerate() {
        let Some(c) = c else { continue };
        let fd = c.stream.as_raw_fd() as u32;
        if !c.closing {
            subs.push(Subscription::fd(i as u64, FD_READ, fd));
        }
        if !c.output.is_empty() {
            subs.push(Subscription::fd(i as u64, FD_WRITE, fd));
        }
    }
    subs
}

fn main() {
    let fd = listen_fd_from_args_or_env();
    // SAFETY: the host pre-opened `fd` as a listening socket for this guest, and nothing
    // else in the program owns it.
    let listener = unsafe { TcpListener::from_raw_fd(fd as i32) };
    if let Err(e) = listener.set_nonblocking(true) {
        eprintln!("fd {fd} is not a usable listener: {e}");
        std::process::exit(1);
    }
    println!("std http server on pre-opened fd {fd}");
    let mut conns: Vec<Option<Conn>> = Vec::new();
    loop {
        let events = match poll(&subscriptions(&listener, &conns)) {
            Ok(ev) => ev,
            Err(errno) => {
                eprintln!("poll_oneoff: errno {errno}");
                std::process::exit(1);
            }
        };
        for ev in events {
            if ev.userdata == LISTENER {
                accept_all(&listener, &mut conns);
                continue;
            }
            let slot = ev.userdata as usize;
            let Some(Some(conn)) = conns.get_mut(slot) else {
                continue;
            };
            let keep = if ev.error != 0 {
                false
            } else if ev.kind == FD_READ {
                on_readable(conn)
            } else {
                flush(conn)
            };
            if !keep {
                conns[slot] = None;
            }
        }
    }
}
