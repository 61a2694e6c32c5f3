//! Address family, socket type and protocol numberings.
//!
//! Five numberings meet at the guest/host boundary (posix spec §3, ABI spec
//! §2.2, §7.1); nothing lines up except wasi-libc's `AF_*` with WasmEdge's
//! family numbers since 0.10:
//!
//! | concept     | WasmEdge ≥ 0.10 | WasmEdge 0.8–0.9 (legacy) | V1 get*addr type | wasi-libc (wasip1) | host (Linux)       |
//! |-------------|-----------------|---------------------------|------------------|--------------------|--------------------|
//! | UNSPEC      | 0               | —                         | —                | 0                  | 0                  |
//! | INET (v4)   | 1               | 0                         | 4                | 1                  | 2                  |
//! | INET6       | 2               | 1                         | 6                | 2                  | 10 (macOS 30, FreeBSD 28) |
//! | UNIX        | 3               | —                         | —                | 3                  | 1                  |
//! | SOCK_ANY    | 0               | —                         |                  | —                  | 0                  |
//! | SOCK_DGRAM  | 1               | 0                         |                  | 5                  | 2 (MIPS 1)         |
//! | SOCK_STREAM | 2               | 1                         |                  | 6                  | 1 (MIPS 2)         |
//! | IPPROTO_IP  | 0               | —                         |                  | 0                  | 0                  |
//! | IPPROTO_TCP | 1               | 0 (0.9.1)                 |                  | 6                  | 6                  |
//! | IPPROTO_UDP | 2               | 1 (0.9.1)                 |                  | 17                 | 17                 |
//!
//! Every `from_*` is total: unknown numbers give a typed [`AddrError`]. Apply
//! [`crate::Narrowing`] to raw `i32` arguments first.

use crate::AddrError;
use std::net::SocketAddr;

/// An address family, independent of any numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressFamily {
    /// `AF_UNSPEC`: no address (e.g. the sender of a connected TCP stream).
    Unspec,
    /// IPv4.
    Ipv4,
    /// IPv6 (including IPv4-mapped IPv6 addresses).
    Ipv6,
    /// UNIX domain; WasmEdge ≥ 0.13.4 with `--allow-af-unix` only.
    Unix,
}

/// Host (kernel) numbers, as plain constants so that no libc dependency is
/// needed. A test compares them with the `libc` crate on the build host.
pub mod host {
    /// `AF_UNSPEC`.
    pub const AF_UNSPEC: u32 = 0;
    /// `AF_INET`.
    pub const AF_INET: u32 = 2;
    /// `AF_UNIX`.
    pub const AF_UNIX: u32 = 1;
    /// `AF_INET6`.
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    pub const AF_INET6: u32 = 30;
    /// `AF_INET6`.
    #[cfg(any(target_os = "freebsd", target_os = "dragonfly"))]
    pub const AF_INET6: u32 = 28;
    /// `AF_INET6`.
    #[cfg(any(target_os = "netbsd", target_os = "openbsd"))]
    pub const AF_INET6: u32 = 24;
    /// `AF_INET6`.
    #[cfg(windows)]
    pub const AF_INET6: u32 = 23;
    /// `AF_INET6`.
    #[cfg(not(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "dragonfly",
        target_os = "netbsd",
        target_os = "openbsd",
        windows
    )))]
    pub const AF_INET6: u32 = 10;
    /// `SOCK_STREAM`.
    #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
    pub const SOCK_STREAM: u32 = 1;
    /// `SOCK_DGRAM`.
    #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
    pub const SOCK_DGRAM: u32 = 2;
    /// `SOCK_STREAM` (MIPS Linux swaps the two).
    #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
    pub const SOCK_STREAM: u32 = 2;
    /// `SOCK_DGRAM` (MIPS Linux swaps the two).
    #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
    pub const SOCK_DGRAM: u32 = 1;
    /// `IPPROTO_IP`.
    pub const IPPROTO_IP: u32 = 0;
    /// `IPPROTO_TCP`.
    pub const IPPROTO_TCP: u32 = 6;
    /// `IPPROTO_UDP`.
    pub const IPPROTO_UDP: u32 = 17;
}

