//! Echo server (see the crate docs): `bench-echo --listen 127.0.0.1:PORT` natively,
//! `bench-echo [--fd 3]` as a wasm32-wasip1 guest on a pre-opened listener.

fn main() -> std::io::Result<()> {
    bench_servers::serve_echo(bench_servers::listener_from_args()?)
}
