//! TCP: accept/connect, non-blocking connect, resets, half-close, timeouts, flags.

use std::{
    io::IoSlice,
    net::{Shutdown, SocketAddr},
    thread,
    time::{Duration, Instant},
};

use hostsock::{
    Blocking, Errno, Interest, OptValue, Poller, RecvFlags, SockOpt, SocketKind, SocketState,
};

use crate::util::{BOUND, each_ip, errno, listener, open, recv_vec, send_all, tcp_pair};

#[test]
fn accept_and_connect_exchange_data_both_ways() {
    each_ip(|ip| {
        let mut l = listener(ip);
        assert_eq!(l.state(), SocketState::Listening);
        let mut c = open(ip, SocketKind::Stream);
        assert_eq!(c.state(), SocketState::Fresh);
        c.connect(l.local_addr().unwrap()).unwrap();
        assert_eq!(c.state(), SocketState::Connected);
        let (mut s, peer) = l.accept(Blocking::Yes).unwrap();
        assert_eq!(s.state(), SocketState::Connected);
        assert_eq!(peer, c.local_addr().unwrap());
        assert_eq!(s.peer_addr().unwrap(), c.local_addr().unwrap());
        assert_eq!(c.peer_addr().unwrap(), l.local_addr().unwrap());
        send_all(&mut c, b"hello");
        assert_eq!(
            recv_vec(&mut s, 16, RecvFlags::default()).unwrap(),
            b"hello"
        );
        send_all(&mut s, b"world!");
        assert_eq!(
            recv_vec(&mut c, 16, RecvFlags::default()).unwrap(),
            b"world!"
        );
    });
}

#[test]
fn nonblocking_connect_to_closed_port_is_refused() {
    each_ip(|ip| {
        let closed = listener(ip).local_addr().unwrap(); // dropped: nothing listens now
        let mut c = open(ip, SocketKind::Stream);
        c.set_blocking(Blocking::No);
        match c.connect(closed) {
            Err(e) if Errno::from(&e) == Errno::Inprogress => {
                assert_eq!(c.state(), SocketState::Connecting);
                assert!(
                    c.wait_ready(Interest::WRITABLE, Some(Instant::now() + BOUND))
                        .unwrap()
                );
                let err = c.getsockopt(SockOpt::Error).unwrap();
                assert_eq!(err, OptValue::Error(Some(Errno::Connrefused)));
                assert_eq!(c.state(), SocketState::Fresh);
            }
            Err(e) => assert_eq!(Errno::from(e), Errno::Connrefused),
            Ok(()) => panic!("connect to a closed port succeeded"),
        }
    });
}

#[test]
fn nonblocking_connect_completes_and_so_error_is_clear() {
    each_ip(|ip| {
        let mut l = listener(ip);
        let mut c = open(ip, SocketKind::Stream);
        c.set_blocking(Blocking::No);
        if let Err(e) = c.connect(l.local_addr().unwrap()) {
            assert_eq!(Errno::from(e), Errno::Inprogress);
            let mut poller = Poller::new().unwrap();
            poller.insert(&mut c).unwrap();
            let ready = poller
                .wait(&[(&c, Interest::WRITABLE)], Some(BOUND))
                .unwrap();
            assert_eq!(ready.len(), 1);
            assert!(ready[0].writable && !ready[0].error);
            assert_eq!(c.getsockopt(SockOpt::Error).unwrap(), OptValue::Error(None));
        }
        assert_eq!(c.state(), SocketState::Connected);
        let (_s, peer) = l.accept(Blocking::Yes).unwrap();
        assert_eq!(peer, c.local_addr().unwrap());
    });
}

#[test]
fn blocking_connect_waits_for_the_handshake() {
    each_ip(|ip| {
        let l = listener(ip);
        let mut c = open(ip, SocketKind::Stream);
        c.connect(l.local_addr().unwrap()).unwrap();
        assert_eq!(c.state(), SocketState::Connected);
        assert!(c.peer_addr().is_ok());
    });
}

