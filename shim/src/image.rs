//! Builds an importable OCI image archive (`oci-layout`, `index.json`, `blobs/sha256/*`)
//! holding one wasm module, for `ctr image import` without a registry.
//!
//! Two layouts ([`ImageKind`]):
//! * [`ImageKind::Scratch`]: what `FROM scratch` + `COPY app.wasm /` + `ENTRYPOINT
//!   ["/app.wasm"]` builds: one ordinary tar layer, platform `linux/<host arch>`. The shim
//!   reads the module from the container's root filesystem.
//! * [`ImageKind::WasmLayer`]: runwasi's wasm OCI artifact layout: the module itself is a
//!   layer of media type [`WASM_LAYER_MEDIA_TYPE`], the config's architecture is `wasm`
//!   (os `wasip1`) and the root filesystem is empty; runwasi reads the module from
//!   containerd's content store and hands it to the shim.
//!
//! The archive is byte-for-byte reproducible (fixed mtimes, owners and order).

use std::collections::HashMap;
use std::io::Write;

use oci_spec::image::{
    Arch, ConfigBuilder, Descriptor, DescriptorBuilder, ImageConfigurationBuilder,
    ImageIndexBuilder, ImageManifestBuilder, MediaType, Os, PlatformBuilder, RootFsBuilder,
    SCHEMA_VERSION, Sha256Digest,
};
use sha2::{Digest as _, Sha256};

/// runwasi's wasm layer media type (the first of containerd-shim-wasm 1.0's defaults).
pub const WASM_LAYER_MEDIA_TYPE: &str =
    "application/vnd.bytecodealliance.wasm.component.layer.v0+wasm";

/// How the module is stored in the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// A tar layer with the module at `/<file name>`; platform `linux/<host arch>`.
    Scratch,
    /// The module as a wasm layer; platform `wasip1/wasm`.
    WasmLayer,
}

/// What goes into the image.
#[derive(Debug, Clone)]
pub struct ImageSpec {
    /// Full image name, e.g. `docker.io/library/hello:latest`.
    pub name: String,
    /// File name of the module inside the image (`app.wasm` → entrypoint `/app.wasm`).
    pub file_name: String,
    /// The module's bytes.
    pub wasm: Vec<u8>,
    /// Default arguments after the entrypoint (the image's `Cmd`).
    pub cmd: Vec<String>,
    /// `KEY=VALUE` environment entries baked into the image.
    pub env: Vec<String>,
    /// The layout.
    pub kind: ImageKind,
}