/// wasi-libc (wasip1, wasm32) numbers a C guest compiles against (posix spec §3).
pub mod wasi_libc {
    /// `AF_UNSPEC`.
    pub const AF_UNSPEC: u16 = 0;
    /// `AF_INET`.
    pub const AF_INET: u16 = 1;
    /// `AF_INET6`.
    pub const AF_INET6: u16 = 2;
    /// `AF_UNIX`.
    pub const AF_UNIX: u16 = 3;
    /// `SOCK_DGRAM` (= WASI filetype `SOCKET_DGRAM`).
    pub const SOCK_DGRAM: u32 = 5;
    /// `SOCK_STREAM` (= WASI filetype `SOCKET_STREAM`).
    pub const SOCK_STREAM: u32 = 6;
    /// `SOCK_NONBLOCK`, or-ed into the type argument of `socket()`.
    pub const SOCK_NONBLOCK: u32 = 0x4000;
    /// `SOCK_CLOEXEC`, or-ed into the type argument of `socket()`.
    pub const SOCK_CLOEXEC: u32 = 0x2000;
    /// `IPPROTO_IP`.
    pub const IPPROTO_IP: u32 = 0;
    /// `IPPROTO_TCP`.
    pub const IPPROTO_TCP: u32 = 6;
    /// `IPPROTO_UDP`.
    pub const IPPROTO_UDP: u32 = 17;
}

impl AddressFamily {
    /// The family of a host socket address.
    pub fn of(addr: &SocketAddr) -> Self {
        match addr {
            SocketAddr::V4(_) => AddressFamily::Ipv4,
            SocketAddr::V6(_) => AddressFamily::Ipv6,
        }
    }

    /// From WasmEdge ≥ 0.10 `address_family` (UNSPEC 0, INET4 1, INET6 2, AF_UNIX 3).
    ///
    /// # Errors
    /// [`AddrError::UnknownFamily`] for any other value.
    pub fn from_wasmedge(raw: u32) -> Result<Self, AddrError> {
        match raw {
            0 => Ok(AddressFamily::Unspec),
            1 => Ok(AddressFamily::Ipv4),
            2 => Ok(AddressFamily::Ipv6),
            3 => Ok(AddressFamily::Unix),
            family => Err(AddrError::UnknownFamily { family }),
        }
    }

    /// To WasmEdge ≥ 0.10 `address_family`.
    pub fn to_wasmedge(self) -> u8 {
        match self {
            AddressFamily::Unspec => 0,
            AddressFamily::Ipv4 => 1,
            AddressFamily::Ipv6 => 2,
            AddressFamily::Unix => 3,
        }
    }

    /// From the WasmEdge 0.8–0.9 numbering (INET4 0, INET6 1) that Rust SDK
    /// 0.1–0.3 guests still send (ABI spec §7.2).
    ///
    /// # Errors
    /// [`AddrError::UnknownFamily`] for any other value.
    pub fn from_wasmedge_legacy(raw: u32) -> Result<Self, AddrError> {
        match raw {
            0 => Ok(AddressFamily::Ipv4),
            1 => Ok(AddressFamily::Ipv6),
            family => Err(AddrError::UnknownFamily { family }),
        }
    }

    /// To the WasmEdge 0.8–0.9 numbering.
    ///
    /// # Errors
    /// [`AddrError::UnsupportedFamily`] for UNSPEC and UNIX, which it lacks.
    pub fn to_wasmedge_legacy(self) -> Result<u8, AddrError> {
        match self {
            AddressFamily::Ipv4 => Ok(0),
            AddressFamily::Ipv6 => Ok(1),
            family => Err(AddrError::UnsupportedFamily { family }),
        }
    }

    /// From the V1 `sock_getlocaladdr`/`sock_getpeeraddr` type output.
    ///
    /// Accepts 4/6 (every release) and 1/2 (the 0.13.0 regression), as the
    /// Rust SDK does (ABI spec §6.15).
    ///
    /// # Errors
    /// [`AddrError::UnknownFamily`] for any other value.
    pub fn from_addr_type(raw: u32) -> Result<Self, AddrError> {
        match raw {
            4 | 1 => Ok(AddressFamily::Ipv4),
            6 | 2 => Ok(AddressFamily::Ipv6),
            family => Err(AddrError::UnknownFamily { family }),
        }
    }

    /// To the V1 get*addr type output: 4 for IPv4, 6 for IPv6.
    ///
    /// # Errors
    /// [`AddrError::UnsupportedFamily`] for UNSPEC and UNIX.
    pub fn to_addr_type(self) -> Result<u32, AddrError> {
        match self {
            AddressFamily::Ipv4 => Ok(4),
            AddressFamily::Ipv6 => Ok(6),
            family => Err(AddrError::UnsupportedFamily { family }),
        }
    }

