//! Name resolution for `sock_getaddrinfo`: the host's own `getaddrinfo(3)` (through the
//! `dns-lookup` crate), asked with the guest's hints, filtered by the network policy's
//! lookup allow-list.
//!
//! What the host resolver gives, the guest gets: its hint handling (`AI_PASSIVE`,
//! `AI_NUMERICHOST`, `AI_NUMERICSERV`, `AI_CANONNAME`, `AI_V4MAPPED`/`AI_ALL`,
//! `AI_ADDRCONFIG`, family, socket type, protocol), its service database (`/etc/services`,
//! Debian's `netbase`), its canonical name, and its `EAI_*` code, kept as a number (std's
//! `ToSocketAddrs` hid it behind a message text that changes with the locale).

use std::net::SocketAddr;

use crate::{
    errno::Errno,
    policy::{NetUse, NetworkPolicy},
    socket::{AddressFamily, SocketKind},
};

/// A result's transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `IPPROTO_TCP`.
    Tcp,
    /// `IPPROTO_UDP`.
    Udp,
}

/// The hints of a lookup (`struct addrinfo` hints), in host terms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookupHints {
    /// Host `AI_*` flags (`libc::AI_PASSIVE`, ...), passed to the resolver as they are.
    pub flags: i32,
    /// Only this family (`None`: any). [`AddressFamily::Unix`] is `AIFAMILY`.
    pub family: Option<AddressFamily>,
    /// Only this socket kind (`None`: any).
    pub kind: Option<SocketKind>,
    /// Only this protocol (`None`: any).
    pub protocol: Option<Protocol>,
}

/// One result of [`getaddrinfo`], in host result order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrInfo {
    /// Host `AI_*` result flags: glibc returns the request's flags on every result; the
    /// `dns-lookup` wrapper drops the field, so it is restored from the hints.
    pub flags: i32,
    /// The address and port.
    pub addr: SocketAddr,
    /// Socket kind.
    pub kind: SocketKind,
    /// Protocol.
    pub protocol: Protocol,
    /// Canonical name: only with `AI_CANONNAME`, only on the first result (as the host
    /// resolver returns it).
    pub canonname: Option<String>,
}

/// glibc's `EAI_ADDRFAMILY` (a GNU extension the `libc` crate does not export for Linux).
const EAI_ADDRFAMILY: i32 = -9;

/// The WasmEdge errno (77..=87) for a host `getaddrinfo` return code, by number.
#[must_use]
pub fn eai_errno(code: i32) -> Errno {
    match code {
        EAI_ADDRFAMILY => Errno::AiAddrfamily,
        libc::EAI_AGAIN => Errno::AiAgain,
        libc::EAI_BADFLAGS => Errno::AiBadflag,
        libc::EAI_FAIL => Errno::AiFail,
        libc::EAI_FAMILY => Errno::AiFamily,
        libc::EAI_MEMORY => Errno::AiMemory,
        libc::EAI_NODATA => Errno::AiNodata,
        libc::EAI_NONAME => Errno::AiNoname,
        libc::EAI_SERVICE => Errno::AiService,
        libc::EAI_SOCKTYPE => Errno::AiSocktype,
        libc::EAI_SYSTEM => Errno::AiSystem,
        _ => Errno::AiFail,
    }
}

/// Resolves `node` and `service` (either may be absent, not both) with `hints` through the
/// host `getaddrinfo(3)`. Results the guest ABI cannot express (`SOCK_RAW`, other
/// protocols) are dropped. When a `node` is given, the results are filtered by the
/// policy's lookup grants; without one nothing is looked up (the answer is the wildcard or
/// loopback address, by `AI_PASSIVE`) and nothing is filtered.
///
/// # Errors
/// [`Errno::Acces`] when a node is given and the policy grants no lookup at all (checked
/// before asking the resolver: a network-less guest cannot make the host send queries) or
/// allows none of the results; `AI*` errnos (77..=87) from the resolver's `EAI_*` code;
/// [`Errno::AiNoname`] with neither node nor service, or a NUL inside either.
pub fn getaddrinfo(
    policy: &NetworkPolicy,
    node: Option<&str>,
    service: Option<&str>,
    hints: &LookupHints,
) -> Result<Vec<AddrInfo>, Errno> {
    if node.is_none() && service.is_none() {
        return Err(Errno::AiNoname);
    }
    if node.is_some_and(|n| n.contains('\0')) {
        return Err(Errno::AiNoname);
    }
    if service.is_some_and(|s| s.contains('\0')) {
        return Err(Errno::AiService);
    }
    if node.is_some() && policy.grants(NetUse::Lookup).is_empty() {
        tracing::warn!(node, "hostsock: network policy allows no lookup");
        return Err(Errno::Acces);
    }
    let c_hints = dns_lookup::AddrInfoHints {
        flags: hints.flags,
        address: match hints.family {
            None => libc::AF_UNSPEC,
            Some(AddressFamily::Ipv4) => libc::AF_INET,
            Some(AddressFamily::Ipv6) => libc::AF_INET6,
            Some(AddressFamily::Unix) => return Err(Errno::AiFamily),
        },
        socktype: match hints.kind {
            None => 0,
            Some(SocketKind::Stream) => libc::SOCK_STREAM,
            Some(SocketKind::Datagram) => libc::SOCK_DGRAM,
        },
        protocol: match hints.protocol {
            None => 0,
            Some(Protocol::Tcp) => libc::IPPROTO_TCP,
            Some(Protocol::Udp) => libc::IPPROTO_UDP,
        },
    };
    let found = dns_lookup::getaddrinfo(node, service, Some(c_hints)).map_err(|e| {
        // error_num 0: the wrapper failed before calling the resolver (not reachable with
        // the NUL checks above).
        match e.error_num() {
            0 => Errno::AiSystem,
            code => eai_errno(code),
        }
    })?;
    let results: Vec<AddrInfo> = found
        .filter_map(Result::ok)
        .filter_map(|a| {
            let (kind, protocol) = match (a.socktype, a.protocol) {
                (libc::SOCK_STREAM, libc::IPPROTO_TCP) => (SocketKind::Stream, Protocol::Tcp),
                (libc::SOCK_DGRAM, libc::IPPROTO_UDP) => (SocketKind::Datagram, Protocol::Udp),
                _ => return None,
            };
            Some(AddrInfo {
                flags: hints.flags,
                addr: a.sockaddr,
                kind,
                protocol,
                canonname: a.canonname,
            })
        })
        .collect();
    if node.is_none() {
        return Ok(results);
    }
    let total = results.len();
    let allowed: Vec<AddrInfo> = results
        .into_iter()
        .filter(|a| policy.allows(NetUse::Lookup, a.addr))
        .collect();
    if allowed.is_empty() && total > 0 {
        tracing::warn!(node, "hostsock: network policy denied every lookup result");
        return Err(Errno::Acces);
    }
    Ok(allowed)
}
