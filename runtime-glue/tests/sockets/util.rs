//! Helpers for the socket integration tests: free ports, child processes that are always
//! killed, bounded waits, a tiny HTTP/1.1 client, and building the guest crates once.

use std::{
    io::{self, BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpListener, TcpStream, UdpSocket},
    path::{Path, PathBuf},
    process::{Child, Command},
    sync::{Mutex, OnceLock},
    thread,
    time::{Duration, Instant},
};

/// Upper bound for any single wait in these tests.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

/// The `fdvirt` binary cargo built for this test run.
pub(crate) fn fdvirt() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_fdvirt"))
}

/// The workspace root (parent of `runtime-glue`).
pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Ports handed to servers come from below Linux's ephemeral range (32768-60999): a port
/// taken from that range (bind to port 0) can be reused as the local port of any client
/// connection a parallel test opens before the server binds it (the resets test opens
/// thousands), and the server then dies with EADDRINUSE.
const SERVER_PORTS: std::ops::Range<u16> = 20_000..32_000;

/// A port in [`SERVER_PORTS`] that was free a moment ago on `ip` for `bind`.
fn free_in_range(ip: &str, bind: impl Fn(&str, u16) -> bool) -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    // Spread over the range by process id, then walk it: parallel tests never share one.
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let span = SERVER_PORTS.end - SERVER_PORTS.start;
    let base = (std::process::id() % u32::from(span)) as u16;
    for _ in 0..span {
        let step = NEXT.fetch_add(1, Ordering::Relaxed) % span;
        let port = SERVER_PORTS.start + (base + step) % span;
        if bind(ip, port) {
            return port;
        }
    }
    panic!("no free port in {SERVER_PORTS:?} on {ip}");
}

/// A TCP port that was free a moment ago on `ip`.
pub(crate) fn free_port(ip: &str) -> u16 {
    free_in_range(ip, |ip, port| TcpListener::bind((ip, port)).is_ok())
}

/// A UDP port that was free a moment ago on `ip`.
pub(crate) fn free_udp_port(ip: &str) -> u16 {
    free_in_range(ip, |ip, port| UdpSocket::bind((ip, port)).is_ok())
}

/// Whether the host can use IPv6 loopback (CI containers sometimes cannot). When it cannot,
/// says so through [`testkit::skip`] (a failure under `FDVIRT_REQUIRE_ALL=1`); when it can,
/// counts the calling test as an IPv6 test that ran.
pub(crate) fn ipv6_available() -> bool {
    match TcpListener::bind("[::1]:0") {
        Ok(_) => {
            testkit::ran("ipv6");
            true
        }
        Err(e) => {
            testkit::skip(&format!("no IPv6 loopback ({e})"));
            false
        }
    }
}

/// A child process that is killed and reaped when dropped, whatever the test did.
///
/// Its stdout and stderr go to unlinked temporary files, not pipes: a chatty guest
/// (e.g. one logging every EMFILE) would otherwise block on a full pipe nobody reads.
#[derive(Debug)]
pub(crate) struct Proc {
    child: Option<Child>,
    out: std::fs::File,
    err: std::fs::File,
    /// Human-readable command for failure messages.
    pub(crate) what: String,
}

impl Proc {
    /// Spawn `fdvirt` with `args`; stdout/stderr go to files read by [`Proc::wait_output`].
    pub(crate) fn fdvirt(args: &[&str]) -> Proc {
        let mut cmd = Command::new(fdvirt());
        cmd.args(args).stdin(std::process::Stdio::null());
        Proc::spawn(cmd, format!("fdvirt {}", args.join(" ")))
    }

    /// Spawn any command, capturing its output.
    pub(crate) fn spawn(mut cmd: Command, what: String) -> Proc {
        let out = tempfile::tempfile().expect("temp file");
        let err = tempfile::tempfile().expect("temp file");
        cmd.stdout(out.try_clone().expect("clone"))
            .stderr(err.try_clone().expect("clone"));
        let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {what}: {e}"));
        Proc {
            child: Some(child),
            out,
            err,
            what,
        }
    }

