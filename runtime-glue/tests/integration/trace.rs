//! `fdvirt run --trace`: a guest blocked in a host call shows that call in the trace while
//! it is blocked (strace's `<unfinished ...>`), and the trace file is written line by line.

use std::{
    io::Read as _,
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Waits in `poll_oneoff` for a 30 s clock after writing one line.
const POLL_FOREVER: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "waiting\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 200)) (i32.store (i32.const 4) (i32.const 8))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i64.store (i32.const 64) (i64.const 7))           ;; userdata
    (i32.store8 (i32.const 72) (i32.const 0))          ;; clock
    (i32.store (i32.const 80) (i32.const 1))           ;; MONOTONIC
    (i64.store (i32.const 88) (i64.const 30000000000)) ;; 30 s, relative
    (drop (call $poll (i32.const 64) (i32.const 400) (i32.const 1) (i32.const 16)))))"#;

/// Writes a line, then accepts on the pre-opened listener (fd 3) with the standard 3-arg
/// `sock_accept`, twice: the second accept blocks until the test kills the process.
const ACCEPT_TWICE: &str = r#"(module
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 200) "ready\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 200)) (i32.store (i32.const 4) (i32.const 6))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $accept (i32.const 3) (i32.const 0) (i32.const 16)))
    (drop (call $accept (i32.const 3) (i32.const 0) (i32.const 16)))))"#;

fn write_module(dir: &Path, name: &str, wat: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, wat::parse_str(wat).expect("wat")).expect("write wasm");
    path.to_string_lossy().into_owned()
}

/// Starts `fdvirt` with `args`, stdio detached (stderr kept for the final check).
fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fdvirt"))
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fdvirt")
}

/// Polls `path` until `done(contents)` holds; panics after 20 s with the contents.
fn wait_for(path: &Path, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if done(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "no {what} in the trace:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kills the child by its PID and reaps it; returns its stderr.
fn stop(mut child: Child) -> String {
    child.kill().expect("kill fdvirt by pid");
    child.wait().expect("reap fdvirt");
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    err
}

#[test]
fn trace_file_shows_the_poll_the_guest_is_blocked_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let module = write_module(dir.path(), "poll.wasm", POLL_FOREVER);
    let log = dir.path().join("trace.log");
    let child = spawn(&["run", "--trace-file", &log.to_string_lossy(), &module]);
    let text = wait_for(&log, "unfinished poll_oneoff", |t| {
        t.contains("<unfinished ...>")
    });
    // While the guest waits: the call, its decoded subscription, no return yet.
    assert!(
        text.contains(
            " poll_oneoff(subs=[{userdata=7, clock MONOTONIC, timeout=30.000000s}] <unfinished ...>\n"
        ),
        "{text}"
    );
    assert!(!text.contains("resumed"), "{text}");
    // The write before it: decoded data, the byte count written back, a relative time.
    let write = text
        .lines()
        .find(|l| l.contains("fd_write("))
        .unwrap_or_else(|| panic!("no fd_write:\n{text}"));
    assert!(
        write.contains(r#"fd_write(fd=1, iovs="waiting\n" (8 bytes)) = 0 [nwritten=8] <"#),
        "{write}"
    );
    let stamp: f64 = write
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .expect("stamp");
    assert!((0.0..20.0).contains(&stamp), "{write}");
    let stderr = stop(child);
    assert!(
        !stderr.contains("poll_oneoff"),
        "trace went to stderr too: {stderr}"
    );
}

#[test]
fn trace_shows_a_blocked_accept_then_its_new_fd_and_filters_by_family() {
    let dir = tempfile::tempdir().expect("tempdir");
    let module = write_module(dir.path(), "accept.wasm", ACCEPT_TWICE);
    let log = dir.path().join("trace.log");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        l.local_addr().expect("addr").port()
    };
    let listen = format!("127.0.0.1:{port}");
    let child = spawn(&[
        "run",
        "--trace=sock",
        "--trace-file",
        &log.to_string_lossy(),
        "--tcplisten",
        &listen,
        &module,
    ]);
    wait_for(&log, "unfinished sock_accept", |t| {
        t.contains(" sock_accept_v2(fd=3, flags=0 <unfinished ...>\n")
    });
    let client = TcpStream::connect(&listen).expect("connect to the guest");
    let text = wait_for(&log, "second accept", |t| {
        t.matches("<unfinished ...>").count() == 2
    });
    let resumed = text
        .lines()
        .find(|l| l.contains("<... sock_accept_v2 resumed>) = 0 [fd=4] <"))
        .unwrap_or_else(|| panic!("no resumed accept with the new fd:\n{text}"));
    let spent: f64 = resumed
        .rsplit('<')
        .next()
        .and_then(|s| s.trim_end_matches('>').parse().ok())
        .expect("time spent");
    assert!(spent >= 0.0, "{resumed}");
    // --trace=sock: the guest's fd_write is not traced (fdvirt's startup line about the fd
    // limit is the only other line allowed).
    assert!(
        text.lines()
            .all(|l| l.contains("sock_accept_v2") || l.starts_with("fdvirt: guest fd limit")),
        "{text}"
    );
    drop(client);
    stop(child);
}
