//! Building a pre-linked result chain, as a guest (or a libc shim) does
//! before calling `sock_getaddrinfo`, and laying out complete results.
//!
//! Region layout written by [`prepare_chain`] at guest address `at`:
//!
//! ```text
//! at                      n × __wasi_addrinfo_t (28 bytes each, linked by ai_next; last = 0)
//! + 28n                   n × __wasi_sockaddr_t (12 bytes each)
//! + 40n                   n × sa_data buffer (shape.sa_data_cap bytes each)
//! + 40n + n·sa_data_cap   n × canonname buffer (shape.canonname_cap bytes each)
//! ```

use super::{
    ADDRINFO_LEN, AddrInfoEntry, FillReport, SOCKADDR_LEN, fill_chain, put, read_chain, span,
};
use crate::{AddrError, sa_data::SA_DATA_V6_LEN};

/// Buffer sizes a guest allocates and declares for each node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainShape {
    /// Bytes allocated per `sa_data` buffer.
    pub sa_data_cap: u32,
    /// `sa_data_len` declared to the host.
    pub sa_data_declared: u32,
    /// Bytes allocated per canonname buffer.
    pub canonname_cap: u32,
    /// `ai_canonname_len` declared to the host.
    pub canonname_declared: u32,
}

impl ChainShape {
    /// What `wasmedge_wasi_socket` 0.5.5 `WasiAddrinfo::get_addrinfo`
    /// allocates: 26-byte `sa_data` declared as 14, 30-byte canonname
    /// declared as 0 (ABI spec §6.19).
    pub const SDK_0_5: ChainShape = ChainShape {
        sa_data_cap: 26,
        sa_data_declared: 14,
        canonname_cap: 30,
        canonname_declared: 0,
    };

    /// Exact-fit shape for `entries`: 26-byte `sa_data` and room for the
    /// longest canonical name plus NUL, all declared honestly.
    pub fn exact(entries: &[AddrInfoEntry<'_>]) -> ChainShape {
        let longest = entries
            .iter()
            .filter_map(|e| e.canonname.map(<[u8]>::len))
            .max()
            .map_or(0, |n| {
                u32::try_from(n).unwrap_or(u32::MAX).saturating_add(1)
            });
        ChainShape {
            sa_data_cap: SA_DATA_V6_LEN as u32,
            sa_data_declared: SA_DATA_V6_LEN as u32,
            canonname_cap: longest,
            canonname_declared: longest,
        }
    }

    fn per_node(&self) -> u64 {
        u64::from(ADDRINFO_LEN)
            + u64::from(SOCKADDR_LEN)
            + u64::from(self.sa_data_cap)
            + u64::from(self.canonname_cap)
    }
}

/// Bytes [`prepare_chain`] needs for `n` nodes of `shape`.
pub fn chain_len(n: u32, shape: ChainShape) -> u64 {
    u64::from(n) * shape.per_node()
}

/// A laid-out result block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaidOut {
    /// Guest address of the first node (0 when there are no entries).
    pub first: u32,
    /// Bytes used from `at`.
    pub len: u64,
    /// The fill outcome.
    pub report: FillReport,
}

/// Writes `n` zeroed, linked nodes with their buffers at guest address
/// `at`; returns the address of the first node.
///
/// # Errors
/// [`AddrError::TooShort`] if the window from `at` is smaller than
/// [`chain_len`]; [`AddrError::OutOfBounds`] if `at` is outside the window.
pub fn prepare_chain(
    mem: &mut [u8],
    base: u32,
    at: u32,
    n: u32,
    shape: ChainShape,
) -> Result<u32, AddrError> {
    let needed = chain_len(n, shape);
    let avail = span(mem.len(), base, at, 1)
        .map(|r| mem.len() - r.start)
        .or_else(|e| if n == 0 { Ok(0) } else { Err(e) })?;
    let too_short = AddrError::TooShort {
        needed: usize::try_from(needed).unwrap_or(usize::MAX),
        given: avail,
    };
    let len = u32::try_from(needed).map_err(|_| too_short)?;
    if needed > avail as u64 || at.checked_add(len).is_none() {
        return Err(too_short);
    }
    if let Some(region) = mem.get_mut(span(mem.len(), base, at, len)?) {
        region.fill(0);
    }
    // No overflow below: every address is < at + len, checked above.
    let sockaddrs = at + n * ADDRINFO_LEN;
    let datas = sockaddrs + n * SOCKADDR_LEN;
    let names = datas + n * shape.sa_data_cap;
    for i in 0..n {
        let node = at + i * ADDRINFO_LEN;
        let sockaddr = sockaddrs + i * SOCKADDR_LEN;
        let next = if i + 1 < n { node + ADDRINFO_LEN } else { 0 };
        put(mem, base, node, 12, &sockaddr.to_le_bytes())?;
        put(
            mem,
            base,
            node,
            16,
            &(names + i * shape.canonname_cap).to_le_bytes(),
        )?;
        put(mem, base, node, 20, &shape.canonname_declared.to_le_bytes())?;
        put(mem, base, node, 24, &next.to_le_bytes())?;
        put(
            mem,
            base,
            sockaddr,
            4,
            &shape.sa_data_declared.to_le_bytes(),
        )?;
        put(
            mem,
            base,
            sockaddr,
            8,
            &(datas + i * shape.sa_data_cap).to_le_bytes(),
        )?;
    }
    Ok(if n == 0 { 0 } else { at })
}

/// Lays out complete results at guest address `at`: an exact-fit chain
/// ([`ChainShape::exact`]) filled with `entries`.
///
/// # Errors
/// As [`prepare_chain`]; never truncates.
pub fn lay_out(
    mem: &mut [u8],
    base: u32,
    at: u32,
    entries: &[AddrInfoEntry<'_>],
) -> Result<LaidOut, AddrError> {
    let n = u32::try_from(entries.len()).map_err(|_| AddrError::TooShort {
        needed: usize::MAX,
        given: mem.len(),
    })?;
    let shape = ChainShape::exact(entries);
    let first = prepare_chain(mem, base, at, n, shape)?;
    if n == 0 {
        let report = FillReport {
            filled: 0,
            truncated: 0,
        };
        return Ok(LaidOut {
            first,
            len: 0,
            report,
        });
    }
    let chain = read_chain(mem, base, first, n)?;
    let report = fill_chain(mem, base, &chain, entries)?;
    Ok(LaidOut {
        first,
        len: chain_len(n, shape),
        report,
    })
}
