//! WasmEdge host-call address forms (ABI spec §3.1–§3.3, §6.2–§6.17).
//!
//! Every socket call takes a pointer to `__wasi_address_t {buf: u32, buf_len: u32}`;
//! the runtime reads those 8 bytes, bounds-checks `[buf, buf+buf_len)`, and
//! hands the span to this module. `buf_len` selects the form:
//!
//! ```text
//! buf_len 4  (raw IPv4)      buf_len 16 (raw IPv6)      buf_len 128 (WasiAddrStorage, _v2 only)
//! off size field             off size field             off size field
//!  0   4   octets             0  16   octets             0   2   family u16 LE (1/2/3)
//!                                                         2   4   IPv4 octets  | 2  16  IPv6 octets
//!                                                        .. 128   untouched on output, ignored on input
//! ```
//!
//! The port never travels inside these bytes:
//!
//! | where                                   | width | byte order                        |
//! |-----------------------------------------|-------|-----------------------------------|
//! | `port` argument of bind/connect/send_to | i32   | host-order number (8080 = 8080)   |
//! | `port_p` of V1/V2 get*addr              | u32   | host-order number, LE in memory   |
//! | `port_p` of `sock_recv_from_v2`         | u16   | **network order** (WasmEdge bug, issue 2491) |
//!
//! No form carries IPv6 flowinfo or scope id: decoding yields 0 for both and
//! encoding drops them (ABI spec §3.2; tests `wasmedge_forms_drop_flowinfo_and_scope`).
//! IPv4-mapped IPv6 stays a 16-byte IPv6 address (posix spec §5).
//! AF_UNIX storages (family 3, `sun_path` at 2..110) are not `SocketAddr`s;
//! [`decode_storage_unix_path`] / [`encode_storage_unix_path`] handle them.
//!
//! # Decisions
//! * **Storage family byte** (§3.3 says "readers use the low byte"): WasmEdge
//!   reads the family through `__wasi_address_family_t *`, a `uint8_t` enum in
//!   `thirdparty/wasi/api.hpp` (`getAddressFamily` in `inode-linux.cpp`), so
//!   only byte 0 counts on input; byte 1 is ignored. On output this crate
//!   writes the u16 LE (byte 1 = 0), which the Rust SDK 0.5 reads as u16 LE.
//! * **Storage family not 1/2**: [`AddrError::UnknownFamily`] for numbers
//!   ≥ 4 and [`AddrError::UnsupportedFamily`] for UNSPEC/UNIX (→ `INVAL`, §9).
//! * **`sock_recv_from_v2` port**: network order by default
//!   ([`PortOrder::Network`], bit-compatible with WasmEdge), switchable (§6.9).

use crate::{
    AddrError, AddressFamily,
    bytes::{read, write},
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// `buf_len` of the raw IPv4 form.
pub const IPV4_LEN: usize = 4;
/// `buf_len` of the raw IPv6 form.
pub const IPV6_LEN: usize = 16;
/// `buf_len` of `WasiAddrStorage`.
pub const STORAGE_LEN: usize = 128;
/// Size of `__wasi_address_t` (`buf`, `buf_len`).
pub const ADDRESS_STRUCT_LEN: usize = 8;
/// Offset of the octets inside `WasiAddrStorage`.
pub const STORAGE_ADDR_OFFSET: usize = 2;

/// Which generation of a host call reads or writes the address; it decides
/// which `buf_len` values are accepted (ABI spec §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// Plain names: `buf_len` 4 or 16.
    V1,
    /// `_v2` names: `buf_len` 4, 16 or 128.
    V2,
}

/// Byte order of the 2-byte port output of `sock_recv_from_v2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PortOrder {
    /// Big-endian bytes, as WasmEdge writes (a LE read gives 0x901F for 8080).
    #[default]
    Network,
    /// Little-endian bytes: what guest authors expected.
    Host,
}

/// Decoded `__wasi_address_t`: the guest address and length of the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressStruct {
    /// Guest pointer to the address bytes.
    pub buf: u32,
    /// Their length.
    pub buf_len: u32,
}

impl AddressStruct {
    /// Reads the 8-byte struct (two u32 LE).
    ///
    /// # Errors
    /// [`AddrError::TooShort`] if `bytes` has fewer than 8 bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, AddrError> {
        Ok(AddressStruct {
            buf: u32::from_le_bytes(read(bytes, 0)?),
            buf_len: u32::from_le_bytes(read(bytes, 4)?),
        })
    }

    /// Writes the 8-byte struct.
    ///
    /// # Errors
    /// [`AddrError::TooShort`] if `out` has fewer than 8 bytes.
    pub fn encode(&self, out: &mut [u8]) -> Result<(), AddrError> {
        write(out, 0, &self.buf.to_le_bytes())?;
        write(out, 4, &self.buf_len.to_le_bytes())
    }
}

