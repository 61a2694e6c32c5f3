//! `sock_getaddrinfo` result records in guest memory (ABI spec §3.5, §3.6,
//! §6.18, §6.19).
//!
//! ```text
//! __wasi_addrinfo_t (28 bytes, align 4)        __wasi_sockaddr_t (12 bytes, align 4)
//! off size field                               off size field
//!  0   2   ai_flags     u16 LE (aiflags bits)   0   1   sa_family (WasmEdge 1/2)
//!  2   1   ai_family    u8 (WasmEdge 1/2)       1   3   padding
//!  3   1   ai_socktype  u8 (1 DGRAM, 2 STREAM)  4   4   sa_data_len u32 LE (capacity in, 14/26 out)
//!  4   1   ai_protocol  u8 (0 IP, 1 TCP, 2 UDP) 8   4   sa_data     u32 guest pointer
//!  5   3   padding
//!  8   4   ai_addrlen   u32 LE (host size: 16 / 28)
//! 12   4   ai_addr      u32 -> __wasi_sockaddr_t
//! 16   4   ai_canonname u32 -> char buffer
//! 20   4   ai_canonname_len u32 LE (capacity in, strlen out)
//! 24   4   ai_next      u32 -> next node
//! ```
//!
//! The guest pre-allocates and links the nodes; the host fills them in place
//! and never changes a pointer. The Rust SDK `wasmedge_wasi_socket` 0.5
//! allocates 26-byte `sa_data` buffers but declares 14, and 30-byte
//! canonname buffers declared as 0 ([`ChainShape::SDK_0_5`]).
//!
//! All functions see guest memory as a window `mem` holding guest addresses
//! `[base, base + mem.len())`; pass the whole linear memory with `base` 0, or
//! any sub-range.
//!
//! # Decisions
//! * **Capacities are honoured** (ABI spec §9): at most the declared
//!   `sa_data_len` bytes of `sa_data` and at most `ai_canonname_len − 1`
//!   name bytes plus a NUL are written (nothing if the capacity is 0).
//!   `sa_data_len` is still set to the full 14/26 and `ai_canonname_len` to
//!   the full name length, so a guest can detect truncation
//!   ([`FillReport::truncated`] counts such nodes). WasmEdge instead writes
//!   past the declared sizes.
//! * **Walk** ([`read_chain`]): exactly `max_res_len` nodes as WasmEdge does,
//!   but it stops early at a null `ai_next` (the node before it is the last;
//!   WasmEdge would read guest address 0) and after [`MAX_NODES`] nodes (a
//!   cyclic or huge list cannot make the host loop 2^32 times).
//! * **`ai_addrlen`** is the Linux host size (16 / 28), as WasmEdge writes,
//!   not the wasm32 `sizeof` (16 / 32).
//! * Refusal: a node, sockaddr, or buffer span outside the window is
//!   [`AddrError::OutOfBounds`] (→ `FAULT`) before anything is written;
//!   [`lay_out`] into a too-small window is [`AddrError::TooShort`].
//!
//! # Examples
//!
//! The runtime side of `sock_getaddrinfo`, against a chain shaped like the
//! Rust SDK's:
//!
//! ```
//! use netaddr::{addrinfo::{self, AddrInfoEntry, ChainShape}, Protocol, SocketType};
//! let mut mem = vec![0u8; 1024]; // guest memory, base address 0
//! // Guest: 4 linked nodes at 0x100, `*res_p` = first.
//! let first = addrinfo::prepare_chain(&mut mem, 0, 0x100, 4, ChainShape::SDK_0_5)?;
//! // Host: walk and check the chain before resolving (→ FAULT on error) ...
//! let chain = addrinfo::read_chain(&mem, 0, first, 4)?;
//! // ... resolve, convert each host result, skip the ones that do not convert ...
//! use netaddr::family::host::{IPPROTO_TCP, SOCK_STREAM};
//! let entry = AddrInfoEntry::from_host(0, SOCK_STREAM, IPPROTO_TCP, "127.0.0.1:80".parse().unwrap(), None)?;
//! // ... and fill; `filled` goes to `*res_len_p`.
//! let report = addrinfo::fill_chain(&mut mem, 0, &chain, &[entry])?;
//! assert_eq!(report.filled, 1);
//! let back = addrinfo::read_results(&mem, 0, first, 1)?;
//! assert_eq!(back[0].addr, Ok("127.0.0.1:80".parse().unwrap()));
//! # Ok::<(), netaddr::AddrError>(())
//! ```

