//! Benchmark servers for fdvirt, built from one source for the host and for wasm32-wasip1.
//!
//! Every mio server here is one single-threaded event loop ([`serve`]) with a different
//! [`Protocol`]: [`Echo`] (`bench-echo`, `bench-echo-big`) and [`Sha`] (`bench-sha`). On
//! Linux mio sits on epoll, on WASI preview1 on `poll_oneoff` with one subscription per
//! registered socket. Running the *same* code natively, under wasmtime and under fdvirt
//! isolates the runtime's cost, and the poll-scaling benchmark shows how each runtime's
//! `poll_oneoff` copes with many idle sockets.
//!
//! The listener comes from [`listener_from_args`]: on WASI it is a pre-opened socket fd
//! (`fdvirt run --tcplisten` / `wasmtime run -S tcplisten`), natively the server binds the
//! address it is given, so the harness drives every variant the same way.

#![warn(missing_docs, missing_debug_implementations)]

mod echo;
mod event_loop;
mod listener;
mod sha;
#[cfg(test)]
mod tests;

pub use echo::{Echo, serve_echo};
pub use event_loop::{After, Protocol, serve};
pub use listener::listener_from_args;
pub use sha::{MAX_UNPARSED, Sha, WORK_BYTES, hash, serve_sha};
