//! WasmEdge's socket host calls and the standard preview1 socket calls
//! (`shared/spec/wasmedge-socket-abi.md`, "the spec" below).
//!
//! One host-call family per file: `sock.rs` (open, bind, listen, connect, accept),
//! `io.rs` (recv, send, recv_from, send_to, shutdown), `name.rs` (getlocaladdr,
//! getpeeraddr), `sockopt.rs`, `getaddrinfo.rs`. Addresses are decoded and encoded only
//! through `netaddr` (`addr.rs`); host sockets, readiness and the network policy come
//! from `hostsock`.
//!
//! # Binding: V1 and `_v2` forms (spec §4.2)
//!
//! Every V1 and `_v2` export has its own row in the host-call table. An import binds to
//! the row of its own name when the signatures match; otherwise, for the eleven names
//! WasmEdge redirects, to the `_v2` row when *its* signature matches
//! ([`v2_redirect`]). So one binary serves guests of every SDK generation whose forms
//! differ in signature: the 2-arg legacy `sock_accept` (SDK 0.2–0.5) and the standard
//! 3-arg one (wasi-libc, Rust std, tokio) → `sock_accept_v2`; the 7-arg V1
//! `sock_recv_from` and the SDK 0.5 8-arg one → `sock_recv_from_v2`; 4-arg and 3-arg
//! `sock_getlocaladdr` / `sock_getpeeraddr`.
//!
//! # Decisions where WasmEdge and its SDK disagree, or WasmEdge is undefined
//!
//! * **`sock_recv_from_v2` port byte order** (spec §6.9, §7.3): WasmEdge writes the
//!   sender's port in network order, and the Rust SDK 0.5 reads it without a swap, so
//!   `UdpSocket::recv_from` reports a byte-swapped port on WasmEdge and a UDP echo
//!   server replies to the wrong port. fdvirt writes the port so that the SDK's
//!   examples work end to end: **host order** (little-endian u16), the default of
//!   [`crate::SocketOptions::recv_from_port_order`]; the WasmEdge-exact network order is
//!   available as a switch.
//! * **V2 storage with a family other than 1/2** → `EINVAL` (undefined in WasmEdge).
//! * **`sock_shutdown(how = 0)`** → `EINVAL` (WasmEdge calls `shutdown(SHUT_RD)`).
//! * **`recv_from` without a sender address** → family 0 in the storage.
//! * **`getsockopt(SO_ERROR)` with fewer than 4 bytes** → `EINVAL`.
//! * **Socket option payloads** are decoded explicitly (4-byte int, 8-byte linger,
//!   16-byte timeval), never copied as raw host bytes.
//! * **getaddrinfo** never writes past a declared capacity and skips results without a
//!   WasmEdge socket type or protocol (see `getaddrinfo.rs`).
//! * **`sock_getpeeraddr` after the peer reset or closed** (every form, V1 and `_v2`)
//!   answers the peer captured when the TCP socket was connected: the address
//!   `accept4` returned, or the one a completed connect reached. WasmEdge asks the
//!   kernel, whose `getpeername` says `ENOTCONN` once a peer resets; the SDK's `accept`
//!   calls `sock_getpeeraddr` right after `sock_accept`, so a peer resetting between the
//!   two made `accept` fail, and `tokio_wasi` servers written the usual way
//!   (`listener.accept().await?`) exit (issue 16). Natively the address comes with
//!   `accept4` and cannot fail later; fdvirt behaves like that, for the socket's whole
//!   life. Unconnected sockets still get `ENOTCONN`. Test:
//!   `tests/sockets/resets.rs` (tokio's echo example under 3,000 resetting peers).
//! * **Unknown host errnos** → `EIO`; **misaligned pointers** are accepted (pre-0.16
//!   behaviour; wasm itself permits unaligned access).
//! * **`fd_fdstat_get` on a UDP socket** reports `SOCKET_DGRAM` (WasmEdge says
//!   `SOCKET_STREAM` for every socket); this is what wasi-libc's `getsockopt(SO_TYPE)`
//!   should see.
//! * **`AF_UNIX`** sockets are off by default: `sock_open(3, ..)` → `ENOSYS`, as WasmEdge
//!   without `--allow-af-unix` (checked before the socket type, spec §6.1). With
//!   [`crate::UnixSockets::Allow`] (`fdvirt run --allow-af-unix`) they work through the
//!   `_v2` calls' 128-byte storage (family 3), but unlike WasmEdge, which hands the
//!   guest's `sun_path` to the host kernel, the path is a **guest path confined to the
//!   preopens** like `path_open`: resolved through the longest matching preopen name
//!   (relative paths through relative names such as `.`), then by cap-std beneath it;
//!   `..`/symlink escapes, paths outside every preopen and abstract addresses are
//!   `ENOTCAPABLE`; bind needs `PATH_CREATE_FILE`. Only directory and `O_PATH` fds reach
//!   the kernel (`/proc/self/fd/<fd>[/<name>]`). The network policy does not apply.
//!   Binding an existing path is `EADDRINUSE` (a final symlink is not followed);
//!   `fd_close` does not unlink the socket file (POSIX). `getlocaladdr_v2` /
//!   `getpeeraddr_v2` / `recv_from_v2` report the guest path bound / connected to, an
//!   unnamed end as family 3 with an empty path, port 0 (WasmEdge: garbage); the V1
//!   4/16-byte forms cannot hold a path: get*addr → `ENOMEM` (spec §6.15), recv_from
//!   writes nothing. See `crate::socket::unix`.
//!
//! * **`epoll_oneoff`** (the SDK's `epoll` feature; spec §5.4 calls it edge-triggered)
//!   is served by `poll_oneoff`, level-triggered, because that is what guests observe on
//!   WasmEdge: its poller (`lib/host/wasi/inode-linux.cpp`, `Poller::read`/`write`)
//!   registers with `EPOLLET` but issues `EPOLL_CTL_MOD` for every fd of every call
//!   (`ADD` for new ones), and Linux re-checks the level on `MOD` and queues a fd that is
//!   still ready (checked on this machine: `EPOLLET` fd, partial read, no event; same
//!   flags re-`MOD`ed, event again). So a socket with unread data, or a listener with
//!   connections still queued, is reported by every call, and real SDK guests rely on
//!   it: the SDK's own `examples/poll_tcp_listener.rs` accepts one connection per
//!   readable event, and a burst of connections would strand all but the first under
//!   true edge triggering. Tests: `tests/poll_semantics.rs`. None of the guests here
//!   imports `epoll_oneoff` (`guests/sockets/list-imports.py`): `mio_wasi`, and so
//!   tokio_wasi + hyper_wasi, enable only the SDK's `wasi_poll` feature.
//! * **A socket subscribed twice for one direction in one poll** (`poll_oneoff` or
//!   `epoll_oneoff`): the second subscription completes at once with `EXIST` (20),
//!   `nbytes` 0, `flags` 0, as WasmEdge's merged per-fd registration does (spec §5.4);
//!   the call succeeds and the other subscriptions are unaffected. Sockets only: a
//!   duplicated file or stdio subscription fires once per subscription, as in Wasmtime
//!   and standard preview1, so wasi-libc's `poll()` over a repeated file `pollfd` keeps
//!   working (see `wasi::poll`).
//!
//! # Host-side choices
//!
//! * **TCP_NODELAY** is set on every stream socket the guest opens or accepts (on by
//!   default, [`crate::SocketOptions::nodelay`]; `fdvirt run --no-nodelay` turns it off):
//!   the WasmEdge ABI gives a guest no way to set it (SOL_SOCKET options only), and hyper
//!   writes a response's head and body in two sends, which with Nagle's algorithm and the
//!   client's delayed ACK costs ~40 ms per keep-alive response. Measured with the
//!   tokio_wasi + hyper_wasi guest on one keep-alive connection (release build): about
//!   13,000 requests/s with it, 20 requests/s without (WasmEdge: 22.8).
//! * **Accept checks for a free guest fd first**: when the fd table is full the guest gets
//!   `EMFILE` and the pending connection stays in the kernel backlog, to be served once
//!   the guest closes an fd (the connection is not accepted and dropped). A peer that
//!   reset before the accept is skipped by `hostsock` and never fails the listener.
//! * Host sockets are non-blocking underneath; a guest-blocking call waits for readiness
//!   of that one socket and honours `SO_RCVTIMEO`/`SO_SNDTIMEO`.
//! * `poll_oneoff` waits in one persistent poller per guest (see `crate::socket`); a
//!   registered socket costs the host exactly one fd (the poller registers the socket's
//!   own fd; the socket deletes the registration before it closes). The CLI raises its
//!   soft `RLIMIT_NOFILE` to the hard limit so a guest can hold as many connections as
//!   the host allows.