use crate::{AddrError, AddressFamily, Protocol, SocketType, sa_data};
use std::{net::SocketAddr, ops::Range};

mod chain;
mod hints;

pub use chain::{ChainShape, LaidOut, chain_len, lay_out, prepare_chain};
pub use hints::{Hints, HostHints, read_hints, write_hints};

/// Size of `__wasi_addrinfo_t`.
pub const ADDRINFO_LEN: u32 = 28;
/// Size of `__wasi_sockaddr_t`.
pub const SOCKADDR_LEN: u32 = 12;
/// Most nodes [`read_chain`] walks.
pub const MAX_NODES: u32 = 1024;
/// `ai_addrlen` written for IPv4 results (Linux `sizeof(sockaddr_in)`).
pub const HOST_ADDRLEN_V4: u32 = 16;
/// `ai_addrlen` written for IPv6 results (Linux `sizeof(sockaddr_in6)`).
pub const HOST_ADDRLEN_V6: u32 = 28;

/// Byte range in `mem` of guest span `[addr, addr+len)`; empty spans are
/// valid anywhere (ABI spec §1).
pub(crate) fn span(
    mem_len: usize,
    base: u32,
    addr: u32,
    len: u32,
) -> Result<Range<usize>, AddrError> {
    if len == 0 {
        return Ok(0..0);
    }
    let oob = AddrError::OutOfBounds { addr, len };
    let start = usize::try_from(addr.checked_sub(base).ok_or(oob)?).map_err(|_| oob)?;
    let end = start
        .checked_add(usize::try_from(len).map_err(|_| oob)?)
        .ok_or(oob)?;
    if end > mem_len {
        return Err(oob);
    }
    Ok(start..end)
}

pub(crate) fn get<const N: usize>(
    mem: &[u8],
    base: u32,
    addr: u32,
    off: u32,
) -> Result<[u8; N], AddrError> {
    let at = addr
        .checked_add(off)
        .ok_or(AddrError::OutOfBounds { addr, len: off })?;
    let r = span(mem.len(), base, at, N as u32)?;
    crate::bytes::read(mem, r.start)
}

pub(crate) fn put(
    mem: &mut [u8],
    base: u32,
    addr: u32,
    off: u32,
    src: &[u8],
) -> Result<(), AddrError> {
    let at = addr
        .checked_add(off)
        .ok_or(AddrError::OutOfBounds { addr, len: off })?;
    let r = span(mem.len(), base, at, src.len() as u32)?;
    crate::bytes::write(mem, r.start, src)
}

fn get_u32(mem: &[u8], base: u32, addr: u32, off: u32) -> Result<u32, AddrError> {
    get::<4>(mem, base, addr, off).map(u32::from_le_bytes)
}

/// Where one guest node keeps its pieces (all guest addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSlots {
    /// The `__wasi_addrinfo_t` itself.
    pub node: u32,
    /// Its `ai_addr`.
    pub sockaddr: u32,
    /// That sockaddr's `sa_data` buffer.
    pub sa_data: u32,
    /// Declared `sa_data_len` (capacity).
    pub sa_data_cap: u32,
    /// `ai_canonname` buffer.
    pub canonname: u32,
    /// Declared `ai_canonname_len` (capacity).
    pub canonname_cap: u32,
    /// `ai_next`.
    pub next: u32,
}

