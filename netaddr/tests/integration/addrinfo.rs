//! The getaddrinfo chain writer against hand-computed bytes and the Rust
//! SDK 0.5 buffer shapes.

use crate::util::{loopback_v4, scoped_v6};
use netaddr::{
    AddrError, Protocol, SocketType,
    addrinfo::{self, AddrInfoEntry, ChainShape, Hints, MAX_NODES},
};
use std::net::SocketAddr;

fn entry(addr: SocketAddr, canonname: Option<&[u8]>) -> AddrInfoEntry<'_> {
    AddrInfoEntry {
        flags: 0x0002,
        socktype: SocketType::Stream,
        protocol: Protocol::Tcp,
        addr,
        canonname,
    }
}

#[test]
fn lay_out_one_ipv4_result_known_bytes() {
    let base = 0x1000;
    let mut mem = vec![0xAAu8; 80];
    let laid =
        addrinfo::lay_out(&mut mem, base, base, &[entry(loopback_v4(), Some(b"lo"))]).unwrap();
    assert_eq!(
        (
            laid.first,
            laid.len,
            laid.report.filled,
            laid.report.truncated
        ),
        (0x1000, 69, 1, 0)
    );
    #[rustfmt::skip]
    let node = [
        0x02, 0x00,             // ai_flags = AI_CANONNAME
        0x01, 0x02, 0x01,       // family INET4, STREAM, TCP
        0x00, 0x00, 0x00,       // padding
        0x10, 0x00, 0x00, 0x00, // ai_addrlen 16 (host sockaddr_in)
        0x1C, 0x10, 0x00, 0x00, // ai_addr -> 0x101C
        0x42, 0x10, 0x00, 0x00, // ai_canonname -> 0x1042
        0x02, 0x00, 0x00, 0x00, // ai_canonname_len = strlen("lo")
        0x00, 0x00, 0x00, 0x00, // ai_next = NULL
    ];
    assert_eq!(mem[..28], node);
    // __wasi_sockaddr_t: family 1, 3 padding, sa_data_len 14, sa_data -> 0x1028.
    assert_eq!(mem[28..40], [1, 0, 0, 0, 14, 0, 0, 0, 0x28, 0x10, 0, 0]);
    assert_eq!(
        mem[40..54],
        [0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(mem[54..66], [0; 12], "unused sa_data capacity zeroed");
    assert_eq!(mem[66..69], *b"lo\0");
    assert_eq!(mem[69..], [0xAA; 11], "nothing written past the block");
}

#[test]
fn lay_out_refuses_small_buffers() {
    let mut mem = vec![0u8; 68];
    let err = addrinfo::lay_out(&mut mem, 0, 0, &[entry(loopback_v4(), Some(b"lo"))]);
    assert_eq!(
        err,
        Err(AddrError::TooShort {
            needed: 69,
            given: 68
        })
    );
    assert!(mem.iter().all(|&b| b == 0), "nothing written on refusal");
    let err = addrinfo::lay_out(&mut mem, 0x100, 0x10, &[entry(loopback_v4(), None)]);
    assert!(matches!(err, Err(AddrError::OutOfBounds { .. })));
}

#[test]
fn sdk_shape_ipv6_result_is_truncated_not_overflowed() {
    let base = 0x2000;
    let mut mem = vec![0u8; 512];
    let first = addrinfo::prepare_chain(&mut mem, base, base + 8, 2, ChainShape::SDK_0_5).unwrap();
    // Mark the sa_data buffers so over-writes are visible.
    let chain = addrinfo::read_chain(&mem, base, first, 2).unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!((chain[0].sa_data_cap, chain[0].canonname_cap), (14, 0));
    for s in &chain {
        let off = (s.sa_data - base) as usize;
        mem[off..off + 26].fill(0xEE);
    }
    let entries = [
        entry(scoped_v6(), Some(b"example.org")),
        entry(loopback_v4(), None),
    ];
    let report = addrinfo::fill_chain(&mut mem, base, &chain, &entries).unwrap();
    assert_eq!((report.filled, report.truncated), (2, 1));
    let d0 = (chain[0].sa_data - base) as usize;
    assert_eq!(mem[d0..d0 + 2], [0x1F, 0x90]);
    assert_eq!(
        mem[d0 + 14..d0 + 26],
        [0xEE; 12],
        "only the declared 14 bytes written"
    );
    let back = addrinfo::read_results(&mem, base, first, 2).unwrap();
    assert_eq!(back[0].sa_data_len, 26, "full size reported");
    assert_eq!(back[0].canonname, b"", "capacity 0: no name bytes");
    assert_eq!(back[1].addr, Ok(loopback_v4()));
    assert_eq!(
        (
            back[1].family,
            back[1].socktype,
            back[1].protocol,
            back[1].addrlen
        ),
        (1, 2, 1, 16)
    );
}

#[test]
fn canonname_is_cut_to_capacity_and_nul_terminated() {
    let shape = ChainShape {
        sa_data_cap: 26,
        sa_data_declared: 26,
        canonname_cap: 5,
        canonname_declared: 5,
    };
    let mut mem = vec![0xAAu8; 256];
    let first = addrinfo::prepare_chain(&mut mem, 0, 0, 1, shape).unwrap();
    let chain = addrinfo::read_chain(&mem, 0, first, 1).unwrap();
    let report = addrinfo::fill_chain(
        &mut mem,
        0,
        &chain,
        &[entry(loopback_v4(), Some(b"example"))],
    )
    .unwrap();
    assert_eq!(report.truncated, 1);
    let name = chain[0].canonname as usize;
    assert_eq!(mem[name..name + 5], *b"exam\0");
    assert_eq!(
        u32::from_le_bytes(mem[20..24].try_into().unwrap()),
        7,
        "full strlen reported"
    );
}

#[test]
fn chain_walk_bounds_and_limits() {
    let mut mem = vec![0u8; 4096];
    let first = addrinfo::prepare_chain(&mut mem, 0, 64, 3, ChainShape::SDK_0_5).unwrap();
    assert_eq!(addrinfo::read_chain(&mem, 0, first, 0).unwrap().len(), 0);
    assert_eq!(
        addrinfo::read_chain(&mem, 0, first, 10).unwrap().len(),
        3,
        "stops at null ai_next"
    );
    assert_eq!(
        addrinfo::read_chain(&mem, 0, 4090, 1),
        Err(AddrError::OutOfBounds {
            addr: 4090,
            len: 28
        })
    );
    // Point node 0's ai_next at itself: the walk is capped.
    let n0 = first as usize;
    mem[n0 + 24..n0 + 28].copy_from_slice(&first.to_le_bytes());
    assert_eq!(
        addrinfo::read_chain(&mem, 0, first, u32::MAX)
            .unwrap()
            .len(),
        MAX_NODES as usize
    );
    // An sa_data span outside memory is a fault before anything is written.
    let sockaddr = u32::from_le_bytes(mem[n0 + 12..n0 + 16].try_into().unwrap()) as usize;
    mem[sockaddr + 8..sockaddr + 12].copy_from_slice(&5000u32.to_le_bytes());
    assert_eq!(
        addrinfo::read_chain(&mem, 0, first, 1),
        Err(AddrError::OutOfBounds {
            addr: 5000,
            len: 14
        })
    );
    // Zero-length spans are valid anywhere.
    mem[sockaddr + 4..sockaddr + 8].copy_from_slice(&0u32.to_le_bytes());
    assert!(addrinfo::read_chain(&mem, 0, first, 1).is_ok());
}

#[test]
fn fill_stops_at_shorter_of_chain_and_results() {
    let mut mem = vec![0u8; 1024];
    let first = addrinfo::prepare_chain(&mut mem, 0, 0, 1, ChainShape::SDK_0_5).unwrap();
    let chain = addrinfo::read_chain(&mem, 0, first, 1).unwrap();
    let entries = [entry(loopback_v4(), None), entry(scoped_v6(), None)];
    assert_eq!(
        addrinfo::fill_chain(&mut mem, 0, &chain, &entries)
            .unwrap()
            .filled,
        1
    );
    assert_eq!(
        addrinfo::fill_chain(&mut mem, 0, &chain, &[])
            .unwrap()
            .filled,
        0
    );
}

#[test]
fn hints_round_trip() {
    let hints = Hints {
        flags: 0x41,
        family: 2,
        socktype: 1,
        protocol: 2,
    };
    let mut mem = vec![0xAAu8; 64];
    addrinfo::write_hints(&mut mem, 0x10, 0x20, &hints).unwrap();
    assert_eq!(mem[0x10..0x15], [0x41, 0, 2, 1, 2]);
    assert_eq!(addrinfo::read_hints(&mem, 0x10, 0x20), Ok(hints));
    assert!(matches!(
        addrinfo::read_hints(&mem, 0x10, 0x40),
        Err(AddrError::OutOfBounds { .. })
    ));
}

#[test]
fn hints_convert_to_host_in_wasmedge_order() {
    use netaddr::family::host;
    let sdk_default = Hints {
        flags: 0,
        family: 1,
        socktype: 2,
        protocol: 1,
    };
    let h = sdk_default.to_host().unwrap();
    assert_eq!(
        (h.flags, h.family, h.socktype, h.protocol),
        (0, host::AF_INET, host::SOCK_STREAM, host::IPPROTO_TCP)
    );
    let any = Hints {
        flags: 0x02,
        family: 0,
        socktype: 0,
        protocol: 0,
    }
    .to_host()
    .unwrap();
    assert_eq!(
        (any.family, any.socktype, any.protocol),
        (host::AF_UNSPEC, 0, 0)
    );
    // Flags are checked before family, family before protocol, protocol before socktype.
    let bad = Hints {
        flags: 0x80,
        family: 9,
        socktype: 9,
        protocol: 9,
    };
    assert_eq!(bad.to_host(), Err(AddrError::BadFlags { flags: 0x80 }));
    assert_eq!(
        Hints { flags: 0, ..bad }.to_host(),
        Err(AddrError::UnknownFamily { family: 9 })
    );
    assert_eq!(
        Hints {
            flags: 0,
            family: 2,
            ..bad
        }
        .to_host(),
        Err(AddrError::UnknownProtocol { protocol: 9 })
    );
    assert_eq!(
        Hints {
            flags: 0,
            family: 2,
            protocol: 0,
            ..bad
        }
        .to_host(),
        Err(AddrError::UnknownSocketType { socktype: 9 })
    );
    assert!(matches!(
        Hints {
            family: 3,
            ..sdk_default
        }
        .to_host(),
        Err(AddrError::UnsupportedFamily { .. })
    ));
}

#[test]
fn host_entries_convert_or_are_skipped() {
    use netaddr::family::host;
    let e = AddrInfoEntry::from_host(
        libc::AI_CANONNAME as u32,
        host::SOCK_DGRAM,
        host::IPPROTO_UDP,
        scoped_v6(),
        None,
    )
    .unwrap();
    assert_eq!(
        (e.flags, e.socktype, e.protocol),
        (0x02, SocketType::Dgram, Protocol::Udp)
    );
    let raw = AddrInfoEntry::from_host(0, libc::SOCK_RAW as u32, 0, loopback_v4(), None);
    assert_eq!(
        raw,
        Err(AddrError::UnknownSocketType {
            socktype: libc::SOCK_RAW as u32
        })
    );
}

#[test]
fn lay_out_carries_every_known_address_exactly() {
    use crate::util::{any_v4, loopback_v6, mapped_v6};
    let addrs = [
        loopback_v4(),
        any_v4(),
        loopback_v6(),
        scoped_v6(),
        mapped_v6(),
    ];
    let entries: Vec<_> = addrs
        .iter()
        .map(|a| entry(*a, Some(b"host.example")))
        .collect();
    let mut mem = vec![0u8; 1024];
    let laid = addrinfo::lay_out(&mut mem, 0x8000, 0x8004, &entries).unwrap();
    assert_eq!((laid.report.filled, laid.report.truncated), (5, 0));
    let back = addrinfo::read_results(&mem, 0x8000, laid.first, 5).unwrap();
    for (b, a) in back.iter().zip(addrs) {
        assert_eq!(b.addr, Ok(a));
        let (family, addrlen, data_len) = if a.is_ipv4() {
            (1, 16, 14)
        } else {
            (2, 28, 26)
        };
        assert_eq!(
            (b.family, b.addrlen, b.sa_data_len),
            (family, addrlen, data_len)
        );
        assert_eq!(b.canonname, b"host.example");
    }
}
