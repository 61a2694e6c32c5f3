//! Socket integration tests: real guests (the `wasmedge_wasi_socket` examples,
//! tokio_wasi with hyper_wasi, Rust std, a wasi-libc select() server, raw 2-arg/3-arg accept guests)
//! served by the `fdvirt` binary on loopback, plus hostile-input WAT guests run in
//! process. Every wait is bounded and every spawned process is killed on drop.

mod binding;
mod c_select;
mod csock;
mod demo;
mod errno;
mod faults;
mod fdpolicy;
mod getaddrinfo;
mod ipv6;
mod limits;
mod poll;
mod preopen;
mod resets;
mod sdk;
mod std_hyper;
mod unix;
mod util;
