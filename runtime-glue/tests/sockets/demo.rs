//! `fdvirt demo`: the built-in WAT guest (embedded in the binary) serves HTTP.

use crate::util::{Proc, free_port, http_get, wait_listening};
use std::net::SocketAddr;

#[test]
fn demo_serves_the_builtin_guest() {
    let port = free_port("127.0.0.1");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut p = Proc::fdvirt(&["demo", "--port", &port.to_string()]);
    wait_listening(&mut p, addr);
    for _ in 0..3 {
        let r = http_get(addr, "/").expect("GET /");
        assert_eq!(r.status, 200);
        let body = String::from_utf8_lossy(&r.body);
        assert!(body.contains("Hello from a fdvirt guest"), "{body}");
    }
    assert!(p.exited().is_none());
}

#[test]
fn demo_under_capped_policy_shows_small_fds() {
    let port = free_port("127.0.0.1");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut p = Proc::fdvirt(&[
        "demo",
        "--port",
        &port.to_string(),
        "--fd-policy",
        "capped:64,seed=3",
    ]);
    wait_listening(&mut p, addr);
    let r = http_get(addr, "/").expect("GET /");
    assert_eq!(r.status, 200);
}

#[test]
fn bare_run_serves_the_builtin_guest_on_8080() {
    // `fdvirt run` with no module is the demo on its default port; skip if 8080 is taken.
    if let Err(e) = std::net::TcpListener::bind("127.0.0.1:8080") {
        testkit::skip(&format!("demo port 127.0.0.1:8080 not free ({e})"));
        return;
    }
    let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    let mut p = Proc::fdvirt(&["run"]);
    wait_listening(&mut p, addr);
    let r = http_get(addr, "/").expect("GET /");
    assert_eq!(r.status, 200);
}
