//! The hints node of `sock_getaddrinfo` and its validated host form.

use super::{ADDRINFO_LEN, get, put, span};
use crate::{AddrError, AddressFamily, Protocol, SocketType};

/// The hints node a guest passes (only the scalar fields are meaningful;
/// its pointers are ignored, ABI spec §6.18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hints {
    /// `ai_flags` (WasmEdge bits; the SDK and PHP shim send enum indices).
    pub flags: u16,
    /// `ai_family`, WasmEdge numbering.
    pub family: u8,
    /// `ai_socktype`, WasmEdge numbering.
    pub socktype: u8,
    /// `ai_protocol`, WasmEdge numbering.
    pub protocol: u8,
}

/// Hints in host numbers, ready for the host resolver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostHints {
    /// Host `AI_*` bits.
    pub flags: u32,
    /// Host `AF_*` (`AF_UNSPEC`, `AF_INET`, `AF_INET6`).
    pub family: u32,
    /// Host `SOCK_*` (0 = any).
    pub socktype: u32,
    /// `IPPROTO_*` (0 = any).
    pub protocol: u32,
}

impl Hints {
    /// Validates in WasmEdge's order and converts to host numbers.
    ///
    /// # Errors
    /// In this order, mirroring WasmEdge's errnos (ABI spec §6.18):
    /// [`AddrError::BadFlags`] (→ `AIBADFLAG`), [`AddrError::UnknownFamily`]
    /// or [`AddrError::UnsupportedFamily`] for AF_UNIX (→ `AIFAMILY`),
    /// [`AddrError::UnknownProtocol`] (→ `NOSYS`),
    /// [`AddrError::UnknownSocketType`] (→ `NOSYS`).
    pub fn to_host(&self) -> Result<HostHints, AddrError> {
        let flags = crate::aiflags::to_host(self.flags)?;
        let family = match AddressFamily::from_wasmedge(u32::from(self.family))? {
            AddressFamily::Unix => {
                return Err(AddrError::UnsupportedFamily {
                    family: AddressFamily::Unix,
                });
            }
            f => f.to_host(),
        };
        let protocol = Protocol::from_wasmedge(u32::from(self.protocol))?.to_host();
        let socktype = SocketType::from_wasmedge(u32::from(self.socktype))?.to_host();
        Ok(HostHints {
            flags,
            family,
            socktype,
            protocol,
        })
    }
}

/// Reads the hints node at guest address `at`.
///
/// # Errors
/// [`AddrError::OutOfBounds`] if the 28 bytes are not all in the window.
pub fn read_hints(mem: &[u8], base: u32, at: u32) -> Result<Hints, AddrError> {
    span(mem.len(), base, at, ADDRINFO_LEN)?;
    let [f0, f1, family, socktype] = get::<4>(mem, base, at, 0)?;
    let [protocol] = get::<1>(mem, base, at, 4)?;
    Ok(Hints {
        flags: u16::from_le_bytes([f0, f1]),
        family,
        socktype,
        protocol,
    })
}

/// Writes a hints node (guest side; tests and shims).
///
/// # Errors
/// [`AddrError::OutOfBounds`] if the 28 bytes are not all in the window.
pub fn write_hints(mem: &mut [u8], base: u32, at: u32, hints: &Hints) -> Result<(), AddrError> {
    let mut node = [0u8; ADDRINFO_LEN as usize];
    node[0..2].copy_from_slice(&hints.flags.to_le_bytes());
    node[2] = hints.family;
    node[3] = hints.socktype;
    node[4] = hints.protocol;
    put(mem, base, at, 0, &node)
}
