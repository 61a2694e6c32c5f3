//! Socket options: values set are read back; read-only and unsupported options refuse.

use std::time::Duration;

use hostsock::{Errno, OptValue, SockOpt, SocketKind};

use crate::util::{each_ip, errno, listener, open, tcp_pair};

#[test]
fn boolean_sockopts_read_back() {
    each_ip(|ip| {
        let mut s = open(ip, SocketKind::Stream);
        for opt in [SockOpt::ReuseAddr, SockOpt::KeepAlive, SockOpt::OobInline] {
            for on in [true, false] {
                s.setsockopt(opt, OptValue::Bool(on)).unwrap();
                assert_eq!(s.getsockopt(opt).unwrap(), OptValue::Bool(on), "{opt:?}");
            }
        }
    });
}

#[test]
fn buffer_sizes_read_back_at_least_what_was_set() {
    each_ip(|ip| {
        let mut s = open(ip, SocketKind::Stream);
        for opt in [SockOpt::SndBuf, SockOpt::RcvBuf] {
            s.setsockopt(opt, OptValue::Int(64 * 1024)).unwrap();
            // Linux doubles the value for bookkeeping overhead.
            let OptValue::Int(n) = s.getsockopt(opt).unwrap() else {
                panic!("{opt:?} not int")
            };
            assert!(n >= 64 * 1024, "{opt:?} = {n}");
        }
    });
}

#[test]
fn linger_and_timeouts_read_back() {
    each_ip(|ip| {
        let mut s = open(ip, SocketKind::Stream);
        let linger = Some(Duration::from_secs(3));
        s.setsockopt(SockOpt::Linger, OptValue::Linger(linger))
            .unwrap();
        assert_eq!(
            s.getsockopt(SockOpt::Linger).unwrap(),
            OptValue::Linger(linger)
        );
        s.setsockopt(SockOpt::Linger, OptValue::Linger(None))
            .unwrap();
        assert_eq!(
            s.getsockopt(SockOpt::Linger).unwrap(),
            OptValue::Linger(None)
        );
        for opt in [SockOpt::RcvTimeo, SockOpt::SndTimeo] {
            let t = Some(Duration::from_millis(1500));
            s.setsockopt(opt, OptValue::Timeout(t)).unwrap();
            assert_eq!(s.getsockopt(opt).unwrap(), OptValue::Timeout(t));
            s.setsockopt(opt, OptValue::Timeout(Some(Duration::ZERO)))
                .unwrap();
            assert_eq!(
                s.getsockopt(opt).unwrap(),
                OptValue::Timeout(None),
                "zero = no timeout"
            );
        }
    });
}

#[test]
fn type_error_and_acceptconn_report_the_socket() {
    each_ip(|ip| {
        let mut s = open(ip, SocketKind::Stream);
        assert_eq!(
            s.getsockopt(SockOpt::Type).unwrap(),
            OptValue::Type(SocketKind::Stream)
        );
        assert_eq!(s.getsockopt(SockOpt::Error).unwrap(), OptValue::Error(None));
        assert_eq!(
            s.getsockopt(SockOpt::AcceptConn).unwrap(),
            OptValue::Bool(false)
        );
        assert_eq!(
            listener(ip).getsockopt(SockOpt::AcceptConn).unwrap(),
            OptValue::Bool(true)
        );
    });
}

#[test]
fn udp_broadcast_and_type_read_back() {
    each_ip(|ip| {
        let mut u = open(ip, SocketKind::Datagram);
        assert_eq!(
            u.getsockopt(SockOpt::Type).unwrap(),
            OptValue::Type(SocketKind::Datagram)
        );
        if ip.is_ipv4() {
            u.setsockopt(SockOpt::Broadcast, OptValue::Bool(true))
                .unwrap();
            assert_eq!(
                u.getsockopt(SockOpt::Broadcast).unwrap(),
                OptValue::Bool(true)
            );
        }
    });
}

#[test]
fn tcp_nodelay_is_on_by_default_and_configurable() {
    each_ip(|ip| {
        let (mut c, s) = tcp_pair(ip);
        assert!(c.nodelay().unwrap());
        assert!(s.nodelay().unwrap(), "accepted sockets too");
        c.set_nodelay(false).unwrap();
        assert!(!c.nodelay().unwrap());
    });
}

#[test]
fn readonly_unsupported_and_mistyped_options_refuse() {
    let mut s = open("127.0.0.1".parse().unwrap(), SocketKind::Stream);
    for opt in [SockOpt::Type, SockOpt::Error, SockOpt::AcceptConn] {
        assert_eq!(
            errno(s.setsockopt(opt, OptValue::Bool(true))),
            Errno::Noprotoopt,
            "{opt:?}"
        );
    }
    for opt in [SockOpt::DontRoute, SockOpt::RcvLowat] {
        assert_eq!(errno(s.getsockopt(opt)), Errno::Noprotoopt, "{opt:?}");
    }
    assert_eq!(
        errno(s.setsockopt(SockOpt::KeepAlive, OptValue::Int(1))),
        Errno::Inval
    );
    assert_eq!(
        errno(s.setsockopt(SockOpt::SndBuf, OptValue::Int(-1))),
        Errno::Inval
    );
}
