//! The filesystem a `hostcalls` run may touch, and the checks that it touched
//! nothing else and leaked no host fd.
//!
//! Layout of one sandbox (a fresh temporary directory, in `/dev/shm` when it
//! exists so runs stay in memory):
//!
//! ```text
//! <tmp>/root/            preopened as "/sandbox" (guest fd 3)
//!        f               "hello"
//!        d/g             "inner"
//!        ln   -> ../outside/canary   (escape attempt through a symlink)
//!        abs  -> /etc                (absolute symlink)
//!        dl   -> d
//! <tmp>/outside/canary   "secret": must be unchanged, and nothing may appear
//!                        next to it or next to root/
//! ```

use std::{
    fs, io,
    os::unix::{ffi::OsStrExt, fs::FileTypeExt},
    path::{Path, PathBuf},
};

use tempfile::TempDir;

/// Contents of the file the guest must not reach.
const CANARY: &[u8] = b"secret";

/// A sandbox directory; removed on drop.
#[derive(Debug)]
pub(crate) struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    /// Creates the layout above.
    pub(crate) fn new() -> io::Result<Self> {
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::Builder::new()
                .prefix("fdvirt-fuzz")
                .tempdir_in(shm)?
        } else {
            tempfile::Builder::new().prefix("fdvirt-fuzz").tempdir()?
        };
        let root = dir.path().join("root");
        fs::create_dir_all(root.join("d"))?;
        fs::create_dir(dir.path().join("outside"))?;
        fs::write(dir.path().join("outside/canary"), CANARY)?;
        fs::write(root.join("f"), b"hello")?;
        fs::write(root.join("d/g"), b"inner")?;
        std::os::unix::fs::symlink("../outside/canary", root.join("ln"))?;
        std::os::unix::fs::symlink("/etc", root.join("abs"))?;
        std::os::unix::fs::symlink("d", root.join("dl"))?;
        Ok(Self { dir })
    }

    /// The directory preopened for the guest.
    pub(crate) fn root(&self) -> std::path::PathBuf {
        self.dir.path().join("root")
    }

    /// The host path `<tmp>/outside/s`, as bytes: an AF_UNIX guest path that
    /// a runtime handing guest paths to the kernel (as WasmEdge does) would
    /// bind next to the canary, which [`Self::assert_untouched_outside`]
    /// catches. The guest must get `ENOTCAPABLE` (no preopen matches it).
    pub(crate) fn outside_socket_path(&self) -> Vec<u8> {
        self.dir
            .path()
            .join("outside/s")
            .as_os_str()
            .as_bytes()
            .to_vec()
    }

    /// Panics if anything outside `root/` changed.
    ///
    /// # Panics
    /// When the guest created, removed or wrote anything outside its preopen.
    pub(crate) fn assert_untouched_outside(&self) {
        let names = |p: &Path| -> Vec<String> {
            let mut v: Vec<String> = fs::read_dir(p)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            v.sort();
            v
        };
        let top = self.dir.path();
        assert_eq!(names(top), ["outside", "root"], "guest escaped: {top:?}");
        assert_eq!(names(&top.join("outside")), ["canary"], "guest escaped");
        let canary = fs::read(top.join("outside/canary")).unwrap_or_default();
        assert_eq!(canary, CANARY, "guest wrote outside its preopen");
    }
}

/// How many fds this process has open (entries of `/proc/self/fd`), or
/// `None` where that directory does not exist.
pub(crate) fn open_fd_count() -> Option<usize> {
    fs::read_dir("/proc/self/fd").ok().map(Iterator::count)
}

/// Host places an escaping AF_UNIX path would create a socket in: the
/// process's working directory (for relative guest paths resolved by the
/// host) and the absolute `/tmp` path in `guest_args::UNIX_PATHS`.
fn stray_candidates() -> Vec<PathBuf> {
    let mut v = vec![PathBuf::from("/tmp/fdvirt-fuzz-escape.sock")];
    if let Ok(cwd) = std::env::current_dir() {
        for name in ["s", "t", "../s", "sandbox"] {
            v.push(cwd.join(name));
        }
    }
    v
}

fn is_socket(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_socket())
}

/// The [`stray_candidates`] that were already sockets before a run (left by
/// something else), which the check after the run then ignores.
#[derive(Debug)]
pub(crate) struct Strays {
    existing: Vec<PathBuf>,
}

impl Strays {
    /// Records which candidates are sockets now.
    pub(crate) fn before() -> Self {
        let existing = stray_candidates()
            .into_iter()
            .filter(|p| is_socket(p))
            .collect();
        Self { existing }
    }

    /// Panics if a run created a socket file at a candidate path.
    ///
    /// # Panics
    /// When a guest AF_UNIX path reached the host outside the sandbox.
    pub(crate) fn assert_none_created(&self) {
        for p in stray_candidates() {
            assert!(
                self.existing.contains(&p) || !is_socket(&p),
                "guest created a socket outside its sandbox: {}",
                p.display()
            );
        }
    }
}
