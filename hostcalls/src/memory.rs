//! The one bounds-checked view of guest linear memory.
//!
//! Every pointer and length a guest passes to a host call goes through
//! [`range`], the single function that decides `EFAULT`. All arithmetic is
//! checked, so no guest value can make the host panic or touch bytes outside
//! the memory slice. Integers are little-endian, as in wasm32 memory.
//!
//! Alignment is not enforced: wasm loads tolerate misaligned addresses, and
//! so does this module.

use std::ops::Range;

use crate::errno::Errno;

/// The byte range `[ptr, ptr + len)` if it lies inside a memory of `mem_len`
/// bytes.
///
/// # Errors
///
/// `EFAULT` when the range overflows or ends past the memory.
pub fn range(mem_len: usize, ptr: u32, len: u32) -> Result<Range<usize>, Errno> {
    let start = usize::try_from(ptr).map_err(|_| Errno::Fault)?;
    let len = usize::try_from(len).map_err(|_| Errno::Fault)?;
    let end = start.checked_add(len).ok_or(Errno::Fault)?;
    if end > mem_len {
        return Err(Errno::Fault);
    }
    Ok(start..end)
}

/// Borrows `len` guest bytes at `ptr`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn slice(mem: &[u8], ptr: u32, len: u32) -> Result<&[u8], Errno> {
    let r = range(mem.len(), ptr, len)?;
    mem.get(r).ok_or(Errno::Fault)
}

/// Mutably borrows `len` guest bytes at `ptr`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn slice_mut(mem: &mut [u8], ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
    let r = range(mem.len(), ptr, len)?;
    mem.get_mut(r).ok_or(Errno::Fault)
}

/// Reads `N` bytes at `ptr`.
fn read_array<const N: usize>(mem: &[u8], ptr: u32) -> Result<[u8; N], Errno> {
    let s = slice(mem, ptr, N as u32)?;
    <[u8; N]>::try_from(s).map_err(|_| Errno::Fault)
}

/// Reads a `u8`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn read_u8(mem: &[u8], ptr: u32) -> Result<u8, Errno> {
    Ok(read_array::<1>(mem, ptr)?[0])
}

/// Reads a little-endian `u16`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn read_u16(mem: &[u8], ptr: u32) -> Result<u16, Errno> {
    read_array(mem, ptr).map(u16::from_le_bytes)
}

/// Reads a little-endian `u32`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn read_u32(mem: &[u8], ptr: u32) -> Result<u32, Errno> {
    read_array(mem, ptr).map(u32::from_le_bytes)
}

/// Reads a little-endian `u64`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn read_u64(mem: &[u8], ptr: u32) -> Result<u64, Errno> {
    read_array(mem, ptr).map(u64::from_le_bytes)
}

/// Writes bytes at `ptr`.
///
/// # Errors
///
/// `EFAULT` when out of bounds; nothing is written then.
pub fn write_bytes(mem: &mut [u8], ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
    let len = u32::try_from(bytes.len()).map_err(|_| Errno::Fault)?;
    slice_mut(mem, ptr, len)?.copy_from_slice(bytes);
    Ok(())
}

/// Writes a `u8`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn write_u8(mem: &mut [u8], ptr: u32, v: u8) -> Result<(), Errno> {
    write_bytes(mem, ptr, &[v])
}

/// Writes a little-endian `u16`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn write_u16(mem: &mut [u8], ptr: u32, v: u16) -> Result<(), Errno> {
    write_bytes(mem, ptr, &v.to_le_bytes())
}

/// Writes a little-endian `u32`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn write_u32(mem: &mut [u8], ptr: u32, v: u32) -> Result<(), Errno> {
    write_bytes(mem, ptr, &v.to_le_bytes())
}

/// Writes a little-endian `u64`.
///
/// # Errors
///
/// `EFAULT` when out of bounds.
pub fn write_u64(mem: &mut [u8], ptr: u32, v: u64) -> Result<(), Errno> {
    write_bytes(mem, ptr, &v.to_le_bytes())
}

/// Borrows a guest string (`ptr`, `len`), which must be UTF-8.
///
/// # Errors
///
/// `EFAULT` when out of bounds, `EILSEQ` when not UTF-8.
pub fn read_str(mem: &[u8], ptr: u32, len: u32) -> Result<&str, Errno> {
    std::str::from_utf8(slice(mem, ptr, len)?).map_err(|_| Errno::Ilseq)
}

/// A validated iovec/ciovec list: byte ranges inside guest memory.
///
/// Built by [`iovecs`] before any I/O happens, so a bad entry anywhere in the
/// list fails the call without side effects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IoVecs {
    ranges: Vec<Range<usize>>,
    total: usize,
}

/// Size of one `iovec` / `ciovec`: `buf: u32 @0, buf_len: u32 @4`.
const IOVEC_SIZE: u32 = 8;

/// Reads and validates `count` iovecs at `ptr`.
///
/// # Errors
///
/// `EFAULT` when the array or any buffer is out of bounds, `EINVAL` when the
/// total length does not fit in a u32 (the result count is a u32).
pub fn iovecs(mem: &[u8], ptr: u32, count: u32) -> Result<IoVecs, Errno> {
    let bytes = count.checked_mul(IOVEC_SIZE).ok_or(Errno::Fault)?;
    let array = slice(mem, ptr, bytes)?;
    let mut out = IoVecs {
        ranges: Vec::with_capacity(count as usize),
        total: 0,
    };
    for entry in array.chunks_exact(IOVEC_SIZE as usize) {
        let buf = u32::from_le_bytes([entry[0], entry[1], entry[2], entry[3]]);
        let len = u32::from_le_bytes([entry[4], entry[5], entry[6], entry[7]]);
        let r = range(mem.len(), buf, len)?;
        out.total = out.total.checked_add(r.len()).ok_or(Errno::Inval)?;
        out.ranges.push(r);
    }
    if u32::try_from(out.total).is_err() {
        return Err(Errno::Inval);
    }
    Ok(out)
}

impl IoVecs {
    /// Total bytes across all buffers.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The validated buffers, in order.
    pub fn ranges(&self) -> &[Range<usize>] {
        &self.ranges
    }

    /// Concatenates the buffers (for a write).
    pub fn gather(&self, mem: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.total);
        for r in &self.ranges {
            if let Some(s) = mem.get(r.clone()) {
                out.extend_from_slice(s);
            }
        }
        out
    }

    /// Spreads `data` over the buffers in order (after a read); returns the
    /// number of bytes placed (`min(data.len(), total)`).
    pub fn scatter(&self, mem: &mut [u8], data: &[u8]) -> usize {
        let mut done = 0;
        for r in &self.ranges {
            let rest = &data[done..];
            if rest.is_empty() {
                break;
            }
            let n = rest.len().min(r.len());
            if let Some(dst) = mem.get_mut(r.start..r.start + n) {
                dst.copy_from_slice(&rest[..n]);
                done += n;
            }
        }
        done
    }
}
