//! `sock_recv`, `sock_recv_from`, `sock_send`, `sock_send_to`, `sock_shutdown` and their
//! `_v2` twins (spec §6.7–§6.12). `sock_recv`/`sock_send`/`sock_shutdown` are also the
//! standard preview1 calls of the same names and signatures.
//!
//! One buffer (the usual case) goes straight between guest memory and the kernel. Several
//! are staged through a host buffer: iovecs may overlap in guest memory, so they cannot
//! be handed to the kernel as disjoint mutable slices. A receive stages at most
//! [`RECV_CHUNK`] bytes (a short read is legal for every socket type; no datagram is
//! larger).

use std::io::{IoSlice, IoSliceMut};

use hostsock::{RecvFlags, Shutdown};
use netaddr::{
    Narrowing,
    wasmedge::{self, Generation},
};

use crate::{
    ctx::GuestCtx,
    errno::{Errno, Fault},
    memory::{self, IoVecs},
    socket::unix,
    wasmedge::{
        addr::{GuestAddr, addr_errno, address_buf_mut, address_struct, read_guest_address},
        socket_mut,
    },
};

/// Most iovec entries one call accepts (WasmEdge `kIOVMax`).
const IOV_MAX: u32 = 1024;
/// Largest receive or send staged through a host buffer at once.
const RECV_CHUNK: usize = 1 << 20;
/// `riflags`: PEEK | WAITALL.
const RIFLAGS_ALL: u16 = 0x3;
/// `roflags::RECV_DATA_TRUNCATED`.
const RECV_DATA_TRUNCATED: u16 = 0x1;

/// Validates `riflags` and the iovec list, then the two outputs.
fn recv_args(
    mem: &[u8],
    iov: u32,
    iov_len: u32,
    riflags: u32,
    outs: &[(u32, u32)],
) -> Result<(IoVecs, RecvFlags), Errno> {
    let flags = Narrowing::Truncate
        .to_u16(riflags)
        .map_err(|_| Errno::Inval)?;
    if flags & !RIFLAGS_ALL != 0 || iov_len > IOV_MAX {
        return Err(Errno::Inval);
    }
    let iovs = memory::iovecs(mem, iov, iov_len)?;
    for &(p, len) in outs {
        memory::slice(mem, p, len)?;
    }
    Ok((
        iovs,
        RecvFlags {
            peek: flags & 1 != 0,
            waitall: flags & 2 != 0,
        },
    ))
}

/// Receives on `fd`; returns (bytes, truncated, sender) after scattering into guest memory.
fn recv_into(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    iovs: &IoVecs,
    flags: RecvFlags,
) -> Result<(usize, bool, Option<std::net::SocketAddr>), Fault> {
    let sock = &mut socket_mut(cx, fd)?.sock;
    // One buffer (the common case): receive straight into guest memory.
    if let [r] = iovs.ranges()
        && let Some(dst) = mem.get_mut(r.clone())
    {
        let (got, from) = sock.recv_from(&mut [IoSliceMut::new(dst)], flags)?;
        return Ok((got.bytes, got.truncated, from));
    }
    let mut buf = vec![0u8; iovs.total().min(RECV_CHUNK)];
    let (got, from) = sock.recv_from(&mut [IoSliceMut::new(&mut buf)], flags)?;
    let n = iovs.scatter(mem, &buf[..got.bytes]);
    Ok((n, got.truncated, from))
}

fn write_recv_outputs(
    mem: &mut [u8],
    len_p: u32,
    flags_p: u32,
    n: usize,
    truncated: bool,
) -> Result<(), Errno> {
    memory::write_u32(mem, len_p, n as u32)?;
    memory::write_u16(
        mem,
        flags_p,
        if truncated { RECV_DATA_TRUNCATED } else { 0 },
    )
}

/// `sock_recv(fd, ri_data_p, ri_data_len, ri_flags, ro_datalen_p, ro_flags_p)`.
///
/// # Errors
///
/// `EINVAL` (flags, > 1024 iovecs), `EFAULT`, `EBADF`, `ENOTSOCK`, `EAGAIN`,
/// `ECONNRESET`, `ENOTCONN`, ...
pub(crate) fn sock_recv(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    ri_data_p: u32,
    ri_data_len: u32,
    ri_flags: u32,
    ro_datalen_p: u32,
    ro_flags_p: u32,
) -> Result<(), Fault> {
    let (iovs, flags) = recv_args(
        mem,
        ri_data_p,
        ri_data_len,
        ri_flags,
        &[(ro_datalen_p, 4), (ro_flags_p, 2)],
    )?;
    let (n, truncated, _) = recv_into(cx, mem, fd, &iovs, flags)?;
    write_recv_outputs(mem, ro_datalen_p, ro_flags_p, n, truncated)?;
    Ok(())
}

