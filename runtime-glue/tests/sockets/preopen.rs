//! `--tcplisten` pre-opened listeners with the standard 3-arg `sock_accept`, and the
//! TCP_NODELAY default that keeps two-write keep-alive exchanges free of Nagle stalls.

use crate::util::{Proc, connect, free_port, wait_listening};
use std::{
    io::{Read, Write},
    net::SocketAddr,
    path::PathBuf,
    time::{Duration, Instant},
};

/// Compile a WAT file from tests/sockets/wat into a temp dir and return its path.
pub(crate) fn wat_guest(name: &str) -> (tempfile::TempDir, PathBuf) {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sockets/wat")
        .join(format!("{name}.wat"));
    let wasm = wat::parse_file(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join(format!("{name}.wasm"));
    std::fs::write(&out, wasm).expect("write wasm");
    (dir, out)
}

/// Start the two-write server on a pre-opened listener at `addr`.
fn two_write_server(addr: SocketAddr, extra: &[&str]) -> (tempfile::TempDir, Proc) {
    let (dir, wasm) = wat_guest("two_write_server");
    let a = addr.to_string();
    let mut args = vec!["run", "--tcplisten", &a];
    args.extend_from_slice(extra);
    let w = wasm.to_string_lossy().into_owned();
    args.push(&w);
    let mut p = Proc::fdvirt(&args);
    wait_listening(&mut p, addr);
    (dir, p)
}

/// `n` request/response exchanges on one connection; returns the elapsed time.
fn exchanges(addr: SocketAddr, n: usize) -> Duration {
    let mut s = connect(addr).expect("connect");
    let start = Instant::now();
    for i in 0..n {
        s.write_all(b"req\n").expect("write");
        let mut resp = [0u8; 25];
        s.read_exact(&mut resp)
            .unwrap_or_else(|e| panic!("exchange {i}: {e}"));
        assert_eq!(&resp, b"HTTP-ish-header-20b\nbody\n");
    }
    start.elapsed()
}

#[test]
fn two_write_exchanges_do_not_wait_for_delayed_ack() {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let (_d, _p) = two_write_server(addr, &[]);
    exchanges(addr, 2); // warm-up connection
    let took = exchanges(addr, 20);
    // With Nagle + delayed ACK each exchange waits ~40 ms (20 x 40 ms = 800 ms). The
    // margin is wide on purpose: this proves the absence of the stall, not a speed.
    assert!(
        took < Duration::from_millis(400),
        "20 two-write exchanges took {took:?}"
    );
    eprintln!("nodelay: 20 two-write exchanges in {took:?}");
}

#[test]
fn no_nodelay_switch_still_serves() {
    // With --no-nodelay the host leaves Nagle on. Whether the stall shows depends on the
    // kernel's quick-ACK heuristics, so only correctness is asserted; the time is printed.
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let (_d, _p) = two_write_server(addr, &["--no-nodelay"]);
    let took = exchanges(addr, 10);
    eprintln!("--no-nodelay: 10 two-write exchanges in {took:?}");
}

#[test]
fn preopened_listener_survives_reset_before_first_read() {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let (_d, mut p) = two_write_server(addr, &[]);
    for _ in 0..20 {
        // Connect and reset at once (SO_LINGER 0): accept may see an aborted connection.
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("socket");
        s.set_linger(Some(Duration::ZERO)).expect("linger");
        s.connect(&addr.into()).expect("connect");
        drop(s);
        // Connect and vanish without a byte.
        drop(connect(addr).expect("connect"));
    }
    assert!(p.exited().is_none(), "server died after peer resets");
    exchanges(addr, 3);
}

#[test]
fn two_preopened_listeners_get_fds_3_and_4() {
    // fd 3 serves; fd 4 exists (second --tcplisten) and its port accepts connections in the
    // kernel backlog even though this guest never accepts on it.
    let a1: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let a2: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let (_d, _p) = two_write_server(a1, &["--tcplisten", &a2.to_string()]);
    exchanges(a1, 2);
    assert!(
        connect(a2).is_ok(),
        "second pre-opened listener not listening"
    );
}
