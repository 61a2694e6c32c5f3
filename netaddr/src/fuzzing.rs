//! Entry points for the `fuzz` crate's targets.
//!
//! Each function runs decoders on arbitrary bytes and asserts
//! decode → encode → decode stability; a failed assertion (or any panic
//! inside the decoders) is a bug the fuzzer should report. Targets are a
//! line each:
//!
//! ```
//! // fuzz/fuzz_targets/netaddr_decode.rs: fuzz_target!(|data: &[u8]| netaddr::fuzzing::fuzz_decode_all(data));
//! netaddr::fuzzing::fuzz_decode_all(&[1, 0, 0x1F, 0x90, 127, 0, 0, 1]);
//! ```

use crate::{
    AddrError, addrinfo, posix, sa_data, text,
    wasmedge::{self, Generation},
};
use std::net::SocketAddr;

/// Runs every decoder on `data` (see the per-layout functions).
///
/// # Panics
/// When a decoder is unstable: decoding its own encoding gives another address.
pub fn fuzz_decode_all(data: &[u8]) {
    fuzz_posix(data);
    fuzz_wasmedge(data);
    fuzz_sa_data(data);
    fuzz_text(data);
    fuzz_addrinfo(data);
}

fn split_u32(data: &[u8]) -> (u32, &[u8]) {
    match data.split_first_chunk::<4>() {
        Some((head, rest)) => (u32::from_le_bytes(*head), rest),
        None => (0, data),
    }
}

/// wasm32 `sockaddr`: the first 4 bytes are the socklen, the rest the struct.
///
/// # Panics
/// On instability (see [`fuzz_decode_all`]).
pub fn fuzz_posix(data: &[u8]) {
    let (socklen, bytes) = split_u32(data);
    for len in [socklen, bytes.len() as u32] {
        if let Ok(addr) = posix::decode(bytes, len) {
            let mut out = [0u8; posix::SOCKADDR_STORAGE_LEN];
            let w = posix::encode(&addr, &mut out);
            let again = posix::decode(&out, w.full_len as u32);
            assert_eq!(again, Ok(addr), "posix decode/encode unstable");
        }
    }
}

/// WasmEdge forms: the first 4 bytes are the raw `port` argument, the rest
/// the address bytes, tried as V1 and V2 input and as guest-side outputs.
///
/// # Panics
/// On instability (see [`fuzz_decode_all`]).
pub fn fuzz_wasmedge(data: &[u8]) {
    let (raw_port, bytes) = split_u32(data);
    let port = crate::Narrowing::Truncate.to_u16(raw_port).unwrap_or(0);
    for generation in [Generation::V1, Generation::V2] {
        if let Ok(addr) = wasmedge::decode_address(bytes, port, generation) {
            let mut out = vec![0u8; bytes.len()];
            stable(addr, reencode_wasmedge(&addr, &mut out, port, generation));
        }
    }
    if let Ok(path) = wasmedge::decode_storage_unix_path(bytes) {
        let mut out = [0u8; wasmedge::STORAGE_LEN];
        let written = wasmedge::encode_storage_unix_path(path, &mut out);
        assert!(written.is_ok(), "a decoded path must re-encode");
        assert_eq!(
            wasmedge::decode_storage_unix_path(&out),
            Ok(path),
            "unix path unstable"
        );
    }
    let _ = wasmedge::decode_getaddr_v1(bytes, raw_port, raw_port);
    let _ = wasmedge::AddressStruct::decode(bytes);
}

fn reencode_wasmedge(
    addr: &SocketAddr,
    out: &mut [u8],
    port: u16,
    generation: Generation,
) -> Result<SocketAddr, AddrError> {
    if out.len() == wasmedge::STORAGE_LEN {
        wasmedge::encode_getaddr_v2(addr, out)?;
    } else {
        wasmedge::encode_getaddr_v1(addr, out)?;
    }
    wasmedge::decode_address(out, port, generation)
}

fn stable(addr: SocketAddr, again: Result<SocketAddr, AddrError>) {
    assert_eq!(again, Ok(addr), "decode/encode unstable");
}

/// `sa_data`: the first byte is the family, the rest the bytes.
///
/// # Panics
/// On instability (see [`fuzz_decode_all`]).
pub fn fuzz_sa_data(data: &[u8]) {
    let Some((&family, bytes)) = data.split_first() else {
        return;
    };
    if let Ok(addr) = sa_data::decode(family, bytes) {
        let mut out = [0u8; sa_data::SA_DATA_V6_LEN];
        let w = sa_data::encode(&addr, &mut out);
        stable(
            addr,
            sa_data::decode(family, out.get(..w.written).unwrap_or_default()),
        );
    }
}

/// Legacy text form.
///
/// # Panics
/// On instability (see [`fuzz_decode_all`]).
pub fn fuzz_text(data: &[u8]) {
    if let Ok(addr) = text::decode(data) {
        let mut out = [0u8; 80];
        let w = text::encode(&addr, &mut out);
        stable(addr, text::decode(out.get(..w.written).unwrap_or_default()));
    }
}

/// `addrinfo`: `data` is a guest memory window at base 0x100 holding a
/// chain from its first 4 bytes; walk it, read it back, and fill it.
///
/// # Panics
/// If a chain accepted by `read_chain` cannot be filled.
pub fn fuzz_addrinfo(data: &[u8]) {
    let (first, _) = split_u32(data);
    let base = 0x100;
    let _ = addrinfo::read_hints(data, base, first);
    if let Ok(chain) = addrinfo::read_chain(data, base, first, 8) {
        let _ = addrinfo::read_results(data, base, first, chain.len() as u32);
        let mut mem = data.to_vec();
        let entry = addrinfo::AddrInfoEntry {
            flags: 2,
            socktype: crate::SocketType::Stream,
            protocol: crate::Protocol::Tcp,
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            canonname: Some(b"localhost"),
        };
        let filled = addrinfo::fill_chain(&mut mem, base, &chain, &[entry; 8]);
        assert!(filled.is_ok(), "a chain from read_chain must fill");
    }
}