/// Decodes the raw octet forms (4 → IPv4, 16 → IPv6).
///
/// # Errors
/// [`AddrError::BadLength`] for any other length.
pub fn decode_octets(buf: &[u8]) -> Result<IpAddr, AddrError> {
    match buf.len() {
        IPV4_LEN => Ok(IpAddr::V4(Ipv4Addr::from(read::<4>(buf, 0)?))),
        IPV6_LEN => Ok(IpAddr::V6(Ipv6Addr::from(read::<16>(buf, 0)?))),
        len => Err(AddrError::BadLength {
            len,
            expected: "4 or 16",
        }),
    }
}

/// Decodes the 128-byte `WasiAddrStorage` into an IP address.
///
/// # Errors
/// [`AddrError::BadLength`] unless `buf` is exactly 128 bytes;
/// [`AddrError::UnknownFamily`] / [`AddrError::UnsupportedFamily`] unless
/// byte 0 is 1 or 2.
pub fn decode_storage_ip(buf: &[u8]) -> Result<IpAddr, AddrError> {
    if buf.len() != STORAGE_LEN {
        return Err(AddrError::BadLength {
            len: buf.len(),
            expected: "128",
        });
    }
    let [family] = read::<1>(buf, 0)?;
    match AddressFamily::from_wasmedge(u32::from(family))? {
        AddressFamily::Ipv4 => Ok(IpAddr::V4(Ipv4Addr::from(read::<4>(buf, 2)?))),
        AddressFamily::Ipv6 => Ok(IpAddr::V6(Ipv6Addr::from(read::<16>(buf, 2)?))),
        family => Err(AddrError::UnsupportedFamily { family }),
    }
}

/// Joins an IP and a port; IPv6 gets flowinfo 0 and scope id 0, as
/// WasmEdge builds its host `sockaddr_in6`.
pub fn with_port(ip: IpAddr, port: u16) -> SocketAddr {
    match ip {
        IpAddr::V4(ip) => SocketAddr::V4(SocketAddrV4::new(ip, port)),
        IpAddr::V6(ip) => SocketAddr::V6(SocketAddrV6::new(ip, port, 0, 0)),
    }
}

/// Decodes the address of `sock_bind`, `sock_connect`, `sock_send_to` (and
/// their `_v2` twins) with the already-narrowed `port` argument
/// (see [`crate::Narrowing::to_u16`]).
///
/// # Errors
/// [`AddrError::BadLength`] for a `buf_len` the generation does not accept,
/// plus the errors of [`decode_storage_ip`] for the 128-byte form.
pub fn decode_address(
    buf: &[u8],
    port: u16,
    generation: Generation,
) -> Result<SocketAddr, AddrError> {
    let ip = match (generation, buf.len()) {
        (Generation::V2, STORAGE_LEN) => decode_storage_ip(buf)?,
        (Generation::V1, len) if len != IPV4_LEN && len != IPV6_LEN => {
            return Err(AddrError::BadLength {
                len,
                expected: "4 or 16",
            });
        }
        (Generation::V2, len) if len != IPV4_LEN && len != IPV6_LEN => {
            return Err(AddrError::BadLength {
                len,
                expected: "4, 16 or 128",
            });
        }
        _ => decode_octets(buf)?,
    };
    Ok(with_port(ip, port))
}

/// Writes the octets of `ip` at the front of `out`, leaving the rest
/// untouched (V1 get*addr, V1 recv_from); returns the count (4 or 16).
///
/// # Errors
/// [`AddrError::TooShort`] if `out` cannot hold them.
pub fn encode_octets(ip: &IpAddr, out: &mut [u8]) -> Result<usize, AddrError> {
    match ip {
        IpAddr::V4(ip) => write(out, 0, &ip.octets()).map(|()| IPV4_LEN),
        IpAddr::V6(ip) => write(out, 0, &ip.octets()).map(|()| IPV6_LEN),
    }
}

