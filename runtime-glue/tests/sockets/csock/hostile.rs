//! `csock/examples/hostile.c`: ~90 checks inside the guest - bad sockaddr lengths, unknown
//! families, NULL and out-of-memory pointers get the POSIX errno and never trap; EADDRINUSE,
//! ECONNREFUSED, EAGAIN, EINPROGRESS; socket options; getaddrinfo/getnameinfo/inet_* corner
//! cases; select() and poll() over a socket, stdout and a file; AF_UNIX paths with
//! `--allow-af-unix` (and EAFNOSUPPORT without). The program exits with its failure count.

use super::{built, wasm};
use crate::util::{Proc, WAIT};

fn run(extra: &[&str]) -> Option<String> {
    let dir = built()?;
    let tmp = tempfile::tempdir().expect("tempdir");
    let preopen = format!("{}::/data", tmp.path().display());
    let mut args = vec!["run", "--dir", &preopen];
    args.extend_from_slice(extra);
    let prog = wasm(&dir, "hostile");
    args.extend([prog.as_str(), "/data"]);
    let (code, out, err) = Proc::fdvirt(&args).wait_output(WAIT);
    let failed: Vec<&str> = out.lines().filter(|l| !l.starts_with("ok ")).collect();
    assert_eq!(code, Some(0), "{failed:#?}\nstderr: {err}");
    assert!(out.contains("\n0 failures\n"), "{out}");
    assert!(
        out.lines().filter(|l| l.starts_with("ok ")).count() >= 85,
        "{out}"
    );
    Some(out)
}

#[test]
fn csock_hostile_inputs_get_posix_errnos_under_lowest() {
    if let Some(out) = run(&["--fd-policy", "lowest"]) {
        assert!(out.contains("ok AF_UNIX refused without --allow-af-unix is EAFNOSUPPORT"));
    }
}

#[test]
fn csock_hostile_inputs_get_posix_errnos_under_capped_1024() {
    run(&["--fd-policy", "capped:1024,seed=8"]);
}

#[test]
fn csock_hostile_inputs_get_posix_errnos_under_random() {
    run(&["--fd-policy", "random,seed=8"]);
}

#[test]
fn csock_unix_socket_paths_with_allow_af_unix() {
    if let Some(out) = run(&["--allow-af-unix"]) {
        assert!(out.contains("unix sockets checked"), "{out}");
    }
}