#[test]
fn peer_reset_gives_connreset() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        s.setsockopt(SockOpt::Linger, OptValue::Linger(Some(Duration::ZERO)))
            .unwrap();
        drop(s); // linger 0: close sends RST
        assert_eq!(
            errno(recv_vec(&mut c, 16, RecvFlags::default())),
            Errno::Connreset
        );
    });
}

/// Resets `gone`'s connection (linger 0) and waits until `left` has seen the reset.
fn reset_and_wait(mut gone: hostsock::Socket, left: &mut hostsock::Socket) {
    gone.setsockopt(SockOpt::Linger, OptValue::Linger(Some(Duration::ZERO)))
        .unwrap();
    drop(gone);
    assert_eq!(
        errno(recv_vec(left, 16, RecvFlags::default())),
        Errno::Connreset
    );
}

#[test]
fn accepted_socket_keeps_its_peer_address_after_the_peer_reset() {
    // Linux's getpeername says ENOTCONN once the peer reset; the address accept4 gave
    // stays the socket's peer (WasmEdge-SDK guests ask for it right after accepting).
    each_ip(|ip| {
        let (c, mut s) = tcp_pair(ip);
        let client = c.local_addr().unwrap();
        reset_and_wait(c, &mut s);
        assert_eq!(s.peer_addr().unwrap(), client);
    });
}

#[test]
fn connected_socket_keeps_its_peer_address_after_the_peer_reset() {
    each_ip(|ip| {
        // Blocking connect.
        let (mut c, s) = tcp_pair(ip);
        let server = s.local_addr().unwrap();
        reset_and_wait(s, &mut c);
        assert_eq!(c.peer_addr().unwrap(), server);
        // Non-blocking connect completed through SO_ERROR.
        let mut l = listener(ip);
        let mut c = open(ip, SocketKind::Stream);
        c.set_blocking(Blocking::No);
        if let Err(e) = c.connect(l.local_addr().unwrap()) {
            assert_eq!(Errno::from(e), Errno::Inprogress);
            assert!(
                c.wait_ready(Interest::WRITABLE, Some(Instant::now() + BOUND))
                    .unwrap()
            );
            assert_eq!(c.getsockopt(SockOpt::Error).unwrap(), OptValue::Error(None));
        }
        let (s, _) = l.accept(Blocking::Yes).unwrap();
        c.set_blocking(Blocking::Yes);
        reset_and_wait(s, &mut c);
        assert_eq!(c.peer_addr().unwrap(), l.local_addr().unwrap());
    });
}

#[test]
fn unconnected_stream_socket_has_no_peer() {
    each_ip(|ip| {
        let closed = listener(ip).local_addr().unwrap();
        let mut c = open(ip, SocketKind::Stream);
        assert_eq!(errno(c.peer_addr()), Errno::Notconn);
        // A refused connect leaves no peer behind.
        assert!(c.connect(closed).is_err());
        assert_eq!(errno(c.peer_addr()), Errno::Notconn);
    });
}

#[test]
fn send_after_reset_is_an_errno_not_a_signal() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        s.setsockopt(SockOpt::Linger, OptValue::Linger(Some(Duration::ZERO)))
            .unwrap();
        drop(s);
        assert!(
            c.wait_ready(Interest::READABLE, Some(Instant::now() + BOUND))
                .unwrap()
        );
        let e = errno(c.send(&[IoSlice::new(b"x")]));
        assert!(matches!(e, Errno::Pipe | Errno::Connreset), "{e}");
    });
}

#[test]
fn half_close_gives_eof_one_way_and_data_the_other() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        send_all(&mut c, b"last");
        c.shutdown(Shutdown::Write).unwrap();
        assert_eq!(recv_vec(&mut s, 16, RecvFlags::default()).unwrap(), b"last");
        assert_eq!(
            recv_vec(&mut s, 16, RecvFlags::default()).unwrap(),
            b"",
            "EOF after FIN"
        );
        send_all(&mut s, b"reply");
        assert_eq!(
            recv_vec(&mut c, 16, RecvFlags::default()).unwrap(),
            b"reply"
        );
        assert_eq!(errno(c.send(&[IoSlice::new(b"x")])), Errno::Pipe);
    });
}

