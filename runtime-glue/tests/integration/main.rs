//! Integration tests of runtime-glue with real guests: Rust programs compiled to
//! wasm32-wasip1 from `guests/wasi` (built once per run by `util`), run through the embedding
//! API (`embed`), through the `fdvirt` binary (`cli`), under each fd policy (`policy`), and
//! against wasmtime when it is installed (`differential`).

mod cli;
mod differential;
mod embed;
mod policy;
mod util;
