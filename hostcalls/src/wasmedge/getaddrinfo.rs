//! `sock_getaddrinfo` (ABI spec §6.18): validation in WasmEdge's order, a walk over the
//! result nodes the guest pre-allocated and linked, the host lookup, and the in-place fill.
//!
//! Decisions where WasmEdge is unsafe or undefined (spec §6.18, §9):
//! * never write past a declared capacity: `sa_data` gets `min(sa_data_len, 14|26)` bytes
//!   while `sa_data_len` is set to the full size (so a guest can see truncation); a
//!   canonical name gets at most `ai_canonname_len - 1` bytes plus a NUL;
//! * host results whose socket type or protocol has no WasmEdge number are skipped;
//! * at most [`MAX_NODES`] result nodes are walked and filled (a guest may pass
//!   `max_res_len` = 2^32 - 1 over a self-linked chain), and the walk stops at a null
//!   `ai_next`.
//!
//! The byte layouts (hints node, result chain, fill) are `netaddr::addrinfo`'s; this
//! module adds WasmEdge's validation order, and hands the lookup to the host's own
//! `getaddrinfo(3)` (`hostsock::getaddrinfo`) with the guest's hints.

use std::net::SocketAddr;

use netaddr::{
    AddressFamily, Protocol, SocketType,
    addrinfo::{self, AddrInfoEntry, NodeSlots},
    aiflags::WASI_AI_MASK,
};

use super::addr::addr_errno;
use crate::{
    errno::{Errno, Fault},
    memory,
};

/// `AI_CANONNAME`.
pub(crate) const AI_CANONNAME: u16 = 0x02;

/// The hints the guest passed (WasmEdge numbering, already validated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hints {
    /// `aiflags` bits.
    pub(crate) flags: u16,
    /// Requested family (`Unspec` = any).
    pub(crate) family: AddressFamily,
    /// Requested socket type (`Any` = any).
    pub(crate) socktype: SocketType,
    /// Requested protocol (`Ip` = any).
    pub(crate) protocol: Protocol,
}

/// One host result, ready to be written to a guest node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// Result flags (WASI bits).
    pub(crate) flags: u16,
    /// The address (with port).
    pub(crate) addr: SocketAddr,
    /// Socket type.
    pub(crate) socktype: SocketType,
    /// Protocol.
    pub(crate) protocol: Protocol,
    /// Canonical name, normally only on the first result with `AI_CANONNAME`.
    pub(crate) canonname: Option<String>,
}

/// The validated inputs of a `sock_getaddrinfo` call.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// Node name (`None` = absent).
    pub(crate) node: Option<String>,
    /// Service name or port (`None` = absent).
    pub(crate) service: Option<String>,
    /// The hints.
    pub(crate) hints: Hints,
    nodes: Vec<NodeSlots>,
}

/// Longest node or service name accepted (`NI_MAXHOST`); DNS names are at most 253.
const MAX_NAME: usize = 1025;

/// A guest string `[p, p+len)`, cut at the first NUL; length 0 means absent.
///
/// # Errors
///
/// `EFAULT` out of bounds; `AINONAME` for a name longer than [`MAX_NAME`].
fn guest_str(mem: &[u8], p: u32, len: u32) -> Result<Option<String>, Errno> {
    let bytes = memory::slice(mem, p, len)?;
    if bytes.is_empty() {
        return Ok(None);
    }
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    if end > MAX_NAME {
        return Err(Errno::AiNoname);
    }
    Ok(Some(String::from_utf8_lossy(&bytes[..end]).into_owned()))
}

/// Reads the hints node and validates it in WasmEdge's order (after the name checks).
fn read_hints(mem: &[u8], hints_p: u32, have_node: bool) -> Result<Hints, Errno> {
    let h = addrinfo::read_hints(mem, 0, hints_p).map_err(addr_errno)?;
    if h.flags & !WASI_AI_MASK != 0 || (h.flags & AI_CANONNAME != 0 && !have_node) {
        return Err(Errno::AiBadflag);
    }
    let family = AddressFamily::from_wasmedge(u32::from(h.family)).map_err(|_| Errno::AiFamily)?;
    if family == AddressFamily::Unix {
        return Err(Errno::AiFamily);
    }
    let protocol = Protocol::from_wasmedge(u32::from(h.protocol)).map_err(|_| Errno::Nosys)?;
    let socktype = SocketType::from_wasmedge(u32::from(h.socktype)).map_err(|_| Errno::Nosys)?;
    Ok(Hints {
        flags: h.flags,
        family,
        socktype,
        protocol,
    })
}

/// Most result nodes ever walked or filled. WasmEdge walks all `max_res_len` nodes, but
/// a guest can pass 2^32 - 1 with a self-linked chain; no lookup returns more results
/// than this, so later nodes are neither checked nor written (netaddr's own bound,
/// [`addrinfo::MAX_NODES`], is larger).
pub(crate) const MAX_NODES: u32 = 256;

