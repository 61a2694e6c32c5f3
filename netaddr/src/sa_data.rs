//! The `sa_data` bytes of a getaddrinfo result (ABI spec §6.18, posix spec §4.3).
//!
//! WasmEdge writes the bytes that follow `sa_family` in the host's
//! `sockaddr_in`/`sockaddr_in6`; they line up with wasm32 wasi-libc's structs
//! from offset 2, so `posix[2..] == sa_data` (pinned by a test).
//!
//! ```text
//! IPv4: 14 bytes                         IPv6: 26 bytes
//! off size field                         off size field
//!  0   2   port, big-endian               0   2   port, big-endian
//!  2   4   address octets                 2   4   flowinfo (raw, as posix.rs)
//!  6   8   zero (sin_zero)                6  16   address octets
//!                                        22   4   scope_id, u32 LE
//! ```
//!
//! Both flowinfo and scope id survive this form.

use crate::{
    AddrError, AddressFamily,
    bytes::read,
    posix::{self, Written},
};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// `sa_data_len` of an IPv4 result.
pub const SA_DATA_V4_LEN: usize = 14;
/// `sa_data_len` of an IPv6 result.
pub const SA_DATA_V6_LEN: usize = 26;

/// Full `sa_data` length for `addr` (14 or 26).
pub fn encoded_len(addr: &SocketAddr) -> usize {
    match addr {
        SocketAddr::V4(_) => SA_DATA_V4_LEN,
        SocketAddr::V6(_) => SA_DATA_V6_LEN,
    }
}

/// Writes `sa_data` for `addr` into `out`, truncated to `out.len()`
/// (never past the guest's declared capacity, ABI spec §9).
pub fn encode(addr: &SocketAddr, out: &mut [u8]) -> Written {
    // sa_data is the wasm32 struct from offset 2 up to (not including) the
    // trailing padding: 2..16 for IPv4, 2..28 for IPv6.
    let (bytes, _) = posix::to_bytes(addr);
    let full_len = encoded_len(addr);
    let src = bytes.get(2..2 + full_len).unwrap_or_default();
    let written = crate::bytes::write_prefix(out, src);
    Written { written, full_len }
}

/// Decodes `sa_data` given the WasmEdge family number of the
/// `__wasi_sockaddr_t` (1 or 2). Only the meaningful bytes are read.
///
/// # Errors
/// [`AddrError::TooShort`] if `sa_data` is shorter than 14/26 bytes;
/// family errors as [`AddressFamily::from_wasmedge`], UNSPEC/UNIX refused.
pub fn decode(family: u8, sa_data: &[u8]) -> Result<SocketAddr, AddrError> {
    match AddressFamily::from_wasmedge(u32::from(family))? {
        AddressFamily::Ipv4 => {
            read::<SA_DATA_V4_LEN>(sa_data, 0)?;
            let port = u16::from_be_bytes(read(sa_data, 0)?);
            let ip = Ipv4Addr::from(read::<4>(sa_data, 2)?);
            Ok(SocketAddr::V4(SocketAddrV4::new(ip, port)))
        }
        AddressFamily::Ipv6 => {
            read::<SA_DATA_V6_LEN>(sa_data, 0)?;
            let port = u16::from_be_bytes(read(sa_data, 0)?);
            let flowinfo = u32::from_le_bytes(read(sa_data, 2)?);
            let ip = Ipv6Addr::from(read::<16>(sa_data, 6)?);
            let scope = u32::from_le_bytes(read(sa_data, 22)?);
            Ok(SocketAddr::V6(SocketAddrV6::new(ip, port, flowinfo, scope)))
        }
        family => Err(AddrError::UnsupportedFamily { family }),
    }
}
