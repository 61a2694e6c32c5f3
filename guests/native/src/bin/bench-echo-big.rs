//! `bench-echo` plus several MB of generated code (see build.rs): the "large guest" of the
//! startup benchmark. Before serving it calls one generated function chosen from the
//! argument count, so the whole table stays in the module.

// Generated code, meant to be bulky and odd (identity ops, `x % m == 0`): clippy's advice
// on it is noise that would bury warnings about the real code.
#[allow(clippy::all)]
mod big {
    include!(concat!(env!("OUT_DIR"), "/big.rs"));
}

fn main() -> std::io::Result<()> {
    let argc = std::env::args().count();
    let f = big::TABLE[std::hint::black_box(argc) % big::TABLE.len()];
    std::hint::black_box(f(argc as u64));
    bench_servers::serve_echo(bench_servers::listener_from_args()?)
}
