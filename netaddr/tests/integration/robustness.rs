//! Decoding arbitrary bytes never panics, and either fails with a typed
//! error or re-encodes to the same meaningful bytes.

use netaddr::{
    AddrError, fuzzing, posix, sa_data,
    wasmedge::{self, Generation},
};
use proptest::prelude::*;

proptest! {
    #[test]
    fn fuzz_entry_points_never_panic(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        fuzzing::fuzz_decode_all(&data);
    }

    #[test]
    fn posix_reencodes_meaningful_bytes(mut bytes in proptest::collection::vec(any::<u8>(), 0..48),
                                        socklen in 0u32..64, family in 0u8..4) {
        if let Some(b) = bytes.get_mut(0) { *b = family; }
        if let Some(b) = bytes.get_mut(1) { *b = 0; }
        match posix::decode(&bytes, socklen) {
            Err(e) => {
                let typed = matches!(e, AddrError::TooShort { .. } | AddrError::BadLength { .. }
                    | AddrError::UnsupportedFamily { .. } | AddrError::UnknownFamily { .. });
                prop_assert!(typed, "unexpected error {}", e);
            }
            Ok(addr) => {
                let mut out = [0u8; 32];
                posix::encode(&addr, &mut out);
                let meaningful = match (addr.is_ipv4(), socklen) {
                    (true, _) => 8,
                    (false, l) if l >= 28 => 28,
                    (false, _) => 24,
                };
                prop_assert_eq!(&out[..meaningful], &bytes[..meaningful]);
                // Padding is always written as zero.
                prop_assert!(out[meaningful..posix::encoded_len(&addr)].iter().all(|&b| b == 0));
            }
        }
    }

    #[test]
    fn wasmedge_octets_reencode_exactly(bytes in proptest::collection::vec(any::<u8>(), 0..20), port: u16) {
        match wasmedge::decode_address(&bytes, port, Generation::V1) {
            Err(e) => prop_assert_eq!(e, AddrError::BadLength { len: bytes.len(), expected: "4 or 16" }),
            Ok(addr) => {
                prop_assert_eq!(addr.port(), port);
                let mut out = vec![0u8; bytes.len()];
                wasmedge::encode_octets(&addr.ip(), &mut out).unwrap();
                prop_assert_eq!(out, bytes);
            }
        }
    }

    #[test]
    fn wasmedge_storage_reencodes_meaningful_bytes(bytes in proptest::collection::vec(any::<u8>(), 128..=128),
                                                   family in 0u8..6) {
        let mut bytes = bytes;
        bytes[0] = family;
        match wasmedge::decode_address(&bytes, 1, Generation::V2) {
            Err(e) => prop_assert!(!(1..=2).contains(&family), "{e}"),
            Ok(addr) => {
                let mut out = bytes.clone();
                wasmedge::encode_getaddr_v2(&addr, &mut out).unwrap();
                let n = if family == 1 { 6 } else { 18 };
                prop_assert_eq!(out[0], bytes[0]);
                prop_assert_eq!(out[1], 0, "family written as u16 LE");
                prop_assert_eq!(&out[2..n], &bytes[2..n]);
                prop_assert_eq!(&out[n..], &bytes[n..], "tail untouched");
            }
        }
    }

    #[test]
    fn wasmedge_storage_of_any_family_is_stable(mut bytes in proptest::collection::vec(any::<u8>(), 128..=128),
                                                port: u32, family in 0u8..5) {
        bytes[0] = family;
        let mut data = port.to_le_bytes().to_vec();
        data.extend(&bytes);
        fuzzing::fuzz_wasmedge(&data);
    }

    #[test]
    fn sa_data_reencodes_meaningful_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..30), family in 0u8..5) {
        if let Ok(addr) = sa_data::decode(family, &bytes) {
            let mut out = [0u8; 26];
            let w = sa_data::encode(&addr, &mut out);
            let meaningful = if family == 1 { 6 } else { 26 };
            prop_assert_eq!(&out[..meaningful], &bytes[..meaningful]);
            prop_assert!(out[meaningful..w.full_len].iter().all(|&b| b == 0));
        }
    }
}

