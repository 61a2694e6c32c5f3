//! getaddrinfo `ai_flags`: WasmEdge `aiflags` bits ↔ host `AI_*` bits.
//!
//! | flag           | WasmEdge | Linux  | macOS  |
//! |----------------|----------|--------|--------|
//! | AI_PASSIVE     | 0x01     | 0x0001 | 0x0001 |
//! | AI_CANONNAME   | 0x02     | 0x0002 | 0x0002 |
//! | AI_NUMERICHOST | 0x04     | 0x0004 | 0x0004 |
//! | AI_NUMERICSERV | 0x08     | 0x0400 | 0x1000 |
//! | AI_V4MAPPED    | 0x10     | 0x0008 | 0x0800 |
//! | AI_ALL         | 0x20     | 0x0010 | 0x0100 |
//! | AI_ADDRCONFIG  | 0x40     | 0x0020 | 0x0400 |
//!
//! Hints bits outside 0x7F are `AIBADFLAG` in WasmEdge (ABI spec §6.18);
//! [`to_host`] refuses them. The Rust SDK and the PHP shim send enum
//! *indices* (AiCanonname = 1) rather than bits; decision: interpret them as
//! bits, as WasmEdge does — their default (0) means the same either way.

use crate::AddrError;

/// All WasmEdge `aiflags` bits.
pub const WASI_AI_MASK: u16 = 0x7F;

#[cfg(any(target_os = "macos", target_os = "ios"))]
const HOST: [u32; 7] = [0x1, 0x2, 0x4, 0x1000, 0x800, 0x100, 0x400];
#[cfg(not(any(target_os = "macos", target_os = "ios")))]
const HOST: [u32; 7] = [0x1, 0x2, 0x4, 0x400, 0x8, 0x10, 0x20];

/// WasmEdge hints flags → host `AI_*` flags.
///
/// # Errors
/// [`AddrError::BadFlags`] for bits outside [`WASI_AI_MASK`] (→ `AIBADFLAG`).
pub fn to_host(wasi: u16) -> Result<u32, AddrError> {
    if wasi & !WASI_AI_MASK != 0 {
        return Err(AddrError::BadFlags {
            flags: u32::from(wasi),
        });
    }
    Ok(HOST
        .iter()
        .enumerate()
        .filter(|(bit, _)| wasi & (1 << bit) != 0)
        .fold(0, |acc, (_, host)| acc | host))
}

/// Host result `AI_*` flags → WasmEdge bits; host-only bits are dropped.
pub fn from_host(host: u32) -> u16 {
    HOST.iter()
        .enumerate()
        .filter(|(_, h)| host & **h != 0)
        .fold(0, |acc, (bit, _)| acc | (1 << bit))
}
