//! A private containerd: its own config, root, state and socket under a temporary
//! directory, started as a child and stopped by PID; the shim binary on its PATH.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process};

/// The shim binary cargo built for this test.
const SHIM: &str = env!("CARGO_BIN_EXE_containerd-shim-fdvirt-v1");

/// A running containerd and the namespace the test uses.
pub(crate) struct Containerd {
    child: Option<Child>,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) socket: PathBuf,
    pub(crate) namespace: String,
}

impl Containerd {
    /// Writes the config, links the shim into a PATH directory and starts containerd.
    pub(crate) fn start() -> Containerd {
        let dir = tempfile::Builder::new()
            .prefix("fdvirt-containerd-")
            .tempdir()
            .unwrap();
        let d = dir.path();
        let socket = d.join("containerd.sock");
        let bin = d.join("bin");
        fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(SHIM, bin.join("containerd-shim-fdvirt-v1")).unwrap();
        let config = format!(
            r#"version = 2
root = "{root}"
state = "{state}"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "{sock}"
[ttrpc]
  address = "{sock}.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "{opt}"
"#,
            root = d.join("root").display(),
            state = d.join("state").display(),
            sock = socket.display(),
            opt = d.join("opt").display(),
        );
        fs::write(d.join("config.toml"), config).unwrap();
        let log = fs::File::create(d.join("containerd.log")).unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let child = Command::new("containerd")
            .arg("--config")
            .arg(d.join("config.toml"))
            .env("PATH", path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting containerd");
        let namespace = format!("fdvirt-test-{}", std::process::id());
        let cd = Containerd {
            child: Some(child),
            dir,
            socket,
            namespace,
        };
        cd.wait_ready();
        cd
    }

    /// Waits until `ctr version` answers (at most 30 s).
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.ctr(&["version"]).status.success() {
                return;
            }
            sleep(Duration::from_millis(200));
        }
        panic!("containerd did not come up; log:\n{}", self.log());
    }

    /// `ctr` against this containerd and namespace, with the given args.
    pub(crate) fn ctr_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("ctr");
        cmd.arg("--address")
            .arg(&self.socket)
            .arg("--namespace")
            .arg(&self.namespace)
            .args(args)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `ctr` to completion (at most 60 s).
    pub(crate) fn ctr(&self, args: &[&str]) -> Output {
        let out = self.dir.path().join("ctr.out");
        let err = self.dir.path().join("ctr.err");
        let child = self
            .ctr_command(args)
            .stdout(fs::File::create(&out).unwrap())
            .stderr(fs::File::create(&err).unwrap())
            .spawn()
            .expect("running ctr");
        let status = wait_bounded(child, Duration::from_secs(60), &format!("ctr {args:?}"));
        Output {
            status,
            stdout: fs::read(out).unwrap(),
            stderr: fs::read(err).unwrap(),
        }
    }

    /// containerd's log so far (the shim's log lines included).
    pub(crate) fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("containerd.log")).unwrap_or_default()
    }

    /// PIDs of processes started for this containerd: shims get its socket in argv.
    pub(crate) fn leftover_processes(&self) -> Vec<(i32, String)> {
        let needle = self.socket.display().to_string();
        let own = self.child.as_ref().map(|c| c.id() as i32);
        let mut found = Vec::new();
        for entry in fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if Some(pid) != own && cmdline.contains(&needle) && !cmdline.starts_with("ctr ") {
                found.push((pid, cmdline));
            }
        }
        found
    }

    /// Waits (at most 15 s) until no process of this containerd but itself is left.
    pub(crate) fn assert_nothing_left(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let tasks = self.ctr(&["task", "ls", "-q"]);
            let containers = self.ctr(&["container", "ls", "-q"]);
            let procs = self.leftover_processes();
            let clean = tasks.stdout.is_empty() && containers.stdout.is_empty() && procs.is_empty();
            if clean {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: left behind: tasks {:?}, containers {:?}, processes {procs:?}",
                String::from_utf8_lossy(&tasks.stdout),
                String::from_utf8_lossy(&containers.stdout),
            );
            sleep(Duration::from_millis(250));
        }
    }

    /// Stops containerd by PID (SIGTERM, then SIGKILL after 10 s), ends any shim left
    /// from this run by PID, and unmounts what containerd left mounted under the dir.
    fn stop(&mut self) {
        let Some(child) = self.child.take() else {
            return;
        };
        for (pid, _) in self.leftover_processes() {
            signal(pid, Signal::KILL);
        }
        signal(child.id() as i32, Signal::TERM);
        let _ = wait_bounded(child, Duration::from_secs(10), "containerd");
        unmount_under(self.dir.path());
        let runtime_root = Path::new("/run/containerd/fdvirt").join(&self.namespace);
        let _ = fs::remove_dir_all(runtime_root);
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends `sig` to `pid`, ignoring a process that is already gone.
pub(crate) fn signal(pid: i32, sig: Signal) {
    if let Some(pid) = Pid::from_raw(pid) {
        let _ = kill_process(pid, sig);
    }
}

/// Waits for `child` at most `limit`; on timeout kills it by PID and panics.
pub(crate) fn wait_bounded(
    mut child: Child,
    limit: Duration,
    what: &str,
) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() >= deadline {
            signal(child.id() as i32, Signal::KILL);
            let _ = child.wait();
            panic!("{what} did not finish within {limit:?}");
        }
        sleep(Duration::from_millis(50));
    }
}

/// Lazily unmounts every mount point below `dir` (deepest first).
fn unmount_under(dir: &Path) {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let prefix = dir.display().to_string();
    let mut points: Vec<&str> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|p| p.starts_with(&prefix))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = Command::new("umount").arg("-l").arg(p).status();
    }
}
