//! Socket arguments in a trace line, decoded only through `netaddr` (and the same
//! `__wasi_address_t` checks the socket calls use): addresses in every WasmEdge layout,
//! family / type / option numbers, `getaddrinfo` hints and results.

use netaddr::{addrinfo, wasmedge};

use super::decode::{Args, MAX_ITEMS, bits, list};
use crate::memory;

/// A bind/connect/send_to address: the `__wasi_address_t` at `addr_p` and the port.
pub(super) fn input_address(mem: &[u8], addr_p: u32, port: u32, v2: bool) -> String {
    let generation = if v2 {
        wasmedge::Generation::V2
    } else {
        wasmedge::Generation::V1
    };
    match crate::wasmedge::addr::read_guest_address(mem, addr_p, port, generation) {
        Ok(crate::wasmedge::addr::GuestAddr::Ip(a)) => a.to_string(),
        Ok(crate::wasmedge::addr::GuestAddr::Unix(path)) => {
            format!("unix:{:?}", String::from_utf8_lossy(&path))
        }
        Err(e) => format!("{addr_p:#x} (undecodable: E{})", e.name()),
    }
}

/// An address a call wrote back: octets (4/16 bytes) or the 128-byte storage, with the
/// port from `port_p` when the call has one.
pub(super) fn output_address(mem: &[u8], args: &Args<'_>, addr_p: u32) -> String {
    let Ok(s) = crate::wasmedge::addr::address_struct(mem, addr_p) else {
        return format!("{addr_p:#x} (unreadable)");
    };
    let Ok(bytes) = memory::slice(mem, s.buf, s.buf_len) else {
        return format!("{addr_p:#x} (unreadable)");
    };
    if let Ok(path) = wasmedge::decode_storage_unix_path(bytes) {
        return format!("unix:{:?}", String::from_utf8_lossy(path));
    }
    let ip = wasmedge::decode_storage_ip(bytes).or_else(|_| wasmedge::decode_octets(bytes));
    let port = args
        .get("port_p")
        .and_then(|p| memory::read_u32(mem, p).ok());
    match (ip, port) {
        (Ok(ip), Some(port)) => wasmedge::with_port(ip, port as u16).to_string(),
        (Ok(ip), None) => ip.to_string(),
        (Err(_), _) => format!("{} bytes, not an address", bytes.len()),
    }
}

/// WasmEdge `sock_opt_so` numbers 0..=14 (`hostsock::SockOpt`).
pub(super) const SO_NAMES: [&str; 15] = [
    "SO_REUSEADDR",
    "SO_TYPE",
    "SO_ERROR",
    "SO_DONTROUTE",
    "SO_BROADCAST",
    "SO_SNDBUF",
    "SO_RCVBUF",
    "SO_KEEPALIVE",
    "SO_OOBINLINE",
    "SO_LINGER",
    "SO_RCVLOWAT",
    "SO_RCVTIMEO",
    "SO_SNDTIMEO",
    "SO_ACCEPTCONN",
    "SO_BINDTODEVICE",
];

/// A `u8`-sized enum argument through `name`, or the number when it does not fit.
pub(super) fn small(v: u32, name: fn(u8) -> String) -> String {
    u8::try_from(v).map_or_else(|_| v.to_string(), name)
}

/// A `setsockopt` value: the int for a 4-byte value, else its size.
pub(super) fn option_value(mem: &[u8], ptr: u32, len: u32) -> String {
    match (len, memory::read_u32(mem, ptr)) {
        (4, Ok(v)) => (v as i32).to_string(),
        _ => format!("[{len} bytes]"),
    }
}

/// WasmEdge `aiflags` bit names, bit 0 first (`netaddr::aiflags`).
const AI_FLAGS: [&str; 7] = [
    "AI_PASSIVE",
    "AI_CANONNAME",
    "AI_NUMERICHOST",
    "AI_NUMERICSERV",
    "AI_V4MAPPED",
    "AI_ALL",
    "AI_ADDRCONFIG",
];

/// `INET`, `INET6`, `UNIX`, `UNSPEC` for a WasmEdge family number, else the number.
pub(super) fn family(raw: u8) -> String {
    match netaddr::AddressFamily::from_wasmedge(u32::from(raw)) {
        Ok(netaddr::AddressFamily::Ipv4) => "INET".to_owned(),
        Ok(netaddr::AddressFamily::Ipv6) => "INET6".to_owned(),
        Ok(netaddr::AddressFamily::Unix) => "UNIX".to_owned(),
        Ok(_) => "UNSPEC".to_owned(),
        Err(_) => raw.to_string(),
    }
}

/// `STREAM`, `DGRAM`, `ANY` for a WasmEdge socket type number, else the number.
pub(super) fn socktype(raw: u8) -> String {
    match netaddr::SocketType::from_wasmedge(u32::from(raw)) {
        Ok(netaddr::SocketType::Stream) => "STREAM".to_owned(),
        Ok(netaddr::SocketType::Dgram) => "DGRAM".to_owned(),
        Ok(netaddr::SocketType::Any) => "ANY".to_owned(),
        Err(_) => raw.to_string(),
    }
}

/// `{flags=AI_PASSIVE, family=INET, socktype=STREAM, protocol=0}` or `NULL`.
pub(super) fn hints(mem: &[u8], at: u32) -> String {
    if at == 0 {
        return "NULL".to_owned();
    }
    match addrinfo::read_hints(mem, 0, at) {
        Ok(h) => format!(
            "{{flags={}, family={}, socktype={}, protocol={}}}",
            bits(u32::from(h.flags), &AI_FLAGS),
            family(h.family),
            socktype(h.socktype),
            h.protocol
        ),
        Err(_) => format!("{at:#x} (unreadable)"),
    }
}

/// The addresses `sock_getaddrinfo` filled in: `[127.0.0.1:80 STREAM, [::1]:80 STREAM]`.
pub(super) fn resolved(mem: &[u8], args: &Args<'_>) -> String {
    let (Some(res_p), Some(len_p)) = (args.get("res_p"), args.get("res_len_p")) else {
        return "?".to_owned();
    };
    let (Ok(first), Ok(count)) = (memory::read_u32(mem, res_p), memory::read_u32(mem, len_p))
    else {
        return "?".to_owned();
    };
    match addrinfo::read_results(mem, 0, first, count.min(MAX_ITEMS as u32)) {
        Ok(results) => list(
            results
                .iter()
                .map(|r| match &r.addr {
                    Ok(a) => format!("{a} {}", socktype(r.socktype)),
                    Err(_) => format!("? (family {})", family(r.family)),
                })
                .collect(),
            count,
        ),
        Err(_) => "(unreadable)".to_owned(),
    }
}
