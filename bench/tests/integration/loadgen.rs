use std::time::{Duration, Instant};

use bench::loadgen::{Exchange, Load, open_idle, run_churn, run_keepalive};

use crate::util::{corrupting_echo, echo, http_chunked, serve};

fn load(conns: usize, max_ops: u64) -> Load {
    Load {
        conns,
        max_ops,
        max_time: Duration::from_secs(3),
    }
}

#[test]
fn keepalive_echo_stops_at_the_operation_bound() {
    let (addr, _stop) = serve(echo);
    for size in [64, 16 * 1024] {
        let report = run_keepalive(addr, &load(4, 400), &Exchange::Echo { size }).unwrap();
        assert_eq!(report.errors, 0, "{:?}", report.first_error);
        assert_eq!(report.ops, 400);
        assert_eq!(report.latencies.len(), 400);
        assert!(report.rate() > 0.0);
        assert!(report.latencies.quantile(0.5) <= report.latencies.quantile(0.99));
    }
}

#[test]
fn keepalive_stops_at_the_time_bound() {
    let (addr, _stop) = serve(echo);
    let bounded = Load {
        conns: 2,
        max_ops: u64::MAX,
        max_time: Duration::from_millis(200),
    };
    let t = Instant::now();
    let report = run_keepalive(addr, &bounded, &Exchange::Echo { size: 64 }).unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    assert!(report.ops > 0);
    assert!(report.elapsed >= Duration::from_millis(190));
}

#[test]
fn wrong_echo_replies_are_counted_as_failures() {
    let (addr, _stop) = serve(corrupting_echo);
    let report = run_keepalive(addr, &load(3, 100), &Exchange::Echo { size: 64 }).unwrap();
    assert_eq!(report.ops, 0);
    assert_eq!(report.errors, 3);
    assert!(report.first_error.unwrap().contains("differs"));
}

#[test]
fn churn_opens_one_connection_per_operation() {
    let (addr, _stop) = serve(echo);
    let report = run_churn(addr, &load(2, 100), &Exchange::Echo { size: 64 }).unwrap();
    assert_eq!(report.errors, 0, "{:?}", report.first_error);
    assert_eq!(report.ops, 100);
}

#[test]
fn http_keepalive_checks_the_body() {
    let (addr, _stop) = serve(http_chunked);
    let good = Exchange::Http {
        body: Some(b"hi".to_vec()),
    };
    let report = run_keepalive(addr, &load(2, 50), &good).unwrap();
    assert_eq!(
        (report.ops, report.errors),
        (50, 0),
        "{:?}",
        report.first_error
    );
    let wrong = Exchange::Http {
        body: Some(b"bye".to_vec()),
    };
    let report = run_keepalive(addr, &load(1, 5), &wrong).unwrap();
    assert_eq!((report.ops, report.errors), (0, 1));
}

#[test]
fn idle_connections_stay_open_after_one_exchange() {
    let (addr, _stop) = serve(echo);
    let deadline = Instant::now() + Duration::from_secs(10);
    let idle = open_idle(addr, 300, &Exchange::Echo { size: 8 }, deadline).unwrap();
    assert_eq!(idle.len(), 300);
    let report = run_keepalive(addr, &load(1, 50), &Exchange::Echo { size: 64 }).unwrap();
    assert_eq!(report.ops, 50);
}

#[test]
fn refused_connections_fail_setup_instead_of_hanging() {
    let addr = bench::server::free_addr().unwrap();
    assert!(run_keepalive(addr, &load(1, 10), &Exchange::Echo { size: 8 }).is_err());
    let report = run_churn(addr, &load(1, 10), &Exchange::Echo { size: 8 }).unwrap();
    assert_eq!((report.ops, report.errors), (0, 1));
}

#[test]
fn churn_sources_rotate_over_loopback_addresses() {
    use bench::loadgen::churn_source;
    use std::net::IpAddr;
    let server = "127.0.0.1:80".parse().unwrap();
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    assert_eq!(churn_source(server, 0), ip("127.0.0.2"));
    assert_eq!(churn_source(server, 249), ip("127.0.0.251"));
    assert_eq!(churn_source(server, 250), ip("127.0.0.2"));
    assert_eq!(churn_source("[::1]:80".parse().unwrap(), 3), None);
    assert_eq!(churn_source("10.0.0.1:80".parse().unwrap(), 3), None);
}

#[test]
fn slowloris_sends_a_head_then_one_byte_per_second_each() {
    use std::{
        io::Read,
        net::TcpListener,
        time::{Duration, Instant},
    };
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    let deadline = Instant::now() + Duration::from_secs(10);
    let slow = bench::slowloris::Slowloris::start(addr, 3, deadline).expect("start");
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (mut s, _) = l.accept().expect("accept");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut buf = vec![0u8; 64];
        let mut got = Vec::new();
        // The head arrives at once; the next byte within about a second.
        while !got.ends_with(b": a") {
            let n = s.read(&mut buf).expect("read");
            assert!(n > 0, "closed early");
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got.starts_with(b"GET /slow HTTP/1.1\r\n"));
        assert!(
            !got.windows(4).any(|w| w == b"\r\n\r\n"),
            "the head never ends"
        );
        seen.push(s);
    }
    // The feeder counts a byte after its write returns, so the reader can see the byte
    // first: wait (bounded) for the count instead of reading it once.
    let counted = Instant::now() + Duration::from_secs(5);
    while slow.bytes_sent() < 3 && Instant::now() < counted {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(slow.bytes_sent() >= 3, "sent {}", slow.bytes_sent());
    assert_eq!(slow.conns, 3);
}
