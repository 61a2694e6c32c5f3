//! UDP: send_to/recv_from round trips, truncation, connected datagrams.

use std::{
    io::{IoSlice, IoSliceMut},
    net::SocketAddr,
};

use hostsock::{Errno, RecvFlags, SocketKind, SocketState};

use crate::util::{each_ip, errno, open, recv_vec};

#[test]
fn udp_round_trip_reports_the_sender() {
    each_ip(|ip| {
        let mut a = open(ip, SocketKind::Datagram);
        let mut b = open(ip, SocketKind::Datagram);
        a.bind(SocketAddr::new(ip, 0)).unwrap();
        assert_eq!(b.state(), SocketState::Fresh);
        let a_addr = a.local_addr().unwrap();
        assert_eq!(b.send_to(&[IoSlice::new(b"ping")], a_addr).unwrap(), 4);
        assert_eq!(b.state(), SocketState::Bound, "send_to binds implicitly");
        let mut buf = [0u8; 16];
        let (got, from) = a
            .recv_from(&mut [IoSliceMut::new(&mut buf)], RecvFlags::default())
            .unwrap();
        assert_eq!(&buf[..got.bytes], b"ping");
        assert!(!got.truncated);
        // b was bound implicitly to the unspecified address; the sender seen is ip:port.
        let b_port = b.local_addr().unwrap().port();
        assert_eq!(from, Some(SocketAddr::new(ip, b_port)));
        a.send_to(&[IoSlice::new(b"pong")], b.local_addr().unwrap())
            .unwrap();
        assert_eq!(recv_vec(&mut b, 16, RecvFlags::default()).unwrap(), b"pong");
    });
}

#[test]
fn udp_datagram_larger_than_buffer_is_truncated() {
    each_ip(|ip| {
        let mut a = open(ip, SocketKind::Datagram);
        let mut b = open(ip, SocketKind::Datagram);
        a.bind(SocketAddr::new(ip, 0)).unwrap();
        b.send_to(&[IoSlice::new(b"0123456789")], a.local_addr().unwrap())
            .unwrap();
        let mut buf = [0u8; 4];
        let got = a
            .recv(&mut [IoSliceMut::new(&mut buf)], RecvFlags::default())
            .unwrap();
        assert_eq!(got.bytes, 4);
        assert!(got.truncated);
        assert_eq!(&buf, b"0123");
    });
}

#[test]
fn udp_connect_sets_the_default_peer() {
    each_ip(|ip| {
        let mut a = open(ip, SocketKind::Datagram);
        let mut b = open(ip, SocketKind::Datagram);
        a.bind(SocketAddr::new(ip, 0)).unwrap();
        b.connect(a.local_addr().unwrap()).unwrap();
        assert_eq!(b.state(), SocketState::Connected);
        assert_eq!(b.peer_addr().unwrap(), a.local_addr().unwrap());
        b.send(&[IoSlice::new(b"hi")]).unwrap();
        assert_eq!(recv_vec(&mut a, 8, RecvFlags::default()).unwrap(), b"hi");
    });
}

#[test]
fn udp_send_without_destination_is_an_error() {
    each_ip(|ip| {
        let mut u = open(ip, SocketKind::Datagram);
        let e = errno(u.send(&[IoSlice::new(b"x")]));
        assert!(matches!(e, Errno::Destaddrreq | Errno::Notconn), "{e}");
    });
}

#[test]
fn blocking_recv_on_a_read_shut_udp_socket_is_end_of_file_not_a_spin() {
    // Fuzz finding udp-recv-spin: after SHUT_RD, poll says readable for ever while
    // MSG_DONTWAIT says EAGAIN. Linux's own blocking recv returns 0 there.
    each_ip(|ip| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut s = open(ip, SocketKind::Datagram);
            s.bind(SocketAddr::new(ip, 0)).unwrap();
            // Linux answers ENOTCONN for an unconnected UDP socket but marks it shut anyway.
            let _ = s.shutdown(std::net::Shutdown::Read);
            let _ = tx.send(recv_vec(&mut s, 16, RecvFlags::default()).map(|v| v.len()));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("recv on a read-shut socket must return, not spin");
        assert_eq!(got.map_err(|e| e.to_string()), Ok(0));
    });
}
