//! A well-known C server from outside the project, built unmodified against the layer: GNU
//! libmicrohttpd's own example file server (`fileserver_example_external_select.c`,
//! `MHD_start_daemon` + an external `select()` loop), from Debian's source package fetched at
//! test time by `csock/outside/libmicrohttpd.sh` (cached in `target/csock-outside`). It serves
//! files under `lowest` and `capped:1024`; under `random` libmicrohttpd itself refuses its
//! listening fd (>= FD_SETSIZE), the README's reason for those policies.

use crate::util::{Proc, WAIT, free_port, wait_listening, workspace};
use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    path::PathBuf,
    process::{Command, Stdio},
    sync::OnceLock,
    time::Duration,
};

/// The built server, or `None` (after `testkit::skip`) when a prerequisite is missing.
fn server() -> Option<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let r = BUILT.get_or_init(|| {
        let work = workspace().join("target").join("csock-outside");
        let o = Command::new("sh")
            .arg(workspace().join("csock/outside/libmicrohttpd.sh"))
            .arg(&work)
            .stdin(Stdio::null())
            .output()
            .expect("run csock/outside/libmicrohttpd.sh");
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        match o.status.code() {
            Some(0) => Ok(work.join("mhd-fileserver.wasm")),
            Some(3) => Err(err.trim().to_string()),
            _ => panic!("building libmicrohttpd's file server failed:\n{err}"),
        }
    });
    match r {
        Ok(p) => {
            testkit::ran("c-guest");
            Some(p.clone())
        }
        Err(missing) => {
            testkit::skip(&format!("libmicrohttpd from Debian's sources ({missing})"));
            None
        }
    }
}

/// One GET; returns the status code and body.
fn get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )?;
    let mut r = String::new();
    s.read_to_string(&mut r)?;
    let status = r
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = r
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Runs the server under `policy` over a temporary directory holding `hello.txt`.
fn start(policy: &str) -> Option<(Proc, SocketAddr, tempfile::TempDir)> {
    let wasm = server()?;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("hello.txt"), "hello from libmicrohttpd\n").unwrap();
    let port = free_port("127.0.0.1");
    let preopen = format!("{}::.", dir.path().display());
    let p = Proc::fdvirt(&[
        "run",
        "--fd-policy",
        policy,
        "--dir",
        &preopen,
        wasm.to_str().unwrap(),
        &port.to_string(),
        "120",
    ]);
    Some((p, format!("127.0.0.1:{port}").parse().unwrap(), dir))
}

fn serves_files(policy: &str) {
    let Some((mut p, addr, _dir)) = start(policy) else {
        return;
    };
    wait_listening(&mut p, addr);
    for i in 0..20 {
        let (status, body) = get(addr, "/hello.txt").unwrap_or_else(|e| panic!("GET {i}: {e}"));
        assert_eq!((status, body.as_str()), (200, "hello from libmicrohttpd\n"));
    }
    assert_eq!(get(addr, "/missing").map(|r| r.0).ok(), Some(404));
    assert!(p.exited().is_none(), "server exited under {policy}");
}

#[test]
fn csock_libmicrohttpd_serves_files_under_lowest() {
    serves_files("lowest");
}

#[test]
fn csock_libmicrohttpd_serves_files_under_capped_1024() {
    serves_files("capped:1024,seed=13");
}

#[test]
fn csock_libmicrohttpd_refuses_fds_above_fd_setsize_under_random() {
    let Some((p, _, _dir)) = start("random,seed=13") else {
        return;
    };
    let (code, out, err) = p.wait_output(WAIT);
    assert_eq!(code, Some(1), "{out}\n{err}");
    assert!(
        err.contains("is not less than FD_SETSIZE") || out.contains("is not less than FD_SETSIZE"),
        "{out}\n{err}"
    );
}
