//! Network policy enforcement on real sockets.

use std::{io::IoSlice, net::SocketAddr, sync::Arc};

use hostsock::{
    AddressFamily, Errno, Grant, LookupHints, NetUse, NetworkPolicy, Socket, SocketKind,
    SocketState,
};

use crate::util::{errno, listener};

/// `getaddrinfo(host, port)` for stream sockets: the addresses, or the errno.
fn lookup(policy: &NetworkPolicy, host: &str, port: u16) -> Result<Vec<SocketAddr>, Errno> {
    let stream = LookupHints {
        kind: Some(SocketKind::Stream),
        ..LookupHints::default()
    };
    let port = port.to_string();
    hostsock::getaddrinfo(policy, Some(host), Some(&port), &stream)
        .map(|r| r.into_iter().map(|a| a.addr).collect())
}

fn sock(policy: &Arc<NetworkPolicy>, kind: SocketKind) -> Socket {
    Socket::open(AddressFamily::Ipv4, kind, Arc::clone(policy)).unwrap()
}

#[test]
fn deny_all_refuses_bind_listen_connect_and_send_to_with_eacces() {
    let deny = Arc::new(NetworkPolicy::deny_all());
    let target = listener("127.0.0.1".parse().unwrap()).local_addr().unwrap();
    let mut s = sock(&deny, SocketKind::Stream);
    assert_eq!(errno(s.bind("127.0.0.1:0".parse().unwrap())), Errno::Acces);
    assert_eq!(s.state(), SocketState::Fresh, "nothing happened");
    assert_eq!(errno(s.listen(1)), Errno::Acces, "implicit bind is checked");
    assert_eq!(errno(s.connect(target)), Errno::Acces);
    let mut u = sock(&deny, SocketKind::Datagram);
    assert_eq!(
        errno(u.send_to(&[IoSlice::new(b"x")], target)),
        Errno::Acces
    );
    assert_eq!(u.state(), SocketState::Fresh);
}

#[test]
fn grants_allow_exactly_their_ranges() {
    let loopback: Grant = "127.0.0.0/8:1024-65535".parse().unwrap();
    let policy = Arc::new(
        NetworkPolicy::deny_all()
            .allow(NetUse::Bind, loopback)
            .allow(NetUse::Connect, loopback),
    );
    let mut server = sock(&policy, SocketKind::Stream);
    server.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    server.listen(4).unwrap();
    let port = server.local_addr().unwrap().port();
    let mut c = sock(&policy, SocketKind::Stream);
    c.connect(SocketAddr::from(([127, 0, 0, 1], port))).unwrap();
    let mut low = sock(&policy, SocketKind::Stream);
    assert_eq!(
        errno(low.connect("127.0.0.1:80".parse().unwrap())),
        Errno::Acces,
        "port outside range"
    );
    let mut far = sock(&policy, SocketKind::Stream);
    assert_eq!(
        errno(far.connect("10.0.0.1:8080".parse().unwrap())),
        Errno::Acces,
        "ip outside range"
    );
    let mut wild = sock(&policy, SocketKind::Stream);
    assert_eq!(errno(wild.bind("0.0.0.0:0".parse().unwrap())), Errno::Acces);
}

#[test]
fn lookup_results_are_filtered_by_the_lookup_grants() {
    let v4_loop: Grant = "127.0.0.0/8:*".parse().unwrap();
    let only_v4 = NetworkPolicy::deny_all().allow(NetUse::Lookup, v4_loop);
    let got = lookup(&only_v4, "localhost", 8080).unwrap();
    assert!(!got.is_empty());
    assert!(
        got.iter().all(|a| a.is_ipv4() && a.port() == 8080),
        "{got:?}"
    );
    assert_eq!(
        lookup(&NetworkPolicy::deny_all(), "localhost", 80),
        Err(Errno::Acces)
    );
    assert_eq!(
        lookup(&only_v4, "10.1.2.3", 80),
        Err(Errno::Acces),
        "numeric hosts too"
    );
}

#[test]
fn lookup_without_any_lookup_grant_never_asks_the_resolver() {
    // Asked, a resolver would answer an AI* errno for this reserved name (as it did before
    // the pre-check); a policy with no lookup grant refuses first, so no DNS query leaves a
    // network-less sandbox.
    assert_eq!(
        lookup(&NetworkPolicy::deny_all(), "fdvirt-test.invalid", 80),
        Err(Errno::Acces)
    );
}
