//! `fdvirt-oci-image`: writes an OCI image archive holding one wasm module, ready for
//! `ctr image import` (no registry, no Docker).
//!
//! ```sh
//! fdvirt-oci-image --name docker.io/library/hello:latest -o hello.tar hello.wasm
//! ctr image import hello.tar
//! ctr run --rm --runtime io.containerd.fdvirt.v1 docker.io/library/hello:latest hello
//! ```

use std::{fs::File, io::BufWriter, path::PathBuf};

use anyhow::Context as _;
use clap::{Parser, ValueEnum};
use containerd_shim_fdvirt::{ImageKind, ImageSpec, write_image};

/// Write an OCI image archive (for `ctr image import`) whose entrypoint is a wasm module.
#[derive(Debug, Parser)]
struct Args {
    /// Full image name, e.g. `docker.io/library/hello:latest`.
    #[arg(long)]
    name: String,
    /// Output archive.
    #[arg(short, long)]
    output: PathBuf,
    /// Layout: `scratch` (a FROM-scratch image with the module at /NAME.wasm) or
    /// `wasm-layer` (runwasi's wasm OCI artifact: the module is a layer of its own).
    #[arg(long, value_enum, default_value = "scratch")]
    kind: Kind,
    /// `KEY=VALUE` baked into the image's environment. Repeatable.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// File name of the module in the image (default: the input's file name, `.wat`
    /// becoming `.wasm`).
    #[arg(long)]
    file_name: Option<String>,
    /// The module: a `.wasm` binary or WAT text (assembled here).
    module: PathBuf,
    /// Default arguments (the image's `Cmd`).
    cmd: Vec<String>,
}

/// `--kind` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Kind {
    Scratch,
    WasmLayer,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let source = std::fs::read(&args.module)
        .with_context(|| format!("reading {}", args.module.display()))?;
    let wasm = wat::parse_bytes(&source)
        .with_context(|| format!("{} is neither wasm nor WAT", args.module.display()))?
        .into_owned();
    let file_name = match args.file_name {
        Some(name) => name,
        None => {
            let stem = args
                .module
                .file_stem()
                .context("module path has no file name")?;
            format!("{}.wasm", stem.to_string_lossy())
        }
    };
    let spec = ImageSpec {
        name: args.name,
        file_name,
        wasm,
        cmd: args.cmd,
        env: args.env,
        kind: match args.kind {
            Kind::Scratch => ImageKind::Scratch,
            Kind::WasmLayer => ImageKind::WasmLayer,
        },
    };
    let out = File::create(&args.output)
        .with_context(|| format!("creating {}", args.output.display()))?;
    write_image(&spec, BufWriter::new(out))?;
    Ok(())
}