/// `sock_recv_v2`: identical to [`sock_recv`].
///
/// # Errors
///
/// As [`sock_recv`].
pub(crate) fn sock_recv_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    ri_data_p: u32,
    ri_data_len: u32,
    ri_flags: u32,
    ro_datalen_p: u32,
    ro_flags_p: u32,
) -> Result<(), Fault> {
    sock_recv(
        cx,
        mem,
        fd,
        ri_data_p,
        ri_data_len,
        ri_flags,
        ro_datalen_p,
        ro_flags_p,
    )
}

/// `sock_recv_from` (V1, 7 args): sender octets into a buffer of any length (written
/// only if they fit); no port, no family.
///
/// # Errors
///
/// As [`sock_recv`].
pub(crate) fn sock_recv_from(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    ri_data_p: u32,
    ri_data_len: u32,
    addr_p: u32,
    ri_flags: u32,
    ro_datalen_p: u32,
    ro_flags_p: u32,
) -> Result<(), Fault> {
    let a = address_struct(mem, addr_p)?;
    let (iovs, flags) = recv_args(
        mem,
        ri_data_p,
        ri_data_len,
        ri_flags,
        &[(ro_datalen_p, 4), (ro_flags_p, 2)],
    )?;
    let (n, truncated, from) = recv_into(cx, mem, fd, &iovs, flags)?;
    wasmedge::encode_recv_from(from.as_ref(), address_buf_mut(mem, a)?, Generation::V1)
        .map_err(addr_errno)?;
    write_recv_outputs(mem, ro_datalen_p, ro_flags_p, n, truncated)?;
    Ok(())
}

/// `sock_recv_from_v2` (8 args, SDK 0.5's `recv_from`): 4/16/128-byte address buffer
/// and a 2-byte port whose byte order is [`crate::SocketOptions::recv_from_port_order`]
/// (host order by default; see the module docs of [`crate::wasmedge`]).
///
/// # Errors
///
/// `EINVAL` for a buffer length other than 4/16/128, else as [`sock_recv`].
pub(crate) fn sock_recv_from_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    ri_data_p: u32,
    ri_data_len: u32,
    addr_p: u32,
    ri_flags: u32,
    port_p: u32,
    ro_datalen_p: u32,
    ro_flags_p: u32,
) -> Result<(), Fault> {
    let a = address_struct(mem, addr_p)?;
    let len = a.buf_len as usize;
    if len != wasmedge::IPV4_LEN && len != wasmedge::IPV6_LEN && len != wasmedge::STORAGE_LEN {
        return Err(Errno::Inval.into());
    }
    let (iovs, flags) = recv_args(
        mem,
        ri_data_p,
        ri_data_len,
        ri_flags,
        &[(port_p, 2), (ro_datalen_p, 4), (ro_flags_p, 2)],
    )?;
    let (n, truncated, from) = recv_into(cx, mem, fd, &iovs, flags)?;
    if let Some(name) = unix::sender_name(cx, fd) {
        // AF_UNIX: the guest name of the peer (empty: unnamed), port 0; the 4/16-byte
        // forms cannot hold a path and are left alone.
        if len == wasmedge::STORAGE_LEN {
            wasmedge::encode_storage_unix_path(&name, address_buf_mut(mem, a)?)
                .map_err(addr_errno)?;
            memory::write_bytes(mem, port_p, &[0, 0])?;
        }
        write_recv_outputs(mem, ro_datalen_p, ro_flags_p, n, truncated)?;
        return Ok(());
    }
    wasmedge::encode_recv_from(from.as_ref(), address_buf_mut(mem, a)?, Generation::V2)
        .map_err(addr_errno)?;
    if let Some(from) = from {
        let order = cx.net.options.recv_from_port_order;
        memory::write_bytes(
            mem,
            port_p,
            &wasmedge::recv_from_v2_port(from.port(), order),
        )?;
    }
    write_recv_outputs(mem, ro_datalen_p, ro_flags_p, n, truncated)?;
    Ok(())
}

/// Validates `si_flags` (must be 0), the ciovec list and the output.
fn send_args(
    mem: &[u8],
    iov: u32,
    iov_len: u32,
    si_flags: u32,
    out_p: u32,
) -> Result<IoVecs, Errno> {
    let flags = Narrowing::Truncate
        .to_u16(si_flags)
        .map_err(|_| Errno::Inval)?;
    if flags != 0 || iov_len > IOV_MAX {
        return Err(Errno::Inval);
    }
    let iovs = memory::iovecs(mem, iov, iov_len)?;
    memory::slice(mem, out_p, 4)?;
    Ok(iovs)
}