/// Walks and bounds-checks the guest's pre-linked result nodes from
/// `first` (the u32 stored at `res_p`), before the host resolves anything.
///
/// # Errors
/// [`AddrError::OutOfBounds`] for the first node, sockaddr or buffer span
/// outside the window.
pub fn read_chain(
    mem: &[u8],
    base: u32,
    first: u32,
    max_res_len: u32,
) -> Result<Vec<NodeSlots>, AddrError> {
    let max = max_res_len.min(MAX_NODES);
    let mut chain = Vec::with_capacity(max as usize);
    let mut node = first;
    for _ in 0..max {
        let slots = read_node(mem, base, node)?;
        chain.push(slots);
        if slots.next == 0 {
            break;
        }
        node = slots.next;
    }
    Ok(chain)
}

fn read_node(mem: &[u8], base: u32, node: u32) -> Result<NodeSlots, AddrError> {
    span(mem.len(), base, node, ADDRINFO_LEN)?;
    let sockaddr = get_u32(mem, base, node, 12)?;
    span(mem.len(), base, sockaddr, SOCKADDR_LEN)?;
    let slots = NodeSlots {
        node,
        sockaddr,
        sa_data: get_u32(mem, base, sockaddr, 8)?,
        sa_data_cap: get_u32(mem, base, sockaddr, 4)?,
        canonname: get_u32(mem, base, node, 16)?,
        canonname_cap: get_u32(mem, base, node, 20)?,
        next: get_u32(mem, base, node, 24)?,
    };
    span(mem.len(), base, slots.sa_data, slots.sa_data_cap)?;
    span(mem.len(), base, slots.canonname, slots.canonname_cap)?;
    Ok(slots)
}

/// One host result, already in WASI terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddrInfoEntry<'a> {
    /// `ai_flags` as WasmEdge `aiflags` bits.
    pub flags: u16,
    /// Socket type (`SOCK_RAW` results must be skipped before, ABI spec §9).
    pub socktype: SocketType,
    /// Protocol.
    pub protocol: Protocol,
    /// The address.
    pub addr: SocketAddr,
    /// Canonical name without NUL, normally only on the first result.
    pub canonname: Option<&'a [u8]>,
}

impl<'a> AddrInfoEntry<'a> {
    /// Builds an entry from a host `addrinfo`'s numbers (host `AI_*` flags,
    /// `SOCK_*`, `IPPROTO_*`).
    ///
    /// # Errors
    /// [`AddrError::UnknownSocketType`] / [`AddrError::UnknownProtocol`] for
    /// numbers without a WASI equivalent, e.g. the `SOCK_RAW` entries glibc
    /// returns when the hints' socktype is 0. Decision (ABI spec §6.18/§9,
    /// where WasmEdge's behaviour is undefined): the caller skips such
    /// entries, so they never reach the guest and do not count in `res_len`.
    pub fn from_host(
        host_flags: u32,
        host_socktype: u32,
        host_protocol: u32,
        addr: SocketAddr,
        canonname: Option<&'a [u8]>,
    ) -> Result<Self, AddrError> {
        Ok(AddrInfoEntry {
            flags: crate::aiflags::from_host(host_flags),
            socktype: SocketType::from_host(host_socktype)?,
            protocol: Protocol::from_host(host_protocol)?,
            addr,
            canonname,
        })
    }
}

/// What [`fill_chain`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillReport {
    /// Nodes filled: the value for `*res_len_p`.
    pub filled: u32,
    /// Filled nodes whose `sa_data` or canonname was cut to the capacity.
    pub truncated: u32,
}

