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

use std::{fs, io, path::Path};

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
