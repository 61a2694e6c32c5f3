//! The persistent poller: readiness correctness, re-arming, merging, scale, and one host
//! fd per registered socket.

use std::{
    io::IoSlice,
    net::{IpAddr, Ipv4Addr},
    time::Duration,
};

use hostsock::{
    Errno, Interest, OptValue, Poller, Readiness, RecvFlags, SockOpt, Socket, SocketKind,
};

use crate::util::{
    BOUND, each_ip, listener, open, raise_nofile, recv_vec, send_all, tcp_pair, udp,
};

const NOW: Option<Duration> = Some(Duration::ZERO);
const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A wait for readability of `s` alone.
fn read(p: &mut Poller, s: &Socket, t: Option<Duration>) -> Vec<Readiness> {
    p.wait(&[(s, Interest::READABLE)], t).unwrap()
}

#[test]
fn readiness_tracks_data_arrival_and_drain() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        let mut p = Poller::new().unwrap();
        let key = p.insert(&mut s).unwrap();
        assert_eq!(p.insert(&mut s).unwrap(), key, "registered once");
        assert_eq!(s.poll_key(&p), Some(key));
        assert!(read(&mut p, &s, NOW).is_empty(), "nothing sent yet");
        send_all(&mut c, b"12345");
        let r = read(&mut p, &s, Some(BOUND));
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].key, r[0].readable, r[0].writable, r[0].nbytes),
            (key, true, false, 5)
        );
        assert!(!r[0].hangup && !r[0].error);
        // Still unread: the re-armed oneshot registration reports it again.
        assert_eq!(
            read(&mut p, &s, NOW).len(),
            1,
            "level re-check after re-arm"
        );
        assert_eq!(
            recv_vec(&mut s, 16, RecvFlags::default()).unwrap(),
            b"12345"
        );
        assert!(read(&mut p, &s, NOW).is_empty(), "drained");
        let w = p.wait(&[(&s, Interest::WRITABLE)], Some(BOUND)).unwrap();
        assert_eq!(
            (w[0].readable, w[0].writable, w[0].nbytes),
            (false, true, 1)
        );
        assert_eq!(p.len(), 1);
        drop(s);
        assert!(p.is_empty(), "dropping the socket unregisters it");
    });
}

#[test]
fn read_and_write_subscriptions_on_one_socket_are_merged() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        send_all(&mut c, b"x");
        let mut p = Poller::new().unwrap();
        p.insert(&mut s).unwrap();
        let r = p
            .wait(
                &[(&s, Interest::READABLE), (&s, Interest::WRITABLE)],
                Some(BOUND),
            )
            .unwrap();
        assert_eq!(r.len(), 1);
        assert!(r[0].readable && r[0].writable);
        assert_eq!(r[0].nbytes, 1);
    });
}

#[test]
fn sockets_not_subscribed_in_this_wait_are_not_reported() {
    each_ip(|ip| {
        let (mut c1, mut s1) = tcp_pair(ip);
        let (_c2, mut s2) = tcp_pair(ip);
        let mut p = Poller::new().unwrap();
        let k1 = p.insert(&mut s1).unwrap();
        p.insert(&mut s2).unwrap();
        // Arm s1 for reading, then ask only about s2 while s1 becomes ready.
        assert!(
            p.wait(&[(&s1, Interest::READABLE)], NOW)
                .unwrap()
                .is_empty()
        );
        send_all(&mut c1, b"x");
        let r = p
            .wait(
                &[(&s2, Interest::READABLE)],
                Some(Duration::from_millis(100)),
            )
            .unwrap();
        assert!(r.is_empty(), "{r:?}");
        // s1 is still reported when asked for again.
        let r = p.wait(&[(&s1, Interest::READABLE)], Some(BOUND)).unwrap();
        assert_eq!(r.iter().map(|x| x.key).collect::<Vec<_>>(), vec![k1]);
    });
}

#[test]
fn listener_is_readable_when_a_connection_is_pending() {
    each_ip(|ip| {
        let mut l = listener(ip);
        let mut p = Poller::new().unwrap();
        p.insert(&mut l).unwrap();
        assert!(p.wait(&[(&l, Interest::READABLE)], NOW).unwrap().is_empty());
        let mut c = open(ip, SocketKind::Stream);
        c.connect(l.local_addr().unwrap()).unwrap();
        let r = p.wait(&[(&l, Interest::READABLE)], Some(BOUND)).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0].nbytes, 1,
            "FIONREAD fails on a listener: 1 per spec §9"
        );
    });
}

#[test]
fn reset_peer_reports_hangup_and_half_close_does_not() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        let mut p = Poller::new().unwrap();
        p.insert(&mut s).unwrap();
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let r = p.wait(&[(&s, Interest::READABLE)], Some(BOUND)).unwrap();
        assert!(
            r[0].readable && !r[0].hangup,
            "half-close is EOF, not HANGUP: {r:?}"
        );
        assert_eq!(r[0].nbytes, 0);
        c.setsockopt(SockOpt::Linger, OptValue::Linger(Some(Duration::ZERO)))
            .unwrap();
        drop(c);
        let _ = s.send(&[IoSlice::new(b"provoke")]);
        let r = p.wait(&[(&s, Interest::READABLE)], Some(BOUND)).unwrap();
        assert!(r[0].readable && r[0].hangup, "{r:?}");
    });
}

