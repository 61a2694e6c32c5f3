//! The shim under a real containerd (Debian's containerd package, installed by
//! `scripts/setup`): images imported with `ctr image import`, guests run with
//! `ctr run --runtime io.containerd.fdvirt.v1`.
//!
//! Needs root and `containerd` + `ctr` on PATH. Without them it prints `skip:` and
//! passes, unless `FDVIRT_REQUIRE_ALL=1` (CI), where it fails naming what is missing
//! ([`testkit::skip`]).

mod daemon;
mod images;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Stdio;
use std::thread::sleep;
use std::time::{Duration, Instant};

use daemon::{Containerd, wait_bounded};

const RUNTIME: &str = "io.containerd.fdvirt.v1";

/// What is missing for this test, if anything.
fn missing_prerequisite() -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("root (containerd needs it)".into());
    }
    for tool in ["containerd", "ctr"] {
        let found = std::process::Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Some(format!(
                "`{tool}` (apt-get install containerd; scripts/setup does)"
            ));
        }
    }
    None
}

#[test]
fn containerd_runs_fdvirt_guests() {
    if let Some(what) = missing_prerequisite() {
        testkit::skip(&format!("containerd shim test: missing {what}"));
        return;
    }
    let cd = Containerd::start();
    let images = images::import_all(&cd);
    serves_pages_with_the_fd_policy_and_stops_on_kill(&cd, &images.demo);
    preopened_listener_and_network_grants(&cd, &images);
    failures_give_clear_messages_and_statuses(&cd, &images);
    for line in cd.log().lines().filter(|l| l.contains("fdvirt cannot run")) {
        eprintln!("containerd log: {line}");
    }
    testkit::ran("containerd");
}

/// `N` distinct free loopback ports (all bound at once, then released; guests bind them next).
fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: [TcpListener; N] =
        std::array::from_fn(|_| TcpListener::bind("127.0.0.1:0").unwrap());
    listeners.map(|l| l.local_addr().unwrap().port())
}

/// A free loopback port.
fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// One page from the guest (`None` until it accepts connections).
fn fetch(port: u16) -> Option<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .ok()?;
    let mut page = String::new();
    s.read_to_string(&mut page).ok()?;
    Some(page)
}

/// The number after `label` in `page`.
fn number_after(page: &str, label: &str) -> u64 {
    let rest = &page[page
        .find(label)
        .unwrap_or_else(|| panic!("no {label:?} in {page}"))
        + label.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {label:?} in {page}"))
}

/// Request numbers and connection fds of three pages.
fn three_pages(port: u16) -> Vec<(u64, u64)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let first = loop {
        if let Some(page) = fetch(port) {
            break page;
        }
        assert!(
            Instant::now() < deadline,
            "guest never answered on port {port}"
        );
        sleep(Duration::from_millis(100));
    };
    let mut pages = vec![first];
    pages.extend((0..2).map(|_| fetch(port).expect("second page")));
    pages
        .iter()
        .map(|p| {
            assert!(p.starts_with("HTTP/1.1 200 OK"), "{p}");
            assert!(p.contains("Hello from a fdvirt guest"), "{p}");
            (
                number_after(p, "Request "),
                number_after(p, "Connection fd "),
            )
        })
        .collect()
}

