//! UDP echo server on the `wasmedge_wasi_socket` SDK.
//!
//! Usage: `wasmedge-udp-echo [ADDR]` (or env `UDP_ADDR`; default `127.0.0.1:1235`; IPv6
//! works). Each datagram is sent back to the sender address `recv_from` reported, and a line
//! `<n> bytes from <addr>` is printed. Runs forever.
//!
//! Host calls: `sock_open` (DGRAM), `sock_bind`, the 8-arg `sock_recv_from` (bound to
//! WasmEdge's `sock_recv_from_v2`, 128-byte address storage plus a port output that the SDK
//! reads without a byte swap) and the 7-arg V1 `sock_send_to` (4/16-byte address). Whether
//! the reply reaches the real sender therefore depends on the host writing the port in the
//! order the SDK expects (see the ABI spec §6.9): this guest is the end-to-end check.

use wasmedge_guests::addr_from_args_or_env;
use wasmedge_wasi_socket::UdpSocket;

fn main() -> std::io::Result<()> {
    let addr = addr_from_args_or_env("UDP_ADDR", "127.0.0.1:1235");
    let socket = UdpSocket::bind(addr.as_str())?;
    println!("udp echo listening on {addr}");
    let mut buf = [0u8; 65536];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, peer)) => {
                println!("{n} bytes from {peer}");
                if let Err(e) = socket.send_to(&buf[..n], peer) {
                    eprintln!("send_to {peer}: {e}");
                }
            }
            Err(e) => eprintln!("recv_from: {e}"),
        }
    }
}