/// Writes `WasiAddrStorage`: family u16 LE at 0..2 and the octets at 2;
/// bytes after the octets are left untouched. `None` writes family 0
/// (UNSPEC) only: a receive without sender (ABI spec §9).
///
/// # Errors
/// [`AddrError::BadLength`] unless `out` is exactly 128 bytes.
pub fn encode_storage(ip: Option<&IpAddr>, out: &mut [u8]) -> Result<(), AddrError> {
    if out.len() != STORAGE_LEN {
        return Err(AddrError::BadLength {
            len: out.len(),
            expected: "128",
        });
    }
    let family = match ip {
        None => AddressFamily::Unspec,
        Some(IpAddr::V4(_)) => AddressFamily::Ipv4,
        Some(IpAddr::V6(_)) => AddressFamily::Ipv6,
    };
    write(out, 0, &u16::from(family.to_wasmedge()).to_le_bytes())?;
    match ip {
        Some(ip) => {
            encode_octets(ip, out.get_mut(STORAGE_ADDR_OFFSET..).unwrap_or_default()).map(|_| ())
        }
        None => Ok(()),
    }
}

/// What V1 `sock_getlocaladdr`/`sock_getpeeraddr` report besides the octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetAddrOutput {
    /// Value for `*addr_type_p`: 4 (IPv4) or 6 (IPv6), u32 LE.
    pub addr_type: u32,
    /// Value for `*port_p`: host-order port, u32 LE, upper 16 bits 0.
    pub port: u32,
}

impl GetAddrOutput {
    /// The 4 bytes to store at `addr_type_p`.
    pub fn addr_type_bytes(&self) -> [u8; 4] {
        self.addr_type.to_le_bytes()
    }

    /// The 4 bytes to store at `port_p`.
    pub fn port_bytes(&self) -> [u8; 4] {
        self.port.to_le_bytes()
    }
}

/// Fills the V1 get*addr buffer (`buf_len` 4 or 16, 0.13+; 0.9.1–0.12
/// guests always pass 16) with the octets and returns the type/port outputs.
/// The rest of a 16-byte buffer is left as it was (ABI spec §6.15).
///
/// # Errors
/// * [`AddrError::BadLength`] if `buf` is not 4 or 16 bytes (→ `INVAL`);
/// * [`AddrError::TooShort`] for an IPv6 address (mapped ones included) in a
///   4-byte buffer (→ `NOMEM`).
pub fn encode_getaddr_v1(addr: &SocketAddr, buf: &mut [u8]) -> Result<GetAddrOutput, AddrError> {
    if buf.len() != IPV4_LEN && buf.len() != IPV6_LEN {
        return Err(AddrError::BadLength {
            len: buf.len(),
            expected: "4 or 16",
        });
    }
    encode_octets(&addr.ip(), buf)?;
    Ok(GetAddrOutput {
        addr_type: AddressFamily::of(addr).to_addr_type()?,
        port: u32::from(addr.port()),
    })
}

/// Guest-side reading of V1 get*addr results (what the Rust SDK does): the
/// octets from `buf` per `addr_type` (4/1 → IPv4, 6/2 → IPv6) and the port
/// from the low 16 bits of `port`.
///
/// # Errors
/// [`AddrError::UnknownFamily`] for another type; [`AddrError::TooShort`] if
/// `buf` is shorter than the family's octets.
pub fn decode_getaddr_v1(buf: &[u8], addr_type: u32, port: u32) -> Result<SocketAddr, AddrError> {
    let port = crate::Narrowing::Truncate.to_u16(port)?;
    let ip = match AddressFamily::from_addr_type(addr_type)? {
        AddressFamily::Ipv4 => IpAddr::V4(Ipv4Addr::from(read::<4>(buf, 0)?)),
        _ => IpAddr::V6(Ipv6Addr::from(read::<16>(buf, 0)?)),
    };
    Ok(with_port(ip, port))
}

/// Fills the 128-byte storage of `sock_getlocaladdr_v2`/`sock_getpeeraddr_v2`
/// and returns the 4 bytes for `*port_p` (u32 LE, host-order number).
///
/// # Errors
/// [`AddrError::BadLength`] unless `buf` is exactly 128 bytes (→ `INVAL`).
pub fn encode_getaddr_v2(addr: &SocketAddr, buf: &mut [u8]) -> Result<[u8; 4], AddrError> {
    encode_storage(Some(&addr.ip()), buf)?;
    Ok(u32::from(addr.port()).to_le_bytes())
}

/// Guest-side reading of a 128-byte storage plus a separate port.
///
/// # Errors
/// As [`decode_storage_ip`].
pub fn decode_storage(buf: &[u8], port: u16) -> Result<SocketAddr, AddrError> {
    decode_storage_ip(buf).map(|ip| with_port(ip, port))
}

