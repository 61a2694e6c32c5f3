//! The C socket layer (`csock/`): `libfdvirt_socket.a` and programs built with nothing but
//! its include path and link flag, run under `fdvirt` on loopback.
//!
//! `csock/examples/build.sh` builds the layer and the programs once per test run into
//! `target/csock` (or `$FDVIRT_CSOCK_DIR`). When the C toolchain is missing (the script
//! exits 3) each test goes through `testkit::skip` (`skip: ...`, a failure under
//! `FDVIRT_REQUIRE_ALL=1`); any other build failure fails the tests.

mod client;
mod conv;
mod hostile;
mod http;
mod outside;
mod udp;

use crate::util::workspace;
use std::{
    path::PathBuf,
    process::{Command, Stdio},
    sync::OnceLock,
};

/// The directory holding the built `.wasm` programs, or `None` (after `testkit::skip`)
/// when the C toolchain is missing. Panics whenever the build itself fails.
pub(crate) fn built() -> Option<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let r = BUILT.get_or_init(|| {
        let out = std::env::var_os("FDVIRT_CSOCK_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target").join("csock"));
        let o = Command::new("sh")
            .arg(workspace().join("csock/examples/build.sh"))
            .arg(&out)
            .stdin(Stdio::null())
            .output()
            .expect("run csock/examples/build.sh");
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        match o.status.code() {
            Some(0) => Ok(out),
            Some(3) => Err(err.trim().to_string()),
            _ => panic!("building the C socket layer failed:\n{err}"),
        }
    });
    match r {
        Ok(dir) => {
            testkit::ran("c-guest");
            Some(dir.clone())
        }
        Err(missing) => {
            testkit::skip(&format!("C toolchain for the socket layer ({missing})"));
            None
        }
    }
}

/// Path of a built program, e.g. `wasm("http_server")`.
pub(crate) fn wasm(dir: &std::path::Path, name: &str) -> String {
    dir.join(format!("{name}.wasm"))
        .to_string_lossy()
        .into_owned()
}