/// Two servers side by side, the default policy and `FDVIRT_FD_POLICY=random,seed=7`:
/// pages over loopback, fds as the policy picks them. The first runs in the foreground
/// with `--rm`: `ctr task kill` (SIGTERM) ends it, `ctr run` exits 143 and removes it. The
/// second is detached (`-d`) and taken down step by step: kill, STOPPED, `ctr task delete`
/// (reports exit code 143), `ctr container delete`. Nothing is left behind.
fn serves_pages_with_the_fd_policy_and_stops_on_kill(cd: &Containerd, image: &str) {
    let [fg_port, bg_port] = free_ports();
    let fg_env = format!("PORT={fg_port}");
    let bg_env = format!("PORT={bg_port}");
    let fg_args = [
        "run",
        "--rm",
        "--runtime",
        RUNTIME,
        "--net-host",
        "--env",
        &fg_env,
    ];
    let log = std::fs::File::create(cd.dir.path().join("demo-lowest.out")).unwrap();
    let foreground = cd
        .ctr_command(&fg_args)
        .args([image, "demo-lowest"])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let detached = cd.ctr(&[
        "run",
        "-d",
        "--runtime",
        RUNTIME,
        "--net-host",
        "--env",
        &bg_env,
        "--env",
        "FDVIRT_FD_POLICY=random,seed=7",
        image,
        "demo-random",
    ]);
    assert!(detached.status.success(), "ctr run -d: {detached:?}");

    let mut fds = Vec::new();
    for (id, port) in [("demo-lowest", fg_port), ("demo-random", bg_port)] {
        let pages = three_pages(port);
        let numbers: Vec<u64> = pages.iter().map(|p| p.0).collect();
        assert_eq!(numbers, [1, 2, 3], "{id}: request counter");
        eprintln!("{id}: pages (request, fd) = {pages:?}");
        fds.push(pages.iter().map(|p| p.1).collect::<Vec<_>>());
    }
    // lowest: stdio 0-2, the rootfs preopen 3, the listener 4: every connection gets 5.
    assert_eq!(fds[0], [5, 5, 5], "default (lowest) policy fds");
    // random in [0, 2^31): all three far above anything `lowest` would hand out.
    assert!(
        fds[1].iter().all(|&fd| fd >= 1024),
        "random policy fds: {:?}",
        fds[1]
    );

    let kill = cd.ctr(&["task", "kill", "demo-lowest"]);
    assert!(kill.status.success(), "kill demo-lowest: {kill:?}");
    let status = wait_bounded(foreground, Duration::from_secs(30), "demo-lowest");
    let out = std::fs::read_to_string(cd.dir.path().join("demo-lowest.out")).unwrap();
    assert_eq!(status.code(), Some(143), "after SIGTERM; output:\n{out}");
    assert!(out.contains("fdvirt demo guest: listening"), "{out}");

    let kill = cd.ctr(&["task", "kill", "demo-random"]);
    assert!(kill.status.success(), "kill demo-random: {kill:?}");
    wait_stopped(cd, "demo-random");
    let delete = cd.ctr(&["task", "delete", "demo-random"]);
    // ctr 1.6 reports the deleted task's status as a warning and exits 0.
    let said = String::from_utf8_lossy(&delete.stderr);
    assert!(delete.status.success(), "ctr task delete: {delete:?}");
    assert!(
        said.contains("exit code 143"),
        "ctr task delete said: {said}"
    );
    let delete = cd.ctr(&["container", "delete", "demo-random"]);
    assert!(delete.status.success(), "ctr container delete: {delete:?}");
    cd.assert_nothing_left("after the servers");
}

/// Waits (at most 30 s) until `ctr task ls` shows task `id` STOPPED.
fn wait_stopped(cd: &Containerd, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ls = cd.ctr(&["task", "ls"]);
        let text = String::from_utf8_lossy(&ls.stdout).into_owned();
        let stopped = text
            .lines()
            .any(|l| l.split_whitespace().next() == Some(id) && l.contains("STOPPED"));
        if stopped {
            return;
        }
        assert!(Instant::now() < deadline, "{id} not STOPPED: {text}");
        sleep(Duration::from_millis(100));
    }
}

/// What the peer sends before closing, without sending anything (`None` until it accepts).
fn read_all(port: u16) -> Option<String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    Some(text)
}