/// Fills the address buffer of `sock_recv_from` (V1) or `sock_recv_from_v2`
/// for `sender` (`None`: the socket has no sender address, e.g. connected
/// TCP). Returns the number of bytes written.
///
/// * 128 bytes (V2 only): storage, family 0 when there is no sender.
/// * 4/16 bytes: octets if they fit, else nothing (success, §6.8).
/// * any other length: V1 writes nothing (success); V2 refuses.
///
/// # Errors
/// [`AddrError::BadLength`] for a V2 buffer that is not 4, 16 or 128 bytes.
pub fn encode_recv_from(
    sender: Option<&SocketAddr>,
    buf: &mut [u8],
    generation: Generation,
) -> Result<usize, AddrError> {
    let len = buf.len();
    match (generation, len) {
        (Generation::V2, STORAGE_LEN) => {
            let ip = sender.map(SocketAddr::ip);
            encode_storage(ip.as_ref(), buf)?;
            Ok(ip.map_or(2, |ip| STORAGE_ADDR_OFFSET + ip_len(&ip)))
        }
        (Generation::V2, l) if l != IPV4_LEN && l != IPV6_LEN => Err(AddrError::BadLength {
            len,
            expected: "4, 16 or 128",
        }),
        _ => Ok(sender.map_or(0, |s| encode_octets(&s.ip(), buf).unwrap_or(0))),
    }
}

/// The 2 bytes `sock_recv_from_v2` stores at `port_p`.
pub fn recv_from_v2_port(port: u16, order: PortOrder) -> [u8; 2] {
    match order {
        PortOrder::Network => port.to_be_bytes(),
        PortOrder::Host => port.to_le_bytes(),
    }
}

/// Reads the 2-byte `sock_recv_from_v2` port as the runtime wrote it.
pub fn decode_recv_from_v2_port(bytes: [u8; 2], order: PortOrder) -> u16 {
    match order {
        PortOrder::Network => u16::from_be_bytes(bytes),
        PortOrder::Host => u16::from_le_bytes(bytes),
    }
}

fn ip_len(ip: &IpAddr) -> usize {
    match ip {
        IpAddr::V4(_) => IPV4_LEN,
        IpAddr::V6(_) => IPV6_LEN,
    }
}

/// Bytes of `sun_path` inside `WasiAddrStorage` (offset 2..110).
pub const UNIX_PATH_LEN: usize = 108;

/// The `sun_path` of an AF_UNIX (family 3) storage, as WasmEdge hands it to
/// the kernel: the bytes before the first NUL; all 108 bytes when there is no
/// NUL, or when the first byte is NUL (a Linux abstract address, for which
/// WasmEdge passes the full `sockaddr_un` size; ABI spec §6.2).
///
/// # Errors
/// [`AddrError::BadLength`] unless `buf` is 128 bytes;
/// [`AddrError::UnsupportedFamily`] / [`AddrError::UnknownFamily`] unless
/// byte 0 is 3.
pub fn decode_storage_unix_path(buf: &[u8]) -> Result<&[u8], AddrError> {
    if buf.len() != STORAGE_LEN {
        return Err(AddrError::BadLength {
            len: buf.len(),
            expected: "128",
        });
    }
    let [family] = read::<1>(buf, 0)?;
    match AddressFamily::from_wasmedge(u32::from(family))? {
        AddressFamily::Unix => {}
        family => return Err(AddrError::UnsupportedFamily { family }),
    }
    let path = buf
        .get(STORAGE_ADDR_OFFSET..STORAGE_ADDR_OFFSET + UNIX_PATH_LEN)
        .unwrap_or_default();
    match path.iter().position(|&b| b == 0) {
        Some(0) | None => Ok(path),
        Some(end) => Ok(path.get(..end).unwrap_or_default()),
    }
}

/// Writes an AF_UNIX storage: family 3, the path, and a NUL when the path
/// is shorter than 108 bytes; bytes after that are left untouched.
///
/// # Errors
/// [`AddrError::BadLength`] unless `out` is 128 bytes;
/// [`AddrError::TooShort`] for a path longer than 108 bytes.
pub fn encode_storage_unix_path(path: &[u8], out: &mut [u8]) -> Result<(), AddrError> {
    if out.len() != STORAGE_LEN {
        return Err(AddrError::BadLength {
            len: out.len(),
            expected: "128",
        });
    }
    if path.len() > UNIX_PATH_LEN {
        return Err(AddrError::TooShort {
            needed: path.len(),
            given: UNIX_PATH_LEN,
        });
    }
    write(
        out,
        0,
        &u16::from(AddressFamily::Unix.to_wasmedge()).to_le_bytes(),
    )?;
    write(out, STORAGE_ADDR_OFFSET, path)?;
    if path.len() < UNIX_PATH_LEN {
        write(out, STORAGE_ADDR_OFFSET + path.len(), &[0])?;
    }
    Ok(())
}
