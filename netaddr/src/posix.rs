//! wasm32 wasi-libc `struct sockaddr_in`, `sockaddr_in6`, `sockaddr_storage`
//! (posix spec §2).
//!
//! ```text
//! sockaddr_in (16 bytes, align 16)          sockaddr_in6 (32 bytes, align 16)
//! off size field         encoding           off size field           encoding
//!  0   2   sin_family    u16 LE = 1          0   2   sin6_family     u16 LE = 2
//!  2   2   sin_port      big-endian          2   2   sin6_port       big-endian
//!  4   4   sin_addr      4 octets            4   4   sin6_flowinfo   raw u32 (see below)
//!  8   8   padding       (no sin_zero)       8  16   sin6_addr       16 octets
//!                                           24   4   sin6_scope_id   u32 LE
//!                                           28   4   padding
//! sockaddr_storage: 48 bytes, ss_family at 0 (not Linux's 128).
//! ```
//!
//! # Decisions
//! * **flowinfo** is byte-preserving: `SocketAddrV6::flowinfo()` is the
//!   numeric value of the C field on little-endian wasm32, i.e.
//!   `u32::from_le_bytes(S[4..8])`. Rust std and socket2 copy the number
//!   unchanged into the host's `sin6_flowinfo` (also little-endian on every
//!   fdvirt host), so the guest's four bytes reach the kernel unchanged,
//!   whatever byte order the guest meant (posix spec §4.2: "never byte-swap it
//!   in one direction only").
//! * **Input lengths** follow Linux `inet_bind`/`inet6_bind`: IPv4 needs
//!   socklen ≥ 16; IPv6 needs ≥ 24 (the RFC 2133 layout without scope id) and
//!   the scope id is read only when socklen ≥ 28, else it is 0. Longer
//!   lengths (e.g. `sizeof(sockaddr_storage)` = 48) are accepted.
//! * **Output** ([`encode`]) has the truncation semantics of POSIX `accept`,
//!   `getsockname`, `getpeername`, `recvfrom`: at most the buffer's length is
//!   written, and the full structure length (16 or 32, the wasm32 `sizeof`,
//!   not the host's 16/28) is returned for the guest's `socklen_t`, so the
//!   guest can see the truncation. Padding bytes are written as zero.

use crate::{
    AddrError, AddressFamily,
    bytes::{read, write_prefix},
};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// `sizeof(struct sockaddr)` on wasm32.
pub const SOCKADDR_LEN: usize = 16;
/// `sizeof(struct sockaddr_in)` on wasm32.
pub const SOCKADDR_IN_LEN: usize = 16;
/// `sizeof(struct sockaddr_in6)` on wasm32 (28 on Linux hosts).
pub const SOCKADDR_IN6_LEN: usize = 32;
/// Shortest accepted IPv6 socklen: RFC 2133 `sockaddr_in6` without scope id.
pub const SOCKADDR_IN6_MIN_LEN: usize = 24;
/// socklen from which `sin6_scope_id` is read.
pub const SOCKADDR_IN6_SCOPE_LEN: usize = 28;
/// `sizeof(struct sockaddr_storage)` on wasm32.
pub const SOCKADDR_STORAGE_LEN: usize = 48;

/// Result of an encode with POSIX truncation semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Bytes actually written (at most the buffer length).
    pub written: usize,
    /// Full length of the encoding: the value for the guest's length output.
    pub full_len: usize,
}

impl Written {
    /// Whether the output was cut short.
    pub fn truncated(&self) -> bool {
        self.written < self.full_len
    }
}

