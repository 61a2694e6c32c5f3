//! Network faults are normal: fd exhaustion gives the guest EMFILE and serving resumes
//! when fds free up; connections opened and closed by the thousand leak no fd (guest or
//! host); peers that vanish never kill the listener. Also the network policy flags.

use crate::util::{Proc, WAIT, connect, free_port, rust_guest, wait_listening};
use std::{
    io::{ErrorKind, Read, Write},
    net::{SocketAddr, TcpStream},
    time::{Duration, Instant},
};

const DIR: &str = "guests/sockets";

fn echo(addr: SocketAddr, extra: &[&str]) -> Proc {
    let wasm = rust_guest(DIR, "wasmedge-echo");
    let a = addr.to_string();
    let mut args = vec!["run"];
    args.extend_from_slice(extra);
    let w = wasm.to_string_lossy().into_owned();
    args.push(&w);
    args.push(&a);
    let mut p = Proc::fdvirt(&args);
    wait_listening(&mut p, addr);
    p
}

fn round_trip(s: &mut TcpStream, msg: &[u8]) -> std::io::Result<()> {
    s.write_all(msg)?;
    let mut back = vec![0; msg.len()];
    s.read_exact(&mut back)?;
    assert_eq!(back, msg);
    Ok(())
}

fn addr4() -> SocketAddr {
    format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap()
}

#[test]
fn fd_exhaustion_gives_emfile_and_serving_resumes() {
    // 8 fds: stdio 0-2, the guest's listener, 4 connections.
    let addr = addr4();
    let mut p = echo(addr, &["--max-fds", "8"]);
    std::thread::sleep(Duration::from_millis(300)); // let the probe connection close
    let mut held: Vec<TcpStream> = (0..4).map(|_| connect(addr).expect("connect")).collect();
    for (i, s) in held.iter_mut().enumerate() {
        round_trip(s, format!("held {i}").as_bytes()).expect("held connection echoes");
    }
    // The 5th connection completes in the kernel backlog but gets no guest fd yet.
    let mut fifth = connect(addr).expect("connect 5th");
    fifth
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    fifth.write_all(b"waiting").expect("write");
    let mut buf = [0u8; 7];
    let e = fifth
        .read_exact(&mut buf)
        .expect_err("no fd: must not be served yet");
    assert!(
        matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{e}"
    );
    // Free one fd: the pending connection is accepted and served.
    drop(held.pop());
    fifth.set_read_timeout(Some(WAIT)).expect("timeout");
    fifth
        .read_exact(&mut buf)
        .expect("served after an fd was freed");
    assert_eq!(&buf, b"waiting");
    assert!(p.exited().is_none());
    let (_, err) = p.kill_output();
    assert!(
        err.contains("accept"),
        "the guest should have seen EMFILE: {err}"
    );
}

/// Open fds of a process (Linux `/proc`), or `None` elsewhere.
fn host_fds(pid: u32) -> Option<usize> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()
        .map(|d| d.count())
}

#[test]
fn thousands_of_connections_leak_no_fds() {
    // With only 6 guest fds, any leaked guest fd would stop the server within a few
    // connections; the host process's own fd count must come back to where it was.
    let addr = addr4();
    let p = echo(addr, &["--max-fds", "6"]);
    let pid = p.pid();
    let once = |i: usize| {
        let mut s = connect(addr).expect("connect");
        round_trip(&mut s, format!("c{i}").as_bytes()).expect("echo");
    };
    for i in 0..50 {
        once(i);
    }
    std::thread::sleep(Duration::from_millis(200));
    let before = host_fds(pid);
    let start = Instant::now();
    for i in 0..1500 {
        once(i);
    }
    // Connections that reset or vanish mid-way must not leak either.
    for _ in 0..200 {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("socket");
        s.set_linger(Some(Duration::ZERO)).expect("linger");
        s.connect(&addr.into()).expect("connect");
        let _ = (&s).write(b"reset me");
        drop(s);
    }
    once(0);
    std::thread::sleep(Duration::from_millis(300));
    let after = host_fds(pid);
    eprintln!(
        "1500 connections in {:?}; host fds {before:?} -> {after:?}",
        start.elapsed()
    );
    if let (Some(b), Some(a)) = (before, after) {
        assert!(a <= b + 1, "host fds grew from {b} to {a}");
    }
}

#[test]
fn policy_denies_connect_outside_the_allow_list() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let target = l.local_addr().expect("addr");
    let wasm = rust_guest(DIR, "wasmedge-client");
    let t = target.to_string();
    // Only port 9 is allowed: the guest's connect to `target` gets EACCES.
    let p = Proc::fdvirt(&[
        "run",
        "--allow-connect",
        "127.0.0.1:9",
        wasm.to_str().unwrap(),
        &t,
        "x",
    ]);
    let (code, out, err) = p.wait_output(WAIT);
    assert_ne!(code, Some(0), "connect should be denied: {out} {err}");
    assert!(err.to_lowercase().contains("permission denied"), "{err}");
    // Allowed explicitly: it connects.
    let allow = format!("127.0.0.1:{}", target.port());
    let server = std::thread::spawn(move || {
        let (mut s, _) = l.accept().expect("accept");
        let mut v = Vec::new();
        s.read_to_end(&mut v).expect("read");
        s.write_all(b"ok").expect("write");
    });
    let p = Proc::fdvirt(&[
        "run",
        "--allow-connect",
        &allow,
        wasm.to_str().unwrap(),
        &t,
        "x",
    ]);
    let (code, out, err) = p.wait_output(WAIT);
    server.join().expect("server");
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(out.contains("reply: ok"), "{out}");
}

#[test]
fn policy_denies_bind_outside_the_allow_list() {
    let addr = addr4();
    let wasm = rust_guest(DIR, "wasmedge-echo");
    let p = Proc::fdvirt(&[
        "run",
        "--allow-bind",
        "127.0.0.1:1-2",
        wasm.to_str().unwrap(),
        &addr.to_string(),
    ]);
    let (code, _out, err) = p.wait_output(WAIT);
    assert_ne!(code, Some(0));
    assert!(err.to_lowercase().contains("permission denied"), "{err}");
}

#[test]
fn peer_vanishing_mid_request_does_not_stop_the_http_guest() {
    let addr = addr4();
    let wasm = rust_guest(DIR, "wasmedge-http");
    let mut p = Proc::fdvirt(&["run", wasm.to_str().unwrap(), &addr.to_string()]);
    wait_listening(&mut p, addr);
    for _ in 0..30 {
        let mut s = connect(addr).expect("connect");
        let _ = s.write_all(b"GET / HTTP/1.1\r\nHo");
        drop(s);
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("socket");
        s.set_linger(Some(Duration::ZERO)).expect("linger");
        s.connect(&addr.into()).expect("connect");
        let _ = (&s).write(b"GET / HTTP/1.1\r\n\r\n");
        drop(s);
    }
    let r = crate::util::http_get(addr, "/").expect("still serving");
    assert_eq!(r.status, 200);
    assert!(p.exited().is_none());
}