#[test]
fn posix_rejects_short_lengths_with_typed_errors() {
    let sin = [1, 0, 0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        posix::decode(&sin, 15),
        Err(AddrError::BadLength {
            len: 15,
            expected: ">= 16 for AF_INET"
        })
    );
    assert_eq!(
        posix::decode(&sin, 1),
        Err(AddrError::BadLength {
            len: 1,
            expected: ">= 2 (sa_family)"
        })
    );
    assert_eq!(
        posix::decode(&sin[..8], 16),
        Err(AddrError::TooShort {
            needed: 16,
            given: 8
        })
    );
    let mut un = sin;
    un[0] = 3;
    assert_eq!(
        posix::decode(&un, 16),
        Err(AddrError::UnsupportedFamily {
            family: netaddr::AddressFamily::Unix
        })
    );
    un[0] = 9;
    assert_eq!(
        posix::decode(&un, 16),
        Err(AddrError::UnknownFamily { family: 9 })
    );
}

#[test]
fn posix_ipv6_scope_needs_socklen_28() {
    let addr = crate::util::scoped_v6();
    let mut b = [0u8; 32];
    posix::encode(&addr, &mut b);
    assert_eq!((scope_at(&b, 24), scope_at(&b, 28)), (0, 3));
    assert!(matches!(
        posix::decode(&b, 23),
        Err(AddrError::BadLength { len: 23, .. })
    ));
}

fn scope_at(b: &[u8], socklen: u32) -> u32 {
    match posix::decode(b, socklen) {
        Ok(std::net::SocketAddr::V6(a)) => a.scope_id(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn posix_encode_truncates_like_getsockname() {
    let addr = crate::util::scoped_v6();
    let mut small = [0xAAu8; 16];
    let w = posix::encode(&addr, &mut small);
    assert_eq!((w.written, w.full_len, w.truncated()), (16, 32, true));
    assert_eq!(small[..4], [2, 0, 0x1F, 0x90]);
    let w = posix::encode(&addr, &mut []);
    assert_eq!((w.written, w.full_len), (0, 32));
}

#[test]
fn wasmedge_lengths_select_family_or_fail() {
    let buf = [0u8; 128];
    for len in [0, 3, 5, 15, 17, 127, 129] {
        let b = vec![0u8; len];
        assert!(matches!(
            wasmedge::decode_address(&b, 1, Generation::V1),
            Err(AddrError::BadLength { .. })
        ));
        assert!(matches!(
            wasmedge::decode_address(&b, 1, Generation::V2),
            Err(AddrError::BadLength { .. })
        ));
    }
    assert!(matches!(
        wasmedge::decode_address(&buf, 1, Generation::V1),
        Err(AddrError::BadLength { len: 128, .. })
    ));
    assert_eq!(
        wasmedge::decode_address(&buf, 1, Generation::V2),
        Err(AddrError::UnsupportedFamily {
            family: netaddr::AddressFamily::Unspec
        })
    );
}

#[test]
fn getaddr_v1_errors_map_to_inval_and_nomem() {
    let v6 = crate::util::mapped_v6();
    let mut four = [0u8; 4];
    assert_eq!(
        wasmedge::encode_getaddr_v1(&v6, &mut four),
        Err(AddrError::TooShort {
            needed: 16,
            given: 4
        })
    );
    let mut eight = [0u8; 8];
    assert!(matches!(
        wasmedge::encode_getaddr_v1(&v6, &mut eight),
        Err(AddrError::BadLength { len: 8, .. })
    ));
    let mut other = [0u8; 16];
    assert!(matches!(
        wasmedge::encode_getaddr_v2(&v6, &mut other),
        Err(AddrError::BadLength { len: 16, .. })
    ));
}

#[test]
fn recv_from_short_buffers_write_nothing() {
    let v6 = crate::util::loopback_v6();
    let mut four = [0xAAu8; 4];
    assert_eq!(
        wasmedge::encode_recv_from(Some(&v6), &mut four, Generation::V1),
        Ok(0)
    );
    assert_eq!(four, [0xAA; 4]);
    let mut odd = [0xAAu8; 7];
    assert_eq!(
        wasmedge::encode_recv_from(Some(&v6), &mut odd, Generation::V1),
        Ok(0)
    );
    assert!(matches!(
        wasmedge::encode_recv_from(Some(&v6), &mut odd, Generation::V2),
        Err(AddrError::BadLength { .. })
    ));
    let mut storage = [0xAAu8; 128];
    assert_eq!(
        wasmedge::encode_recv_from(None, &mut storage, Generation::V2),
        Ok(2)
    );
    assert_eq!(storage[..3], [0, 0, 0xAA], "no sender: family 0");
}
