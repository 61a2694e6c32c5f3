//! `sock_getlocaladdr`, `sock_getpeeraddr` (V1, 4 args) and their `_v2` twins (3 args)
//! (spec §6.15–§6.17). The local address comes from the kernel; a TCP peer is the one
//! `hostsock` captured when the socket was connected (accept or a completed connect), so
//! it stays answerable after the peer reset, as `accept4`'s address does natively (see
//! the crate's `wasmedge` docs). An IPv4-mapped IPv6 peer stays IPv6 (type 6, 16 octets).
//!
//! AF_UNIX sockets report the *guest* paths kept in `socket::unix` (the kernel knows
//! only `/proc/self/fd/...` names): family 3 and the path in the 128-byte V2 storage,
//! port 0; an unnamed end is family 3 with an empty path. The V1 forms (4/16 bytes)
//! cannot hold a path: `ENOMEM`, as the spec gives for WasmEdge (§6.15).

use std::net::SocketAddr;

use hostsock::AddressFamily;
use netaddr::wasmedge::{self, IPV4_LEN, IPV6_LEN, STORAGE_LEN};

use crate::{
    ctx::GuestCtx,
    errno::{Errno, Fault},
    memory,
    wasmedge::{
        addr::{addr_errno, address_buf_mut, address_struct},
        socket_mut,
    },
};

/// Which end of the connection.
#[derive(Debug, Clone, Copy)]
enum End {
    Local,
    Peer,
}

/// What a get*addr call reports.
enum Name {
    /// An IP socket's address from the kernel.
    Ip(SocketAddr),
    /// An AF_UNIX socket's guest path (empty: unnamed).
    Unix(Vec<u8>),
}

fn lookup(cx: &mut GuestCtx, fd: u32, end: End) -> Result<Name, Fault> {
    let desc = socket_mut(cx, fd)?;
    let sock = &desc.sock;
    if sock.family() == AddressFamily::Unix {
        let known = match end {
            End::Local => &desc.names.local,
            End::Peer => {
                // ENOTCONN from the kernel when there is no peer.
                sock.unix_peer_path()?;
                &desc.names.peer
            }
        };
        return Ok(Name::Unix(known.clone().unwrap_or_default()));
    }
    Ok(Name::Ip(match end {
        End::Local => sock.local_addr()?,
        End::Peer => sock.peer_addr()?,
    }))
}

fn v1(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    type_p: u32,
    port_p: u32,
    end: End,
) -> Result<(), Fault> {
    let a = address_struct(mem, addr_p)?;
    memory::slice(mem, type_p, 4)?;
    memory::slice(mem, port_p, 4)?;
    if a.buf_len as usize != IPV4_LEN && a.buf_len as usize != IPV6_LEN {
        return Err(Errno::Inval.into());
    }
    let Name::Ip(addr) = lookup(cx, fd, end)? else {
        return Err(Errno::Nomem.into());
    };
    let out = wasmedge::encode_getaddr_v1(&addr, address_buf_mut(mem, a)?).map_err(addr_errno)?;
    memory::write_bytes(mem, type_p, &out.addr_type_bytes())?;
    memory::write_bytes(mem, port_p, &out.port_bytes())?;
    Ok(())
}

fn v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    port_p: u32,
    end: End,
) -> Result<(), Fault> {
    let a = address_struct(mem, addr_p)?;
    memory::slice(mem, port_p, 4)?;
    if a.buf_len as usize != STORAGE_LEN {
        return Err(Errno::Inval.into());
    }
    let buf = address_buf_mut(mem, a)?;
    let port = match lookup(cx, fd, end)? {
        Name::Ip(addr) => wasmedge::encode_getaddr_v2(&addr, buf).map_err(addr_errno)?,
        Name::Unix(path) => {
            wasmedge::encode_storage_unix_path(&path, buf).map_err(addr_errno)?;
            [0; 4]
        }
    };
    memory::write_bytes(mem, port_p, &port)?;
    Ok(())
}

/// `sock_getlocaladdr(fd, addr_p, addr_type_p, port_p)`: octets into a 4/16-byte
/// buffer, type 4 or 6, host-order port.
///
/// # Errors
///
/// `EFAULT`, `EINVAL` (buffer length), `ENOMEM` (IPv6 into 4 bytes, or an AF_UNIX
/// socket), `EBADF`, `ENOTSOCK`.
pub(crate) fn sock_getlocaladdr(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    addr_type_p: u32,
    port_p: u32,
) -> Result<(), Fault> {
    v1(cx, mem, fd, addr_p, addr_type_p, port_p, End::Local)
}

/// `sock_getpeeraddr(fd, addr_p, addr_type_p, port_p)`.
///
/// # Errors
///
/// As [`sock_getlocaladdr`], plus `ENOTCONN`.
pub(crate) fn sock_getpeeraddr(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    addr_type_p: u32,
    port_p: u32,
) -> Result<(), Fault> {
    v1(cx, mem, fd, addr_p, addr_type_p, port_p, End::Peer)
}

/// `sock_getlocaladdr_v2(fd, addr_p, port_p)`: 128-byte storage (family 1/2/3 at 0..2).
///
/// # Errors
///
/// `EINVAL` unless the buffer is 128 bytes; `EFAULT`, `EBADF`, `ENOTSOCK`.
pub(crate) fn sock_getlocaladdr_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    port_p: u32,
) -> Result<(), Fault> {
    v2(cx, mem, fd, addr_p, port_p, End::Local)
}

/// `sock_getpeeraddr_v2(fd, addr_p, port_p)`.
///
/// # Errors
///
/// As [`sock_getlocaladdr_v2`], plus `ENOTCONN`.
pub(crate) fn sock_getpeeraddr_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    port_p: u32,
) -> Result<(), Fault> {
    v2(cx, mem, fd, addr_p, port_p, End::Peer)
}
