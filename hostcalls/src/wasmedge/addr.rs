//! Guest address arguments and outputs of the socket calls, decoded and encoded only
//! through `netaddr` (ABI spec §3.1–§3.3, §4.4).
//!
//! Every socket call that takes an address takes a pointer to the 8-byte
//! `__wasi_address_t {buf: u32, buf_len: u32}`; this module bounds-checks the struct and
//! the span it names (`EFAULT`), then lets `netaddr` decide the form from `buf_len`.

use std::net::SocketAddr;

use netaddr::{
    AddrError, Narrowing,
    wasmedge::{self, ADDRESS_STRUCT_LEN, AddressStruct, Generation},
};

use crate::{errno::Errno, memory};

/// Maps a `netaddr` error on a guest *input* to its errno: a form or family the call
/// does not accept is `EINVAL` (ABI spec §6.2, §9), a short output buffer `ENOMEM`
/// (§6.15), a span outside memory `EFAULT`.
pub(crate) fn addr_errno(e: AddrError) -> Errno {
    match e {
        AddrError::TooShort { .. } => Errno::Nomem,
        AddrError::OutOfBounds { .. } => Errno::Fault,
        _ => Errno::Inval,
    }
}

/// Reads the `__wasi_address_t` at `addr_p` and checks that its span lies in memory.
///
/// # Errors
///
/// `EFAULT` when the struct or its span is out of bounds.
pub(crate) fn address_struct(mem: &[u8], addr_p: u32) -> Result<AddressStruct, Errno> {
    let raw = memory::slice(mem, addr_p, ADDRESS_STRUCT_LEN as u32)?;
    let s = AddressStruct::decode(raw).map_err(|_| Errno::Fault)?;
    memory::range(mem.len(), s.buf, s.buf_len)?;
    Ok(s)
}

/// Decodes the address and port arguments of `sock_bind`, `sock_connect`,
/// `sock_send_to` and their `_v2` twins. The port is the low 16 bits of the i32, in host
/// order (WasmEdge truncates, ABI spec §6.2).
///
/// # Errors
///
/// `EFAULT` for spans outside memory, `EINVAL` for a length or storage family the
/// generation does not accept.
pub(crate) fn read_address(
    mem: &[u8],
    addr_p: u32,
    port: u32,
    generation: Generation,
) -> Result<SocketAddr, Errno> {
    let s = address_struct(mem, addr_p)?;
    let port = Narrowing::Truncate.to_u16(port).map_err(addr_errno)?;
    let bytes = memory::slice(mem, s.buf, s.buf_len)?;
    wasmedge::decode_address(bytes, port, generation).map_err(addr_errno)
}

/// A decoded guest address: IP, or an AF_UNIX guest path (V2 storage with family 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GuestAddr {
    /// An IPv4/IPv6 address and port.
    Ip(SocketAddr),
    /// The `sun_path` bytes before the first NUL (all 108 for an abstract address, which
    /// `socket::unix` refuses); never handed to the host.
    Unix(Vec<u8>),
}

/// [`read_address`], also accepting the AF_UNIX storage form (family 3, `sun_path` at
/// bytes 2..110) of the `_v2` calls; the port is ignored for it.
///
/// # Errors
///
/// As [`read_address`].
pub(crate) fn read_guest_address(
    mem: &[u8],
    addr_p: u32,
    port: u32,
    generation: Generation,
) -> Result<GuestAddr, Errno> {
    let s = address_struct(mem, addr_p)?;
    let bytes = memory::slice(mem, s.buf, s.buf_len)?;
    if generation == Generation::V2
        && let Ok(path) = wasmedge::decode_storage_unix_path(bytes)
    {
        return Ok(GuestAddr::Unix(path.to_vec()));
    }
    read_address(mem, addr_p, port, generation).map(GuestAddr::Ip)
}

/// The guest buffer an address struct names, mutably (for outputs).
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub(crate) fn address_buf_mut(mem: &mut [u8], s: AddressStruct) -> Result<&mut [u8], Errno> {
    memory::slice_mut(mem, s.buf, s.buf_len)
}