// Host-call signatures mirror the ABI one-to-one, so many take more than seven i32s.
#![allow(clippy::too_many_arguments)]

pub(crate) mod addr;
pub(crate) mod getaddrinfo;
pub(crate) mod io;
pub(crate) mod name;
pub(crate) mod sock;
pub(crate) mod sockopt;
#[cfg(test)]
mod tests;

use crate::{ctx::GuestCtx, descriptor::Descriptor, errno::Errno, socket::SocketDesc};
use getaddrinfo::sock_getaddrinfo;
use io::{
    sock_recv, sock_recv_from, sock_recv_from_v2, sock_recv_v2, sock_send, sock_send_to,
    sock_send_to_v2, sock_send_v2, sock_shutdown,
};
use name::{sock_getlocaladdr, sock_getlocaladdr_v2, sock_getpeeraddr, sock_getpeeraddr_v2};
use sock::{
    sock_accept, sock_accept_v2, sock_bind, sock_bind_v2, sock_connect, sock_connect_v2,
    sock_listen, sock_listen_v2, sock_open, sock_open_v2,
};
use sockopt::{sock_getsockopt, sock_setsockopt};

/// The socket behind guest `fd`.
///
/// # Errors
///
/// `EBADF` when `fd` is not open, `ENOTSOCK` when it is not a socket (spec §1).
pub(crate) fn socket_mut(cx: &mut GuestCtx, fd: u32) -> Result<&mut SocketDesc, Errno> {
    match &mut cx.entry_mut(fd)?.desc {
        Descriptor::Socket(s) => Ok(s),
        _ => Err(Errno::Notsock),
    }
}

