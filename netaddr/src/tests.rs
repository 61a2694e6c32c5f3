//! Unit tests for the private helpers and the numbering tables.

use crate::{
    AddrError, AddressFamily, Narrowing, Protocol, SocketType,
    addrinfo::span,
    bytes::{read, write, write_prefix},
    family::{host, split_wasi_libc_type, wasi_libc},
    wasmedge::AddressStruct,
};

#[test]
fn read_and_write_report_needed_and_given() {
    let mut buf = [1u8, 2, 3];
    assert_eq!(read::<2>(&buf, 1), Ok([2, 3]));
    assert_eq!(
        read::<2>(&buf, 2),
        Err(AddrError::TooShort {
            needed: 4,
            given: 3
        })
    );
    assert!(matches!(
        read::<2>(&buf, usize::MAX),
        Err(AddrError::TooShort { .. })
    ));
    assert_eq!(
        write(&mut buf, 2, &[9, 9]),
        Err(AddrError::TooShort {
            needed: 4,
            given: 3
        })
    );
    assert_eq!(buf, [1, 2, 3], "failed write leaves the buffer alone");
    assert_eq!(write_prefix(&mut buf, &[7, 8, 9, 10]), 3);
    assert_eq!(buf, [7, 8, 9]);
}

#[test]
fn narrowing_truncates_like_wasmedge_or_rejects() {
    assert_eq!(Narrowing::Truncate.to_u8(257), Ok(1), "family 257 is INET4");
    assert_eq!(
        Narrowing::Truncate.to_u16(65616),
        Ok(80),
        "port 65616 binds 80"
    );
    assert_eq!(
        Narrowing::Reject.to_u16(65616),
        Err(AddrError::OutOfRange {
            value: 65616,
            bits: 16
        })
    );
    assert_eq!(
        Narrowing::Reject.to_u8(256),
        Err(AddrError::OutOfRange {
            value: 256,
            bits: 8
        })
    );
    assert_eq!(Narrowing::Reject.to_u16(8080), Ok(8080));
    assert_eq!(Narrowing::default(), Narrowing::Truncate);
}

#[test]
fn guest_spans_check_base_and_end() {
    assert_eq!(span(16, 0x100, 0x104, 4), Ok(4..8));
    assert_eq!(span(16, 0x100, 0x10C, 4), Ok(12..16));
    assert_eq!(
        span(16, 0x100, 0x10D, 4),
        Err(AddrError::OutOfBounds {
            addr: 0x10D,
            len: 4
        })
    );
    assert_eq!(
        span(16, 0x100, 0xFF, 1),
        Err(AddrError::OutOfBounds { addr: 0xFF, len: 1 })
    );
    assert_eq!(
        span(16, 0x100, u32::MAX, 0),
        Ok(0..0),
        "empty spans are valid anywhere"
    );
    assert!(span(16, 0, u32::MAX, u32::MAX).is_err());
}

#[test]
fn families_convert_between_all_numberings() {
    use AddressFamily::*;
    for (f, wasmedge, libc_wasi) in [(Unspec, 0, 0), (Ipv4, 1, 1), (Ipv6, 2, 2), (Unix, 3, 3)] {
        assert_eq!(AddressFamily::from_wasmedge(wasmedge), Ok(f));
        assert_eq!(f.to_wasmedge(), wasmedge as u8);
        assert_eq!(AddressFamily::from_wasi_libc(libc_wasi), Ok(f));
        assert_eq!(f.to_wasi_libc(), libc_wasi);
        assert_eq!(AddressFamily::from_host(f.to_host()), Ok(f));
    }
    assert_eq!(
        AddressFamily::from_wasmedge(4),
        Err(AddrError::UnknownFamily { family: 4 })
    );
    assert_eq!(AddressFamily::from_wasmedge_legacy(0), Ok(Ipv4));
    assert_eq!(AddressFamily::from_wasmedge_legacy(1), Ok(Ipv6));
    assert_eq!(Ipv6.to_wasmedge_legacy(), Ok(1));
    assert_eq!(
        Unix.to_wasmedge_legacy(),
        Err(AddrError::UnsupportedFamily { family: Unix })
    );
    assert_eq!((Ipv4.to_addr_type(), Ipv6.to_addr_type()), (Ok(4), Ok(6)));
    assert_eq!(
        AddressFamily::from_addr_type(2),
        Ok(Ipv6),
        "0.13.0 regression value"
    );
    assert_eq!(
        AddressFamily::from_addr_type(5),
        Err(AddrError::UnknownFamily { family: 5 })
    );
    assert_eq!(
        AddressFamily::from_host(99),
        Err(AddrError::UnknownFamily { family: 99 })
    );
}

