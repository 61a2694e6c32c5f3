//! The legacy textual form `"ip:port"` of Rust SDK 0.1–0.3 guests.
//!
//! Those SDKs declare 6-argument `sock_send_to(fd, buf, buf_len, addr,
//! addr_len, flags)` / `sock_recv_from(fd, buf, buf_len, addr, addr_len_p,
//! flags)` imports that pass the address as the text of
//! `SocketAddr::to_string()` (ABI spec §7.2). No WasmEdge release exports
//! those shapes, so they only link when unused; a host that chooses to serve
//! them can use this module.
//!
//! ```text
//! "127.0.0.1:8080"            IPv4
//! "[::1]:443"                 IPv6
//! "[fe80::1%2]:80"            IPv6 with scope id (flowinfo cannot be written)
//! ```
//!
//! Decoding stops at the first NUL. Flowinfo is not carried (always 0);
//! the scope id is carried as `%N`.

use crate::{AddrError, bytes::write_prefix, posix::Written};
use std::net::SocketAddr;

/// Parses the text up to the first NUL (or the whole slice).
///
/// # Errors
/// [`AddrError::BadText`] if it is not UTF-8 or not a socket address.
pub fn decode(bytes: &[u8]) -> Result<SocketAddr, AddrError> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = std::str::from_utf8(bytes.get(..end).unwrap_or_default())
        .map_err(|_| AddrError::BadText)?;
    text.parse().map_err(|_| AddrError::BadText)
}

/// Writes the text plus a terminating NUL, truncated to `out.len()`;
/// `full_len` counts the NUL.
pub fn encode(addr: &SocketAddr, out: &mut [u8]) -> Written {
    let mut text = addr.to_string().into_bytes();
    text.push(0);
    Written {
        written: write_prefix(out, &text),
        full_len: text.len(),
    }
}
