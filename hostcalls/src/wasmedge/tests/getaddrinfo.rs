//! `sock_getaddrinfo` layouts: validation order, in-place fill, declared capacities.

use std::net::SocketAddr;

use netaddr::{AddressFamily, Protocol, SocketType};

use crate::{
    errno::Errno,
    wasmedge::getaddrinfo::{AI_CANONNAME, Hints, Resolved, parse_request, resolve, write_results},
};

/// Guest memory with hints at 0x100, the result pointer at 0x200 (-> node 0x300 whose
/// sockaddr is 0x340 with `sa_data` 0x380 of capacity `cap`, canonname 0x3c0 of
/// capacity `canon_cap`), strings at 0x400.
fn memory(cap: u32, canon_cap: u32) -> Vec<u8> {
    let mut m = vec![0u8; 0x1000];
    let put = |m: &mut Vec<u8>, at: usize, v: u32| m[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put(&mut m, 0x200, 0x300);
    put(&mut m, 0x300 + 12, 0x340);
    put(&mut m, 0x300 + 16, 0x3c0);
    put(&mut m, 0x300 + 20, canon_cap);
    put(&mut m, 0x340 + 4, cap);
    put(&mut m, 0x340 + 8, 0x380);
    m[0x400..0x40a].copy_from_slice(b"localhost\0");
    m[0x3f0..0x3f4].copy_from_slice(b"80\0\0");
    m
}

fn request(m: &[u8]) -> crate::wasmedge::getaddrinfo::Request {
    parse_request(m, 0x400, 10, 0x3f0, 3, 0x100, 0x200, 1, 0x204).expect("valid request")
}

fn v6_result(canon: Option<&str>) -> Resolved {
    Resolved {
        flags: 0,
        addr: "[::1]:8080".parse::<SocketAddr>().unwrap(),
        socktype: SocketType::Stream,
        protocol: Protocol::Tcp,
        canonname: canon.map(str::to_string),
    }
}

#[test]
fn never_writes_past_the_declared_sa_data_capacity() {
    // The Rust SDK declares 14 bytes; an IPv6 result needs 26.
    let mut m = memory(14, 0);
    let req = request(&m);
    write_results(&mut m, &req, &[v6_result(None)], 0x204).expect("write");
    assert_eq!(&m[0x380..0x382], &8080u16.to_be_bytes());
    assert!(
        m[0x380 + 14..0x3c0].iter().all(|&b| b == 0),
        "wrote past 14 bytes"
    );
    assert_eq!(u32::from_le_bytes(m[0x344..0x348].try_into().unwrap()), 26);
    assert_eq!(m[0x340], 2, "sa_family INET6");
    assert_eq!(m[0x302], 2, "ai_family");
    assert_eq!(m[0x303], 2, "ai_socktype STREAM");
    assert_eq!(m[0x304], 1, "ai_protocol TCP");
    assert_eq!(u32::from_le_bytes(m[0x308..0x30c].try_into().unwrap()), 28);
    assert_eq!(u32::from_le_bytes(m[0x204..0x208].try_into().unwrap()), 1);
}

#[test]
fn canonname_is_cut_to_capacity_with_a_nul() {
    let mut m = memory(26, 4);
    let req = request(&m);
    write_results(&mut m, &req, &[v6_result(Some("localhost"))], 0x204).expect("write");
    assert_eq!(&m[0x3c0..0x3c4], b"loc\0");
    assert_eq!(m[0x3c4], 0);
    assert_eq!(u32::from_le_bytes(m[0x314..0x318].try_into().unwrap()), 3);
}

#[test]
fn validation_order_matches_wasmedge() {
    let m = memory(26, 0);
    let parse = |m: &[u8], node_len, svc_len, max| {
        parse_request(m, 0x400, node_len, 0x3f0, svc_len, 0x100, 0x200, max, 0x204).map(|_| ())
    };
    assert_eq!(parse(&m, 0, 0, 1), Err(Errno::AiNoname));
    assert_eq!(parse(&m, 10, 0, 0), Err(Errno::AiMemory));
    let mut bad = m.clone();
    bad[0x100] = 0x80;
    assert_eq!(parse(&bad, 10, 0, 1), Err(Errno::AiBadflag));
    let mut canon_no_node = m.clone();
    canon_no_node[0x100] = AI_CANONNAME as u8;
    assert_eq!(parse(&canon_no_node, 0, 3, 1), Err(Errno::AiBadflag));
    let mut fam = m.clone();
    fam[0x102] = 3;
    assert_eq!(parse(&fam, 10, 0, 1), Err(Errno::AiFamily));
    let mut proto = m.clone();
    proto[0x104] = 9;
    assert_eq!(parse(&proto, 10, 0, 1), Err(Errno::Nosys));
    // Two nodes requested but the first node's ai_next points outside memory.
    let mut chain = m.clone();
    chain[0x318..0x31c].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    assert_eq!(parse(&chain, 10, 0, 2), Err(Errno::Fault));
}

#[test]
fn resolve_without_node_gives_loopback_or_passive_addresses() {
    let m = memory(26, 0);
    let mut req = request(&m);
    req.node = None;
    req.hints = Hints {
        flags: 0,
        family: AddressFamily::Ipv4,
        socktype: SocketType::Stream,
        protocol: Protocol::Ip,
    };
    let policy = hostsock::NetworkPolicy::allow_all();
    let r = resolve(&req, &policy).expect("loopback");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].addr, "127.0.0.1:80".parse::<SocketAddr>().unwrap());
    req.hints.flags = 0x01; // AI_PASSIVE
    req.hints.socktype = SocketType::Any;
    let r = resolve(&req, &policy).expect("passive");
    assert_eq!(r[0].addr, "0.0.0.0:80".parse::<SocketAddr>().unwrap());
    assert_eq!(r.len(), 2, "stream and datagram entries: {r:?}");
}

