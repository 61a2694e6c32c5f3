//! The crate's one error type.

use crate::family::AddressFamily;

/// Why bytes could not be turned into an address (or an address into bytes).
///
/// Every variant is `Copy` and carries the numbers needed to build a log line
/// or pick a WASI errno; the mapping to errnos is the runtime's job (e.g.
/// [`AddrError::TooShort`] on a V1 `sock_getlocaladdr` output is `NOMEM`,
/// [`AddrError::BadLength`] on an input address is `INVAL`,
/// [`AddrError::OutOfBounds`] is `FAULT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddrError {
    /// A buffer holds fewer bytes than the layout needs.
    #[error("buffer too short: needed {needed} bytes, given {given}")]
    TooShort {
        /// Bytes the layout needs.
        needed: usize,
        /// Bytes available.
        given: usize,
    },
    /// A family number that no numbering known to this crate assigns.
    #[error("unknown address family {family}")]
    UnknownFamily {
        /// The raw number as found.
        family: u32,
    },
    /// A known family that the layout (or this crate) cannot carry as a
    /// `SocketAddr`, e.g. `AF_UNIX` or `AF_UNSPEC`.
    #[error("address family {family:?} is not supported here")]
    UnsupportedFamily {
        /// The decoded family.
        family: AddressFamily,
    },
    /// A declared length that selects no form of the layout (e.g. a WasmEdge
    /// `buf_len` other than 4/16/128, or a socklen shorter than the family's
    /// structure).
    #[error("bad length {len}: expected {expected}")]
    BadLength {
        /// The length as given.
        len: usize,
        /// Human-readable set of accepted lengths.
        expected: &'static str,
    },
    /// A socket type number that the numbering does not assign.
    #[error("unknown socket type {socktype}")]
    UnknownSocketType {
        /// The raw number as found.
        socktype: u32,
    },
    /// A protocol number that the numbering does not assign.
    #[error("unknown protocol {protocol}")]
    UnknownProtocol {
        /// The raw number as found.
        protocol: u32,
    },
    /// A value wider than its ABI field while the caller asked for rejection
    /// instead of WasmEdge's silent truncation ([`crate::Narrowing::Reject`]).
    #[error("value {value} does not fit in {bits} bits")]
    OutOfRange {
        /// The raw value.
        value: u32,
        /// Width of the ABI field.
        bits: u32,
    },
    /// A guest address span `[addr, addr+len)` outside the guest buffer
    /// window handed to the `addrinfo` functions.
    #[error("guest span {addr:#x}+{len} is outside the buffer")]
    OutOfBounds {
        /// Guest address of the span.
        addr: u32,
        /// Length of the span.
        len: u32,
    },
    /// getaddrinfo flag bits that WasmEdge does not define.
    #[error("unknown getaddrinfo flags {flags:#x}")]
    BadFlags {
        /// The raw flags.
        flags: u32,
    },
    /// Text that is not a `SocketAddr` (legacy textual form).
    #[error("address text is not a socket address")]
    BadText,
}
