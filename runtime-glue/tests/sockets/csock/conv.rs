//! The layer's address conversions agree byte for byte with `netaddr`: the C program
//! `csock/tests/conv_probe.c` prints what the layer builds, and this test computes the same
//! with netaddr, for netaddr's known-answer addresses plus a deterministic spread of
//! IPv4, IPv6 (with flowinfo and scope id) and IPv4-mapped addresses.

use super::{built, wasm};
use crate::util::{Proc, WAIT};
use netaddr::{
    AddrError, posix, sa_data,
    wasmedge::{self, Generation},
};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// netaddr's known answers (`netaddr/tests/integration/util.rs`) and 60 more addresses
/// from a fixed linear congruential sequence (no randomness between runs).
fn addresses() -> Vec<SocketAddr> {
    let mut v: Vec<SocketAddr> = [
        "127.0.0.1:8080",
        "0.0.0.0:0",
        "[::1]:443",
        "[::ffff:192.0.2.1]:80",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    v.push(SocketAddr::V6(SocketAddrV6::new(
        "fe80::1".parse().unwrap(),
        8080,
        0x1234_5678,
        3,
    )));
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x
    };
    for i in 0..60 {
        let (a, b) = (next(), next());
        let port = (a >> 48) as u16;
        v.push(match i % 3 {
            0 => SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from((a >> 8) as u32), port)),
            1 => SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from((u128::from(a) << 64) | u128::from(b)),
                port,
                b as u32,
                (b >> 32) as u32,
            )),
            _ => SocketAddr::V6(SocketAddrV6::new(
                Ipv4Addr::from(b as u32).to_ipv6_mapped(),
                port,
                (a >> 16) as u32,
                a as u32,
            )),
        });
    }
    v
}

fn without_flow_and_scope(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(a) => SocketAddr::V6(SocketAddrV6::new(*a.ip(), a.port(), 0, 0)),
        v4 => v4,
    }
}

/// One command line for conv_probe and the output netaddr says it must print.
fn cases() -> Vec<([String; 3], String)> {
    let mut c = Vec::new();
    for addr in addresses() {
        let (posix_bytes, len) = posix::to_bytes(&addr);
        let mut storage = [0u8; 128];
        let port = wasmedge::encode_getaddr_v2(&addr, &mut storage).expect("v2 storage");
        let port = u32::from_le_bytes(port);
        assert_eq!(
            wasmedge::decode_address(&storage, addr.port(), Generation::V2),
            Ok(without_flow_and_scope(addr))
        );
        // sockaddr -> the storage + host-order port the layer hands sock_bind_v2 & co.
        let lens: &[usize] = if addr.is_ipv6() {
            &[32, 28, 24, 48]
        } else {
            &[16, 48]
        };
        for &l in lens {
            c.push((
                ["to_storage".into(), hex(&posix_bytes[..len]), l.to_string()],
                format!("storage {} port {port}", hex(&storage)),
            ));
        }
        // storage + port (getlocaladdr_v2, getpeeraddr_v2, recv_from_v2) -> sockaddr.
        let back = posix::to_bytes(&without_flow_and_scope(addr)).0;
        c.push((
            ["from_storage".into(), hex(&storage), port.to_string()],
            format!("sockaddr {}", hex(&back[..len])),
        ));
        // getaddrinfo sa_data -> sockaddr, flowinfo and scope id included.
        let mut sd = [0u8; 26];
        let w = sa_data::encode(&addr, &mut sd);
        let family = if addr.is_ipv4() { 1 } else { 2 };
        assert_eq!(sa_data::decode(family, &sd[..w.written]), Ok(addr));
        c.push((
            [
                "from_sa_data".into(),
                family.to_string(),
                hex(&sd[..w.written]),
            ],
            format!("sockaddr {}", hex(&posix_bytes[..len])),
        ));
    }
    c
}

/// Bad inputs: the layer's errno matches netaddr's verdict (BadLength -> EINVAL 28,
/// unknown family -> EAFNOSUPPORT 5).
fn hostile_cases() -> Vec<([String; 3], String)> {
    let v4 = posix::to_bytes(&"127.0.0.1:8080".parse().unwrap()).0;
    let v6 = posix::to_bytes(&"[::1]:443".parse().unwrap()).0;
    let mut odd = v4;
    odd[0] = 9;
    let mut out = Vec::new();
    for (bytes, len) in [
        (&v4[..16], 15u32),
        (&v4[..16], 1),
        (&v6[..32], 23),
        (&odd[..16], 16),
    ] {
        let errno = match posix::decode(bytes, len) {
            Err(AddrError::BadLength { .. }) => 28,
            Err(AddrError::UnknownFamily { .. }) | Err(AddrError::UnsupportedFamily { .. }) => 5,
            other => panic!("netaddr accepted a hostile case: {other:?}"),
        };
        out.push((
            ["to_storage".into(), hex(bytes), len.to_string()],
            format!("errno {errno}"),
        ));
    }
    out
}

/// 300 arbitrary sockaddr byte strings and socklens (a fixed sequence): whatever netaddr's
/// `posix::decode` accepts, the layer turns into the same storage and port; whatever netaddr
/// rejects, the layer rejects with the matching errno. (Family 3 is left out: the layer
/// handles AF_UNIX paths, netaddr's posix module only IP.)
fn arbitrary_cases() -> Vec<([String; 3], String)> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = Vec::new();
    while out.len() < 300 {
        let mut bytes = [0u8; 48];
        for chunk in bytes.chunks_mut(8) {
            chunk.copy_from_slice(&next().to_le_bytes());
        }
        let r = next();
        let family: u16 = [0, 1, 2, 1, 2, 1, 2, 9, 0x0101, 0x0201][(r % 10) as usize];
        if family == 3 {
            continue;
        }
        bytes[..2].copy_from_slice(&family.to_le_bytes());
        let len = [0, 1, 2, 8, 15, 16, 23, 24, 27, 28, 32, 48][((r >> 8) % 12) as usize];
        let want = match posix::decode(&bytes, len) {
            Ok(addr) => {
                let mut storage = [0u8; 128];
                wasmedge::encode_getaddr_v2(&addr, &mut storage).expect("storage");
                format!("storage {} port {}", hex(&storage), addr.port())
            }
            Err(AddrError::BadLength { .. } | AddrError::TooShort { .. }) => "errno 28".into(),
            Err(_) => "errno 5".into(),
        };
        out.push((["to_storage".into(), hex(&bytes), len.to_string()], want));
    }
    let accepted = out.iter().filter(|(_, w)| w.starts_with("storage")).count();
    assert!(
        (60..=240).contains(&accepted),
        "{accepted} of 300 accepted: too one-sided"
    );
    out
}

#[test]
fn csock_address_conversions_match_netaddr_byte_for_byte() {
    let Some(dir) = built() else {
        return;
    };
    let mut cases = cases();
    cases.extend(hostile_cases());
    cases.extend(arbitrary_cases());
    let mut args = vec!["run".to_string(), wasm(&dir, "conv_probe")];
    for (cmd, _) in &cases {
        args.extend(cmd.iter().cloned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = Proc::fdvirt(&args).wait_output(WAIT);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), cases.len(), "{out}");
    for ((cmd, want), got) in cases.iter().zip(lines) {
        assert_eq!(got, want, "conv_probe {}", cmd.join(" "));
    }
}