/// The names WasmEdge redirects to `<name>_v2` when a guest imports them with a
/// signature other than V1's (spec §4.2, step 2).
const REDIRECTED: [(&str, &str); 11] = [
    ("sock_open", "sock_open_v2"),
    ("sock_bind", "sock_bind_v2"),
    ("sock_connect", "sock_connect_v2"),
    ("sock_listen", "sock_listen_v2"),
    ("sock_accept", "sock_accept_v2"),
    ("sock_recv", "sock_recv_v2"),
    ("sock_recv_from", "sock_recv_from_v2"),
    ("sock_send", "sock_send_v2"),
    ("sock_send_to", "sock_send_to_v2"),
    ("sock_getlocaladdr", "sock_getlocaladdr_v2"),
    ("sock_getpeeraddr", "sock_getpeeraddr_v2"),
];

/// The `_v2` row an import of `name` falls back to when its signature differs from
/// the V1 row's (spec §4.2); `None` for every other name.
pub fn v2_redirect(name: &str) -> Option<&'static str> {
    REDIRECTED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v2)| *v2)
}

crate::abi::host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        sock_open(af: u32, socktype: u32, ro_fd_p: u32) -> errno,
        sock_open_v2(af: u32, socktype: u32, ro_fd_p: u32) -> errno,
        sock_bind(fd: u32, addr_p: u32, port: u32) -> errno,
        sock_bind_v2(fd: u32, addr_p: u32, port: u32) -> errno,
        sock_listen(fd: u32, backlog: i32) -> errno,
        sock_listen_v2(fd: u32, backlog: i32) -> errno,
        sock_connect(fd: u32, addr_p: u32, port: u32) -> errno,
        sock_connect_v2(fd: u32, addr_p: u32, port: u32) -> errno,
        sock_accept(fd: u32, ro_fd_p: u32) -> errno,
        sock_accept_v2(fd: u32, flags: u32, ro_fd_p: u32) -> errno,
        sock_recv(fd: u32, ri_data_p: u32, ri_data_len: u32, ri_flags: u32, ro_datalen_p: u32, ro_flags_p: u32) -> errno,
        sock_recv_v2(fd: u32, ri_data_p: u32, ri_data_len: u32, ri_flags: u32, ro_datalen_p: u32, ro_flags_p: u32) -> errno,
        sock_recv_from(fd: u32, ri_data_p: u32, ri_data_len: u32, addr_p: u32, ri_flags: u32, ro_datalen_p: u32, ro_flags_p: u32) -> errno,
        sock_recv_from_v2(fd: u32, ri_data_p: u32, ri_data_len: u32, addr_p: u32, ri_flags: u32, port_p: u32, ro_datalen_p: u32, ro_flags_p: u32) -> errno,
        sock_send(fd: u32, si_data_p: u32, si_data_len: u32, si_flags: u32, so_datalen_p: u32) -> errno,
        sock_send_v2(fd: u32, si_data_p: u32, si_data_len: u32, si_flags: u32, so_datalen_p: u32) -> errno,
        sock_send_to(fd: u32, si_data_p: u32, si_data_len: u32, addr_p: u32, port: u32, si_flags: u32, so_datalen_p: u32) -> errno,
        sock_send_to_v2(fd: u32, si_data_p: u32, si_data_len: u32, addr_p: u32, port: u32, si_flags: u32, so_datalen_p: u32) -> errno,
        sock_shutdown(fd: u32, how: u32) -> errno,
        sock_getsockopt(fd: u32, level: u32, name: u32, flag_p: u32, flag_size_p: u32) -> errno,
        sock_setsockopt(fd: u32, level: u32, name: u32, flag_p: u32, flag_size: u32) -> errno,
        sock_getlocaladdr(fd: u32, addr_p: u32, addr_type_p: u32, port_p: u32) -> errno,
        sock_getlocaladdr_v2(fd: u32, addr_p: u32, port_p: u32) -> errno,
        sock_getpeeraddr(fd: u32, addr_p: u32, addr_type_p: u32, port_p: u32) -> errno,
        sock_getpeeraddr_v2(fd: u32, addr_p: u32, port_p: u32) -> errno,
        sock_getaddrinfo(node_p: u32, node_len: u32, service_p: u32, service_len: u32, hints_p: u32, res_p: u32, max_res_len: u32, res_len_p: u32) -> errno,
        epoll_oneoff(subs: u32, events: u32, nsubscriptions: u32, nevents: u32) -> errno,
    ];
}

/// `epoll_oneoff`: WasmEdge's twin of `poll_oneoff` (spec §5.4), used by the SDK's
/// `epoll` feature. Served by `poll_oneoff`, level-triggered, which is what guests observe
/// on WasmEdge (it re-arms every subscribed fd with `EPOLL_CTL_MOD` on each call; see
/// "Decisions" above).
///
/// # Errors
///
/// As `poll_oneoff`.
fn epoll_oneoff(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    subs: u32,
    events: u32,
    nsubscriptions: u32,
    nevents: u32,
) -> Result<(), crate::errno::Fault> {
    crate::wasi::poll::poll_oneoff(cx, mem, subs, events, nsubscriptions, nevents)
}
