//! Shared fixtures: the five known-answer addresses and proptest strategies.

use proptest::prelude::*;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// 127.0.0.1:8080 — 8080 is 0x1F90, byte-asymmetric (posix spec §7 item 1).
pub(crate) fn loopback_v4() -> SocketAddr {
    "127.0.0.1:8080".parse().unwrap()
}

/// 0.0.0.0:0.
pub(crate) fn any_v4() -> SocketAddr {
    "0.0.0.0:0".parse().unwrap()
}

/// [::1]:443 (0x01BB).
pub(crate) fn loopback_v6() -> SocketAddr {
    "[::1]:443".parse().unwrap()
}

/// [fe80::1]:8080 with flowinfo 0x12345678 and scope id 3.
pub(crate) fn scoped_v6() -> SocketAddr {
    SocketAddr::V6(SocketAddrV6::new(
        "fe80::1".parse().unwrap(),
        8080,
        0x1234_5678,
        3,
    ))
}

/// [::ffff:192.0.2.1]:80 — IPv4-mapped IPv6.
pub(crate) fn mapped_v6() -> SocketAddr {
    "[::ffff:192.0.2.1]:80".parse().unwrap()
}

/// Any socket address; a third of the IPv6 ones are IPv4-mapped.
pub(crate) fn any_addr() -> impl Strategy<Value = SocketAddr> {
    let v4 = (any::<[u8; 4]>(), any::<u16>())
        .prop_map(|(ip, port)| SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(ip), port)));
    let v6 = (any::<[u8; 16]>(), any::<u16>(), any::<u32>(), any::<u32>()).prop_map(
        |(ip, port, flow, scope)| {
            SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::from(ip), port, flow, scope))
        },
    );
    let mapped = (any::<[u8; 4]>(), any::<u16>(), any::<u32>(), any::<u32>()).prop_map(
        |(ip, port, flow, scope)| {
            let ip = Ipv4Addr::from(ip).to_ipv6_mapped();
            SocketAddr::V6(SocketAddrV6::new(ip, port, flow, scope))
        },
    );
    prop_oneof![v4, v6, mapped]
}

/// The address with flowinfo and scope id cleared.
pub(crate) fn without_flow_and_scope(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(a) => SocketAddr::V6(SocketAddrV6::new(*a.ip(), a.port(), 0, 0)),
        v4 => v4,
    }
}

/// The address with flowinfo cleared (scope kept).
pub(crate) fn without_flow(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(a) => SocketAddr::V6(SocketAddrV6::new(*a.ip(), a.port(), 0, a.scope_id())),
        v4 => v4,
    }
}
