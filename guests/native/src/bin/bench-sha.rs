//! Compute-bound HTTP server (SHA-256 of 64 KiB per request, see `bench_servers::Sha`):
//! `bench-sha --listen 127.0.0.1:PORT` natively, `bench-sha [--fd 3]` as a wasm32-wasip1
//! guest on a pre-opened listener.

fn main() -> std::io::Result<()> {
    bench_servers::serve_sha(bench_servers::listener_from_args()?)
}
