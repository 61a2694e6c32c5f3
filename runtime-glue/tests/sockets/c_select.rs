//! The wasi-libc select() C server (guests/c/select_server.c): like PHP's dev server it
//! ignores fds >= FD_SETSIZE (1024). Under `lowest` and `capped:1024` it serves every
//! request; under `random` (WasmEdge-like fds in [0, 2^31)) it loses them — the bug the
//! capped policy exists to fix. Skipped through `testkit::skip` (a failure under
//! `FDVIRT_REQUIRE_ALL=1`) when clang/wasi-libc are absent.

use crate::util::{Proc, free_port, http_get, wait_listening, workspace};
use std::{net::SocketAddr, path::PathBuf, process::Command, sync::OnceLock};

/// Builds the C guests once; `None` (after `testkit::skip`) when the C toolchain is missing.
///
/// # Panics
/// If the toolchain is there but the build fails.
fn select_server() -> Option<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        if let Err(e) = Command::new("clang").arg("--version").output() {
            return Err(format!("C toolchain: clang not runnable ({e})"));
        }
        let out = std::env::var_os("FDVIRT_C_GUEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target").join("c-guests"));
        let run = Command::new("sh")
            .arg(workspace().join("guests/c/build.sh"))
            .arg(&out)
            .output()
            .expect("spawn sh guests/c/build.sh");
        let stderr = String::from_utf8_lossy(&run.stderr);
        if !run.status.success() && ["stdio.h", "builtins"].iter().any(|m| stderr.contains(m)) {
            return Err(format!(
                "C toolchain: wasi-libc or wasm32 builtins missing:\n{stderr}"
            ));
        }
        assert!(run.status.success(), "guests/c/build.sh failed:\n{stderr}");
        Ok(out.join("select_server.wasm"))
    });
    match built {
        Ok(wasm) => {
            testkit::ran("c-guest");
            Some(wasm.clone())
        }
        Err(why) => {
            testkit::skip(why);
            None
        }
    }
}

/// Runs the select() server under `policy` and sends `n` sequential requests; returns how
/// many were answered with 200 and the server's stderr.
fn served_under(policy: &str, n: usize) -> Option<(usize, String)> {
    let wasm = select_server()?;
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let a = addr.to_string();
    let mut p = Proc::fdvirt(&[
        "run",
        "--fd-policy",
        policy,
        "--env",
        "FD_OVERFLOW=close",
        "--tcplisten",
        &a,
        wasm.to_str().unwrap(),
    ]);
    wait_listening(&mut p, addr);
    let served = (0..n)
        .filter(|_| http_get(addr, "/").is_ok_and(|r| r.status == 200))
        .count();
    assert!(p.exited().is_none(), "select server died under {policy}");
    let (_, err) = p.kill_output();
    Some((served, err))
}

#[test]
fn select_server_serves_every_request_under_lowest() {
    let Some((served, err)) = served_under("lowest", 40) else {
        return;
    };
    assert_eq!(served, 40, "stderr: {err}");
}

#[test]
fn select_server_serves_every_request_under_capped_1024() {
    let Some((served, err)) = served_under("capped:1024,seed=7", 40) else {
        return;
    };
    assert_eq!(served, 40, "stderr: {err}");
}

#[test]
fn select_server_loses_connections_under_random() {
    let Some((served, err)) = served_under("random,seed=7", 20) else {
        return;
    };
    // Random fds in [0, 2^31) are almost never below 1024: the server drops them.
    assert!(served <= 2, "served {served}/20 under random");
    assert!(
        err.contains("FD_SETSIZE"),
        "expected the FD_SETSIZE warning: {err}"
    );
}

#[test]
fn select_server_holds_many_concurrent_connections_under_capped() {
    let Some(wasm) = select_server() else {
        return;
    };
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let a = addr.to_string();
    let mut p = Proc::fdvirt(&[
        "run",
        "--fd-policy",
        "capped:1024",
        "--env",
        "FD_OVERFLOW=close",
        "--tcplisten",
        &a,
        wasm.to_str().unwrap(),
    ]);
    wait_listening(&mut p, addr);
    // 100 clients connect and wait before any sends: the server holds 100 random fds
    // below 1024 at once, then answers each. (Generous read timeouts: the guest runs on a
    // debug-build interpreter and its select() loop is quadratic in the number of fds.)
    let handles: Vec<_> = (0..100)
        .map(|_| {
            let s = crate::util::connect(addr).expect("connect");
            s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
                .expect("timeout");
            std::thread::spawn(move || {
                use std::io::{BufReader, Write};
                let mut w = s.try_clone().expect("clone");
                std::thread::sleep(std::time::Duration::from_millis(300));
                write!(w, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
                crate::util::read_response(&mut BufReader::new(s)).map(|r| r.status)
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("client thread"))
        .collect();
    let ok = results.iter().filter(|r| matches!(r, Ok(200))).count();
    assert!(p.exited().is_none());
    let (_, err) = p.kill_output();
    let failed: Vec<_> = results.iter().filter(|r| !matches!(r, Ok(200))).collect();
    assert_eq!(ok, 100, "failures {failed:?}; server stderr: {err}");
}
