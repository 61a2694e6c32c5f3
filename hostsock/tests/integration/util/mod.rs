//! Helpers shared by the integration tests (as mio `tests/util/mod.rs`).

use std::{
    io::{self, IoSlice, IoSliceMut},
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use hostsock::{
    AddressFamily, Blocking, Errno, NetworkPolicy, OptValue, RecvFlags, SockOpt, Socket, SocketKind,
};

/// Upper bound for every wait in these tests: nothing may hang a CI run.
pub(crate) const BOUND: Duration = Duration::from_secs(5);

/// Runs `f` for 127.0.0.1 and, when the host has it, ::1. A host without IPv6 loopback
/// skips the IPv6 half through [`testkit::skip`] (a failure under `FDVIRT_REQUIRE_ALL=1`).
pub(crate) fn each_ip(mut f: impl FnMut(IpAddr)) {
    f(IpAddr::V4(Ipv4Addr::LOCALHOST));
    match std::net::UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)) {
        Ok(_) => {
            f(IpAddr::V6(Ipv6Addr::LOCALHOST));
            testkit::ran("ipv6");
        }
        Err(err) => testkit::skip(&format!("IPv6 half: ::1 unavailable ({err})")),
    }
}

/// The family of `ip`.
pub(crate) fn family(ip: IpAddr) -> AddressFamily {
    if ip.is_ipv4() {
        AddressFamily::Ipv4
    } else {
        AddressFamily::Ipv6
    }
}

/// Allow-all policy, shared.
pub(crate) fn open_policy() -> Arc<NetworkPolicy> {
    Arc::new(NetworkPolicy::allow_all())
}

/// Opens a socket with the allow-all policy and a bounded receive/send timeout, so a
/// blocking call in a test can never hang.
pub(crate) fn open(ip: IpAddr, kind: SocketKind) -> Socket {
    let mut s = Socket::open(family(ip), kind, open_policy()).expect("open");
    bound_timeouts(&mut s);
    s
}

/// Gives `s` receive and send timeouts of [`BOUND`].
pub(crate) fn bound_timeouts(s: &mut Socket) {
    s.setsockopt(SockOpt::RcvTimeo, OptValue::Timeout(Some(BOUND)))
        .expect("rcvtimeo");
    s.setsockopt(SockOpt::SndTimeo, OptValue::Timeout(Some(BOUND)))
        .expect("sndtimeo");
}

/// A listening TCP socket on `ip`, port 0.
pub(crate) fn listener(ip: IpAddr) -> Socket {
    let mut l = open(ip, SocketKind::Stream);
    l.bind(SocketAddr::new(ip, 0)).expect("bind");
    l.listen(64).expect("listen");
    l
}

/// A connected (client, server-side) pair over loopback, both in blocking mode.
pub(crate) fn tcp_pair(ip: IpAddr) -> (Socket, Socket) {
    let mut l = listener(ip);
    let mut c = open(ip, SocketKind::Stream);
    c.connect(l.local_addr().expect("addr")).expect("connect");
    let (mut s, _) = l.accept(Blocking::Yes).expect("accept");
    bound_timeouts(&mut s);
    (c, s)
}

/// Sends all of `data`.
pub(crate) fn send_all(s: &mut Socket, mut data: &[u8]) {
    while !data.is_empty() {
        let n = s.send(&[IoSlice::new(data)]).expect("send");
        data = &data[n..];
    }
}

/// One receive into a fresh buffer of `cap` bytes.
pub(crate) fn recv_vec(s: &mut Socket, cap: usize, flags: RecvFlags) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; cap];
    let got = s.recv(&mut [IoSliceMut::new(&mut buf)], flags)?;
    buf.truncate(got.bytes);
    Ok(buf)
}

/// The WASI errno of an `io::Result`'s error.
pub(crate) fn errno<T: std::fmt::Debug>(r: io::Result<T>) -> Errno {
    Errno::from(r.expect_err("expected an error"))
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the new soft limit.
pub(crate) fn raise_nofile() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut lim = getrlimit(Resource::Nofile);
    if lim.current != lim.maximum {
        lim.current = lim.maximum;
        let _ = setrlimit(Resource::Nofile, lim);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// A UDP socket bound to `ip`, port 0.
pub(crate) fn udp(ip: IpAddr) -> Socket {
    let mut u = open(ip, SocketKind::Datagram);
    u.bind(SocketAddr::new(ip, 0)).expect("bind udp");
    u
}
