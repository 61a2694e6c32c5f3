//! Exact translation between the socket address layouts a WebAssembly guest
//! can hand a host and [`std::net::SocketAddr`].
//!
//! The PHP port onto WasmEdge gave up on address translation and only ever
//! listened on `0.0.0.0`; this crate makes every layout exact, IPv4 and IPv6,
//! as pure functions over byte slices (no I/O, no wasm engine), so a runtime
//! can do *guest bytes → `SocketAddr` → syscall* and *`SocketAddr` → guest
//! bytes* with typed errors and without panics.
//!
//! Layouts, each drawn byte by byte in its module:
//!
//! | module        | layout                                                     | spec |
//! |---------------|------------------------------------------------------------|------|
//! | [`posix`]     | wasm32 wasi-libc `sockaddr_in` (16), `sockaddr_in6` (32), `sockaddr_storage` (48) + socklen | posix §2, §4 |
//! | [`wasmedge`]  | `__wasi_address_t` → 4/16 raw octets + separate port; 128-byte `WasiAddrStorage`; get*addr/recv_from outputs | ABI §3, §6 |
//! | [`sa_data`]   | getaddrinfo `sa_data` (14/26 bytes)                         | ABI §6.18, posix §4.3 |
//! | [`addrinfo`]  | `__wasi_addrinfo_t` (28) + `__wasi_sockaddr_t` (12) chains in guest memory | ABI §3.5, §3.6, §6.18, §6.19 |
//! | [`text`]      | legacy `"ip:port"` text of Rust SDK 0.1–0.3                 | ABI §7.2 |
//! | [`family`]    | family / socket type / protocol numberings                  | posix §3, ABI §2.2, §7 |
//! | [`aiflags`]   | getaddrinfo `ai_flags` bits, WasmEdge ↔ host                | ABI §2.2, §6.18 |
//!
//! (Spec paths are `shared/spec/posix-sockaddr-wasm32.md` = "posix" and
//! `shared/spec/wasmedge-socket-abi.md` = "ABI".)
//!
//! What each layout carries:
//!
//! | layout               | flowinfo | scope id | family from        | port                   |
//! |----------------------|----------|----------|--------------------|------------------------|
//! | posix `sockaddr_in6` | yes      | yes (socklen ≥ 28) | `sin6_family` | in struct, big-endian |
//! | WasmEdge 4/16 bytes  | no (0)   | no (0)   | `buf_len`          | separate, host order   |
//! | WasmEdge storage     | no (0)   | no (0)   | byte 0             | separate, host order (recv_from_v2: network) |
//! | `sa_data`            | yes      | yes      | `sa_family` byte   | in bytes, big-endian   |
//! | text                 | no (0)   | yes      | syntax             | in text                |
//!
//! IPv4-mapped IPv6 (`::ffff:a.b.c.d`) always stays `SocketAddr::V6`.
//!
//! # Examples
//!
//! A C guest calls `bind(fd, &sin, 16)` with `127.0.0.1:8080`; the host
//! decodes the wasm32 `sockaddr_in`:
//!
//! ```
//! let sin = [1, 0, 0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
//! let addr = netaddr::posix::decode(&sin, 16)?;
//! assert_eq!(addr, "127.0.0.1:8080".parse().unwrap());
//! # Ok::<(), netaddr::AddrError>(())
//! ```
//!
//! A WasmEdge guest calls `sock_bind(fd, &{buf, 16}, 443)`:
//!
//! ```
//! use netaddr::{Narrowing, wasmedge::{decode_address, Generation}};
//! let mut octets = [0u8; 16];
//! octets[15] = 1;
//! let port = Narrowing::Truncate.to_u16(443)?;
//! let addr = decode_address(&octets, port, Generation::V1)?;
//! assert_eq!(addr, "[::1]:443".parse().unwrap());
//! # Ok::<(), netaddr::AddrError>(())
//! ```
//!
//! `getsockname` into a guest buffer that is too small is truncated, and
//! the full length is reported, as POSIX requires:
//!
//! ```
//! let addr = "[fe80::1%3]:80".parse().unwrap();
//! let mut out = [0u8; 16];
//! let w = netaddr::posix::encode(&addr, &mut out);
//! assert_eq!((w.written, w.full_len), (16, 32));
//! ```
//!
//! # Crate features
//!
//! None. The crate has one dependency (`thiserror`) and `#![forbid(unsafe_code)]`.
//!
//! # Implementation
//!
//! All reads and writes go through two checked helpers that return
//! [`AddrError::TooShort`] instead of slicing, so no input length or guest
//! pointer can panic; [`fuzzing::fuzz_decode_all`] and the proptest suite
//! check this. Encoders build a fixed array and copy the prefix that fits.
//! Decisions on points the specs leave "unconfirmed" are written in the
//! module that implements them (`# Decisions` sections).

#![forbid(unsafe_code)]

pub mod addrinfo;
pub mod aiflags;
mod bytes;
mod error;
pub mod family;
pub mod fuzzing;
mod narrowing;
pub mod posix;
pub mod sa_data;
pub mod text;
pub mod wasmedge;

#[cfg(test)]
mod tests;

pub use error::AddrError;
pub use family::{AddressFamily, Protocol, SocketType};
pub use narrowing::Narrowing;
pub use posix::Written;
