//! Checked reads and writes of fixed-size fields; the only place that slices.
//!
//! Every accessor returns [`AddrError::TooShort`] instead of panicking, so no
//! guest-controlled offset or length can crash the host.

use crate::AddrError;

/// Reads `N` bytes at `off`.
pub(crate) fn read<const N: usize>(bytes: &[u8], off: usize) -> Result<[u8; N], AddrError> {
    let end = off.checked_add(N).ok_or(AddrError::TooShort {
        needed: usize::MAX,
        given: bytes.len(),
    })?;
    bytes
        .get(off..end)
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or(AddrError::TooShort {
            needed: end,
            given: bytes.len(),
        })
}

/// Writes `src` at `off`.
pub(crate) fn write(out: &mut [u8], off: usize, src: &[u8]) -> Result<(), AddrError> {
    let given = out.len();
    let end = off.checked_add(src.len()).ok_or(AddrError::TooShort {
        needed: usize::MAX,
        given,
    })?;
    out.get_mut(off..end)
        .ok_or(AddrError::TooShort { needed: end, given })?
        .copy_from_slice(src);
    Ok(())
}

/// Copies as much of `src` as fits into the front of `out`; returns the count.
pub(crate) fn write_prefix(out: &mut [u8], src: &[u8]) -> usize {
    let n = out.len().min(src.len());
    if let (Some(dst), Some(src)) = (out.get_mut(..n), src.get(..n)) {
        dst.copy_from_slice(src);
    }
    n
}