#[test]
fn shutdown_of_unconnected_stream_is_notconn() {
    each_ip(|ip| {
        let mut c = open(ip, SocketKind::Stream);
        assert_eq!(errno(c.shutdown(Shutdown::Both)), Errno::Notconn);
    });
}

#[test]
fn blocking_recv_honours_rcvtimeo_with_eagain() {
    each_ip(|ip| {
        let (mut c, _s) = tcp_pair(ip);
        let t = Duration::from_millis(150);
        c.setsockopt(SockOpt::RcvTimeo, OptValue::Timeout(Some(t)))
            .unwrap();
        let start = Instant::now();
        assert_eq!(
            errno(recv_vec(&mut c, 16, RecvFlags::default())),
            Errno::Again
        );
        let took = start.elapsed();
        assert!(took >= t && took < BOUND, "took {took:?}");
    });
}

#[test]
fn nonblocking_recv_and_accept_return_eagain_at_once() {
    each_ip(|ip| {
        let (mut c, _s) = tcp_pair(ip);
        c.set_blocking(Blocking::No);
        let start = Instant::now();
        assert_eq!(
            errno(recv_vec(&mut c, 16, RecvFlags::default())),
            Errno::Again
        );
        let mut l = listener(ip);
        l.set_blocking(Blocking::No);
        assert_eq!(errno(l.accept(Blocking::No)), Errno::Again);
        assert!(start.elapsed() < Duration::from_secs(1));
    });
}

#[test]
fn blocking_accept_honours_rcvtimeo() {
    each_ip(|ip| {
        let mut l = listener(ip);
        l.setsockopt(
            SockOpt::RcvTimeo,
            OptValue::Timeout(Some(Duration::from_millis(100))),
        )
        .unwrap();
        let start = Instant::now();
        assert_eq!(errno(l.accept(Blocking::Yes)), Errno::Again);
        assert!(start.elapsed() >= Duration::from_millis(100));
    });
}

#[test]
fn accept_on_non_listening_socket_is_einval() {
    each_ip(|ip| {
        let mut c = open(ip, SocketKind::Stream);
        assert_eq!(errno(c.accept(Blocking::No)), Errno::Inval);
    });
}

#[test]
fn accept_survives_a_peer_that_already_reset() {
    each_ip(|ip| {
        let mut l = listener(ip);
        let addr = l.local_addr().unwrap();
        let mut gone = open(ip, SocketKind::Stream);
        gone.connect(addr).unwrap();
        gone.setsockopt(SockOpt::Linger, OptValue::Linger(Some(Duration::ZERO)))
            .unwrap();
        drop(gone);
        let mut alive = open(ip, SocketKind::Stream);
        alive.connect(addr).unwrap();
        let alive_addr = alive.local_addr().unwrap();
        // Whatever the kernel did with the reset one, accepting never fails because of it,
        // and the live connection is reachable.
        let mut peers: Vec<SocketAddr> = Vec::new();
        while !peers.contains(&alive_addr) {
            let (_s, peer) = l
                .accept(Blocking::Yes)
                .expect("accept must skip aborted peers");
            peers.push(peer);
            assert!(peers.len() <= 2);
        }
    });
}

#[test]
fn recv_peek_does_not_consume() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        send_all(&mut c, b"abc");
        let peek = RecvFlags {
            peek: true,
            waitall: false,
        };
        assert_eq!(recv_vec(&mut s, 16, peek).unwrap(), b"abc");
        assert_eq!(recv_vec(&mut s, 16, RecvFlags::default()).unwrap(), b"abc");
    });
}

#[test]
fn recv_waitall_collects_until_the_buffer_is_full() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        send_all(&mut c, b"abc");
        let writer = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            send_all(&mut c, b"def");
            c
        });
        let all = RecvFlags {
            peek: false,
            waitall: true,
        };
        assert_eq!(recv_vec(&mut s, 6, all).unwrap(), b"abcdef");
        drop(writer.join().unwrap());
    });
}