/// The other socket ABI and a network grant, through the shim's settings:
/// `FDVIRT_TCPLISTEN` hands a standard-preview1 guest its listener as fd 3 (it serves two
/// connections, then exits 0 on its own); `FDVIRT_ALLOW_BIND` limited to ports below 1024
/// makes the demo guest's bind fail with EACCES (WASI errno 2) and exit 1.
fn preopened_listener_and_network_grants(cd: &Containerd, images: &images::Images) {
    let port = free_port();
    let listen = format!("FDVIRT_TCPLISTEN=127.0.0.1:{port}");
    let log = std::fs::File::create(cd.dir.path().join("listener.out")).unwrap();
    let args = [
        "run",
        "--rm",
        "--runtime",
        RUNTIME,
        "--net-host",
        "--env",
        &listen,
    ];
    let child = cd
        .ctr_command(&args)
        .args([images.listener.as_str(), "listener"])
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut replies = Vec::new();
    while replies.len() < 2 {
        match read_all(port) {
            Some(text) => replies.push(text),
            None => {
                assert!(Instant::now() < deadline, "listener guest never answered");
                sleep(Duration::from_millis(100));
            }
        }
    }
    eprintln!("listener: replies {replies:?}");
    // fd 3 the listener, 4 the rootfs preopen, so `lowest` gives each connection fd 5.
    assert_eq!(replies, ["tcplisten guest: connection fd 5\n"; 2]);
    let status = wait_bounded(child, Duration::from_secs(30), "listener");
    let out = std::fs::read_to_string(cd.dir.path().join("listener.out")).unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "listener guest exits 0 by itself: {out}"
    );
    cd.assert_nothing_left("listener");

    let port_env = format!("PORT={}", free_port().max(1024));
    let out = cd.ctr(&[
        "run",
        "--rm",
        "--runtime",
        RUNTIME,
        "--net-host",
        "--env",
        &port_env,
        "--env",
        "FDVIRT_ALLOW_BIND=127.0.0.1:1-1023",
        &images.demo,
        "denied",
    ]);
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "bind outside the grant: ctr run exit {:?}, output {text:?}",
        out.status.code()
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("sock_bind failed, errno 2"), "{text}");
    cd.assert_nothing_left("denied");
}

/// Each failure: `ctr run` exit status, a message for the user, nothing left behind.
fn failures_give_clear_messages_and_statuses(cd: &Containerd, images: &images::Images) {
    let run = |id: &str, image: &str, env: &[&str]| {
        let mut args = vec!["run", "--rm", "--runtime", RUNTIME];
        for e in env {
            args.extend(["--env", e]);
        }
        args.extend([image, id]);
        let out = cd.ctr(&args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        cd.assert_nothing_left(id);
        (out.status.code(), text)
    };

    let (code, text) = run("exit7", &images.exit7, &[]);
    eprintln!("exit7: ctr run exit {code:?}");
    assert_eq!(code, Some(7), "guest exiting 7: {text}");

    let (code, text) = run("trap", &images.trap, &[]);
    assert_eq!(code, Some(134), "trapping guest: {text}");
    assert!(
        text.contains("trapped") && text.contains("unreachable"),
        "{text}"
    );
    eprintln!("trap: ctr run exit {code:?}, output {text:?}");

    let (code, text) = run("notwasm", &images.not_wasm, &[]);
    assert_ne!(code, Some(0), "not-wasm entrypoint must not start: {text}");
    eprintln!("notwasm: ctr run exit {code:?}, output {text:?}");
    let log = cd.log();
    assert!(
        log.contains("/hello.txt\\\" is not a WebAssembly module")
            || log.contains("/hello.txt\" is not a WebAssembly module"),
        "containerd log lacks the not-wasm reason; ctr said: {text}\nlog:\n{log}"
    );

    let (code, text) = run("badpolicy", &images.exit7, &["FDVIRT_FD_POLICY=bogus"]);
    assert_ne!(code, Some(0), "bad setting must not start: {text}");
    assert_ne!(code, Some(7), "bad setting must not run the guest: {text}");
    eprintln!("bad setting: ctr run exit {code:?}, output {text:?}");
    let log = cd.log();
    assert!(
        log.contains("invalid FDVIRT_FD_POLICY="),
        "containerd log lacks the bad-setting reason; ctr said: {text}\nlog:\n{log}"
    );
}
