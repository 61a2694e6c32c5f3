//! `sock_open`, `sock_bind`, `sock_listen`, `sock_connect`, `sock_accept` and their
//! `_v2` twins (spec §6.1–§6.6). Order of checks as the spec gives it: outputs and
//! address spans (`EFAULT`) → enums (`EINVAL`) → fd (`EBADF`, `ENOTSOCK`) → host call.

use std::net::SocketAddr;

use hostsock::{AddressFamily as HostFamily, Blocking, Socket, SocketKind};
use netaddr::{AddressFamily, Narrowing, SocketType, wasmedge::Generation};

use crate::{
    ctx::GuestCtx,
    descriptor::{Descriptor, FdEntry},
    errno::{Errno, Fault},
    memory,
    socket::{SocketDesc, UnixSockets, unix},
    types::fdflags,
    wasmedge::{
        addr::{GuestAddr, read_guest_address},
        socket_mut,
    },
};

/// `sock_open(af, socktype, ro_fd_p)`: a new blocking socket.
///
/// # Errors
///
/// `EFAULT` (output), `EINVAL` (family or type), `ENOSYS` (AF_UNIX unless
/// [`UnixSockets::Allow`]), `EMFILE`, host errors.
pub(crate) fn sock_open(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    af: u32,
    socktype: u32,
    ro_fd_p: u32,
) -> Result<(), Fault> {
    memory::slice(mem, ro_fd_p, 4)?;
    let af = Narrowing::Truncate.to_u8(af).map_err(|_| Errno::Inval)?;
    let family = match AddressFamily::from_wasmedge(u32::from(af)).map_err(|_| Errno::Inval)? {
        AddressFamily::Ipv4 => HostFamily::Ipv4,
        AddressFamily::Ipv6 => HostFamily::Ipv6,
        AddressFamily::Unix => match cx.net.options.unix {
            UnixSockets::Allow => HostFamily::Unix,
            UnixSockets::Deny => return Err(Errno::Nosys.into()),
        },
        AddressFamily::Unspec => return Err(Errno::Inval.into()),
    };
    let ty = Narrowing::Truncate
        .to_u8(socktype)
        .map_err(|_| Errno::Inval)?;
    let kind = match SocketType::from_wasmedge(u32::from(ty)).map_err(|_| Errno::Inval)? {
        SocketType::Stream => SocketKind::Stream,
        SocketType::Dgram => SocketKind::Datagram,
        _ => return Err(Errno::Inval.into()),
    };
    // Reserve the guest fd before creating the host socket: EMFILE costs nothing, and
    // the fd is the one the table's policy hands out next (reserve, then install).
    let vacant = cx.fds.vacant_fd()?;
    let mut sock = Socket::open(family, kind, cx.net.policy.clone())?;
    cx.net.configure(&mut sock);
    let fd = vacant.insert(entry(SocketDesc::new(sock), 0));
    memory::write_u32(mem, ro_fd_p, fd)?;
    Ok(())
}

/// `sock_open_v2`: identical to [`sock_open`].
///
/// # Errors
///
/// As [`sock_open`].
pub(crate) fn sock_open_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    af: u32,
    socktype: u32,
    ro_fd_p: u32,
) -> Result<(), Fault> {
    sock_open(cx, mem, af, socktype, ro_fd_p)
}

/// The fd-table entry of a new socket with `flags` (fdflags) recorded.
fn entry(desc: SocketDesc, flags: u16) -> FdEntry {
    let rights = SocketDesc::rights();
    let mut entry = FdEntry::new(Descriptor::Socket(desc), rights, rights);
    entry.flags = flags;
    entry
}

/// The host operation behind `sock_bind` / `sock_connect` for an IP address.
type AddrOp = fn(&mut Socket, SocketAddr) -> std::io::Result<()>;

/// The operation behind `sock_bind_v2` / `sock_connect_v2` for an AF_UNIX guest path.
type UnixOp = fn(&mut GuestCtx, u32, &[u8]) -> Result<(), Fault>;

/// Shared body of `sock_bind` and `sock_connect` (both generations): the address is
/// read and checked (`EFAULT`, `EINVAL`) before the fd (`EBADF`, `ENOTSOCK`), then `op`
/// (an IP address) or `unix_op` (an AF_UNIX path, V2 storage only).
fn with_address(
    cx: &mut GuestCtx,
    mem: &[u8],
    [fd, addr_p, port]: [u32; 3],
    g: Generation,
    (op, unix_op): (AddrOp, UnixOp),
) -> Result<(), Fault> {
    match read_guest_address(mem, addr_p, port, g)? {
        GuestAddr::Ip(addr) => op(&mut socket_mut(cx, fd)?.sock, addr)?,
        GuestAddr::Unix(path) => unix_op(cx, fd, &path)?,
    }
    Ok(())
}

/// `sock_bind*`'s pair of operations.
const BIND: (AddrOp, UnixOp) = (Socket::bind, unix::bind);
/// `sock_connect*`'s pair of operations.
const CONNECT: (AddrOp, UnixOp) = (Socket::connect, unix::connect);

