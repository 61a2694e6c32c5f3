//! Name resolution for `sock_getaddrinfo` through the host resolver, filtered by the
//! network policy's lookup allow-list.
//!
//! std's `ToSocketAddrs` calls the host `getaddrinfo` but hides its `EAI_*` code, so the
//! WasmEdge extension errno (77..=87) is recovered from the glibc message where possible
//! and is `AIFAIL` otherwise.

use std::{
    io,
    net::{IpAddr, SocketAddr, ToSocketAddrs},
};

use crate::{
    errno::Errno,
    policy::{NetUse, NetworkPolicy},
};

/// Resolves `host` with `port` and keeps the addresses the policy allows for lookup.
/// A numeric `host` is parsed without asking the resolver.
///
/// # Errors
/// [`Errno::Acces`] when the policy allows none of the results; `AI*` errnos (77..=87)
/// when resolution fails; [`Errno::Inval`] for an empty host.
pub fn lookup(policy: &NetworkPolicy, host: &str, port: u16) -> Result<Vec<SocketAddr>, Errno> {
    let host = host.trim_end_matches('\0');
    if host.is_empty() {
        return Err(Errno::Inval);
    }
    // With no lookup grant at all, nothing a resolver returns could be allowed: refuse
    // before asking it, so a network-less guest cannot make the host send DNS queries for
    // names it chooses (a covert channel, and a stall when no resolver answers).
    if policy.grants(NetUse::Lookup).is_empty() {
        tracing::warn!(host, port, "hostsock: network policy allows no lookup");
        return Err(Errno::Acces);
    }
    let found: Vec<SocketAddr> = match host.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => (host, port)
            .to_socket_addrs()
            .map_err(|e| lookup_errno(&e))?
            .collect(),
    };
    let total = found.len();
    let allowed: Vec<SocketAddr> = found
        .into_iter()
        .filter(|a| policy.allows(NetUse::Lookup, *a))
        .collect();
    if allowed.is_empty() && total > 0 {
        tracing::warn!(
            host,
            port,
            "hostsock: network policy denied every lookup result"
        );
        return Err(Errno::Acces);
    }
    if allowed.is_empty() {
        return Err(Errno::AiNodata);
    }
    Ok(allowed)
}

/// Maps a resolver failure to a WasmEdge `AI*` errno using glibc's `gai_strerror` texts.
#[must_use]
pub fn lookup_errno(err: &io::Error) -> Errno {
    if err.raw_os_error().is_some() {
        return Errno::AiSystem;
    }
    let msg = err.to_string();
    let table = [
        ("Name or service not known", Errno::AiNoname),
        ("Temporary failure in name resolution", Errno::AiAgain),
        ("No address associated with hostname", Errno::AiNodata),
        (
            "Address family for hostname not supported",
            Errno::AiAddrfamily,
        ),
        ("Servname not supported", Errno::AiService),
        ("Non-recoverable failure", Errno::AiFail),
        ("Memory allocation failure", Errno::AiMemory),
    ];
    table
        .iter()
        .find(|(text, _)| msg.contains(text))
        .map_or(Errno::AiFail, |(_, e)| *e)
}

/// Parses a `getaddrinfo` service: a decimal port or one of a few well-known names.
///
/// # Errors
/// [`Errno::AiService`] for anything else.
pub fn parse_service(service: &str) -> Result<u16, Errno> {
    let service = service.trim_end_matches('\0');
    if let Ok(port) = service.parse::<u16>() {
        return Ok(port);
    }
    let known = [
        ("http", 80),
        ("https", 443),
        ("ftp", 21),
        ("ssh", 22),
        ("smtp", 25),
        ("domain", 53),
    ];
    known
        .iter()
        .find(|(name, _)| *name == service)
        .map(|(_, p)| *p)
        .ok_or(Errno::AiService)
}
