//! Integration tests of runtime-glue with real guests: Rust programs compiled to
//! wasm32-wasip1 from `guests/wasi` (built once per run by `util`), run through the embedding
//! API (`embed`), through the `fdvirt` binary (`cli`), under each fd policy (`policy`), and
//! against wasmtime when it is installed (`differential`); plus a C guest with PHP's
//! `zend_list_free` bug (`zend`: `inspect` flags it, running it traps naming the caller);
//! `--trace` of guests blocked in a host call (`trace`).

mod cli;
mod differential;
mod embed;
mod policy;
mod trace;
mod util;
mod zend;