/// `sock_bind(fd, addr_p, port)`: V1, 4/16-byte addresses.
///
/// # Errors
///
/// `EFAULT`, `EINVAL`, `EBADF`, `ENOTSOCK`, `EACCES` (policy), host errors.
pub(crate) fn sock_bind(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    port: u32,
) -> Result<(), Fault> {
    with_address(cx, mem, [fd, addr_p, port], Generation::V1, BIND)
}

/// `sock_bind_v2(fd, addr_p, port)`: also the 128-byte storage form.
///
/// # Errors
///
/// As [`sock_bind`].
pub(crate) fn sock_bind_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    port: u32,
) -> Result<(), Fault> {
    with_address(cx, mem, [fd, addr_p, port], Generation::V2, BIND)
}

/// `sock_listen(fd, backlog)`.
///
/// # Errors
///
/// `EBADF`, `ENOTSOCK`, `ENOTSUP` (UDP), host errors.
pub(crate) fn sock_listen(
    cx: &mut GuestCtx,
    _mem: &mut [u8],
    fd: u32,
    backlog: i32,
) -> Result<(), Fault> {
    socket_mut(cx, fd)?.sock.listen(backlog)?;
    Ok(())
}

/// `sock_listen_v2`: identical to [`sock_listen`].
///
/// # Errors
///
/// As [`sock_listen`].
pub(crate) fn sock_listen_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    backlog: i32,
) -> Result<(), Fault> {
    sock_listen(cx, mem, fd, backlog)
}

/// `sock_connect(fd, addr_p, port)`: V1.
///
/// # Errors
///
/// `EFAULT`, `EINVAL`, `EBADF`, `ENOTSOCK`, `EACCES` (policy), `EINPROGRESS`
/// (non-blocking), `ECONNREFUSED`, ...
pub(crate) fn sock_connect(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    port: u32,
) -> Result<(), Fault> {
    with_address(cx, mem, [fd, addr_p, port], Generation::V1, CONNECT)
}

/// `sock_connect_v2(fd, addr_p, port)`: also the 128-byte storage form.
///
/// # Errors
///
/// As [`sock_connect`].
pub(crate) fn sock_connect_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    addr_p: u32,
    port: u32,
) -> Result<(), Fault> {
    with_address(cx, mem, [fd, addr_p, port], Generation::V2, CONNECT)
}

/// Accepts on `fd` into a new guest fd with `flags`. Room for a guest fd is checked
/// first (the reservation cannot be held across the accept: the listener lives in the
/// same table), so a full table gives `EMFILE` while the connection stays in the
/// kernel backlog for later; a peer that reset before the accept is skipped by
/// hostsock and never fails the listener.
fn accept(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    flags: u16,
    ro_fd_p: u32,
) -> Result<(), Fault> {
    memory::slice(mem, ro_fd_p, 4)?;
    socket_mut(cx, fd)?;
    cx.fds.vacant_fd().map(|_| ())?;
    let blocking = if flags & fdflags::NONBLOCK != 0 {
        Blocking::No
    } else {
        Blocking::Yes
    };
    let listener = socket_mut(cx, fd)?;
    let (mut sock, names) = if listener.sock.family() == HostFamily::Unix {
        // The peer's host path (if any) means nothing to the guest: unnamed. The local
        // name is the listener's, as Linux reports for an accepted UNIX socket.
        let (sock, _peer) = listener.sock.accept_unix(blocking)?;
        let names = unix::UnixNames {
            local: listener.names.local.clone(),
            peer: None,
        };
        (sock, names)
    } else {
        (
            listener.sock.accept(blocking)?.0,
            unix::UnixNames::default(),
        )
    };
    cx.net.configure(&mut sock);
    let mut desc = SocketDesc::new(sock);
    desc.names = names;
    let new_fd = cx.fds.insert(entry(desc, flags & fdflags::NONBLOCK))?;
    memory::write_u32(mem, ro_fd_p, new_fd)?;
    Ok(())
}

/// `sock_accept(fd, ro_fd_p)`: WasmEdge's legacy 2-argument form (V1); the new socket
/// is blocking.
///
/// # Errors
///
/// `EFAULT`, `EBADF`, `ENOTSOCK`, `EINVAL` (not listening), `EAGAIN` (non-blocking
/// listener, nothing pending), `EMFILE`.
pub(crate) fn sock_accept(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    ro_fd_p: u32,
) -> Result<(), Fault> {
    accept(cx, mem, fd, 0, ro_fd_p)
}

/// `sock_accept_v2(fd, flags, ro_fd_p)`: the standard preview1 `sock_accept`; `flags`
/// are the new fd's fdflags (only NONBLOCK has an effect).
///
/// # Errors
///
/// `EINVAL` for flags outside 0x1F, else as [`sock_accept`].
pub(crate) fn sock_accept_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    flags: u32,
    ro_fd_p: u32,
) -> Result<(), Fault> {
    let flags = Narrowing::Truncate
        .to_u16(flags)
        .map_err(|_| Errno::Inval)?;
    if flags & !fdflags::ALL != 0 {
        return Err(Errno::Inval.into());
    }
    accept(cx, mem, fd, flags, ro_fd_p)
}