/// Validates every input of `sock_getaddrinfo` (spec §6.18 order) without resolving.
///
/// # Errors
///
/// `EFAULT`, `AINONAME`, `AIMEMORY`, `AIBADFLAG`, `AIFAMILY` or `NOSYS` as the spec lists.
#[allow(clippy::too_many_arguments)]
pub(crate) fn parse_request(
    mem: &[u8],
    node_p: u32,
    node_len: u32,
    service_p: u32,
    service_len: u32,
    hints_p: u32,
    res_p: u32,
    max_res_len: u32,
    res_len_p: u32,
) -> Result<Request, Errno> {
    let node = guest_str(mem, node_p, node_len)?;
    let service = guest_str(mem, service_p, service_len)?;
    memory::slice(mem, hints_p, addrinfo::ADDRINFO_LEN)?;
    memory::slice(mem, res_p, 4)?;
    memory::slice(mem, res_len_p, 4)?;
    if node.is_none() && service.is_none() {
        return Err(Errno::AiNoname);
    }
    if max_res_len < 1 {
        return Err(Errno::AiMemory);
    }
    let hints = read_hints(mem, hints_p, node.is_some())?;
    // Every node, sockaddr and buffer span is checked here, before any lookup.
    let first = memory::read_u32(mem, res_p)?;
    let nodes =
        addrinfo::read_chain(mem, 0, first, max_res_len.min(MAX_NODES)).map_err(addr_errno)?;
    Ok(Request {
        node,
        service,
        hints,
        nodes,
    })
}

/// Writes `results` into the request's nodes (at most one per node) and the count to
/// `res_len_p`. Results without a WasmEdge socket type or protocol never reach here.
///
/// # Errors
///
/// `EFAULT` (cannot happen after [`parse_request`] unless memory shrank).
pub(crate) fn write_results(
    mem: &mut [u8],
    req: &Request,
    results: &[Resolved],
    res_len_p: u32,
) -> Result<(), Fault> {
    let entries: Vec<AddrInfoEntry<'_>> = results
        .iter()
        .map(|r| AddrInfoEntry {
            flags: r.flags,
            socktype: r.socktype,
            protocol: r.protocol,
            addr: r.addr,
            canonname: r.canonname.as_deref().map(str::as_bytes),
        })
        .collect();
    let report = addrinfo::fill_chain(mem, 0, &req.nodes, &entries).map_err(addr_errno)?;
    // netaddr reports the full name length in `ai_canonname_len`; the glue reports the
    // bytes actually written (a guest reading that many stays within its buffer).
    for (node, e) in req.nodes.iter().zip(&entries) {
        let len = e.canonname.map_or(0, <[u8]>::len);
        let kept = len.min(node.canonname_cap.saturating_sub(1) as usize);
        memory::write_u32(mem, node.node + 20, kept as u32)?;
    }
    memory::write_u32(mem, res_len_p, report.filled)?;
    Ok(())
}

/// The hints in hostsock's (host) terms; the flags were checked against
/// [`WASI_AI_MASK`] by [`parse_request`].
fn host_hints(h: &Hints) -> hostsock::LookupHints {
    let flags = netaddr::aiflags::to_host(h.flags & WASI_AI_MASK).unwrap_or(0);
    hostsock::LookupHints {
        flags: i32::try_from(flags).unwrap_or(0),
        family: match h.family {
            AddressFamily::Ipv4 => Some(hostsock::AddressFamily::Ipv4),
            AddressFamily::Ipv6 => Some(hostsock::AddressFamily::Ipv6),
            AddressFamily::Unix => Some(hostsock::AddressFamily::Unix),
            AddressFamily::Unspec => None,
        },
        kind: match h.socktype {
            SocketType::Stream => Some(hostsock::SocketKind::Stream),
            SocketType::Dgram => Some(hostsock::SocketKind::Datagram),
            SocketType::Any => None,
        },
        protocol: match h.protocol {
            Protocol::Tcp => Some(hostsock::Protocol::Tcp),
            Protocol::Udp => Some(hostsock::Protocol::Udp),
            Protocol::Ip => None,
        },
    }
}

/// Resolves a validated request through the host's `getaddrinfo(3)` (hostsock) with the
/// guest's hints, and the network policy: whatever the host resolver answers (results,
/// order, flags, canonical name, `EAI_*` code) is the answer, as in WasmEdge.
///
/// # Errors
///
/// `AI*` errnos from the host resolver's `EAI_*` code, or `EACCES` (policy).
pub(crate) fn resolve(
    req: &Request,
    policy: &hostsock::NetworkPolicy,
) -> Result<Vec<Resolved>, Errno> {
    let found = hostsock::getaddrinfo(
        policy,
        req.node.as_deref(),
        req.service.as_deref(),
        &host_hints(&req.hints),
    )?;
    Ok(found
        .into_iter()
        .map(|a| Resolved {
            flags: netaddr::aiflags::from_host(u32::try_from(a.flags).unwrap_or(0)),
            addr: a.addr,
            socktype: match a.kind {
                hostsock::SocketKind::Stream => SocketType::Stream,
                hostsock::SocketKind::Datagram => SocketType::Dgram,
            },
            protocol: match a.protocol {
                hostsock::Protocol::Tcp => Protocol::Tcp,
                hostsock::Protocol::Udp => Protocol::Udp,
            },
            canonname: a.canonname,
        })
        .collect())
}

/// `sock_getaddrinfo(node_p, node_len, service_p, service_len, hints_p, res_p,
/// max_res_len, res_len_p)`: fills the guest's pre-linked result nodes in place.
///
/// # Errors
///
/// As [`parse_request`] and [`resolve`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn sock_getaddrinfo(
    cx: &mut crate::ctx::GuestCtx,
    mem: &mut [u8],
    node_p: u32,
    node_len: u32,
    service_p: u32,
    service_len: u32,
    hints_p: u32,
    res_p: u32,
    max_res_len: u32,
    res_len_p: u32,
) -> Result<(), Fault> {
    let req = parse_request(
        mem,
        node_p,
        node_len,
        service_p,
        service_len,
        hints_p,
        res_p,
        max_res_len,
        res_len_p,
    )?;
    let results = resolve(&req, &cx.net.policy)?;
    write_results(mem, &req, &results, res_len_p)
}