    /// From wasi-libc `sa_family_t` (0/1/2/3, equal to WasmEdge's numbers).
    ///
    /// # Errors
    /// [`AddrError::UnknownFamily`] for any other value.
    pub fn from_wasi_libc(raw: u16) -> Result<Self, AddrError> {
        Self::from_wasmedge(u32::from(raw))
    }

    /// To wasi-libc `sa_family_t`.
    pub fn to_wasi_libc(self) -> u16 {
        u16::from(self.to_wasmedge())
    }

    /// From the host's `AF_*` number.
    ///
    /// # Errors
    /// [`AddrError::UnknownFamily`] for any other value.
    pub fn from_host(raw: u32) -> Result<Self, AddrError> {
        match raw {
            host::AF_UNSPEC => Ok(AddressFamily::Unspec),
            host::AF_INET => Ok(AddressFamily::Ipv4),
            host::AF_INET6 => Ok(AddressFamily::Ipv6),
            host::AF_UNIX => Ok(AddressFamily::Unix),
            family => Err(AddrError::UnknownFamily { family }),
        }
    }

    /// To the host's `AF_*` number.
    pub fn to_host(self) -> u32 {
        match self {
            AddressFamily::Unspec => host::AF_UNSPEC,
            AddressFamily::Ipv4 => host::AF_INET,
            AddressFamily::Ipv6 => host::AF_INET6,
            AddressFamily::Unix => host::AF_UNIX,
        }
    }
}

/// A socket type, independent of any numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketType {
    /// `SOCK_ANY` (0): "any type", meaningful only in getaddrinfo hints.
    Any,
    /// Datagram (UDP).
    Dgram,
    /// Stream (TCP).
    Stream,
}

impl SocketType {
    /// From WasmEdge ≥ 0.10 `sock_type` (ANY 0, DGRAM 1, STREAM 2); also the
    /// `SO_TYPE` value of `sock_getsockopt` since 0.13.
    ///
    /// # Errors
    /// [`AddrError::UnknownSocketType`] for any other value.
    pub fn from_wasmedge(raw: u32) -> Result<Self, AddrError> {
        match raw {
            0 => Ok(SocketType::Any),
            1 => Ok(SocketType::Dgram),
            2 => Ok(SocketType::Stream),
            socktype => Err(AddrError::UnknownSocketType { socktype }),
        }
    }

    /// To WasmEdge ≥ 0.10 `sock_type`.
    pub fn to_wasmedge(self) -> u8 {
        match self {
            SocketType::Any => 0,
            SocketType::Dgram => 1,
            SocketType::Stream => 2,
        }
    }

    /// From the WasmEdge 0.8–0.9 numbering (DGRAM 0, STREAM 1).
    ///
    /// # Errors
    /// [`AddrError::UnknownSocketType`] for any other value.
    pub fn from_wasmedge_legacy(raw: u32) -> Result<Self, AddrError> {
        match raw {
            0 => Ok(SocketType::Dgram),
            1 => Ok(SocketType::Stream),
            socktype => Err(AddrError::UnknownSocketType { socktype }),
        }
    }

    /// From wasi-libc `SOCK_*` (DGRAM 5, STREAM 6). The `SOCK_NONBLOCK` /
    /// `SOCK_CLOEXEC` bits must be split off first with [`split_wasi_libc_type`].
    ///
    /// # Errors
    /// [`AddrError::UnknownSocketType`] for any other value.
    pub fn from_wasi_libc(raw: u32) -> Result<Self, AddrError> {
        match raw {
            wasi_libc::SOCK_DGRAM => Ok(SocketType::Dgram),
            wasi_libc::SOCK_STREAM => Ok(SocketType::Stream),
            socktype => Err(AddrError::UnknownSocketType { socktype }),
        }
    }

    /// To wasi-libc `SOCK_*` (also the WASI `filetype` of such a socket).
    ///
    /// # Errors
    /// [`AddrError::UnknownSocketType`] for [`SocketType::Any`], which wasi-libc lacks.
    pub fn to_wasi_libc(self) -> Result<u32, AddrError> {
        match self {
            SocketType::Dgram => Ok(wasi_libc::SOCK_DGRAM),
            SocketType::Stream => Ok(wasi_libc::SOCK_STREAM),
            SocketType::Any => Err(AddrError::UnknownSocketType { socktype: 0 }),
        }
    }

