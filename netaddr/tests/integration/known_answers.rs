//! Known-answer tests: bytes worked out by hand from the specs, for
//! 127.0.0.1:8080, 0.0.0.0:0, [::1]:443, [fe80::1%3]:8080 with flowinfo
//! 0x12345678, and [::ffff:192.0.2.1]:80, in every layout.

use crate::util::{any_v4, loopback_v4, loopback_v6, mapped_v6, scoped_v6, without_flow_and_scope};
use netaddr::{
    posix, sa_data, text,
    wasmedge::{self, Generation, PortOrder},
};
use std::net::SocketAddr;

/// wasm32 `sockaddr_in`/`sockaddr_in6` bytes (posix spec §2.2, §2.3).
fn posix_bytes() -> Vec<(SocketAddr, Vec<u8>)> {
    let mut c = vec![2, 0, 0x01, 0xBB, 0, 0, 0, 0];
    c.extend([0; 15]);
    c.extend([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    let mut d = vec![2, 0, 0x1F, 0x90, 0x78, 0x56, 0x34, 0x12, 0xFE, 0x80];
    d.extend([0; 13]);
    d.extend([1, 3, 0, 0, 0, 0, 0, 0, 0]);
    let mut e = vec![2, 0, 0x00, 0x50, 0, 0, 0, 0];
    e.extend([0; 10]);
    e.extend([0xFF, 0xFF, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    vec![
        (
            loopback_v4(),
            vec![1, 0, 0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
        (
            any_v4(),
            vec![1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
        (loopback_v6(), c),
        (scoped_v6(), d),
        (mapped_v6(), e),
    ]
}

#[test]
fn posix_known_answers_decode_and_encode() {
    for (addr, bytes) in posix_bytes() {
        assert_eq!(
            posix::decode(&bytes, bytes.len() as u32),
            Ok(addr),
            "{addr}"
        );
        let mut out = [0xAAu8; posix::SOCKADDR_STORAGE_LEN];
        let w = posix::encode(&addr, &mut out);
        assert_eq!(w.full_len, bytes.len(), "{addr}");
        assert_eq!(&out[..w.written], &bytes[..], "{addr}");
        assert_eq!(out[w.written], 0xAA, "nothing written past the structure");
    }
}

#[test]
fn posix_storage_sized_socklen_is_accepted() {
    for (addr, bytes) in posix_bytes() {
        let mut storage = [0u8; posix::SOCKADDR_STORAGE_LEN];
        storage[..bytes.len()].copy_from_slice(&bytes);
        assert_eq!(posix::decode(&storage, 48), Ok(addr));
    }
}

#[test]
fn posix_mapped_address_stays_v6() {
    let addr = posix::decode(&posix_bytes()[4].1, 32).unwrap();
    assert!(addr.is_ipv6());
    let SocketAddr::V6(v6) = addr else {
        unreachable!()
    };
    assert_eq!(v6.ip().to_ipv4_mapped(), Some("192.0.2.1".parse().unwrap()));
}

/// Raw octets of the WasmEdge 4/16-byte forms (ABI spec §3.2).
fn octets(addr: &SocketAddr) -> Vec<u8> {
    match addr {
        SocketAddr::V4(a) => a.ip().octets().to_vec(),
        SocketAddr::V6(a) => a.ip().octets().to_vec(),
    }
}

/// (address, octets, port argument, addr_type bytes, port output bytes).
type OctetCase = (SocketAddr, &'static [u8], u32, [u8; 4], [u8; 4]);

#[test]
fn wasmedge_octet_forms_known_answers() {
    let cases: [OctetCase; 5] = [
        (
            loopback_v4(),
            &[127, 0, 0, 1],
            8080,
            [4, 0, 0, 0],
            [0x90, 0x1F, 0, 0],
        ),
        (any_v4(), &[0, 0, 0, 0], 0, [4, 0, 0, 0], [0, 0, 0, 0]),
        (
            loopback_v6(),
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            443,
            [6, 0, 0, 0],
            [0xBB, 1, 0, 0],
        ),
        (
            scoped_v6(),
            &[0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            8080,
            [6, 0, 0, 0],
            [0x90, 0x1F, 0, 0],
        ),
        (
            mapped_v6(),
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1],
            80,
            [6, 0, 0, 0],
            [80, 0, 0, 0],
        ),
    ];
    for (addr, bytes, port, ty, port_bytes) in cases {
        assert_eq!(octets(&addr), bytes);
        let expect = without_flow_and_scope(addr);
        for generation in [Generation::V1, Generation::V2] {
            assert_eq!(
                wasmedge::decode_address(bytes, port as u16, generation),
                Ok(expect)
            );
        }
        let mut buf = [0xAAu8; 16];
        let out = wasmedge::encode_getaddr_v1(&addr, &mut buf).unwrap();
        assert_eq!(
            (out.addr_type_bytes(), out.port_bytes()),
            (ty, port_bytes),
            "{addr}"
        );
        assert_eq!(&buf[..bytes.len()], bytes);
        if bytes.len() == 4 {
            assert_eq!(buf[4..], [0xAA; 12], "rest of a 16-byte buffer untouched");
        }
        assert_eq!(
            wasmedge::decode_getaddr_v1(&buf, out.addr_type, out.port),
            Ok(expect)
        );
    }
}

#[test]
fn wasmedge_storage_known_answers() {
    for (addr, _) in posix_bytes() {
        let mut buf = [0xAAu8; 128];
        let port = wasmedge::encode_getaddr_v2(&addr, &mut buf).unwrap();
        assert_eq!(port, u32::from(addr.port()).to_le_bytes());
        let o = octets(&addr);
        let family = if addr.is_ipv4() { 1 } else { 2 };
        assert_eq!(buf[..2], [family, 0], "family u16 LE");
        assert_eq!(&buf[2..2 + o.len()], &o[..]);
        assert!(
            buf[2 + o.len()..].iter().all(|&b| b == 0xAA),
            "tail untouched"
        );
        let expect = without_flow_and_scope(addr);
        assert_eq!(
            wasmedge::decode_address(&buf, addr.port(), Generation::V2),
            Ok(expect)
        );
        assert_eq!(wasmedge::decode_storage(&buf, addr.port()), Ok(expect));
    }
}

#[test]
fn wasmedge_forms_drop_flowinfo_and_scope() {
    let mut buf = [0u8; 16];
    let out = wasmedge::encode_getaddr_v1(&scoped_v6(), &mut buf).unwrap();
    let back = wasmedge::decode_getaddr_v1(&buf, out.addr_type, out.port).unwrap();
    let SocketAddr::V6(v6) = back else {
        panic!("not v6")
    };
    assert_eq!((v6.flowinfo(), v6.scope_id()), (0, 0));
    let mut storage = [0u8; 128];
    wasmedge::encode_getaddr_v2(&scoped_v6(), &mut storage).unwrap();
    let SocketAddr::V6(v6) = wasmedge::decode_storage(&storage, 8080).unwrap() else {
        panic!("not v6")
    };
    assert_eq!((v6.flowinfo(), v6.scope_id()), (0, 0));
}

#[test]
fn recv_from_v2_port_is_network_order_by_default() {
    assert_eq!(
        wasmedge::recv_from_v2_port(8080, PortOrder::default()),
        [0x1F, 0x90]
    );
    assert_eq!(
        u16::from_le_bytes([0x1F, 0x90]),
        36895,
        "what the SDK reads"
    );
    assert_eq!(
        wasmedge::recv_from_v2_port(8080, PortOrder::Host),
        [0x90, 0x1F]
    );
    assert_eq!(
        wasmedge::recv_from_v2_port(443, PortOrder::Network),
        [0x01, 0xBB]
    );
    for order in [PortOrder::Network, PortOrder::Host] {
        let b = wasmedge::recv_from_v2_port(258, order);
        assert_eq!(wasmedge::decode_recv_from_v2_port(b, order), 258);
    }
}

#[test]
fn sa_data_known_answers() {
    let mut d = vec![0x1F, 0x90, 0x78, 0x56, 0x34, 0x12, 0xFE, 0x80];
    d.extend([0; 13]);
    d.extend([1, 3, 0, 0, 0]);
    let mut c = vec![0x01, 0xBB, 0, 0, 0, 0];
    c.extend([0; 15]);
    c.extend([1, 0, 0, 0, 0]);
    let mut e = vec![0, 80, 0, 0, 0, 0];
    e.extend([0; 10]);
    e.extend([0xFF, 0xFF, 192, 0, 2, 1, 0, 0, 0, 0]);
    let cases = [
        (
            loopback_v4(),
            1,
            vec![0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
        (any_v4(), 1, vec![0; 14]),
        (loopback_v6(), 2, c),
        (scoped_v6(), 2, d),
        (mapped_v6(), 2, e),
    ];
    for (addr, family, bytes) in cases {
        assert_eq!(sa_data::decode(family, &bytes), Ok(addr), "{addr}");
        let mut out = [0u8; 26];
        let w = sa_data::encode(&addr, &mut out);
        assert_eq!((w.written, w.full_len), (bytes.len(), bytes.len()));
        assert_eq!(&out[..w.written], &bytes[..]);
    }
}

#[test]
fn sa_data_equals_posix_from_offset_two() {
    for (addr, posix) in posix_bytes() {
        let mut out = [0u8; 26];
        let w = sa_data::encode(&addr, &mut out);
        let end = if addr.is_ipv4() { 16 } else { 28 };
        assert_eq!(&out[..w.full_len], &posix[2..end], "{addr}");
    }
}

#[test]
fn text_known_answers() {
    let cases = [
        (loopback_v4(), "127.0.0.1:8080"),
        (any_v4(), "0.0.0.0:0"),
        (loopback_v6(), "[::1]:443"),
        (scoped_v6(), "[fe80::1%3]:8080"),
        (mapped_v6(), "[::ffff:192.0.2.1]:80"),
    ];
    for (addr, txt) in cases {
        let mut out = [0u8; 64];
        let w = text::encode(&addr, &mut out);
        assert_eq!(&out[..w.written], format!("{txt}\0").as_bytes());
        let expect = crate::util::without_flow(addr);
        assert_eq!(text::decode(txt.as_bytes()), Ok(expect));
        assert_eq!(text::decode(&out), Ok(expect), "stops at the NUL");
    }
}

#[test]
fn wasmedge_storage_unix_path_known_answers() {
    let mut buf = [0xAAu8; 128];
    wasmedge::encode_storage_unix_path(b"/tmp/s", &mut buf).unwrap();
    assert_eq!(buf[..9], [3, 0, b'/', b't', b'm', b'p', b'/', b's', 0]);
    assert_eq!(buf[9], 0xAA, "tail untouched");
    assert_eq!(wasmedge::decode_storage_unix_path(&buf), Ok(&b"/tmp/s"[..]));
    // Unterminated 108-byte path and abstract (leading NUL) use all 108 bytes.
    let long = [b'x'; 108];
    wasmedge::encode_storage_unix_path(&long, &mut buf).unwrap();
    assert_eq!(wasmedge::decode_storage_unix_path(&buf), Ok(&long[..]));
    buf[2] = 0;
    assert_eq!(
        wasmedge::decode_storage_unix_path(&buf).map(<[u8]>::len),
        Ok(108)
    );
    assert_eq!(
        wasmedge::encode_storage_unix_path(&[b'x'; 109], &mut buf),
        Err(netaddr::AddrError::TooShort {
            needed: 109,
            given: 108
        })
    );
    let mut v4 = [0u8; 128];
    wasmedge::encode_getaddr_v2(&loopback_v4(), &mut v4).unwrap();
    assert!(wasmedge::decode_storage_unix_path(&v4).is_err());
    buf[0] = 3;
    assert_eq!(
        wasmedge::decode_address(&buf, 0, Generation::V2),
        Err(netaddr::AddrError::UnsupportedFamily {
            family: netaddr::AddressFamily::Unix
        })
    );
}
