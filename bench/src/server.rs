//! Server processes: spawn, wait until serving (bounded), measure, and always stop.
//!
//! [`ServerGuard`] owns the child; its `Drop` kills and reaps it, so a failed assertion, an
//! error or a panic anywhere in a workload never leaves a server running.

use std::{
    ffi::OsString,
    fs::{self, File},
    io::{Read, Seek, SeekFrom},
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::loadgen::{Client, Exchange};

/// How to start one server.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    /// Human name for tables and errors, e.g. `fdvirt (lowest) bench-echo.wasm`.
    pub label: String,
    /// Executable.
    pub program: PathBuf,
    /// Arguments.
    pub args: Vec<OsString>,
    /// Where it will listen.
    pub addr: SocketAddr,
}

/// A running server child; killed and reaped on drop.
#[derive(Debug)]
pub struct ServerGuard {
    child: Child,
    label: String,
    addr: SocketAddr,
    log: PathBuf,
    started: Instant,
    /// Process start to the first successful probe, once [`ServerGuard::wait_serving`] saw it.
    served_after: Option<Duration>,
}

impl ServerGuard {
    /// Starts `spec` with stdout and stderr going to a log file in `log_dir`.
    ///
    /// # Errors
    /// Fails if the log file cannot be created or the program cannot be started.
    pub fn spawn(spec: &ServerSpec, log_dir: &Path) -> Result<Self> {
        fs::create_dir_all(log_dir).with_context(|| format!("creating {}", log_dir.display()))?;
        let name: String = spec
            .label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let log = log_dir.join(format!("{name}.log"));
        let out = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let err = out.try_clone()?;
        let started = Instant::now();
        let child = Command::new(&spec.program)
            .args(&spec.args)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {} ({})", spec.label, spec.program.display()))?;
        Ok(Self {
            child,
            label: spec.label.clone(),
            addr: spec.addr,
            log,
            started,
            served_after: None,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits until one `probe` exchange succeeds, polling every millisecond, for at most
    /// `timeout`. Returns the time from process start to that first served reply.
    ///
    /// # Errors
    /// "`label` failed to serve" if the process exits or the timeout passes first; the
    /// message carries the exit status and the end of the server's log.
    pub fn wait_serving(&mut self, probe: &Exchange, timeout: Duration) -> Result<Duration> {
        let deadline = Instant::now() + timeout;
        let mut last_error = String::from("no connection accepted");
        while Instant::now() < deadline {
            self.check_alive()?;
            let left = deadline.saturating_duration_since(Instant::now());
            match TcpStream::connect_timeout(&self.addr, left.min(Duration::from_millis(200))) {
                Ok(stream) => {
                    let served =
                        Client::from_stream(stream, left).and_then(|mut c| c.exchange(probe));
                    match served {
                        Ok(()) => {
                            let t = self.started.elapsed();
                            self.served_after = Some(t);
                            return Ok(t);
                        }
                        Err(e) => last_error = format!("{e:#}"),
                    }
                }
                Err(e) => last_error = e.to_string(),
            }
            thread::sleep(Duration::from_millis(1));
        }
        self.check_alive()?;
        bail!(
            "{} failed to serve on {} within {timeout:?} (last error: {last_error}); log tail:\n{}",
            self.label,
            self.addr,
            self.log_tail()
        )
    }

    /// Process start to first served probe, if [`ServerGuard::wait_serving`] succeeded.
    pub fn started_to_served(&self) -> Option<Duration> {
        self.served_after
    }

    /// Errors if the server has exited.
    ///
    /// # Errors
    /// "`label` failed to serve: exited with ..." plus the log tail.
    pub fn check_alive(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            bail!(
                "{} failed to serve: exited with {status}; log tail:\n{}",
                self.label,
                self.log_tail()
            );
        }
        Ok(())
    }

    /// Peak resident set size (`VmHWM`) of the server process, in KiB.
    ///
    /// # Errors
    /// Fails if /proc/PID/status cannot be read or lacks the field.
    pub fn peak_rss_kib(&self) -> Result<u64> {
        let path = format!("/proc/{}/status", self.pid());
        let status = fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        proc_status_kib(&status, "VmHWM").with_context(|| format!("no VmHWM in {path}"))
    }

    /// How many fds the server process holds, and its RLIMIT_NOFILE soft limit, as text
    /// for error messages (`holds 19990 fds, limit 20000`).
    pub fn fd_usage(&self) -> String {
        let pid = self.pid();
        let open = fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count());
        let limits = fs::read_to_string(format!("/proc/{pid}/limits")).unwrap_or_default();
        let limit = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .and_then(|l| l.split_whitespace().nth(3))
            .unwrap_or("?");
        match open {
            Ok(n) => format!("server holds {n} fds, RLIMIT_NOFILE {limit}"),
            Err(_) => "server fd count unavailable".into(),
        }
    }

    /// The last ~2 KB of the server's output.
    pub fn log_tail(&self) -> String {
        let mut tail = String::new();
        if let Ok(mut f) = File::open(&self.log) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = f.seek(SeekFrom::Start(len.saturating_sub(2048)));
            let _ = f.read_to_string(&mut tail);
        }
        if tail.trim().is_empty() {
            format!("(empty: {})", self.log.display())
        } else {
            tail
        }
    }
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        // Kill fails only if the child already exited; wait reaps it either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A field such as `VmHWM:   1234 kB` of /proc/PID/status, in KiB.
pub fn proc_status_kib(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// A loopback address with a port that was free a moment ago (bind to port 0, then close).
///
/// # Errors
/// Fails if no port can be bound.
pub fn free_addr() -> Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?)
}
