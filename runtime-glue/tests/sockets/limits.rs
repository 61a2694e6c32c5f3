//! The guest's fd limit follows the host (issue 16): with default settings a guest holds
//! more than 1,024 connections when `RLIMIT_NOFILE` allows it, and at the host-derived
//! limit it gets `EMFILE` and serves again once an fd is free.

use crate::util::{Proc, WAIT, connect, free_port, rust_guest, wait_listening};
use std::{
    io::{ErrorKind, Read, Write},
    net::{SocketAddr, TcpStream},
    process::Command,
    time::Duration,
};

/// Connections held at once: more than the old fixed default of 1,024 fds.
const HELD: usize = 1500;

fn addr4() -> SocketAddr {
    format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .expect("addr")
}

/// The bytes connection `i` sends (distinct per connection).
fn message(i: usize) -> Vec<u8> {
    format!("connection {i} of {HELD}: ")
        .into_bytes()
        .into_iter()
        .chain((0..i % 200).map(|k| (k * 7 + i) as u8))
        .collect()
}

#[test]
fn default_limit_holds_more_than_1024_connections() {
    // This process holds HELD client sockets and fdvirt HELD guest sockets, each under
    // its own RLIMIT_NOFILE: both need the hard limit to allow HELD plus some.
    let limit = hostsock::NofileLimit::raise_soft_to_hard().expect("getrlimit");
    let needed = HELD as u64 + hostsock::HOST_FD_RESERVE + 64;
    if limit.soft < needed {
        testkit::skip(&format!(
            "RLIMIT_NOFILE hard limit {} < {needed} (run with `ulimit -Hn 4096` or more)",
            limit.hard
        ));
        return;
    }
    let addr = addr4();
    let wasm = rust_guest("guests/sockets", "tokio-echo");
    // No --max-fds: the default must follow the host. tokio-echo exits on the first
    // accept error, so an EMFILE at the old limit of 1,024 ends it.
    let mut p = Proc::fdvirt(&["run", wasm.to_str().expect("utf-8"), &addr.to_string()]);
    wait_listening(&mut p, addr);
    let mut conns: Vec<TcpStream> = (0..HELD)
        .map(|i| connect(addr).unwrap_or_else(|e| panic!("connection {i}: {e}")))
        .collect();
    // Every connection is held open while all of them send, then all are read back.
    for (i, c) in conns.iter_mut().enumerate() {
        c.write_all(&message(i))
            .unwrap_or_else(|e| panic!("connection {i}: write: {e}"));
    }
    let mut bytes = 0;
    for (i, c) in conns.iter_mut().enumerate() {
        let want = message(i);
        let mut back = vec![0; want.len()];
        if let Err(e) = c.read_exact(&mut back) {
            let (out, err) = p.kill_output();
            panic!("connection {i}: read: {e}\nstdout: {out}\nstderr: {err}");
        }
        assert_eq!(back, want, "connection {i}");
        bytes += back.len();
    }
    assert!(p.exited().is_none(), "server exited");
    eprintln!("{HELD} connections held at once, {bytes} bytes echoed and verified");
}

#[test]
fn host_limit_gives_emfile_and_serving_resumes() {
    // RLIMIT_NOFILE 100 (soft and hard) for fdvirt: the guest's limit is 100 - 32 = 68
    // fds, stdio and the listener included, so 64 connections.
    let addr = addr4();
    let wasm = rust_guest("guests/sockets", "wasmedge-echo");
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "ulimit -n 100 && exec \"$0\" \"$@\""])
        .arg(crate::util::fdvirt())
        .args(["run", wasm.to_str().expect("utf-8"), &addr.to_string()])
        .env("RUST_LOG", "fdvirt::limits=info")
        .stdin(std::process::Stdio::null());
    let mut p = Proc::spawn(cmd, "fdvirt under ulimit -n 100".into());
    wait_listening(&mut p, addr);
    std::thread::sleep(Duration::from_millis(300)); // let the probe connection close
    let mut held: Vec<TcpStream> = (0..64)
        .map(|i| connect(addr).unwrap_or_else(|e| panic!("connection {i}: {e}")))
        .collect();
    for (i, s) in held.iter_mut().enumerate() {
        let msg = format!("held {i}");
        s.write_all(msg.as_bytes()).expect("write");
        let mut back = vec![0; msg.len()];
        s.read_exact(&mut back).expect("held connection echoes");
        assert_eq!(back, msg.as_bytes());
    }
    // One more: accepted by the kernel, but the guest's table is full.
    let mut extra = connect(addr).expect("connect");
    extra
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    extra.write_all(b"waiting").expect("write");
    let mut buf = [0u8; 7];
    let e = extra
        .read_exact(&mut buf)
        .expect_err("no fd left: must not be served yet");
    assert!(
        matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{e}"
    );
    drop(held.pop());
    extra.set_read_timeout(Some(WAIT)).expect("timeout");
    extra
        .read_exact(&mut buf)
        .expect("served once an fd was freed");
    assert_eq!(&buf, b"waiting");
    assert!(p.exited().is_none());
    let (_, err) = p.kill_output();
    assert!(
        err.contains("guest fd limit 68, set by the host"),
        "the startup line names the limit: {err}"
    );
    assert!(
        err.contains("accept: "),
        "the guest should have seen EMFILE: {err}"
    );
}
