//! proptest round trips through every pair of layouts.
//!
//! Each layout is a codec `through(addr)` = encode into a fresh guest
//! buffer, then decode, plus `project(addr)` = what the layout can carry.
//! For every pair (A, B): `through_B(through_A(x)) == project_B(project_A(x))`.

use crate::util::{any_addr, without_flow, without_flow_and_scope};
use netaddr::{
    Protocol, SocketType,
    addrinfo::{self, AddrInfoEntry},
    posix, sa_data, text,
    wasmedge::{self, Generation, PortOrder},
};
use proptest::prelude::*;
use std::net::SocketAddr;

#[derive(Debug, Clone, Copy)]
enum Layout {
    Posix,
    PosixStorage,
    WasmedgeV1,
    WasmedgeV2Octets,
    WasmedgeStorage,
    GetAddrV1,
    RecvFromV2,
    SaData,
    AddrInfo,
    Text,
}

const ALL: [Layout; 10] = [
    Layout::Posix,
    Layout::PosixStorage,
    Layout::WasmedgeV1,
    Layout::WasmedgeV2Octets,
    Layout::WasmedgeStorage,
    Layout::GetAddrV1,
    Layout::RecvFromV2,
    Layout::SaData,
    Layout::AddrInfo,
    Layout::Text,
];

fn octets_len(addr: &SocketAddr) -> usize {
    if addr.is_ipv4() { 4 } else { 16 }
}

fn through(layout: Layout, addr: SocketAddr) -> SocketAddr {
    match layout {
        Layout::Posix => {
            let mut b = vec![0u8; posix::encoded_len(&addr)];
            let w = posix::encode(&addr, &mut b);
            posix::decode(&b, w.full_len as u32).unwrap()
        }
        Layout::PosixStorage => {
            let mut b = [0u8; posix::SOCKADDR_STORAGE_LEN];
            posix::encode(&addr, &mut b);
            posix::decode(&b, 48).unwrap()
        }
        Layout::WasmedgeV1 | Layout::WasmedgeV2Octets => {
            let mut b = vec![0u8; octets_len(&addr)];
            wasmedge::encode_octets(&addr.ip(), &mut b).unwrap();
            let g = if matches!(layout, Layout::WasmedgeV1) {
                Generation::V1
            } else {
                Generation::V2
            };
            wasmedge::decode_address(&b, addr.port(), g).unwrap()
        }
        Layout::WasmedgeStorage => {
            let mut b = [0u8; 128];
            let port = wasmedge::encode_getaddr_v2(&addr, &mut b).unwrap();
            let port = netaddr::Narrowing::Reject
                .to_u16(u32::from_le_bytes(port))
                .unwrap();
            wasmedge::decode_address(&b, port, Generation::V2).unwrap()
        }
        Layout::GetAddrV1 => {
            let mut b = [0u8; 16];
            let o = wasmedge::encode_getaddr_v1(&addr, &mut b).unwrap();
            wasmedge::decode_getaddr_v1(&b, o.addr_type, o.port).unwrap()
        }
        Layout::RecvFromV2 => {
            let mut b = [0u8; 128];
            wasmedge::encode_recv_from(Some(&addr), &mut b, Generation::V2).unwrap();
            let p = wasmedge::recv_from_v2_port(addr.port(), PortOrder::Network);
            let port = wasmedge::decode_recv_from_v2_port(p, PortOrder::Network);
            wasmedge::decode_storage(&b, port).unwrap()
        }
        Layout::SaData => {
            let mut b = [0u8; 26];
            let w = sa_data::encode(&addr, &mut b);
            let family = if addr.is_ipv4() { 1 } else { 2 };
            sa_data::decode(family, &b[..w.written]).unwrap()
        }
        Layout::AddrInfo => through_addrinfo(addr),
        Layout::Text => {
            let mut b = [0u8; 80];
            let w = text::encode(&addr, &mut b);
            text::decode(&b[..w.written]).unwrap()
        }
    }
}

fn through_addrinfo(addr: SocketAddr) -> SocketAddr {
    let entry = AddrInfoEntry {
        flags: 0,
        socktype: SocketType::Stream,
        protocol: Protocol::Tcp,
        addr,
        canonname: None,
    };
    let mut mem = vec![0u8; 256];
    let laid = addrinfo::lay_out(&mut mem, 0x4000, 0x4010, &[entry]).unwrap();
    let back = addrinfo::read_results(&mem, 0x4000, laid.first, 1).unwrap();
    back[0].addr.unwrap()
}

fn project(layout: Layout, addr: SocketAddr) -> SocketAddr {
    match layout {
        Layout::Posix | Layout::PosixStorage | Layout::SaData | Layout::AddrInfo => addr,
        Layout::Text => without_flow(addr),
        _ => without_flow_and_scope(addr),
    }
}

proptest! {
    #[test]
    fn every_layout_round_trips_what_it_carries(addr in any_addr()) {
        for layout in ALL {
            prop_assert_eq!(through(layout, addr), project(layout, addr), "{:?}", layout);
        }
    }

    #[test]
    fn every_pair_of_layouts_composes(addr in any_addr()) {
        for a in ALL {
            for b in ALL {
                let got = through(b, through(a, addr));
                prop_assert_eq!(got, project(b, project(a, addr)), "{:?} -> {:?}", a, b);
                prop_assert_eq!(got.is_ipv6(), addr.is_ipv6(), "family kept (mapped stays v6)");
                prop_assert_eq!(got.port(), addr.port(), "port exact");
            }
        }
    }
}
