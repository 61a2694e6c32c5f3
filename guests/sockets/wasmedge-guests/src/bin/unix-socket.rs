//! AF_UNIX sockets over the WasmEdge socket ABI, with hand-written imports: the crates.io
//! `wasmedge_wasi_socket` 0.5 SDK has no UNIX socket API, and AF_UNIX addresses exist only
//! in the 128-byte V2 storage (family 3, `sun_path` at bytes 2..110), so the `_v2` calls
//! are imported by name, as WasmEdge's own AF_UNIX example does.
//!
//! Usage (guest paths; the host decides what they map to):
//!
//! * `unix-socket serve PATH [COUNT]`: bind and listen on PATH, print `local <path>`, then
//!   for COUNT connections (default 1) print `peer <path>` and echo until end of stream;
//!   exit 0.
//! * `unix-socket client PATH MESSAGE`: connect to PATH, print `peer <path>`, send MESSAGE,
//!   half-close, print `reply: <text>` with everything received until end of stream.
//! * `unix-socket try-bind PATH` / `try-connect PATH`: print `bind <errno>` /
//!   `connect <errno>` (0 = success) and exit 0; for sandbox tests.
//!
//! Any failed call prints `<call> failed: errno <n>` to stderr and exits 1.

use std::process::exit;

/// `__wasi_address_t`: pointer and length of the address bytes (8 bytes on wasm32).
#[repr(C)]
struct WasiAddress {
    buf: *mut u8,
    size: u32,
}

/// `ciovec`/`iovec` (8 bytes on wasm32).
#[repr(C)]
struct Iovec {
    buf: *const u8,
    len: u32,
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn sock_open(af: u32, socktype: u32, ro_fd: *mut u32) -> i32;
    fn sock_bind_v2(fd: u32, addr: *const WasiAddress, port: u32) -> i32;
    fn sock_connect_v2(fd: u32, addr: *const WasiAddress, port: u32) -> i32;
    fn sock_listen(fd: u32, backlog: u32) -> i32;
    fn sock_accept_v2(fd: u32, flags: u32, ro_fd: *mut u32) -> i32;
    fn sock_getlocaladdr_v2(fd: u32, addr: *const WasiAddress, port: *mut u32) -> i32;
    fn sock_getpeeraddr_v2(fd: u32, addr: *const WasiAddress, port: *mut u32) -> i32;
    fn sock_recv(
        fd: u32,
        ri_data: *const Iovec,
        ri_data_len: u32,
        ri_flags: u32,
        ro_datalen: *mut u32,
        ro_flags: *mut u16,
    ) -> i32;
    fn sock_send(fd: u32, si_data: *const Iovec, len: u32, flags: u32, out: *mut u32) -> i32;
    fn sock_shutdown(fd: u32, how: u32) -> i32;
    fn fd_close(fd: u32) -> i32;
}

/// WASI `address_family` AF_UNIX and `sock_type` SOCK_STREAM (spec §2.2).
const AF_UNIX: u32 = 3;
const SOCK_STREAM: u32 = 2;

/// Exits 1 with a message unless `errno` is 0.
fn check(call: &str, errno: i32) {
    if errno != 0 {
        eprintln!("{call} failed: errno {errno}");
        exit(1);
    }
}

/// A V2 address storage for `path` (family 3 little-endian, the path, a NUL).
fn storage(path: &str) -> [u8; 128] {
    let mut s = [0u8; 128];
    s[..2].copy_from_slice(&3u16.to_le_bytes());
    let bytes = path.as_bytes();
    if bytes.len() > 107 {
        eprintln!("path too long for sun_path");
        exit(1);
    }
    s[2..2 + bytes.len()].copy_from_slice(bytes);
    s
}

fn open() -> u32 {
    let mut fd = 0u32;
    // SAFETY: `fd` is a live u32 the host writes the new fd into.
    check("sock_open", unsafe {
        sock_open(AF_UNIX, SOCK_STREAM, &mut fd)
    });
    fd
}

/// Calls `sock_bind_v2` or `sock_connect_v2` with `path`; returns the errno.
fn with_path(
    path: &str,
    call: unsafe extern "C" fn(u32, *const WasiAddress, u32) -> i32,
    fd: u32,
) -> i32 {
    let mut s = storage(path);
    let addr = WasiAddress {
        buf: s.as_mut_ptr(),
        size: 128,
    };
    // SAFETY: `addr` names the live 128-byte `s`; the host only reads it.
    unsafe { call(fd, &addr, 0) }
}

