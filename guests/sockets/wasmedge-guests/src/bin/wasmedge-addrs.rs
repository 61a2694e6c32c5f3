//! Reports each connection's local and peer address through both forms of
//! `sock_getlocaladdr` / `sock_getpeeraddr`, with raw imports and correct buffers.
//!
//! Usage: `wasmedge-addrs [ADDR]` (or env `ADDRS_ADDR`; default `127.0.0.1:1236`; IPv6 works,
//! e.g. `[::1]:1236` or `[::]:1236`). Binds with the SDK's blocking `TcpListener`, then for
//! every connection sends one line and closes it:
//! `local_v1=<addr> peer_v1=<addr> local_v2=<addr> peer_v2=<addr>\n` (a failing call shows
//! `errno:<n>`). The same line goes to stdout. Serves forever.
//!
//! Why raw imports: the SDK 0.5.5's `local_addr()`/`peer_addr()` pass an immutable
//! `let addr_buf = [0u8; 16]` to the host through a `*const` pointer, so optimised builds may
//! assume it is still zero and report `0.0.0.0` whatever the host wrote (observed in this
//! workspace's release build). This guest checks the host's answers without that bug.
//!
//! Imports (besides the SDK's): `sock_getlocaladdr` and `sock_getpeeraddr` (V1, 4 args,
//! 16-byte buffer, type 4/6, u32 port; spec §6.15, §6.17) and `sock_getlocaladdr_v2` and
//! `sock_getpeeraddr_v2` (3 args, 128-byte storage; spec §6.16).

use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use wasmedge_guests::addr_from_args_or_env;
use wasmedge_wasi_socket::TcpListener;

/// `__wasi_address_t` (spec §3.1).
#[repr(C)]
struct WasiAddress {
    buf: *mut u8,
    len: u32,
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn sock_getlocaladdr(fd: u32, addr: *mut WasiAddress, ty: *mut u32, port: *mut u32) -> i32;
    fn sock_getpeeraddr(fd: u32, addr: *mut WasiAddress, ty: *mut u32, port: *mut u32) -> i32;
    fn sock_getlocaladdr_v2(fd: u32, addr: *mut WasiAddress, port: *mut u32) -> i32;
    fn sock_getpeeraddr_v2(fd: u32, addr: *mut WasiAddress, port: *mut u32) -> i32;
}

type V1 = unsafe extern "C" fn(u32, *mut WasiAddress, *mut u32, *mut u32) -> i32;
type V2 = unsafe extern "C" fn(u32, *mut WasiAddress, *mut u32) -> i32;

/// Calls a V1 query: 16-byte buffer, type 4 (IPv4) or 6 (IPv6), host-order port.
fn query_v1(call: V1, fd: u32) -> String {
    let mut buf = [0u8; 16];
    let mut addr = WasiAddress {
        buf: buf.as_mut_ptr(),
        len: 16,
    };
    let (mut ty, mut port) = (0u32, 0u32);
    // SAFETY: `addr` describes `buf` (16 writable bytes); `ty` and `port` are live u32s.
    let errno = unsafe { call(fd, &mut addr, &mut ty, &mut port) };
    let port = port as u16;
    match (errno, ty) {
        (0, 4) => {
            SocketAddr::from((Ipv4Addr::new(buf[0], buf[1], buf[2], buf[3]), port)).to_string()
        }
        (0, 6) => SocketAddr::from((Ipv6Addr::from(buf), port)).to_string(),
        (0, other) => format!("type:{other}"),
        (e, _) => format!("errno:{e}"),
    }
}

/// Calls a V2 query: 128-byte storage, u16 LE family (1 INET4, 2 INET6) then the octets.
fn query_v2(call: V2, fd: u32) -> String {
    let mut buf = [0u8; 128];
    let mut addr = WasiAddress {
        buf: buf.as_mut_ptr(),
        len: 128,
    };
    let mut port = 0u32;
    // SAFETY: `addr` describes `buf` (128 writable bytes); `port` is a live u32.
    let errno = unsafe { call(fd, &mut addr, &mut port) };
    let port = port as u16;
    let mut v6 = [0u8; 16];
    v6.copy_from_slice(&buf[2..18]);
    match (errno, u16::from_le_bytes([buf[0], buf[1]])) {
        (0, 1) => {
            SocketAddr::from((Ipv4Addr::new(buf[2], buf[3], buf[4], buf[5]), port)).to_string()
        }
        (0, 2) => SocketAddr::from((Ipv6Addr::from(v6), port)).to_string(),
        (0, other) => format!("family:{other}"),
        (e, _) => format!("errno:{e}"),
    }
}

fn main() -> std::io::Result<()> {
    let addr = addr_from_args_or_env("ADDRS_ADDR", "127.0.0.1:1236");
    let listener = TcpListener::bind(addr.as_str(), false)?;
    println!("addrs server listening on {addr}");
    loop {
        let mut stream = match listener.accept(false) {
            Ok((s, _)) => s,
            Err(e) => {
                eprintln!("accept: {e}");
                continue;
            }
        };
        let fd = stream.as_raw_fd() as u32;
        let line = format!(
            "local_v1={} peer_v1={} local_v2={} peer_v2={}\n",
            query_v1(sock_getlocaladdr, fd),
            query_v1(sock_getpeeraddr, fd),
            query_v2(sock_getlocaladdr_v2, fd),
            query_v2(sock_getpeeraddr_v2, fd),
        );
        print!("{line}");
        if let Err(e) = stream.write_all(line.as_bytes()) {
            eprintln!("write: {e}");
        }
    }
}