    /// From the host's `SOCK_*` number (0 = any).
    ///
    /// # Errors
    /// [`AddrError::UnknownSocketType`] for any other value (e.g. `SOCK_RAW`,
    /// which getaddrinfo results may contain and a host should skip, ABI spec §9).
    pub fn from_host(raw: u32) -> Result<Self, AddrError> {
        match raw {
            0 => Ok(SocketType::Any),
            host::SOCK_DGRAM => Ok(SocketType::Dgram),
            host::SOCK_STREAM => Ok(SocketType::Stream),
            socktype => Err(AddrError::UnknownSocketType { socktype }),
        }
    }

    /// To the host's `SOCK_*` number.
    pub fn to_host(self) -> u32 {
        match self {
            SocketType::Any => 0,
            SocketType::Dgram => host::SOCK_DGRAM,
            SocketType::Stream => host::SOCK_STREAM,
        }
    }
}

/// Splits a wasi-libc `socket()` type argument into the bare type and the
/// or-ed flag bits (`SOCK_NONBLOCK` 0x4000, `SOCK_CLOEXEC` 0x2000).
pub fn split_wasi_libc_type(raw: u32) -> (u32, u32) {
    let flags = raw & (wasi_libc::SOCK_NONBLOCK | wasi_libc::SOCK_CLOEXEC);
    (raw & !flags, flags)
}

/// A transport protocol, independent of any numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `IPPROTO_IP` (0): default for the socket type.
    Ip,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Protocol {
    /// From WasmEdge ≥ 0.10 `protocol` (IP 0, TCP 1, UDP 2; getaddrinfo only).
    ///
    /// # Errors
    /// [`AddrError::UnknownProtocol`] for any other value.
    pub fn from_wasmedge(raw: u32) -> Result<Self, AddrError> {
        match raw {
            0 => Ok(Protocol::Ip),
            1 => Ok(Protocol::Tcp),
            2 => Ok(Protocol::Udp),
            protocol => Err(AddrError::UnknownProtocol { protocol }),
        }
    }

    /// To WasmEdge ≥ 0.10 `protocol`.
    pub fn to_wasmedge(self) -> u8 {
        match self {
            Protocol::Ip => 0,
            Protocol::Tcp => 1,
            Protocol::Udp => 2,
        }
    }

    /// From the WasmEdge 0.9.1 numbering (TCP 0, UDP 1; no IP).
    ///
    /// # Errors
    /// [`AddrError::UnknownProtocol`] for any other value.
    pub fn from_wasmedge_legacy(raw: u32) -> Result<Self, AddrError> {
        match raw {
            0 => Ok(Protocol::Tcp),
            1 => Ok(Protocol::Udp),
            protocol => Err(AddrError::UnknownProtocol { protocol }),
        }
    }

    /// From IANA protocol numbers, used by both wasi-libc and the host
    /// (IP 0, TCP 6, UDP 17).
    ///
    /// # Errors
    /// [`AddrError::UnknownProtocol`] for any other value.
    pub fn from_host(raw: u32) -> Result<Self, AddrError> {
        match raw {
            host::IPPROTO_IP => Ok(Protocol::Ip),
            host::IPPROTO_TCP => Ok(Protocol::Tcp),
            host::IPPROTO_UDP => Ok(Protocol::Udp),
            protocol => Err(AddrError::UnknownProtocol { protocol }),
        }
    }

    /// To IANA protocol numbers (host and wasi-libc alike).
    pub fn to_host(self) -> u32 {
        match self {
            Protocol::Ip => host::IPPROTO_IP,
            Protocol::Tcp => host::IPPROTO_TCP,
            Protocol::Udp => host::IPPROTO_UDP,
        }
    }

    /// From wasi-libc `IPPROTO_*` (same numbers as the host).
    ///
    /// # Errors
    /// [`AddrError::UnknownProtocol`] for any other value.
    pub fn from_wasi_libc(raw: u32) -> Result<Self, AddrError> {
        Self::from_host(raw)
    }

    /// To wasi-libc `IPPROTO_*`.
    pub fn to_wasi_libc(self) -> u32 {
        self.to_host()
    }
}