/// The `(family, path)` a get*addr_v2 call reports for `fd`.
fn name(
    call: unsafe extern "C" fn(u32, *const WasiAddress, *mut u32) -> i32,
    what: &str,
    fd: u32,
) -> (u16, String) {
    let mut s = [0xAAu8; 128];
    let addr = WasiAddress {
        buf: s.as_mut_ptr(),
        size: 128,
    };
    let mut port = 0u32;
    // SAFETY: `addr` names the live, writable 128-byte `s` and `port` is a live u32. The
    // buffer is read back below through `s` itself, after the call wrote it.
    check(what, unsafe { call(fd, &addr, &mut port) });
    let s = std::hint::black_box(s);
    let family = u16::from_le_bytes([s[0], s[1]]);
    let path: Vec<u8> = s[2..110].iter().take_while(|&&b| b != 0).copied().collect();
    (family, String::from_utf8_lossy(&path).into_owned())
}

fn recv(fd: u32, buf: &mut [u8]) -> usize {
    let iov = Iovec {
        buf: buf.as_mut_ptr(),
        len: buf.len() as u32,
    };
    let (mut n, mut flags) = (0u32, 0u16);
    // SAFETY: `iov` points at the live, writable `buf`; both outputs are live locals.
    check("sock_recv", unsafe {
        sock_recv(fd, &iov, 1, 0, &mut n, &mut flags)
    });
    n as usize
}

fn send_all(fd: u32, mut data: &[u8]) {
    while !data.is_empty() {
        let iov = Iovec {
            buf: data.as_ptr(),
            len: data.len() as u32,
        };
        let mut n = 0u32;
        // SAFETY: `iov` points at the live `data`; `n` is a live u32.
        check("sock_send", unsafe { sock_send(fd, &iov, 1, 0, &mut n) });
        data = &data[(n as usize).min(data.len())..];
    }
}

fn serve(path: &str, count: usize) {
    let fd = open();
    check("sock_bind_v2", with_path(path, sock_bind_v2, fd));
    // SAFETY: plain integer arguments.
    check("sock_listen", unsafe { sock_listen(fd, 16) });
    let (family, local) = name(sock_getlocaladdr_v2, "sock_getlocaladdr_v2", fd);
    println!("local {local} family {family}");
    for _ in 0..count {
        let mut conn = 0u32;
        // SAFETY: `conn` is a live u32 the host writes the accepted fd into.
        check("sock_accept_v2", unsafe {
            sock_accept_v2(fd, 0, &mut conn)
        });
        let (family, peer) = name(sock_getpeeraddr_v2, "sock_getpeeraddr_v2", conn);
        println!("peer '{peer}' family {family}");
        let mut buf = [0u8; 4096];
        loop {
            let n = recv(conn, &mut buf);
            if n == 0 {
                break;
            }
            send_all(conn, &buf[..n]);
        }
        // SAFETY: plain integer argument.
        check("fd_close", unsafe { fd_close(conn) });
    }
}

fn client(path: &str, message: &str) {
    let fd = open();
    check("sock_connect_v2", with_path(path, sock_connect_v2, fd));
    let (family, peer) = name(sock_getpeeraddr_v2, "sock_getpeeraddr_v2", fd);
    println!("peer {peer} family {family}");
    send_all(fd, message.as_bytes());
    // SAFETY: plain integer arguments (2 = SHUT_WR).
    check("sock_shutdown", unsafe { sock_shutdown(fd, 2) });
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = recv(fd, &mut buf);
        if n == 0 {
            break;
        }
        reply.extend_from_slice(&buf[..n]);
    }
    println!("reply: {}", String::from_utf8_lossy(&reply));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    match (arg(1), arg(2)) {
        (Some("serve"), Some(path)) => {
            serve(path, arg(3).and_then(|c| c.parse().ok()).unwrap_or(1))
        }
        (Some("client"), Some(path)) => client(path, arg(3).unwrap_or("hello")),
        (Some("try-bind"), Some(path)) => {
            println!("bind {}", with_path(path, sock_bind_v2, open()))
        }
        (Some("try-connect"), Some(path)) => {
            println!("connect {}", with_path(path, sock_connect_v2, open()))
        }
        _ => {
            eprintln!(
                "usage: unix-socket serve PATH [COUNT] | client PATH MESSAGE | try-bind PATH | try-connect PATH"
            );
            exit(2);
        }
    }
}