/// Fills the first `min(entries, chain)` nodes in place (module docs).
///
/// # Errors
/// [`AddrError::OutOfBounds`] if a span left the window (only possible if
/// `chain` did not come from [`read_chain`] over the same window).
pub fn fill_chain(
    mem: &mut [u8],
    base: u32,
    chain: &[NodeSlots],
    entries: &[AddrInfoEntry<'_>],
) -> Result<FillReport, AddrError> {
    let mut report = FillReport {
        filled: 0,
        truncated: 0,
    };
    for (slots, entry) in chain.iter().zip(entries) {
        if fill_node(mem, base, slots, entry)? {
            report.truncated += 1;
        }
        report.filled += 1;
    }
    Ok(report)
}

/// Fills one node; returns whether anything was truncated.
fn fill_node(
    mem: &mut [u8],
    base: u32,
    s: &NodeSlots,
    e: &AddrInfoEntry<'_>,
) -> Result<bool, AddrError> {
    let family = AddressFamily::of(&e.addr).to_wasmedge();
    let addrlen = match e.addr {
        SocketAddr::V4(_) => HOST_ADDRLEN_V4,
        SocketAddr::V6(_) => HOST_ADDRLEN_V6,
    };
    put(mem, base, s.node, 0, &e.flags.to_le_bytes())?;
    put(
        mem,
        base,
        s.node,
        2,
        &[family, e.socktype.to_wasmedge(), e.protocol.to_wasmedge()],
    )?;
    put(mem, base, s.node, 8, &addrlen.to_le_bytes())?;
    let r = span(mem.len(), base, s.sa_data, s.sa_data_cap)?;
    let w = sa_data::encode(&e.addr, mem.get_mut(r).unwrap_or_default());
    put(mem, base, s.sockaddr, 0, &[family])?;
    put(mem, base, s.sockaddr, 4, &(w.full_len as u32).to_le_bytes())?;
    let name = e.canonname.unwrap_or_default();
    let r = span(mem.len(), base, s.canonname, s.canonname_cap)?;
    let name_cut = write_name(mem.get_mut(r).unwrap_or_default(), e.canonname);
    let name_len = u32::try_from(name.len()).unwrap_or(u32::MAX);
    put(mem, base, s.node, 20, &name_len.to_le_bytes())?;
    Ok(w.truncated() || name_cut)
}

/// NUL-terminated copy of `name` into `buf`; returns whether it was cut.
fn write_name(buf: &mut [u8], name: Option<&[u8]>) -> bool {
    let Some(name) = name else { return false };
    let Some(room) = buf.len().checked_sub(1) else {
        return true;
    };
    let n = crate::bytes::write_prefix(buf.get_mut(..room).unwrap_or_default(), name);
    if let Some(nul) = buf.get_mut(n) {
        *nul = 0;
    }
    n < name.len()
}

/// A filled node as a guest reads it back (tests, fuzzing, shims).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBack {
    /// `ai_flags`.
    pub flags: u16,
    /// `ai_family`.
    pub family: u8,
    /// `ai_socktype`.
    pub socktype: u8,
    /// `ai_protocol`.
    pub protocol: u8,
    /// `ai_addrlen`.
    pub addrlen: u32,
    /// `sa_data_len` as the host set it.
    pub sa_data_len: u32,
    /// The address decoded from `sa_data` (error if truncated).
    pub addr: Result<SocketAddr, AddrError>,
    /// The canonical name bytes up to the NUL within the capacity.
    pub canonname: Vec<u8>,
}

/// Reads back the first `count` nodes of a filled chain.
///
/// # Errors
/// [`AddrError::OutOfBounds`] as [`read_chain`].
pub fn read_results(
    mem: &[u8],
    base: u32,
    first: u32,
    count: u32,
) -> Result<Vec<ReadBack>, AddrError> {
    let chain = read_chain(mem, base, first, count)?;
    chain.iter().map(|s| read_back(mem, base, s)).collect()
}

fn read_back(mem: &[u8], base: u32, s: &NodeSlots) -> Result<ReadBack, AddrError> {
    let [f0, f1, family, socktype] = get::<4>(mem, base, s.node, 0)?;
    let [sa_family] = get::<1>(mem, base, s.sockaddr, 0)?;
    let data = mem
        .get(span(mem.len(), base, s.sa_data, s.sa_data_cap)?)
        .unwrap_or_default();
    let name = mem
        .get(span(mem.len(), base, s.canonname, s.canonname_cap)?)
        .unwrap_or_default();
    let name_end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    Ok(ReadBack {
        flags: u16::from_le_bytes([f0, f1]),
        family,
        socktype,
        protocol: get::<1>(mem, base, s.node, 4)?[0],
        addrlen: get_u32(mem, base, s.node, 8)?,
        sa_data_len: get_u32(mem, base, s.sockaddr, 4)?,
        addr: sa_data::decode(sa_family, data),
        canonname: name.get(..name_end).unwrap_or_default().to_vec(),
    })
}
