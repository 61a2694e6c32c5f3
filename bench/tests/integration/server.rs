use std::{
    ffi::OsString,
    path::PathBuf,
    time::{Duration, Instant},
};

use bench::{
    loadgen::Exchange,
    server::{ServerGuard, ServerSpec, free_addr, proc_status_kib},
};

fn spec(program: &str, args: &[&str]) -> ServerSpec {
    ServerSpec {
        label: format!("test {program}"),
        program: PathBuf::from(program),
        args: args.iter().map(OsString::from).collect(),
        addr: free_addr().unwrap(),
    }
}

/// A fresh directory for the server's log, removed when the test ends.
fn log_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn a_server_that_exits_is_reported_as_failed_to_serve() {
    let logs = log_dir();
    let mut guard =
        ServerGuard::spawn(&spec("sh", &["-c", "echo boom >&2; exit 3"]), logs.path()).unwrap();
    let err = guard
        .wait_serving(&Exchange::Echo { size: 8 }, Duration::from_secs(10))
        .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("failed to serve"), "{msg}");
    assert!(msg.contains("boom"), "log tail missing: {msg}");
}

#[test]
fn waiting_is_bounded_and_drop_kills_the_server() {
    let logs = log_dir();
    let mut guard = ServerGuard::spawn(&spec("sleep", &["30"]), logs.path()).unwrap();
    let pid = guard.pid();
    let t = Instant::now();
    let err = guard
        .wait_serving(&Exchange::Echo { size: 8 }, Duration::from_millis(300))
        .unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(format!("{err:#}").contains("within"));
    assert!(guard.peak_rss_kib().unwrap() > 0);
    drop(guard);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "child {pid} still running"
    );
}

#[test]
fn proc_status_fields_parse() {
    let status = "Name:\tx\nVmHWM:\t    2048 kB\nVmRSS:\t  1024 kB\n";
    assert_eq!(proc_status_kib(status, "VmHWM"), Some(2048));
    assert_eq!(proc_status_kib(status, "VmRSS"), Some(1024));
    assert_eq!(proc_status_kib(status, "VmPeak"), None);
}

#[test]
fn fd_usage_reads_proc() {
    let logs = log_dir();
    let guard = ServerGuard::spawn(&spec("sleep", &["30"]), logs.path()).unwrap();
    let usage = guard.fd_usage();
    assert!(usage.starts_with("server holds "), "{usage}");
    assert!(usage.contains("RLIMIT_NOFILE"), "{usage}");
}