#[test]
fn vectored_send_and_recv_split_across_buffers() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        let n = c
            .send(&[IoSlice::new(b"ab"), IoSlice::new(b"cde")])
            .unwrap();
        assert_eq!(n, 5);
        let (mut a, mut b) = ([0u8; 2], [0u8; 8]);
        let all = RecvFlags {
            peek: false,
            waitall: true,
        };
        let mut bufs = [
            std::io::IoSliceMut::new(&mut a),
            std::io::IoSliceMut::new(&mut b),
        ];
        s.setsockopt(
            SockOpt::RcvTimeo,
            OptValue::Timeout(Some(Duration::from_millis(200))),
        )
        .unwrap();
        // waitall for 10 bytes gets 5 and then times out: partial data is returned.
        let got = s.recv(&mut bufs, all).unwrap();
        assert_eq!(got.bytes, 5);
        assert_eq!((&a, &b[..3]), (b"ab", &b"cde"[..]));
    });
}

#[test]
fn connect_with_wrong_family_is_afnosupport() {
    let mut c = crate::util::open("127.0.0.1".parse().unwrap(), SocketKind::Stream);
    assert_eq!(
        errno(c.connect("[::1]:80".parse().unwrap())),
        Errno::Afnosupport
    );
}

#[test]
fn listen_on_udp_is_notsup_and_bind_twice_is_inval() {
    each_ip(|ip| {
        let mut u = open(ip, SocketKind::Datagram);
        assert_eq!(errno(u.listen(1)), Errno::Notsup);
        u.bind(SocketAddr::new(ip, 0)).unwrap();
        assert_eq!(errno(u.bind(SocketAddr::new(ip, 0))), Errno::Inval);
    });
}

#[test]
fn blocking_send_queues_everything_while_the_peer_reads() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        let big = vec![7u8; 8 << 20];
        let reader = thread::spawn(move || {
            let mut got = 0;
            while got < 8 << 20 {
                let chunk = recv_vec(&mut s, 1 << 16, RecvFlags::default()).unwrap();
                assert!(!chunk.is_empty(), "early EOF at {got}");
                got += chunk.len();
            }
            got
        });
        assert_eq!(
            c.send(&[IoSlice::new(&big)]).unwrap(),
            big.len(),
            "one call sends all"
        );
        assert_eq!(reader.join().unwrap(), big.len());
    });
}

#[test]
fn nonblocking_send_is_partial_and_blocking_send_times_out_partial() {
    each_ip(|ip| {
        let (mut c, _s) = tcp_pair(ip);
        let big = vec![1u8; 32 << 20];
        c.set_blocking(Blocking::No);
        let n = c.send(&[IoSlice::new(&big)]).unwrap();
        assert!(n > 0 && n < big.len(), "sent {n}");
        assert_eq!(
            errno(c.send(&[IoSlice::new(&big)])),
            Errno::Again,
            "buffers full"
        );
        c.set_blocking(Blocking::Yes);
        c.setsockopt(
            SockOpt::SndTimeo,
            OptValue::Timeout(Some(Duration::from_millis(100))),
        )
        .unwrap();
        let start = Instant::now();
        assert_eq!(
            errno(c.send(&[IoSlice::new(&big)])),
            Errno::Again,
            "nobody reads"
        );
        assert!(start.elapsed() >= Duration::from_millis(100));
    });
}

#[test]
fn recv_from_on_a_connected_stream_has_no_sender() {
    each_ip(|ip| {
        let (mut c, mut s) = tcp_pair(ip);
        send_all(&mut c, b"abc");
        let mut buf = [0u8; 8];
        let (got, from) = s
            .recv_from(
                &mut [std::io::IoSliceMut::new(&mut buf)],
                RecvFlags::default(),
            )
            .unwrap();
        assert_eq!((got.bytes, from), (3, None));
    });
}

/// An accepted socket has its listener's TCP_NODELAY, on and off (on Linux without a
/// syscall of ours: the kernel copies it from the listener).
#[test]
fn accepted_socket_inherits_the_listeners_nodelay() {
    each_ip(|ip| {
        for on in [true, false] {
            let mut l = listener(ip);
            l.set_nodelay(on).unwrap();
            let mut c = open(ip, SocketKind::Stream);
            c.connect(l.local_addr().unwrap()).unwrap();
            let (s, _) = l.accept(Blocking::Yes).unwrap();
            assert_eq!(s.nodelay().unwrap(), on, "listener nodelay {on}");
        }
    });
}
