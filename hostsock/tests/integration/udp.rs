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