/// Why an image could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// Writing the archive failed.
    #[error("writing the image archive: {0}")]
    Io(#[from] std::io::Error),
    /// An OCI document could not be built or serialised.
    #[error("building the OCI documents: {0}")]
    Spec(#[from] oci_spec::OciSpecError),
    /// The file name is not a plain name.
    #[error("file name {0:?} must be a plain name like app.wasm (no '/')")]
    FileName(String),
}

/// A blob in the archive: its bytes and descriptor.
struct Blob {
    bytes: Vec<u8>,
    descriptor: Descriptor,
}

impl Blob {
    fn new(media_type: MediaType, bytes: Vec<u8>) -> Result<Blob, ImageError> {
        let hex = hex(&Sha256::digest(&bytes));
        let digest: Sha256Digest = hex.parse()?;
        let descriptor = Descriptor::new(media_type, bytes.len() as u64, digest);
        Ok(Blob { bytes, descriptor })
    }

    fn path(&self) -> String {
        format!("blobs/sha256/{}", self.descriptor.digest().digest())
    }
}

/// Writes the OCI archive for `spec` to `out`.
///
/// # Errors
///
/// [`ImageError`] when the name is not plain, a document cannot be built, or `out` fails.
pub fn write_image(spec: &ImageSpec, out: impl Write) -> Result<(), ImageError> {
    if spec.file_name.is_empty() || spec.file_name.contains('/') {
        return Err(ImageError::FileName(spec.file_name.clone()));
    }
    let (layer, diff_ids, os, arch) = match spec.kind {
        ImageKind::Scratch => {
            let layer = Blob::new(MediaType::ImageLayer, layer_tar(spec)?)?;
            let diff = layer.descriptor.digest().to_string();
            (layer, vec![diff], Os::Linux, Arch::default())
        }
        ImageKind::WasmLayer => {
            let media = MediaType::Other(WASM_LAYER_MEDIA_TYPE.into());
            let layer = Blob::new(media, spec.wasm.clone())?;
            (layer, vec![], Os::Other("wasip1".into()), Arch::Wasm)
        }
    };
    let process = ConfigBuilder::default()
        .entrypoint(vec![format!("/{}", spec.file_name)])
        .cmd(spec.cmd.clone())
        .env(spec.env.clone())
        .build()?;
    let config = ImageConfigurationBuilder::default()
        .os(os.clone())
        .architecture(arch.clone())
        .config(process)
        .rootfs(
            RootFsBuilder::default()
                .typ("layers")
                .diff_ids(diff_ids)
                .build()?,
        )
        .build()?;
    let config = Blob::new(MediaType::ImageConfig, config.to_string()?.into_bytes())?;
    let annotations = name_annotations(&spec.name);
    let manifest = ImageManifestBuilder::default()
        .schema_version(SCHEMA_VERSION)
        .media_type(MediaType::ImageManifest)
        .config(config.descriptor.clone())
        .layers(vec![layer.descriptor.clone()])
        .build()?;
    let mut manifest = Blob::new(MediaType::ImageManifest, manifest.to_string()?.into_bytes())?;
    let platform = PlatformBuilder::default()
        .os(os)
        .architecture(arch)
        .build()?;
    manifest.descriptor = DescriptorBuilder::default()
        .media_type(MediaType::ImageManifest)
        .digest(manifest.descriptor.digest().clone())
        .size(manifest.descriptor.size())
        .platform(platform)
        .annotations(annotations)
        .build()?;
    let index = ImageIndexBuilder::default()
        .schema_version(SCHEMA_VERSION)
        .media_type(MediaType::ImageIndex)
        .manifests(vec![manifest.descriptor.clone()])
        .build()?;

    let mut archive = tar::Builder::new(out);
    append(
        &mut archive,
        "oci-layout",
        br#"{"imageLayoutVersion":"1.0.0"}"#,
        0o644,
    )?;
    append(
        &mut archive,
        "index.json",
        index.to_string()?.as_bytes(),
        0o644,
    )?;
    for blob in [&layer, &config, &manifest] {
        append(&mut archive, &blob.path(), &blob.bytes, 0o644)?;
    }
    archive.into_inner()?.flush()?;
    Ok(())
}

/// The layer of a scratch image: the module at `/<file name>`, executable.
fn layer_tar(spec: &ImageSpec) -> Result<Vec<u8>, ImageError> {
    let mut layer = tar::Builder::new(Vec::new());
    append(&mut layer, &spec.file_name, &spec.wasm, 0o755)?;
    Ok(layer.into_inner()?)
}

/// The name containerd's importer (`ctr image import`) gives the image. One annotation
/// only: descriptor annotations are a hash map, and two would serialise in random order.
fn name_annotations(name: &str) -> HashMap<String, String> {
    HashMap::from([("io.containerd.image.name".to_owned(), name.to_owned())])
}

/// Appends a regular file owned by root with a fixed mtime (reproducible archives).
fn append(
    archive: &mut tar::Builder<impl Write>,
    path: &str,
    bytes: &[u8],
    mode: u32,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_size(bytes.len() as u64);
    header.set_mode(mode);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header.set_entry_type(tar::EntryType::Regular);
    archive.append_data(&mut header, path, bytes)
}

/// Lowercase hex of a digest.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[path = "image_tests.rs"]
mod tests;
