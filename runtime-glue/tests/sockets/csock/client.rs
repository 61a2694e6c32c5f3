//! `csock/examples/client.c`: resolves `localhost` through the runtime's resolver, connects
//! with a non-blocking connect + poll() + SO_ERROR, and reads a response; and reports
//! ECONNREFUSED the same way for a closed port. Under every fd policy.

use super::{built, wasm};
use crate::util::{Proc, WAIT};
use std::{
    io::{Read, Write},
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

/// A loopback HTTP responder on 127.0.0.1 (and [::1] on the same port when possible),
/// answering every connection until dropped.
struct Responder {
    port: u16,
    stop: Arc<AtomicBool>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Responder {
    fn start() -> Responder {
        let v4 = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = v4.local_addr().unwrap().port();
        let mut listeners = vec![v4];
        listeners.extend(TcpListener::bind(("::1", port)).ok());
        let stop = Arc::new(AtomicBool::new(false));
        let threads = listeners
            .into_iter()
            .map(|l| {
                let stop = stop.clone();
                l.set_nonblocking(true).unwrap();
                thread::spawn(move || {
                    let start = Instant::now();
                    while !stop.load(Ordering::Relaxed) && start.elapsed() < WAIT {
                        match l.accept() {
                            Ok((mut s, _)) => {
                                s.set_nonblocking(false).unwrap();
                                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                                let mut buf = [0u8; 1024];
                                let _ = s.read(&mut buf);
                                let _ = s.write_all(
                                    b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
                                );
                            }
                            Err(_) => thread::sleep(Duration::from_millis(10)),
                        }
                    }
                })
            })
            .collect();
        Responder {
            port,
            stop,
            threads,
        }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn connects_to_localhost(policy: &str) {
    let Some(dir) = built() else {
        return;
    };
    let r = Responder::start();
    let port = r.port.to_string();
    let p = Proc::fdvirt(&[
        "run",
        "--fd-policy",
        policy,
        &wasm(&dir, "client"),
        "localhost",
        &port,
    ]);
    let (code, out, err) = p.wait_output(WAIT);
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.contains("resolved "), "{out}");
    assert!(
        out.contains(&format!("connected 127.0.0.1 port {port} (EINPROGRESS)"))
            || out.contains(&format!("connected [::1] port {port} (EINPROGRESS)")),
        "{out}"
    );
    assert!(out.contains("status HTTP/1.1 204 No Content"), "{out}");
}

#[test]
fn csock_client_resolves_localhost_and_connects_under_lowest() {
    connects_to_localhost("lowest");
}

#[test]
fn csock_client_resolves_localhost_and_connects_under_capped_1024() {
    connects_to_localhost("capped:1024,seed=2");
}

#[test]
fn csock_client_resolves_localhost_and_connects_under_random() {
    connects_to_localhost("random,seed=4");
}

#[test]
fn csock_client_reports_connection_refused() {
    let Some(dir) = built() else {
        return;
    };
    // A port that was just free: nothing listens there any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind")
        .port()
        .to_string();
    let p = Proc::fdvirt(&["run", &wasm(&dir, "client"), "127.0.0.1", &port]);
    let (code, out, err) = p.wait_output(WAIT);
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(
        out.contains(&format!(
            "connect 127.0.0.1 port {port}: Connection refused"
        )),
        "{out}"
    );
}