/// The bytes to send: borrowed from guest memory for one buffer; for several, the first
/// [`RECV_CHUNK`] bytes gathered (a partial send is legal, and staging all of a guest's
/// iovecs could mean copying gigabytes).
fn outgoing<'m>(mem: &'m [u8], iovs: &IoVecs) -> std::borrow::Cow<'m, [u8]> {
    if let [r] = iovs.ranges()
        && let Some(one) = mem.get(r.clone())
    {
        return one.into();
    }
    let mut out = Vec::with_capacity(iovs.total().min(RECV_CHUNK));
    for r in iovs.ranges() {
        let take = r.len().min(RECV_CHUNK - out.len());
        if let Some(part) = mem.get(r.start..r.start + take) {
            out.extend_from_slice(part);
        }
        if out.len() == RECV_CHUNK {
            break;
        }
    }
    out.into()
}

/// `sock_send(fd, si_data_p, si_data_len, si_flags, so_datalen_p)`.
///
/// # Errors
///
/// `EINVAL` (flags, > 1024 iovecs), `EFAULT`, `EBADF`, `ENOTSOCK`, `EAGAIN`, `EPIPE`,
/// `ECONNRESET`, ...
pub(crate) fn sock_send(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    si_data_p: u32,
    si_data_len: u32,
    si_flags: u32,
    so_datalen_p: u32,
) -> Result<(), Fault> {
    let iovs = send_args(mem, si_data_p, si_data_len, si_flags, so_datalen_p)?;
    let n = socket_mut(cx, fd)?
        .sock
        .send(&[IoSlice::new(&outgoing(mem, &iovs))])?;
    memory::write_u32(mem, so_datalen_p, n as u32)?;
    Ok(())
}

/// `sock_send_v2`: identical to [`sock_send`].
///
/// # Errors
///
/// As [`sock_send`].
pub(crate) fn sock_send_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    si_data_p: u32,
    si_data_len: u32,
    si_flags: u32,
    so_datalen_p: u32,
) -> Result<(), Fault> {
    sock_send(cx, mem, fd, si_data_p, si_data_len, si_flags, so_datalen_p)
}

fn send_to(cx: &mut GuestCtx, mem: &mut [u8], args: [u32; 7], g: Generation) -> Result<(), Fault> {
    let [fd, data_p, data_len, addr_p, port, si_flags, out_p] = args;
    let to = read_guest_address(mem, addr_p, port, g)?;
    let iovs = send_args(mem, data_p, data_len, si_flags, out_p)?;
    let data = outgoing(mem, &iovs);
    let n = match to {
        GuestAddr::Ip(to) => socket_mut(cx, fd)?
            .sock
            .send_to(&[IoSlice::new(&data)], to)?,
        GuestAddr::Unix(path) => unix::send_to(cx, fd, &path, &data)?,
    };
    memory::write_u32(mem, out_p, n as u32)?;
    Ok(())
}

/// `sock_send_to(fd, si_data_p, si_data_len, addr_p, port, si_flags, so_datalen_p)`:
/// V1, 4/16-byte address.
///
/// # Errors
///
/// As [`sock_send`], plus the address errors of `sock_bind` and `EACCES` (policy).
pub(crate) fn sock_send_to(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    si_data_p: u32,
    si_data_len: u32,
    addr_p: u32,
    port: u32,
    si_flags: u32,
    so_datalen_p: u32,
) -> Result<(), Fault> {
    send_to(
        cx,
        mem,
        [
            fd,
            si_data_p,
            si_data_len,
            addr_p,
            port,
            si_flags,
            so_datalen_p,
        ],
        Generation::V1,
    )
}

/// `sock_send_to_v2`: also the 128-byte storage form.
///
/// # Errors
///
/// As [`sock_send_to`].
pub(crate) fn sock_send_to_v2(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    si_data_p: u32,
    si_data_len: u32,
    addr_p: u32,
    port: u32,
    si_flags: u32,
    so_datalen_p: u32,
) -> Result<(), Fault> {
    send_to(
        cx,
        mem,
        [
            fd,
            si_data_p,
            si_data_len,
            addr_p,
            port,
            si_flags,
            so_datalen_p,
        ],
        Generation::V2,
    )
}

/// `sock_shutdown(fd, how)`: 1 = read, 2 = write, 3 = both; 0 is `EINVAL` (spec §9;
/// WasmEdge would shut down reading).
///
/// # Errors
///
/// `EINVAL`, `EBADF`, `ENOTSOCK`, `ENOTCONN`.
pub(crate) fn sock_shutdown(
    cx: &mut GuestCtx,
    _mem: &mut [u8],
    fd: u32,
    how: u32,
) -> Result<(), Fault> {
    let how = match Narrowing::Truncate.to_u8(how).map_err(|_| Errno::Inval)? {
        1 => Shutdown::Read,
        2 => Shutdown::Write,
        3 => Shutdown::Both,
        _ => return Err(Errno::Inval.into()),
    };
    socket_mut(cx, fd)?.sock.shutdown(how)?;
    Ok(())
}
