//! The test images, built with `fdvirt-oci-image` and the library, imported with
//! `ctr image import`.

use std::process::Command;

use containerd_shim_fdvirt::{ImageKind, ImageSpec, write_image};

use crate::daemon::Containerd;

/// The image tool cargo built for this test.
const TOOL: &str = env!("CARGO_BIN_EXE_fdvirt-oci-image");

/// The built-in demo guest (the one `fdvirt demo` serves).
const DEMO_WAT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../runtime-glue/guests/http_server.wat"
);

/// Names of the imported images.
pub(crate) struct Images {
    pub(crate) demo: String,
    pub(crate) exit7: String,
    pub(crate) trap: String,
    pub(crate) not_wasm: String,
    pub(crate) listener: String,
}

/// Builds and imports every test image.
pub(crate) fn import_all(cd: &Containerd) -> Images {
    let dir = cd.dir.path();
    let demo = "docker.io/fdvirt/demo:test".to_owned();
    let tar = dir.join("demo.tar");
    let built = Command::new(TOOL)
        .args(["--name", &demo, "-o"])
        .arg(&tar)
        .arg(DEMO_WAT)
        .status()
        .unwrap();
    assert!(built.success(), "fdvirt-oci-image failed");
    import(cd, &tar);

    let module = |name: &str, file: &str, bytes: Vec<u8>| {
        let spec = ImageSpec {
            name: format!("docker.io/fdvirt/{name}:test"),
            file_name: file.into(),
            wasm: bytes,
            cmd: vec![],
            env: vec![],
            kind: ImageKind::Scratch,
        };
        let tar = dir.join(format!("{name}.tar"));
        write_image(&spec, std::fs::File::create(&tar).unwrap()).unwrap();
        import(cd, &tar);
        spec.name
    };
    let exit7 = wat::parse_str(
        r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (call $exit (i32.const 7))))"#,
    )
    .unwrap();
    let trap =
        wat::parse_str(r#"(module (func $boom unreachable) (func (export "_start") call $boom))"#)
            .unwrap();
    Images {
        demo,
        exit7: module("exit7", "exit7.wasm", exit7),
        trap: module("trap", "trap.wasm", trap),
        not_wasm: module("notwasm", "hello.txt", b"hello, not a module\n".to_vec()),
        listener: module(
            "listener",
            "listener.wasm",
            wat::parse_str(include_str!("listener.wat")).unwrap(),
        ),
    }
}

/// `ctr image import`.
fn import(cd: &Containerd, tar: &std::path::Path) {
    let out = cd.ctr(&["image", "import", &tar.display().to_string()]);
    assert!(out.status.success(), "import {}: {out:?}", tar.display());
}
