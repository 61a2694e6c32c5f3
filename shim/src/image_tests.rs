use std::collections::HashMap;
use std::io::Read as _;

use sha2::{Digest as _, Sha256};

use super::{ImageError, ImageKind, ImageSpec, WASM_LAYER_MEDIA_TYPE, write_image};

fn spec(kind: ImageKind) -> ImageSpec {
    ImageSpec {
        name: "docker.io/library/hello:v1".into(),
        file_name: "hello.wasm".into(),
        wasm: b"\0asm\x01\0\0\0".to_vec(),
        cmd: vec!["--flag".into()],
        env: vec!["PORT=8080".into()],
        kind,
    }
}

/// The archive's files by path.
fn files(spec: &ImageSpec) -> HashMap<String, Vec<u8>> {
    let mut out = Vec::new();
    write_image(spec, &mut out).unwrap();
    untar(&out)
}

fn untar(bytes: &[u8]) -> HashMap<String, Vec<u8>> {
    let mut archive = tar::Archive::new(bytes);
    let mut files = HashMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().display().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        files.insert(path, data);
    }
    files
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

/// Follows a descriptor to its blob, checking digest and size.
fn blob<'a>(files: &'a HashMap<String, Vec<u8>>, desc: &serde_json::Value) -> &'a [u8] {
    let digest = desc["digest"].as_str().unwrap();
    let hex = digest.strip_prefix("sha256:").unwrap();
    let bytes = &files[&format!("blobs/sha256/{hex}")];
    let actual: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(actual, hex, "digest of {digest}");
    assert_eq!(desc["size"].as_u64().unwrap(), bytes.len() as u64);
    bytes
}

#[test]
fn scratch_image_has_the_module_in_a_tar_layer_and_it_as_entrypoint() {
    let files = files(&spec(ImageKind::Scratch));
    assert_eq!(json(&files["oci-layout"])["imageLayoutVersion"], "1.0.0");
    let index = json(&files["index.json"]);
    let desc = &index["manifests"][0];
    assert_eq!(
        desc["annotations"]["io.containerd.image.name"],
        "docker.io/library/hello:v1"
    );
    assert_eq!(desc["platform"]["os"], "linux");
    let manifest = json(blob(&files, desc));
    let config = json(blob(&files, &manifest["config"]));
    assert_eq!(config["config"]["Entrypoint"][0], "/hello.wasm");
    assert_eq!(config["config"]["Cmd"][0], "--flag");
    assert_eq!(config["config"]["Env"][0], "PORT=8080");
    let layer_desc = &manifest["layers"][0];
    assert_eq!(
        layer_desc["mediaType"],
        "application/vnd.oci.image.layer.v1.tar"
    );
    // Uncompressed layer: its diff id is its digest.
    assert_eq!(config["rootfs"]["diff_ids"][0], layer_desc["digest"]);
    let layer = untar(blob(&files, layer_desc));
    assert_eq!(layer["hello.wasm"], b"\0asm\x01\0\0\0");
}

#[test]
fn wasm_layer_image_is_runwasis_artifact_layout() {
    let files = files(&spec(ImageKind::WasmLayer));
    let index = json(&files["index.json"]);
    let desc = &index["manifests"][0];
    assert_eq!(desc["platform"]["architecture"], "wasm");
    let manifest = json(blob(&files, desc));
    let config = json(blob(&files, &manifest["config"]));
    assert_eq!(config["architecture"], "wasm");
    assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), 0);
    let layer_desc = &manifest["layers"][0];
    assert_eq!(layer_desc["mediaType"], WASM_LAYER_MEDIA_TYPE);
    assert_eq!(blob(&files, layer_desc), b"\0asm\x01\0\0\0");
}

#[test]
fn archives_are_reproducible_and_names_must_be_plain() {
    let mut a = Vec::new();
    let mut b = Vec::new();
    write_image(&spec(ImageKind::Scratch), &mut a).unwrap();
    write_image(&spec(ImageKind::Scratch), &mut b).unwrap();
    assert_eq!(a, b);
    let mut bad = spec(ImageKind::Scratch);
    bad.file_name = "dir/x.wasm".into();
    assert!(matches!(
        write_image(&bad, Vec::new()),
        Err(ImageError::FileName(_))
    ));
}