#[test]
fn socket_types_and_protocols_convert() {
    use SocketType::*;
    assert_eq!(SocketType::from_wasmedge(2), Ok(Stream));
    assert_eq!(SocketType::from_wasmedge(1), Ok(Dgram));
    assert_eq!(
        SocketType::from_wasmedge(3),
        Err(AddrError::UnknownSocketType { socktype: 3 })
    );
    assert_eq!(SocketType::from_wasmedge_legacy(1), Ok(Stream));
    assert_eq!(SocketType::from_wasi_libc(6), Ok(Stream));
    assert_eq!(Dgram.to_wasi_libc(), Ok(5));
    assert!(Any.to_wasi_libc().is_err());
    for t in [Any, Dgram, Stream] {
        assert_eq!(SocketType::from_wasmedge(u32::from(t.to_wasmedge())), Ok(t));
        assert_eq!(SocketType::from_host(t.to_host()), Ok(t));
    }
    assert_eq!(
        split_wasi_libc_type(6 | wasi_libc::SOCK_NONBLOCK),
        (6, 0x4000)
    );
    assert_eq!(split_wasi_libc_type(5 | 0x2000 | 0x4000), (5, 0x6000));
    for p in [Protocol::Ip, Protocol::Tcp, Protocol::Udp] {
        assert_eq!(Protocol::from_wasmedge(u32::from(p.to_wasmedge())), Ok(p));
        assert_eq!(Protocol::from_host(p.to_host()), Ok(p));
        assert_eq!(Protocol::from_wasi_libc(p.to_wasi_libc()), Ok(p));
    }
    assert_eq!(Protocol::from_wasmedge_legacy(0), Ok(Protocol::Tcp));
    assert_eq!(
        Protocol::from_host(255),
        Err(AddrError::UnknownProtocol { protocol: 255 })
    );
}

#[test]
fn host_constants_match_libc() {
    assert_eq!(host::AF_INET, libc::AF_INET as u32);
    assert_eq!(host::AF_INET6, libc::AF_INET6 as u32);
    assert_eq!(host::AF_UNIX, libc::AF_UNIX as u32);
    assert_eq!(host::AF_UNSPEC, libc::AF_UNSPEC as u32);
    assert_eq!(host::SOCK_STREAM, libc::SOCK_STREAM as u32);
    assert_eq!(host::SOCK_DGRAM, libc::SOCK_DGRAM as u32);
    assert_eq!(host::IPPROTO_TCP, libc::IPPROTO_TCP as u32);
    assert_eq!(host::IPPROTO_UDP, libc::IPPROTO_UDP as u32);
}

#[test]
fn address_struct_is_two_le_u32() {
    let bytes = [0x10, 0x20, 0, 0, 16, 0, 0, 0];
    let a = AddressStruct::decode(&bytes).unwrap();
    assert_eq!(
        a,
        AddressStruct {
            buf: 0x2010,
            buf_len: 16
        }
    );
    let mut out = [0u8; 8];
    a.encode(&mut out).unwrap();
    assert_eq!(out, bytes);
    assert_eq!(
        AddressStruct::decode(&bytes[..7]),
        Err(AddrError::TooShort {
            needed: 8,
            given: 7
        })
    );
}

#[test]
fn written_reports_truncation() {
    let w = crate::Written {
        written: 3,
        full_len: 16,
    };
    assert!(w.truncated());
    assert!(
        !crate::Written {
            written: 16,
            full_len: 16
        }
        .truncated()
    );
}

#[test]
fn ai_flags_map_bit_by_bit_to_host() {
    use crate::aiflags::{from_host, to_host};
    let pairs = [
        (0x01, libc::AI_PASSIVE),
        (0x02, libc::AI_CANONNAME),
        (0x04, libc::AI_NUMERICHOST),
        (0x08, libc::AI_NUMERICSERV),
        (0x10, libc::AI_V4MAPPED),
        (0x20, libc::AI_ALL),
        (0x40, libc::AI_ADDRCONFIG),
    ];
    for (wasi, host) in pairs {
        assert_eq!(to_host(wasi), Ok(host as u32));
        assert_eq!(from_host(host as u32), wasi);
    }
    assert_eq!(to_host(0x7F).map(from_host), Ok(0x7F));
    assert_eq!(to_host(0x80), Err(AddrError::BadFlags { flags: 0x80 }));
    assert_eq!(from_host(0x8000_0000), 0, "host-only bits dropped");
}