    /// What the process printed to stdout so far.
    pub(crate) fn stdout_so_far(&self) -> String {
        self.out
            .try_clone()
            .map(|mut f| read_all(&mut f))
            .unwrap_or_default()
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Whether the process already exited (and with which status).
    pub(crate) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// Wait (bounded by `timeout`) for the process to exit by itself; kill it otherwise.
    /// Returns (exit code, stdout, stderr).
    pub(crate) fn wait_output(mut self, timeout: Duration) -> (Option<i32>, String, String) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.exited().is_some() {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let mut child = self.child.take().expect("child present");
        let _ = child.kill();
        let status = child.wait().expect("wait");
        (
            status.code(),
            read_all(&mut self.out),
            read_all(&mut self.err),
        )
    }

    /// Kill now and return what the process printed (for failure messages).
    pub(crate) fn kill_output(self) -> (String, String) {
        let (_, o, e) = self.wait_output(Duration::ZERO);
        (o, e)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn read_all(f: &mut std::fs::File) -> String {
    use std::io::Seek;
    let mut s = Vec::new();
    let _ = f.seek(std::io::SeekFrom::Start(0));
    let _ = f.read_to_end(&mut s);
    String::from_utf8_lossy(&s).into_owned()
}

/// Wait until something accepts TCP connections on `addr`, or the process dies, or
/// [`WAIT`] passes. Panics with the process output on failure.
pub(crate) fn wait_listening(p: &mut Proc, addr: SocketAddr) {
    let start = Instant::now();
    while start.elapsed() < WAIT {
        if let Some(st) = p.exited() {
            let err = read_all(&mut p.err);
            panic!("{} exited early with {st}; stderr:\n{err}", p.what);
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        thread::sleep(Duration::from_millis(30));
    }
    panic!("{} never listened on {addr}", p.what);
}

/// Connect with bounded read/write timeouts.
pub(crate) fn connect(addr: SocketAddr) -> io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(10)))?;
    Ok(s)
}

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    /// Header names (lower-cased) and values.
    #[allow(dead_code)]
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

/// Read one response (Content-Length or read-to-EOF body) from a buffered stream.
pub(crate) fn read_response<R: Read>(r: &mut BufReader<R>) -> io::Result<Response> {
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    let mut body = Vec::new();
    match len {
        Some(n) => {
            body.resize(n, 0);
            r.read_exact(&mut body)?;
        }
        None => {
            r.read_to_end(&mut body)?;
        }
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// One `GET path` on a fresh connection (Connection: close).
pub(crate) fn http_get(addr: SocketAddr, path: &str) -> io::Result<Response> {
    let mut s = connect(addr)?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    read_response(&mut BufReader::new(s))
}

/// Build a guest cargo workspace/package (once per test binary run) for wasm32-wasip1 in
/// release mode and return its target directory. `dir` is relative to the workspace root.
pub(crate) fn build_guests(dir: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<Vec<(String, PathBuf)>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(Vec::new()));
    let mut built = built.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, t)) = built.iter().find(|(d, _)| d == dir) {
        return t.clone();
    }
    let root = workspace();
    let target = std::env::var_os("FDVIRT_GUEST_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target").join("guests"));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip1",
            "--manifest-path",
        ])
        .arg(root.join(dir).join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("run cargo build for guests");
    assert!(status.success(), "building guests in {dir} failed");
    built.push((dir.to_string(), target.clone()));
    target
}

/// Path of a built Rust guest binary `name` from a guest workspace built by [`build_guests`].
pub(crate) fn rust_guest(dir: &str, name: &str) -> PathBuf {
    let t = build_guests(dir);
    let p = t
        .join("wasm32-wasip1")
        .join("release")
        .join(format!("{name}.wasm"));
    assert!(p.exists(), "guest {} not built", p.display());
    p
}

/// The engine under test: `FDVIRT_ENGINE` (scripts/test runs the suites once per engine).
pub(crate) fn engine() -> runtime_glue::Engine {
    runtime_glue::Engine::from_env().expect("FDVIRT_ENGINE names an engine of this build")
}
