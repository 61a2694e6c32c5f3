//! Non-blocking poll server in the shape of the SDK's `examples/poll_tcp_listener.rs`.
//!
//! Usage: `wasmedge-poll [ADDR]` (or env `POLL_ADDR`; default `127.0.0.1:1234`).
//! A non-blocking listener and its connections live in one table whose index is the
//! `poll_oneoff` userdata. Each new connection is greeted with `Hello world!\n`; data it
//! sends is printed to stdout (`conn[i]: ...`) and acknowledged with `ok <n>\n` (the
//! acknowledgement is this guest's addition, so a test can see the round trip); a closed
//! or failed connection is removed. Never exits on a peer's error.
//! Host calls: as `wasmedge-echo` (non-blocking 2-arg `sock_accept`, `poll_oneoff`, ...).

use std::io::{self, Read, Write};
use wasmedge_guests::addr_from_args_or_env;
use wasmedge_wasi_socket::poll::{self, EventType, Subscription};
use wasmedge_wasi_socket::{TcpListener, TcpStream};

const DATA: &[u8] = b"Hello world!\n";

/// One poll table entry, as in the SDK example.
enum NetConn {
    Server(TcpListener),
    Client(TcpStream),
}

/// Adds `conn` at the first free index.
fn add(table: &mut Vec<Option<NetConn>>, conn: NetConn) -> usize {
    if let Some(i) = table.iter().position(Option::is_none) {
        table[i] = Some(conn);
        i
    } else {
        table.push(Some(conn));
        table.len() - 1
    }
}

/// Reads everything available. Returns the bytes and whether the peer closed.
fn read_available(stream: &mut TcpStream) -> io::Result<(Vec<u8>, bool)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 2048];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Ok((data, true)),
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok((data, false)),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Handles a readable client. Returns whether to keep it.
fn on_client(id: usize, client: &mut TcpStream) -> bool {
    match read_available(client) {
        Ok((data, closed)) => {
            if !data.is_empty() {
                println!("conn[{id}]: {}", String::from_utf8_lossy(&data).trim_end());
                let _ = client.write_all(format!("ok {}\n", data.len()).as_bytes());
            }
            if closed {
                println!("conn[{id}] closed");
            }
            !closed
        }
        Err(e) => {
            println!("conn[{id}] error: {e}");
            false
        }
    }
}

fn main() -> io::Result<()> {
    let addr = addr_from_args_or_env("POLL_ADDR", "127.0.0.1:1234");
    let server = TcpListener::bind(addr.as_str(), true)?;
    println!("poll server listening on {}", server.local_addr()?);
    let mut table: Vec<Option<NetConn>> = Vec::new();
    add(&mut table, NetConn::Server(server));
    loop {
        let subs: Vec<Subscription> = table
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c.as_ref()? {
                NetConn::Server(s) => Some(Subscription::io(i as u64, s, true, false, None)),
                NetConn::Client(s) => Some(Subscription::io(i as u64, s, true, false, None)),
            })
            .collect();
        for event in poll::poll(&subs)? {
            let id = event.userdata as usize;
            let mut accepted = None;
            let keep = match (table.get_mut(id), event.event_type) {
                (Some(Some(NetConn::Server(s))), EventType::Read) => {
                    match s.accept(true) {
                        Ok((mut c, peer)) => {
                            println!("accept from {peer}");
                            let _ = c.write(DATA);
                            accepted = Some(c);
                        }
                        Err(e) => println!("accept error: {e}"),
                    }
                    true
                }
                (Some(Some(NetConn::Server(_))), _) => true,
                (Some(Some(NetConn::Client(c))), EventType::Read) => on_client(id, c),
                (Some(Some(NetConn::Client(_))), _) => false,
                _ => true,
            };
            if !keep {
                table[id] = None;
            }
            if let Some(c) = accepted {
                println!("add conn[{}]", add(&mut table, NetConn::Client(c)));
            }
        }
    }
}
