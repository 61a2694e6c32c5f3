//! `csock/examples/http_server.c`: a dual-stack select() HTTP server using
//! getaddrinfo(NULL, port, AI_PASSIVE) and non-blocking accept4, under every fd policy.

use super::{built, wasm};
use crate::util::{Proc, WAIT, free_port, ipv6_available, wait_listening};
use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    time::Duration,
};

/// One GET on a fresh connection; returns the client's local address and the raw response.
fn get(addr: SocketAddr) -> std::io::Result<(SocketAddr, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let local = s.local_addr()?;
    write!(s, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    let mut r = String::new();
    s.read_to_string(&mut r)?;
    Ok((local, r))
}

/// Starts the server on a free port under `policy` answering `n` requests.
fn start(policy: &str, n: usize) -> Option<(Proc, u16)> {
    let dir = built()?;
    let port = free_port("127.0.0.1");
    let mut p = Proc::fdvirt(&[
        "run",
        "--fd-policy",
        policy,
        &wasm(&dir, "http_server"),
        &port.to_string(),
        &n.to_string(),
    ]);
    wait_listening(&mut p, format!("127.0.0.1:{port}").parse().unwrap());
    Some((p, port))
}

fn serves_both_families(policy: &str) {
    let v6 = ipv6_available();
    let n = if v6 { 4 } else { 2 };
    let Some((p, port)) = start(policy, n) else {
        return;
    };
    let mut clients: Vec<SocketAddr> = vec![format!("127.0.0.1:{port}").parse().unwrap(); 2];
    if v6 {
        clients.extend([format!("[::1]:{port}").parse::<SocketAddr>().unwrap(); 2]);
    }
    for (i, addr) in clients.iter().enumerate() {
        let (local, resp) = get(*addr).unwrap_or_else(|e| panic!("GET {addr}: {e}"));
        assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
        assert!(resp.contains(&format!("request {}\n", i + 1)), "{resp}");
        // The peer the guest reports (accept4 + getnameinfo) is exactly the client's
        // address and port; IPv4 clients reach the dual-stack `::` socket as mapped IPv6.
        let peer = match local {
            SocketAddr::V4(a) if v6 => format!("::ffff:{}", a.ip()),
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => a.ip().to_string(),
        };
        let want = format!("peer {peer} port {}\n", local.port());
        assert!(resp.contains(&want), "want {want:?} in {resp}");
    }
    let (code, out, err) = p.wait_output(WAIT);
    assert_eq!(code, Some(0), "stdout: {out}\nstderr: {err}");
    assert!(out.contains(&format!("done: {n} requests")), "{out}");
    if v6 {
        assert!(
            out.contains(&format!("listening on :: port {port}")),
            "{out}"
        );
    }
}

#[test]
fn csock_http_server_dual_stack_under_lowest() {
    serves_both_families("lowest");
}

#[test]
fn csock_http_server_dual_stack_under_capped_1024() {
    serves_both_families("capped:1024,seed=3");
}

#[test]
fn csock_http_server_refuses_fds_above_fd_setsize_under_random() {
    // Random fds in [0, 2^31) are almost never below FD_SETSIZE: the server, like any
    // portable select() server, refuses them (the README's reason for `lowest`/`capped`).
    let Some((p, port)) = start("random,seed=11", 3) else {
        return;
    };
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    for _ in 0..3 {
        let r = get(addr).map(|(_, r)| r).unwrap_or_default();
        assert!(!r.contains("200 OK"), "served under random: {r}");
    }
    let (out, _) = p.kill_output();
    assert!(out.contains(">= FD_SETSIZE"), "{out}");
}
