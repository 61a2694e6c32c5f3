//! Narrowing of `i32` host-call arguments to their witx widths.
//!
//! WasmEdge casts every narrow argument (address family u8, port u16, ...)
//! to its witx width *before* validating it, so family 257 is read as 1 and
//! port 65616 binds port 80 (ABI spec §1, posix spec §7 item 10). The ABI
//! spec §9 recommends truncation for compatibility; [`Narrowing`] lets the
//! runtime choose.

use crate::AddrError;

/// How to narrow a raw `i32` argument to a smaller ABI field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Narrowing {
    /// Keep the low bits, as WasmEdge does (ABI spec §9: "truncate").
    #[default]
    Truncate,
    /// Refuse any value with bits above the field width.
    Reject,
}

impl Narrowing {
    /// Narrows `raw` to 8 bits.
    ///
    /// # Errors
    /// [`AddrError::OutOfRange`] under [`Narrowing::Reject`] when `raw > 0xFF`.
    pub fn to_u8(self, raw: u32) -> Result<u8, AddrError> {
        match (self, u8::try_from(raw)) {
            (_, Ok(v)) => Ok(v),
            (Narrowing::Truncate, Err(_)) => Ok(raw.to_le_bytes()[0]),
            (Narrowing::Reject, Err(_)) => Err(AddrError::OutOfRange {
                value: raw,
                bits: 8,
            }),
        }
    }

    /// Narrows `raw` to 16 bits (e.g. the `port` argument of `sock_bind`).
    ///
    /// # Errors
    /// [`AddrError::OutOfRange`] under [`Narrowing::Reject`] when `raw > 0xFFFF`.
    pub fn to_u16(self, raw: u32) -> Result<u16, AddrError> {
        match (self, u16::try_from(raw)) {
            (_, Ok(v)) => Ok(v),
            (Narrowing::Truncate, Err(_)) => {
                let b = raw.to_le_bytes();
                Ok(u16::from_le_bytes([b[0], b[1]]))
            }
            (Narrowing::Reject, Err(_)) => Err(AddrError::OutOfRange {
                value: raw,
                bits: 16,
            }),
        }
    }
}
