//! TCP client on the `wasmedge_wasi_socket` SDK: connect, send, print the reply.
//!
//! Usage: `wasmedge-client [ADDR [MESSAGE]]` (or env `CLIENT_ADDR`; default
//! `127.0.0.1:1234`; message default `hello`). Prints `local <addr>`, `peer <addr>`, sends
//! MESSAGE, half-closes the write side, then prints everything received until EOF as
//! `reply: ...`. IPv4 only: the SDK's `connect` returns `Unsupported` for IPv6.
//!
//! Host calls: `sock_open`, `sock_connect` (4-byte address), `sock_getlocaladdr` and
//! `sock_getpeeraddr` (4-arg V1), `sock_send`, `sock_shutdown`, `sock_recv`, `fd_close`.

use std::io::{Read, Write};
use wasmedge_wasi_socket::{Shutdown, TcpStream};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args
        .next()
        .or_else(|| std::env::var("CLIENT_ADDR").ok())
        .unwrap_or_else(|| "127.0.0.1:1234".to_string());
    let message = args.next().unwrap_or_else(|| "hello".to_string());
    let mut stream = TcpStream::connect(addr.as_str())?;
    println!("local {}", stream.local_addr()?);
    println!("peer {}", stream.peer_addr()?);
    stream.write_all(message.as_bytes())?;
    stream.shutdown(Shutdown::Write)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    println!("reply: {}", String::from_utf8_lossy(&reply));
    Ok(())
}
