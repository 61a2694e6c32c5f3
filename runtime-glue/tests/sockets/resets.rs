//! A peer that resets right after `accept` (issue 16): the WasmEdge SDK's `accept` calls
//! `sock_getpeeraddr` right after `sock_accept`, and `tokio_wasi`'s listener turns an
//! error there into an `accept` error that tokio's own echo example (`tokio-echo`) does
//! not survive. The host answers from the peer address captured at accept, so a reset
//! between the two calls cannot fail the accept.

use crate::util::{Proc, connect, free_port, rust_guest, wait_listening};
use std::{
    io::{Read, Write},
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

/// Resetting clients per thread, and threads.
const RESETS_PER_THREAD: usize = 1500;
const RESET_THREADS: usize = 2;

/// Connects and resets at once (SO_LINGER 0), after a spin of `delay` so the reset lands
/// at varying points of the guest's accept. Returns false if the server refused the
/// connection (it is gone).
fn connect_and_reset(addr: SocketAddr, delay: Duration) -> bool {
    let s =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    s.set_linger(Some(Duration::ZERO)).expect("linger");
    match s.connect_timeout(&addr.into(), Duration::from_secs(5)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => return false,
        // A full backlog drops the SYN; that is load, not a failure of the server.
        Err(_) => return true,
    }
    let start = Instant::now();
    while start.elapsed() < delay {
        std::hint::spin_loop();
    }
    drop(s);
    true
}

/// One normal client: a message of `len` bytes must come back whole.
fn echo_client(addr: SocketAddr, seed: usize, len: usize) -> Result<(), String> {
    let msg: Vec<u8> = (0..len).map(|i| (i * 31 + seed) as u8).collect();
    let mut s = connect(addr).map_err(|e| format!("client {seed}: connect: {e}"))?;
    s.write_all(&msg)
        .map_err(|e| format!("client {seed}: write: {e}"))?;
    let mut back = vec![0; len];
    s.read_exact(&mut back)
        .map_err(|e| format!("client {seed}: read: {e}"))?;
    if back != msg {
        return Err(format!("client {seed}: echoed bytes differ"));
    }
    Ok(())
}

#[test]
fn tokio_echo_survives_peers_that_reset_right_after_accept() {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .expect("addr");
    let wasm = rust_guest("guests/sockets", "tokio-echo");
    let mut p = Proc::fdvirt(&["run", wasm.to_str().expect("utf-8"), &addr.to_string()]);
    wait_listening(&mut p, addr);

    let done = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicUsize::new(0));
    let resetters: Vec<_> = (0..RESET_THREADS)
        .map(|t| {
            let refused = Arc::clone(&refused);
            thread::spawn(move || {
                for i in 0..RESETS_PER_THREAD {
                    let delay = Duration::from_micros(((i * 7 + t * 13) % 120) as u64);
                    if !connect_and_reset(addr, delay) {
                        refused.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
            })
        })
        .collect();
    // Normal clients interleaved with the resets, until the resetters finish.
    let normal = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let mut served = 0usize;
            let mut failures = Vec::new();
            while !done.load(Ordering::Relaxed) || served < 50 {
                if let Err(e) = echo_client(addr, served, 1 + served % 3000) {
                    failures.push(e);
                    break;
                }
                served += 1;
            }
            (served, failures)
        })
    };
    for r in resetters {
        r.join().expect("resetter thread");
    }
    done.store(true, Ordering::Relaxed);
    let (served, failures) = normal.join().expect("normal client thread");
    let alive = p.exited().is_none();
    let last = echo_client(addr, 9999, 4096);
    let (out, err) = p.kill_output();
    assert!(
        alive && failures.is_empty() && last.is_ok() && refused.load(Ordering::Relaxed) == 0,
        "the echo guest must keep serving through {} resets: alive={alive}, \
         {served} normal clients served, failures {failures:?}, last {last:?}\n\
         stdout: {out}\nstderr: {err}",
        RESETS_PER_THREAD * RESET_THREADS,
    );
    eprintln!(
        "tokio-echo: {} resetting and {served} normal clients (all bytes back)",
        RESETS_PER_THREAD * RESET_THREADS
    );
}
