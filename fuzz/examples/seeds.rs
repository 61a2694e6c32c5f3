//! Writes the hand-made seed inputs under `fuzz/corpus/<target>/seed-*`:
//! netaddr's known-answer addresses in every layout, and small wasm modules
//! (every import form fdvirt binds, a `call_indirect` mismatch, a name
//! section, the built-in guests).
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds` (idempotent).

use std::{fs, net::SocketAddr, path::Path};

use netaddr::{Protocol, SocketType, addrinfo, posix, sa_data, text, wasmedge};

/// netaddr's known-answer addresses (`netaddr/tests/integration/known_answers.rs`).
fn known_addresses() -> Vec<SocketAddr> {
    let scoped = SocketAddr::V6(std::net::SocketAddrV6::new(
        "fe80::1".parse().unwrap_or(std::net::Ipv6Addr::LOCALHOST),
        8080,
        0x1234_5678,
        3,
    ));
    let mut v: Vec<SocketAddr> = [
        "127.0.0.1:8080",
        "0.0.0.0:0",
        "[::1]:443",
        "[::ffff:192.0.2.1]:80",
    ]
    .iter()
    .filter_map(|s| s.parse().ok())
    .collect();
    v.push(scoped);
    v
}

fn le(n: u32) -> Vec<u8> {
    n.to_le_bytes().to_vec()
}

fn netaddr_seeds(addr: &SocketAddr) -> Vec<(&'static str, Vec<u8>)> {
    let mut seeds = Vec::new();
    let mut out = [0u8; posix::SOCKADDR_STORAGE_LEN];
    let w = posix::encode(addr, &mut out);
    let mut p = le(w.full_len as u32);
    p.extend_from_slice(&out[..w.written]);
    seeds.push(("netaddr_posix", p));
    let mut octets = [0u8; 16];
    if let Ok(n) = wasmedge::encode_octets(&addr.ip(), &mut octets) {
        let mut v = le(u32::from(addr.port()));
        v.extend_from_slice(&octets[..n]);
        seeds.push(("netaddr_wasmedge", v));
    }
    let mut storage = [0u8; wasmedge::STORAGE_LEN];
    if wasmedge::encode_getaddr_v2(addr, &mut storage).is_ok() {
        let mut v = le(u32::from(addr.port()));
        v.extend_from_slice(&storage);
        seeds.push(("netaddr_wasmedge", v));
    }
    let mut data = [0u8; sa_data::SA_DATA_V6_LEN];
    let w = sa_data::encode(addr, &mut data);
    let family = if addr.is_ipv4() { 1 } else { 2 };
    let mut v = vec![family];
    v.extend_from_slice(&data[..w.written]);
    seeds.push(("netaddr_sa_data", v));
    let mut t = [0u8; 80];
    let w = text::encode(addr, &mut t);
    seeds.push(("netaddr_text", t[..w.written].to_vec()));
    seeds
}

/// A window at base 0x100 whose first 4 bytes point at a filled chain.
fn addrinfo_seed(addrs: &[SocketAddr]) -> Option<Vec<u8>> {
    let entries: Vec<addrinfo::AddrInfoEntry<'_>> = addrs
        .iter()
        .enumerate()
        .map(|(i, &addr)| addrinfo::AddrInfoEntry {
            flags: 2,
            socktype: SocketType::Stream,
            protocol: Protocol::Tcp,
            addr,
            canonname: (i == 0).then_some(&b"localhost"[..]),
        })
        .collect();
    let base = 0x100;
    let at = base + 16;
    let mut mem = vec![0u8; 1024];
    let laid = addrinfo::lay_out(&mut mem, base, at, &entries).ok()?;
    mem[..4].copy_from_slice(&laid.first.to_le_bytes());
    mem.truncate(16 + laid.len as usize);
    Some(mem)
}

/// Small modules for `module_load`.
const MODULES: &[(&str, &str)] = &[
    ("empty", "(module)"),
    (
        "hello",
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\n")
  (func $main (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $exit (i32.const 3))))"#,
    ),
    (
        "socket_forms",
        r#"(module
  (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_open" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv_from" (func (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getlocaladdr" (func (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_getaddrinfo" (func (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1))"#,
    ),
    (
        "accept_v2_form",
        r#"(module
  (import "wasi_snapshot_preview1" "sock_accept" (func (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1))"#,
    ),
    (
        "unsatisfied",
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32) (result i32)))
  (import "env" "a \"quoted\\ name\n" (func))
  (import "wasi_snapshot_preview1" "memory" (memory 1))
  (import "env" "g" (global i32)))"#,
    ),
    (
        "indirect_mismatch",
        r#"(module $m
  (type $void (func (param i32)))
  (type $int (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $dtor $other)
  (func $dtor (type $void) (param i32))
  (func $other (type $int) (param i32) (result i32) (local.get 0))
  (func $call (export "_start")
    (drop (call_indirect (type $int) (i32.const 1) (i32.const 0)))))"#,
    ),
    (
        "names_and_globals",
        r#"(module $named
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (global $g (mut i32) (i32.const 0))
  (memory (export "memory") 1 2)
  (func $f (result i32) (call $args (i32.const 0) (i32.const 4)))
  (func $start (export "_start") (drop (call $f)) (global.set $g (i32.const 1)))
  (export "g" (global $g)))"#,
    ),
];

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    if let Err(e) = fs::create_dir_all(&d).and_then(|()| fs::write(d.join(name), bytes)) {
        eprintln!("{}: {e}", d.display());
    }
}

/// Deterministic pseudo-random bytes (xorshift64), for structured targets
/// whose plans have no hand-written form.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for target in ["fdtable_ops", "hostcalls"] {
        write(&corpus, target, "seed-zeros", &[0u8; 256]);
        write(&corpus, target, "seed-ones", &[0xffu8; 256]);
        for (i, len) in [64usize, 512, 4096].into_iter().enumerate() {
            write(
                &corpus,
                target,
                &format!("seed-noise-{i}"),
                &noise(i as u64 + 7, len),
            );
        }
    }
    let addrs = known_addresses();
    for (i, addr) in addrs.iter().enumerate() {
        for (j, (target, bytes)) in netaddr_seeds(addr).into_iter().enumerate() {
            write(&corpus, target, &format!("seed-kat-{i}-{j}"), &bytes);
        }
    }
    if let Some(chain) = addrinfo_seed(&addrs) {
        write(&corpus, "netaddr_addrinfo", "seed-kat-chain", &chain);
    }
    if let Some(chain) = addrinfo_seed(&addrs[..1]) {
        write(&corpus, "netaddr_addrinfo", "seed-kat-one", &chain);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut modules: Vec<(String, String)> = MODULES
        .iter()
        .map(|(n, w)| ((*n).to_owned(), (*w).to_owned()))
        .collect();
    for (name, path) in [
        ("builtin_http", "guests/builtin/http_server.wat"),
        (
            "two_write_server",
            "runtime-glue/tests/sockets/wat/two_write_server.wat",
        ),
    ] {
        if let Ok(text) = fs::read_to_string(root.join(path)) {
            modules.push((name.to_owned(), text));
        }
    }
    for (name, wat_text) in modules {
        match wat::parse_str(&wat_text) {
            Ok(wasm) => write(&corpus, "module_load", &format!("seed-{name}.wasm"), &wasm),
            Err(e) => eprintln!("{name}: {e}"),
        }
    }
}