#[test]
fn closing_a_registered_socket_closes_the_connection_for_the_peer() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        let mut p = Poller::new().unwrap();
        p.insert(&mut s).unwrap();
        drop(s);
        // No duplicate fd keeps the connection open: the peer sees EOF at once.
        assert_eq!(recv_vec(&mut c, 8, RecvFlags::default()).unwrap(), b"");
    });
}

#[test]
fn wait_on_a_socket_registered_elsewhere_is_badf_and_arms_nothing() {
    let mut p = Poller::new().unwrap();
    let mut other = Poller::new().unwrap();
    let mut u = udp(LOCAL);
    let err = p.wait(&[(&u, Interest::READABLE)], NOW).unwrap_err();
    assert_eq!(Errno::from(err), Errno::Badf, "not registered at all");
    other.insert(&mut u).unwrap();
    let err = p.wait(&[(&u, Interest::WRITABLE)], NOW).unwrap_err();
    assert_eq!(
        Errno::from(err),
        Errno::Badf,
        "registered in another poller"
    );
    assert_eq!(Errno::from(p.insert(&mut u).unwrap_err()), Errno::Exist);
    assert!(p.is_empty());
    assert_eq!(u.poll_key(&p), None);
}

#[test]
fn wait_times_out_empty() {
    let mut u = udp(LOCAL);
    let mut p = Poller::new().unwrap();
    p.insert(&mut u).unwrap();
    let start = std::time::Instant::now();
    assert!(
        p.wait(&[(&u, Interest::READABLE)], Some(Duration::from_millis(50)))
            .unwrap()
            .is_empty()
    );
    assert!(start.elapsed() >= Duration::from_millis(50));
}

/// `n` UDP sockets on localhost, each registered in `p`. Raises the soft RLIMIT_NOFILE
/// first and fails the test when the hard limit leaves no room for them.
fn registered_udp(p: &mut Poller, n: usize) -> Vec<Socket> {
    let limit = raise_nofile();
    assert!(
        limit >= n as u64 + 100,
        "RLIMIT_NOFILE hard limit {limit} is too low for {n} sockets"
    );
    let mut socks: Vec<_> = (0..n).map(|_| udp(LOCAL)).collect();
    for s in &mut socks {
        p.insert(s).unwrap();
    }
    socks
}

/// Open fds of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn each_registered_socket_costs_exactly_one_host_fd() {
    const N: usize = 200;
    let mut p = Poller::new().unwrap();
    // Other tests in this binary open and close fds concurrently, so retry a few times
    // for a quiet window; the figures must match exactly in one of them.
    let mut seen = Vec::new();
    for _ in 0..20 {
        let before = open_fds();
        let socks = registered_udp(&mut p, N);
        let during = open_fds();
        assert_eq!(p.len(), N);
        drop(socks);
        let after = open_fds();
        assert!(p.is_empty());
        if during == before + N && after == before {
            return;
        }
        seen.push((before, during, after));
    }
    panic!("never saw exactly one fd per socket (before, during, after): {seen:?}");
}

#[test]
fn poller_holds_ten_thousand_sockets_and_finds_the_ready_one() {
    const N: usize = 10_000;
    let mut p = Poller::new().unwrap();
    let socks = registered_udp(&mut p, N);
    let mut ready = udp(LOCAL);
    let ready_key = p.insert(&mut ready).unwrap();
    let mut subs: Vec<_> = socks.iter().map(|s| (s, Interest::READABLE)).collect();
    subs.push((&ready, Interest::READABLE));
    assert_eq!(p.len(), N + 1);
    let mut sender = udp(LOCAL);
    sender
        .send_to(&[IoSlice::new(b"hello")], ready.local_addr().unwrap())
        .unwrap();
    let r = p.wait(&subs, Some(BOUND)).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].key, r[0].nbytes), (ready_key, 5));
    // A second wait re-arms only the one key that fired and finds it again.
    let r = p.wait(&subs, Some(BOUND)).unwrap();
    assert_eq!(r.iter().map(|x| x.key).collect::<Vec<_>>(), vec![ready_key]);
}

/// More queued edges than one `epoll_wait` takes (every idle UDP socket starts with a
/// writable edge) must not hide a readable socket from a single zero-timeout look.
#[test]
fn zero_timeout_wait_sees_past_a_full_batch_of_other_edges() {
    const N: usize = 1_000;
    let mut p = Poller::new().unwrap();
    let _idle = registered_udp(&mut p, N);
    let mut ready = udp(LOCAL);
    let mut sender = udp(LOCAL);
    sender
        .send_to(&[IoSlice::new(b"ping")], ready.local_addr().unwrap())
        .unwrap();
    let ready_key = p.insert(&mut ready).unwrap();
    let r = p.wait(&[(&ready, Interest::READABLE)], NOW).unwrap();
    assert_eq!(r.iter().map(|x| x.key).collect::<Vec<_>>(), vec![ready_key]);
}
