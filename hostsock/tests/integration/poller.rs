//! The persistent poller: readiness correctness, re-arming, merging, scale.

use std::{
    io::IoSlice,
    net::{Ipv4Addr, SocketAddr, UdpSocket},
    os::fd::AsFd,
    time::Duration,
};

use hostsock::{Errno, Interest, OptValue, Poller, RecvFlags, SockOpt, SocketKind};

use crate::util::{BOUND, each_ip, listener, open, raise_nofile, recv_vec, send_all, tcp_pair};

const NOW: Option<Duration> = Some(Duration::ZERO);

#[test]
fn readiness_tracks_data_arrival_and_drain() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        let mut p = Poller::new().unwrap();
        let key = p.insert(s.as_fd()).unwrap();
        assert!(
            p.wait(&[(key, Interest::READABLE)], NOW)
                .unwrap()
                .is_empty(),
            "nothing sent yet"
        );
        send_all(&mut c, b"12345");
        let r = p.wait(&[(key, Interest::READABLE)], Some(BOUND)).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(
            (r[0].key, r[0].readable, r[0].writable, r[0].nbytes),
            (key, true, false, 5)
        );
        assert!(!r[0].hangup && !r[0].error);
        // Still unread: the re-armed oneshot registration reports it again.
        let again = p.wait(&[(key, Interest::READABLE)], NOW).unwrap();
        assert_eq!(again.len(), 1, "level re-check after re-arm");
        assert_eq!(
            recv_vec(&mut s, 16, RecvFlags::default()).unwrap(),
            b"12345"
        );
        assert!(
            p.wait(&[(key, Interest::READABLE)], NOW)
                .unwrap()
                .is_empty(),
            "drained"
        );
        let w = p.wait(&[(key, Interest::WRITABLE)], Some(BOUND)).unwrap();
        assert_eq!(
            (w[0].readable, w[0].writable, w[0].nbytes),
            (false, true, 1)
        );
        p.remove(key);
        assert!(p.is_empty());
    });
}

#[test]
fn read_and_write_subscriptions_on_one_key_are_merged() {
    each_ip(|ip| {
        let (mut c, s) = tcp_pair(ip);
        send_all(&mut c, b"x");
        let mut p = Poller::new().unwrap();
        let key = p.insert(s.as_fd()).unwrap();
        let r = p
            .wait(
                &[(key, Interest::READABLE), (key, Interest::WRITABLE)],
                Some(BOUND),
            )
            .unwrap();
        assert_eq!(r.len(), 1);
        assert!(r[0].readable && r[0].writable);
        assert_eq!(r[0].nbytes, 1);
    });
}

#[test]
fn keys_not_subscribed_in_this_wait_are_not_reported() {
    each_ip(|ip| {
        let (mut c1, s1) = tcp_pair(ip);
        let (_c2, s2) = tcp_pair(ip);
        let mut p = Poller::new().unwrap();
        let k1 = p.insert(s1.as_fd()).unwrap();
        let k2 = p.insert(s2.as_fd()).unwrap();
        // Arm k1 for reading, then ask only about k2 while k1 becomes ready.
        assert!(p.wait(&[(k1, Interest::READABLE)], NOW).unwrap().is_empty());
        send_all(&mut c1, b"x");
        let r = p
            .wait(
                &[(k2, Interest::READABLE)],
                Some(Duration::from_millis(100)),
            )
            .unwrap();
        assert!(r.is_empty(), "{r:?}");
        // k1 is still reported when asked for again.
        let r = p.wait(&[(k1, Interest::READABLE)], Some(BOUND)).unwrap();
        assert_eq!(r.iter().map(|x| x.key).collect::<Vec<_>>(), vec![k1]);
    });
}

#[test]
fn listener_is_readable_when_a_connection_is_pending() {
    each_ip(|ip| {
        let l = listener(ip);
        let mut p = Poller::new().unwrap();
        let key = p.insert(l.as_fd()).unwrap();
        assert!(
            p.wait(&[(key, Interest::READABLE)], NOW)
                .unwrap()
                .is_empty()
        );
        let mut c = open(ip, SocketKind::Stream);
        c.connect(l.local_addr().unwrap()).unwrap();
        let r = p.wait(&[(key, Interest::READABLE)], Some(BOUND)).unwrap();
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
        let key = p.insert(s.as_fd()).unwrap();
        c.shutdown(std::net::Shutdown::Write).unwrap();
        let r = p.wait(&[(key, Interest::READABLE)], Some(BOUND)).unwrap();
        assert!(
            r[0].readable && !r[0].hangup,
            "half-close is EOF, not HANGUP: {r:?}"
        );
        assert_eq!(r[0].nbytes, 0);
        c.setsockopt(SockOpt::Linger, OptValue::Linger(Some(Duration::ZERO)))
            .unwrap();
        drop(c);
        let _ = s.send(&[IoSlice::new(b"provoke")]);
        let r = p.wait(&[(key, Interest::READABLE)], Some(BOUND)).unwrap();
        assert!(r[0].readable && r[0].hangup, "{r:?}");
    });
}

#[test]
fn wait_on_unregistered_key_is_badf_and_arms_nothing() {
    let mut p = Poller::new().unwrap();
    let err = p.wait(&[(42, Interest::READABLE)], NOW).unwrap_err();
    assert_eq!(Errno::from(err), Errno::Badf);
    assert!(!p.try_remove(42));
}

#[test]
fn wait_times_out_empty() {
    let u = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let mut p = Poller::new().unwrap();
    let key = p.insert(u.as_fd()).unwrap();
    let start = std::time::Instant::now();
    assert!(
        p.wait(
            &[(key, Interest::READABLE)],
            Some(Duration::from_millis(50))
        )
        .unwrap()
        .is_empty()
    );
    assert!(start.elapsed() >= Duration::from_millis(50));
}

#[test]
fn poller_holds_ten_thousand_sockets_and_finds_the_ready_one() {
    const N: usize = 10_000;
    let limit = raise_nofile();
    assert!(
        limit >= N as u64 + 100,
        "RLIMIT_NOFILE hard limit {limit} is too low for {N} sockets"
    );
    let mut p = Poller::new().unwrap();
    let mut subs = Vec::with_capacity(N + 1);
    for _ in 0..N {
        let u = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        // The poller keeps its own duplicate; dropping ours keeps one fd per socket.
        subs.push((p.insert(u.as_fd()).unwrap(), Interest::READABLE));
    }
    let ready = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let ready_key = p.insert(ready.as_fd()).unwrap();
    subs.push((ready_key, Interest::READABLE));
    assert_eq!(p.len(), N + 1);
    let sender = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    sender
        .send_to(b"hello", ready.local_addr().unwrap())
        .unwrap();
    let r = p.wait(&subs, Some(BOUND)).unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].key, r[0].nbytes), (ready_key, 5));
    // A second wait re-arms only the one key that fired and finds it again.
    let r = p.wait(&subs, Some(BOUND)).unwrap();
    assert_eq!(r.iter().map(|x| x.key).collect::<Vec<_>>(), vec![ready_key]);
    let _ = SocketAddr::from(([127, 0, 0, 1], 0));
}
