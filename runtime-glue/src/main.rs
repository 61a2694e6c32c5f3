//! `fdvirt`: run WASI preview1 (+ WasmEdge socket) guests on wasmi with a chosen fd policy,
//! and inspect modules. All logic lives in the `cli` module; this file only maps the outcome
//! to the process exit code (see `cli::exit` for the codes).

mod cli;

fn main() {
    std::process::exit(cli::main());
}