#[test]
fn numeric_host_flag_refuses_names() {
    let m = memory(26, 0);
    let mut req = request(&m);
    req.hints.flags = 0x04; // AI_NUMERICHOST
    let policy = hostsock::NetworkPolicy::allow_all();
    assert_eq!(resolve(&req, &policy), Err(Errno::AiNoname));
    req.node = Some("::1".into());
    assert!(resolve(&req, &policy).is_ok());
}

#[test]
fn a_huge_max_res_len_over_a_self_linked_chain_is_bounded() {
    // Found by the fuzzer: node 0x300 links to itself and max_res_len is 2^32 - 1.
    let mut m = memory(26, 0);
    m[0x318..0x31c].copy_from_slice(&0x300u32.to_le_bytes());
    let req = parse_request(&m, 0x400, 10, 0x3f0, 3, 0x100, 0x200, u32::MAX, 0x204)
        .expect("valid request");
    let mut m2 = m.clone();
    write_results(&mut m2, &req, &[v6_result(None)], 0x204).expect("write");
    assert_eq!(u32::from_le_bytes(m2[0x204..0x208].try_into().unwrap()), 1);
}

#[test]
fn the_walk_stops_at_a_null_ai_next() {
    // One node whose ai_next is 0 but max_res_len 4: guest address 0 is never treated
    // as a node, so two results fill only the one node and nothing is written at 0.
    let mut m = memory(26, 0);
    m[0..28].fill(0xAA);
    let req =
        parse_request(&m, 0x400, 10, 0x3f0, 3, 0x100, 0x200, 4, 0x204).expect("valid request");
    let v4 = Resolved {
        addr: "127.0.0.1:80".parse::<SocketAddr>().unwrap(),
        ..v6_result(None)
    };
    write_results(&mut m, &req, &[v6_result(None), v4], 0x204).expect("write");
    assert_eq!(u32::from_le_bytes(m[0x204..0x208].try_into().unwrap()), 1);
    assert!(m[0..28].iter().all(|&b| b == 0xAA), "address 0 untouched");
}