/// Decodes a guest `sockaddr` of declared length `socklen` (as passed to
/// `bind`, `connect`, `sendto`).
///
/// `bytes` starts at the structure and must hold at least `socklen` bytes;
/// bytes beyond `socklen` are never read.
///
/// # Errors
/// * [`AddrError::TooShort`] if `bytes` is shorter than `socklen`;
/// * [`AddrError::BadLength`] if `socklen` is too short for the family;
/// * [`AddrError::UnknownFamily`] / [`AddrError::UnsupportedFamily`] for
///   families other than `AF_INET`/`AF_INET6`.
pub fn decode(bytes: &[u8], socklen: u32) -> Result<SocketAddr, AddrError> {
    let len = usize::try_from(socklen).unwrap_or(usize::MAX);
    let view = bytes.get(..len).ok_or(AddrError::TooShort {
        needed: len,
        given: bytes.len(),
    })?;
    let family = read::<2>(view, 0).map_err(|_| AddrError::BadLength {
        len,
        expected: ">= 2 (sa_family)",
    })?;
    match AddressFamily::from_wasi_libc(u16::from_le_bytes(family))? {
        AddressFamily::Ipv4 => decode_in(view).map(SocketAddr::V4),
        AddressFamily::Ipv6 => decode_in6(view).map(SocketAddr::V6),
        family => Err(AddrError::UnsupportedFamily { family }),
    }
}

fn decode_in(view: &[u8]) -> Result<SocketAddrV4, AddrError> {
    if view.len() < SOCKADDR_IN_LEN {
        return Err(AddrError::BadLength {
            len: view.len(),
            expected: ">= 16 for AF_INET",
        });
    }
    let port = u16::from_be_bytes(read(view, 2)?);
    Ok(SocketAddrV4::new(Ipv4Addr::from(read::<4>(view, 4)?), port))
}

fn decode_in6(view: &[u8]) -> Result<SocketAddrV6, AddrError> {
    if view.len() < SOCKADDR_IN6_MIN_LEN {
        return Err(AddrError::BadLength {
            len: view.len(),
            expected: ">= 24 for AF_INET6",
        });
    }
    let port = u16::from_be_bytes(read(view, 2)?);
    let flowinfo = u32::from_le_bytes(read(view, 4)?);
    let ip = Ipv6Addr::from(read::<16>(view, 8)?);
    let scope_id = if view.len() >= SOCKADDR_IN6_SCOPE_LEN {
        u32::from_le_bytes(read(view, 24)?)
    } else {
        0
    };
    Ok(SocketAddrV6::new(ip, port, flowinfo, scope_id))
}

/// The full wasm32 encoding of `addr`: 16 bytes for IPv4, 32 for IPv6, with
/// zero padding. Returned as a fixed array plus its meaningful length.
pub fn to_bytes(addr: &SocketAddr) -> ([u8; SOCKADDR_IN6_LEN], usize) {
    let mut b = [0u8; SOCKADDR_IN6_LEN];
    let family = AddressFamily::of(addr).to_wasi_libc().to_le_bytes();
    let port = addr.port().to_be_bytes();
    b[0..2].copy_from_slice(&family);
    b[2..4].copy_from_slice(&port);
    match addr {
        SocketAddr::V4(a) => {
            b[4..8].copy_from_slice(&a.ip().octets());
            (b, SOCKADDR_IN_LEN)
        }
        SocketAddr::V6(a) => {
            b[4..8].copy_from_slice(&a.flowinfo().to_le_bytes());
            b[8..24].copy_from_slice(&a.ip().octets());
            b[24..28].copy_from_slice(&a.scope_id().to_le_bytes());
            (b, SOCKADDR_IN6_LEN)
        }
    }
}

/// Encodes `addr` into `out` with POSIX truncation semantics (module docs).
///
/// Never fails: a short `out` gets a prefix, reported by [`Written`].
pub fn encode(addr: &SocketAddr, out: &mut [u8]) -> Written {
    let (bytes, full_len) = to_bytes(addr);
    let written = write_prefix(out, bytes.get(..full_len).unwrap_or(&bytes));
    Written { written, full_len }
}

/// Full length [`encode`] reports for `addr` (16 or 32).
pub fn encoded_len(addr: &SocketAddr) -> usize {
    match addr {
        SocketAddr::V4(_) => SOCKADDR_IN_LEN,
        SocketAddr::V6(_) => SOCKADDR_IN6_LEN,
    }
}
