//! AF_UNIX sockets through the WasmEdge ABI with a real guest (`unix-socket.wasm`, raw
//! `_v2` imports; the crates.io SDK has no UNIX socket API): off by default, a guest
//! server reached by host clients, a guest client reaching a host listener, and guest
//! paths that try to leave the preopen.

use std::{
    io::{Read, Write},
    os::unix::{
        fs::FileTypeExt,
        net::{UnixListener, UnixStream},
    },
    path::Path,
    thread,
    time::{Duration, Instant},
};

use crate::util::{Proc, WAIT, rust_guest};

fn guest() -> String {
    rust_guest("guests/sockets", "unix-socket")
        .to_string_lossy()
        .into_owned()
}

/// `fdvirt run [--allow-af-unix] --dir HOST::/data unix-socket.wasm ARGS...`.
fn run(host_dir: &Path, allow: bool, args: &[&str]) -> Proc {
    let dir = format!("{}::/data", host_dir.display());
    let wasm = guest();
    let mut all = vec!["run"];
    if allow {
        all.push("--allow-af-unix");
    }
    all.extend(["--dir", &dir, &wasm]);
    all.extend_from_slice(args);
    Proc::fdvirt(&all)
}

/// Waits until `path` is a socket, or fails with the process output.
fn wait_for_socket(p: &mut Proc, path: &Path) {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
            return;
        }
        if let Some(st) = p.exited() {
            panic!("{} exited early with {st}", p.what);
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("{} never created {}", p.what, path.display());
}

fn echo_once(path: &Path, msg: &[u8]) -> Vec<u8> {
    let mut s = UnixStream::connect(path).expect("connect to the guest");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    s.write_all(msg).expect("write");
    s.shutdown(std::net::Shutdown::Write).expect("half-close");
    let mut back = Vec::new();
    s.read_to_end(&mut back).expect("read echo");
    back
}

#[test]
fn af_unix_is_enosys_without_the_flag() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = run(tmp.path(), false, &["serve", "/data/s.sock"]);
    let (code, _, err) = p.wait_output(WAIT);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("sock_open failed: errno 52"), "{err}");
    assert!(!tmp.path().join("s.sock").exists());
}

#[test]
fn guest_server_on_a_unix_socket_echoes_to_host_clients() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join("run")).expect("mkdir");
    let mut p = run(tmp.path(), true, &["serve", "/data/run/echo.sock", "2"]);
    let host_path = tmp.path().join("run/echo.sock");
    wait_for_socket(&mut p, &host_path);
    assert_eq!(
        echo_once(&host_path, b"hello over AF_UNIX"),
        b"hello over AF_UNIX"
    );
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(echo_once(&host_path, &big), big);
    let (code, out, err) = p.wait_output(WAIT);
    assert_eq!(code, Some(0), "{out}{err}");
    // getlocaladdr_v2 reports the guest path, never the host one; the accepted
    // connection's host client is unnamed.
    assert!(out.contains("local /data/run/echo.sock family 3"), "{out}");
    assert_eq!(out.matches("peer '' family 3").count(), 2, "{out}");
    assert!(!out.contains(&tmp.path().display().to_string()), "{out}");
    assert!(host_path.exists(), "closing does not unlink (POSIX)");
}

#[test]
fn guest_client_reaches_a_host_unix_listener() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let listener = UnixListener::bind(tmp.path().join("host.sock")).expect("bind");
    let p = run(tmp.path(), true, &["client", "/data/host.sock", "ping"]);
    let server = thread::spawn(move || {
        let (mut c, _) = listener.accept().expect("accept");
        c.set_read_timeout(Some(WAIT)).expect("timeout");
        let mut got = Vec::new();
        c.read_to_end(&mut got).expect("read until half-close");
        c.write_all(&got.to_ascii_uppercase()).expect("reply");
        got
    });
    let (code, out, err) = p.wait_output(WAIT);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(server.join().expect("server thread"), b"ping");
    assert!(out.contains("peer /data/host.sock family 3"), "{out}");
    assert!(out.contains("reply: PING"), "{out}");
}

#[test]
fn guest_paths_cannot_leave_the_preopen() {
    let root = tempfile::tempdir().expect("tempdir");
    let (inside, outside) = (root.path().join("in"), root.path().join("out"));
    std::fs::create_dir_all(&inside).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let target = UnixListener::bind(outside.join("secret.sock")).expect("outside listener");
    target.set_nonblocking(true).expect("nonblocking");
    std::os::unix::fs::symlink(&outside, inside.join("dirlink")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("secret.sock"), inside.join("socklink"))
        .expect("symlink");
    let abs_outside = format!("{}/x.sock", outside.display());
    let cases = [
        ("try-bind", "/data/../out/a.sock", "bind 76"),
        ("try-bind", abs_outside.as_str(), "bind 76"),
        ("try-bind", "/data/dirlink/b.sock", "bind 76"),
        ("try-bind", "relative.sock", "bind 76"),
        ("try-connect", "/data/socklink", "connect 76"),
        ("try-connect", "/data/../out/secret.sock", "connect 76"),
        ("try-connect", "/data/dirlink/secret.sock", "connect 76"),
        // The control: a legitimate path works.
        ("try-bind", "/data/ok.sock", "bind 0"),
    ];
    for (mode, path, want) in cases {
        let (code, out, err) = run(&inside, true, &[mode, path]).wait_output(WAIT);
        assert_eq!(code, Some(0), "{mode} {path}: {err}");
        assert_eq!(out.trim(), want, "{mode} {path}");
    }
    let created: Vec<_> = std::fs::read_dir(&outside)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(created, ["secret.sock"], "something was created outside");
    assert!(
        target.accept().is_err(),
        "a guest connect got out of the sandbox"
    );
    assert!(inside.join("ok.sock").exists());
}
