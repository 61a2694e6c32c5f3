//! `csock/examples/udp6_server.c`: an IPv6 (dual-stack) UDP echo server that prints each
//! sender's address and port exactly as recvfrom reported them and replies with sendto.
//! Run under every fd policy and under both byte orders of `sock_recv_from_v2`'s port
//! (fdvirt's default host order and WasmEdge's network order, which the layer detects).

use super::{built, wasm};
use crate::util::{Proc, WAIT, free_udp_port, ipv6_available};
use std::{
    net::{SocketAddr, UdpSocket},
    thread,
    time::{Duration, Instant},
};

fn wait_for(p: &mut Proc, needle: &str) {
    let start = Instant::now();
    while !p.stdout_so_far().contains(needle) {
        assert!(
            p.exited().is_none(),
            "{} exited: {}",
            p.what,
            p.stdout_so_far()
        );
        assert!(start.elapsed() < WAIT, "no {needle:?} from {}", p.what);
        thread::sleep(Duration::from_millis(20));
    }
}

/// Sends one datagram from `from` and checks the echo comes back to exactly that socket.
fn exchange(from: &str, to: SocketAddr, payload: &str) -> SocketAddr {
    let s = UdpSocket::bind(from).expect("bind client");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.send_to(payload.as_bytes(), to).expect("send");
    let mut buf = [0u8; 600];
    let (n, src) = s
        .recv_from(&mut buf)
        .expect("echo (sent to the right port?)");
    assert_eq!(&buf[..n], format!("echo:{payload}").as_bytes());
    assert_eq!(src.port(), to.port());
    s.local_addr().unwrap()
}

fn reports_senders_exactly(extra: &[&str]) {
    let Some(dir) = built() else {
        return;
    };
    if !ipv6_available() {
        return; // testkit::skip said why
    }
    let port = free_udp_port("::1");
    let mut args = vec!["run"];
    args.extend_from_slice(extra);
    let prog = wasm(&dir, "udp6_server");
    let port_s = port.to_string();
    args.extend([prog.as_str(), port_s.as_str(), "2"]);
    let mut p = Proc::fdvirt(&args);
    wait_for(&mut p, &format!("udp listening on :: port {port}"));
    let v6 = exchange("[::1]:0", format!("[::1]:{port}").parse().unwrap(), "six");
    let v4 = exchange(
        "127.0.0.1:0",
        format!("127.0.0.1:{port}").parse().unwrap(),
        "four",
    );
    let (code, out, err) = p.wait_output(WAIT);
    assert_eq!(code, Some(0), "{out}\n{err}");
    for (addr, payload) in [(v6, "six"), (v4, "four")] {
        let host = match addr {
            SocketAddr::V4(a) => format!("::ffff:{}", a.ip()),
            SocketAddr::V6(a) => a.ip().to_string(),
        };
        let want = format!(
            "from {host} port {} flowinfo 0 scope 0 len 32 family 2 bytes {}: {payload}\n",
            addr.port(),
            payload.len()
        );
        assert!(out.contains(&want), "want {want:?} in:\n{out}");
    }
}

#[test]
fn csock_udp6_server_reports_senders_under_lowest() {
    reports_senders_exactly(&["--fd-policy", "lowest"]);
}

#[test]
fn csock_udp6_server_reports_senders_under_capped_1024() {
    reports_senders_exactly(&["--fd-policy", "capped:1024,seed=5"]);
}

#[test]
fn csock_udp6_server_reports_senders_under_random_with_wasmedge_port_order() {
    // WasmEdge writes recv_from_v2's port in network order; the layer detects it.
    reports_senders_exactly(&[
        "--fd-policy",
        "random,seed=9",
        "--recv-from-port-order",
        "network",
    ]);
}
