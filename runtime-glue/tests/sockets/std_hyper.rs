//! Standard-WASI guests (Rust std on `--tcplisten`, raw 2-arg and 3-arg `sock_accept`) and
//! the `tokio_wasi` + `hyper_wasi` server under concurrent keep-alive load.

use crate::util::{
    Proc, WAIT, connect, free_port, http_get, read_response, rust_guest, wait_listening,
};
use std::{
    io::{BufReader, Write},
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    thread,
};

const DIR: &str = "guests/sockets";

fn addr4() -> SocketAddr {
    format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap()
}

/// `conns` keep-alive connections each sending `per_conn` requests; every response must
/// be 200 with `body`. Returns the number of checked responses.
fn load(addr: SocketAddr, conns: usize, per_conn: usize, body: &'static [u8]) -> usize {
    let ok = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..conns)
        .map(|c| {
            let ok = Arc::clone(&ok);
            thread::spawn(move || {
                let s = connect(addr).unwrap_or_else(|e| panic!("conn {c}: {e}"));
                let mut w = s.try_clone().expect("clone");
                let mut r = BufReader::new(s);
                for i in 0..per_conn {
                    write!(w, "GET /{c}/{i} HTTP/1.1\r\nHost: t\r\n\r\n").expect("write");
                    let resp = read_response(&mut r)
                        .unwrap_or_else(|e| panic!("conn {c} request {i}: {e}"));
                    assert_eq!(resp.status, 200, "conn {c} request {i}");
                    assert_eq!(resp.body, body, "conn {c} request {i}");
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("load thread panicked");
    }
    ok.load(Ordering::Relaxed)
}

#[test]
fn hyper_wasi_server_under_64_connection_load() {
    let addr = addr4();
    let wasm = rust_guest(DIR, "hyper-hello");
    let mut p = Proc::fdvirt(&["run", wasm.to_str().unwrap(), &addr.to_string()]);
    wait_listening(&mut p, addr);
    let started = std::time::Instant::now();
    let n = load(addr, 64, 40, b"Hello from hyper_wasi\n");
    assert_eq!(n, 64 * 40);
    eprintln!(
        "hyper_wasi: {n} requests over 64 connections in {:?}",
        started.elapsed()
    );
    assert!(p.exited().is_none(), "server exited under load");
}

#[test]
fn std_server_on_tcplisten_serves_concurrent_keep_alive() {
    let addr = addr4();
    let wasm = rust_guest(DIR, "std-http");
    let a = addr.to_string();
    let mut p = Proc::fdvirt(&["run", "--tcplisten", &a, wasm.to_str().unwrap()]);
    wait_listening(&mut p, addr);
    let n = load(addr, 16, 25, b"Hello from Rust std on wasm32-wasip1\n");
    assert_eq!(n, 400);
}

#[test]
fn std_server_on_ipv6_tcplisten() {
    if !crate::util::ipv6_available() {
        return;
    }
    let addr: SocketAddr = format!("[::1]:{}", free_port("::1")).parse().unwrap();
    let wasm = rust_guest(DIR, "std-http");
    let a = addr.to_string();
    let mut p = Proc::fdvirt(&["run", "--tcplisten", &a, wasm.to_str().unwrap()]);
    wait_listening(&mut p, addr);
    let r = http_get(addr, "/").expect("GET over ::1");
    assert_eq!(r.status, 200);
}

/// Runs a one-shot accept guest on a pre-opened listener for `count` requests.
fn accept_guest(name: &str, count: usize, body: &str) {
    let addr = addr4();
    let wasm = rust_guest(DIR, name);
    let a = addr.to_string();
    let c = count.to_string();
    let mut p = Proc::fdvirt(&["run", "--tcplisten", &a, wasm.to_str().unwrap(), "3", &c]);
    wait_listening(&mut p, addr);
    // wait_listening's probe connection counts as one accepted (empty) connection.
    for i in 1..count {
        let r = http_get(addr, "/").unwrap_or_else(|e| panic!("{name} request {i}: {e}"));
        assert_eq!(r.status, 200);
        assert_eq!(String::from_utf8_lossy(&r.body), body);
    }
    let (code, out, err) = p.wait_output(WAIT);
    assert_eq!(code, Some(0), "{name}: stdout {out} stderr {err}");
    assert_eq!(out.matches("accepted fd").count(), count, "{out}");
}

#[test]
fn legacy_two_arg_accept_guest_is_served() {
    accept_guest(
        "accept-legacy",
        4,
        "Hello from the 2-arg sock_accept guest\n",
    );
}

#[test]
fn standard_three_arg_accept_guest_is_served() {
    accept_guest("accept-std", 4, "Hello from the 3-arg sock_accept guest\n");
}

#[test]
fn inspect_reports_both_accept_forms() {
    let legacy = rust_guest(DIR, "accept-legacy");
    let std = rust_guest(DIR, "accept-std");
    for (wasm, want) in [(legacy, "2-arg"), (std, "3-arg")] {
        let p = Proc::fdvirt(&["inspect", wasm.to_str().unwrap()]);
        let (code, out, err) = p.wait_output(WAIT);
        assert_eq!(code, Some(0), "{err}");
        let line = out
            .lines()
            .find(|l| l.contains("sock_accept"))
            .unwrap_or_else(|| panic!("no sock_accept line in {out}"));
        assert!(line.contains(want), "{line}");
    }
}

#[test]
fn hyper_wasi_server_with_wasmedge_like_random_fds() {
    let addr = addr4();
    let wasm = rust_guest(DIR, "hyper-hello");
    let a = addr.to_string();
    let mut p = Proc::fdvirt(&[
        "run",
        "--fd-policy",
        "random,seed=5",
        wasm.to_str().unwrap(),
        &a,
    ]);
    wait_listening(&mut p, addr);
    assert_eq!(load(addr, 8, 20, b"Hello from hyper_wasi\n"), 160);
}
