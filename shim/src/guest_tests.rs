use std::path::{Path, PathBuf};

use containerd_shim_wasm::sandbox::context::{Entrypoint, RuntimeContext, Source, WasmLayer};
use oci_spec::image::{Descriptor, MediaType, Sha256Digest};

use super::{GuestError, Prepared, STARTUP_FAILURE, TRAP};

/// A container as runwasi describes it: OCI args and env, entrypoint from args\[0\].
struct Ctx {
    args: Vec<String>,
    envs: Vec<String>,
    /// runwasi's wasm layers (the wasm OCI artifact layout); empty for a file entrypoint.
    layers: Vec<WasmLayer>,
}

impl RuntimeContext for Ctx {
    fn args(&self) -> &[String] {
        &self.args
    }

    fn envs(&self) -> &[String] {
        &self.envs
    }

    fn entrypoint(&self) -> Entrypoint<'_> {
        let arg0 = self.args.first().map(String::as_str).unwrap_or("");
        let (path, func) = arg0.split_once('#').unwrap_or((arg0, "_start"));
        Entrypoint {
            func: func.to_owned(),
            name: None,
            arg0: self.args.first().map(Path::new),
            source: if self.layers.is_empty() {
                Source::File(PathBuf::from(path))
            } else {
                Source::Oci(&self.layers)
            },
        }
    }
}

/// Writes `bytes` to a file in `dir` and returns a context running it with `envs`.
fn ctx(dir: &tempfile::TempDir, bytes: &[u8], suffix: &str, envs: &[&str]) -> Ctx {
    let path = dir.path().join("guest.wasm");
    std::fs::write(&path, bytes).unwrap();
    Ctx {
        args: vec![format!("{}{suffix}", path.display()), "a1".into()],
        envs: envs.iter().map(|s| (*s).to_owned()).collect(),
        layers: vec![],
    }
}

const EXIT_WAT: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const EXIT))))"#;

fn exiting(code: i64) -> String {
    EXIT_WAT.replace("EXIT", &code.to_string())
}

#[test]
fn a_module_file_prepares_with_argv0_without_the_func_suffix() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = wat::parse_str(exiting(3)).unwrap();
    let c = ctx(&dir, &wasm, "", &["PORT=1", "FDVIRT_MAX_FDS=9"]);
    let p = Prepared::from_context(&c).unwrap();
    assert_eq!(p.wasm, wasm);
    assert_eq!(p.args, c.args);
    assert_eq!(p.settings.max_fds, Some(9));
    assert_eq!(p.settings.guest_env, [("PORT".into(), "1".into())]);

    let c = ctx(&dir, &wasm, "#_start", &[]);
    let p = Prepared::from_context(&c).unwrap();
    assert!(p.args[0].ends_with("guest.wasm"), "{:?}", p.args);
}

#[test]
fn wat_text_is_assembled() {
    let dir = tempfile::tempdir().unwrap();
    let c = ctx(&dir, exiting(0).as_bytes(), "", &[]);
    let p = Prepared::from_context(&c).unwrap();
    assert_eq!(&p.wasm[..4], b"\0asm");
}

#[test]
fn entrypoints_that_are_not_core_modules_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[u8], &str); 3] = [
        (b"hello, I am a text file\n", "text that is not WAT"),
        (b"\x7fELF\x02\x01\x01\0\xff\xfe", "starts with 7f 45 4c 46"),
        (b"\0asm\x0d\0\x01\0", "wasm component"),
    ];
    for (bytes, needle) in cases {
        let err = Prepared::from_context(&ctx(&dir, bytes, "", &[])).unwrap_err();
        assert!(
            matches!(
                err,
                GuestError::NotWasm { .. } | GuestError::Component { .. }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains(needle), "{err}");
        assert!(err.to_string().contains("guest.wasm"), "{err}");
    }
}

#[test]
fn missing_entrypoint_other_export_and_bad_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Ctx {
        args: vec![dir.path().join("nope.wasm").display().to_string()],
        envs: vec![],
        layers: vec![],
    };
    let err = Prepared::from_context(&missing).unwrap_err();
    assert!(matches!(err, GuestError::Unreadable { .. }), "{err:?}");

    let wasm = wat::parse_str(exiting(0)).unwrap();
    let err = Prepared::from_context(&ctx(&dir, &wasm, "#main", &[])).unwrap_err();
    assert!(
        matches!(err, GuestError::Func { ref func } if func == "main"),
        "{err:?}"
    );

    let err = Prepared::from_context(&ctx(&dir, &wasm, "", &["FDVIRT_FD_POLICY=nope"]));
    let err = err.unwrap_err();
    assert!(matches!(err, GuestError::Settings(_)), "{err:?}");
    assert!(err.to_string().contains("FDVIRT_FD_POLICY"), "{err}");
}

fn run_wat(wat: &str) -> i32 {
    let dir = tempfile::tempdir().unwrap();
    Prepared::from_context(&ctx(&dir, wat.as_bytes(), "", &[]))
        .unwrap()
        .run()
}

#[test]
fn run_maps_how_the_guest_ended_to_the_exit_status() {
    assert_eq!(run_wat(&exiting(0)), 0);
    assert_eq!(run_wat(&exiting(7)), 7);
    assert_eq!(run_wat(&exiting(255)), 255);
    // proc_exit(256) must not read as success.
    assert_eq!(run_wat(&exiting(256)), 1);
    assert_eq!(
        run_wat(r#"(module (func (export "_start") unreachable))"#),
        TRAP
    );
    assert_eq!(
        run_wat(r#"(module (import "env" "nope" (func)) (func (export "_start")))"#),
        STARTUP_FAILURE
    );
    // `_start` returning is success.
    assert_eq!(run_wat(r#"(module (func (export "_start")))"#), 0);
}

fn layer(bytes: Vec<u8>) -> WasmLayer {
    let digest: Sha256Digest = "0".repeat(64).parse().unwrap();
    WasmLayer {
        config: Descriptor::new(
            MediaType::Other(crate::WASM_LAYER_MEDIA_TYPE.into()),
            bytes.len() as u64,
            digest,
        ),
        precompiled: false,
        layer: bytes,
    }
}

/// With runwasi's wasm layers the module comes from the layer, not the root filesystem
/// (argv\[0\] still names the entrypoint); two layers are refused.
#[test]
fn wasm_layer_source_is_the_module() {
    let wasm = wat::parse_str(exiting(4)).unwrap();
    let mut c = Ctx {
        args: vec!["/not-in-rootfs.wasm".into()],
        envs: vec![],
        layers: vec![layer(wasm.clone())],
    };
    let p = Prepared::from_context(&c).unwrap();
    assert_eq!(p.wasm, wasm);
    assert_eq!(p.args, ["/not-in-rootfs.wasm"]);
    assert_eq!(p.run(), 4);

    c.layers.push(layer(wasm));
    let err = Prepared::from_context(&c).unwrap_err();
    assert!(matches!(err, GuestError::Unreadable { .. }), "{err:?}");
    assert!(err.to_string().contains("single module"), "{err}");
}
