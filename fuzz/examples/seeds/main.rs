//! Writes the hand-made seed inputs under `fuzz/corpus/<target>/seed-*`:
//! netaddr's known-answer addresses in every layout, and small wasm modules
//! (every import form fdvirt binds, a `call_indirect` mismatch, a name
//! section, the built-in guests).
//!
//! `cargo run --manifest-path fuzz/Cargo.toml --example seeds` (idempotent).

mod plans;
mod unix_plans;

use std::{fs, net::SocketAddr, path::Path};

use plans::{A, Plan};
use unix_plans::{
    unix_denied_plan, unix_dgram_full_plan, unix_dgram_plan, unix_relative_plan, unix_stream_plan,
};

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

const MAXR: A = A::Raw(u64::MAX);

/// `path_open` arguments under the preopen (fd 3), all rights, result at
/// 100.
fn path_open(dirflags: u8, path: &'static str, oflags: u8) -> [A; 9] {
    [
        A::Fd(3),
        A::Small(dirflags),
        A::Str(path),
        A::Small(0),
        A::Small(oflags),
        MAXR,
        MAXR,
        A::Small(0),
        A::Ptr(100),
    ]
}

/// File calls on a new file (fd 4 under lowest-free).
fn file_plan() -> Vec<u8> {
    let open = path_open(0, "new", 1);
    Plan::new(&[])
        .call("path_open", &open)
        .call("fd_write", &[A::Fd(4), A::Iov(0), A::Small(0), A::Ptr(200)])
        .call(
            "fd_seek",
            &[A::Fd(4), A::Small(0), A::Small(0), A::Ptr(208)],
        )
        .call("fd_read", &[A::Fd(4), A::Iov(1), A::Small(0), A::Ptr(216)])
        .call(
            "fd_pread",
            &[A::Fd(4), A::Iov(0), A::Small(0), A::Small(2), A::Ptr(220)],
        )
        .call(
            "fd_pwrite",
            &[A::Fd(4), A::Iov(0), A::Small(0), A::Small(3), A::Ptr(224)],
        )
        .call("fd_tell", &[A::Fd(4), A::Ptr(228)])
        .call("fd_sync", &[A::Fd(4)])
        .call("fd_datasync", &[A::Fd(4)])
        .call("fd_filestat_get", &[A::Fd(4), A::Ptr(300)])
        .call("fd_filestat_set_size", &[A::Fd(4), A::Small(100)])
        .call("fd_allocate", &[A::Fd(4), A::Small(0), A::Small(200)])
        .call(
            "fd_advise",
            &[A::Fd(4), A::Small(0), A::Small(10), A::Small(1)],
        )
        .call(
            "fd_filestat_set_times",
            &[A::Fd(4), A::Small(1), A::Small(2), A::Small(5)],
        )
        .call("fd_fdstat_get", &[A::Fd(4), A::Ptr(400)])
        .call("fd_fdstat_set_flags", &[A::Fd(4), A::Small(1)])
        .call("fd_write", &[A::Fd(4), A::Iov(4), A::Small(0), A::Ptr(200)])
        .call(
            "fd_fdstat_set_rights",
            &[A::Fd(4), A::Small(255), A::Small(0)],
        )
        .call("fd_renumber", &[A::Fd(4), A::Fd(0)])
        .call("fd_close", &[A::Fd(0)])
        .bytes()
}

/// Directory and path calls in the preopen (fd 3).
fn dir_plan() -> Vec<u8> {
    let p = |s| [A::Fd(3), A::Str(s), A::Small(0)];
    Plan::new(&[])
        .call(
            "path_link",
            &[
                A::Fd(3),
                A::Small(0),
                A::Str("f"),
                A::Small(0),
                A::Fd(3),
                A::Str("new"),
                A::Small(0),
            ],
        )
        .call("path_unlink_file", &p("new"))
        .call("path_create_directory", &p("new"))
        .call(
            "path_rename",
            &[
                A::Fd(3),
                A::Str("new"),
                A::Small(0),
                A::Fd(3),
                A::Str("d/new"),
                A::Small(0),
            ],
        )
        .call("path_remove_directory", &p("d/new"))
        .call(
            "path_symlink",
            &[
                A::Str("f"),
                A::Small(0),
                A::Fd(3),
                A::Str("new"),
                A::Small(0),
            ],
        )
        .call(
            "path_readlink",
            &[
                A::Fd(3),
                A::Str("ln"),
                A::Small(0),
                A::Ptr(500),
                A::Small(64),
                A::Ptr(600),
            ],
        )
        .call(
            "path_filestat_get",
            &[A::Fd(3), A::Small(1), A::Str("f"), A::Small(0), A::Ptr(700)],
        )
        .call(
            "path_filestat_set_times",
            &[
                A::Fd(3),
                A::Small(0),
                A::Str("f"),
                A::Small(0),
                A::Small(1),
                A::Small(2),
                A::Small(10),
            ],
        )
        .call("path_open", &path_open(0, "d", 2))
        .call(
            "fd_readdir",
            &[
                A::Fd(4),
                A::Ptr(1000),
                A::Small(255),
                A::Small(0),
                A::Ptr(1300),
            ],
        )
        .call(
            "fd_readdir",
            &[
                A::Fd(3),
                A::Ptr(1000),
                A::Small(255),
                A::Small(1),
                A::Ptr(1300),
            ],
        )
        .call("fd_prestat_get", &[A::Fd(3), A::Ptr(1400)])
        .call(
            "fd_prestat_dir_name",
            &[A::Fd(3), A::Ptr(1500), A::Small(8)],
        )
        .call("path_open", &path_open(1, "ln", 0))
        .bytes()
}

/// TCP on loopback: listen (fd 4), connect (fd 5), accept (fd 6), send,
/// receive, addresses, options, shutdown. `v2` picks the `_v2` rows and
/// the storage address form; `v6` uses ::1.
fn tcp_plan(v2: bool, v6: bool) -> Vec<u8> {
    let sfx = |n: &str| if v2 { format!("{n}_v2") } else { n.to_owned() };
    let (af, stream) = if v2 {
        (1 + u8::from(v6), 2)
    } else {
        (u8::from(v6), 1)
    };
    let addr = A::Addr(u8::from(v6) + if v2 { 2 } else { 0 });
    let open = [A::Small(af), A::Small(stream), A::Ptr(100)];
    let plan = Plan::new(&[])
        .call(&sfx("sock_open"), &open)
        .call(&sfx("sock_bind"), &[A::Fd(4), addr, A::Small(0)])
        .call(&sfx("sock_listen"), &[A::Fd(4), A::Small(8)])
        .call(&sfx("sock_open"), &open)
        .call(&sfx("sock_connect"), &[A::Fd(5), addr, A::Port(0)]);
    let plan = if v2 {
        plan.call("sock_accept_v2", &[A::Fd(4), A::Small(0), A::Ptr(108)])
    } else {
        plan.call("sock_accept", &[A::Fd(4), A::Ptr(108)])
    };
    let recv = [
        A::Fd(6),
        A::Iov(1),
        A::Small(0),
        A::Small(0),
        A::Ptr(116),
        A::Ptr(120),
    ];
    let getaddr = if v2 {
        vec![A::Fd(6), A::Addr(2), A::Ptr(124)]
    } else {
        vec![A::Fd(6), A::Addr(1), A::Ptr(128), A::Ptr(132)]
    };
    plan.call(
        &sfx("sock_send"),
        &[A::Fd(5), A::Iov(0), A::Small(0), A::Small(0), A::Ptr(112)],
    )
    .call(
        "poll_oneoff",
        &[A::Ptr(3000), A::Ptr(3200), A::Small(1), A::Ptr(3400)],
    )
    .call(&sfx("sock_recv"), &recv)
    .call(&sfx("sock_getpeeraddr"), &getaddr)
    .call(&sfx("sock_getlocaladdr"), &getaddr)
    .call(
        "sock_setsockopt",
        &[A::Fd(5), A::Small(0), A::Small(7), A::Ptr(140), A::Small(4)],
    )
    .call(
        "sock_getsockopt",
        &[A::Fd(5), A::Small(0), A::Small(2), A::Ptr(144), A::Ptr(148)],
    )
    .call("fd_fdstat_set_flags", &[A::Fd(6), A::Small(4)])
    .call(&sfx("sock_recv"), &recv)
    .call("fd_write", &[A::Fd(6), A::Iov(0), A::Small(0), A::Ptr(200)])
    .call("fd_read", &[A::Fd(5), A::Iov(0), A::Small(0), A::Ptr(200)])
    .call("sock_shutdown", &[A::Fd(5), A::Small(3)])
    .call("fd_close", &[A::Fd(6)])
    .bytes()
}

/// UDP on loopback: bind (fd 4), send_to from fd 5, recv_from.
fn udp_plan(v2: bool) -> Vec<u8> {
    let sfx = |n: &str| if v2 { format!("{n}_v2") } else { n.to_owned() };
    let (af, dgram) = (1, 1);
    let addr = A::Addr(if v2 { 2 } else { 0 });
    let open = [A::Small(af), A::Small(dgram), A::Ptr(100)];
    let recv_from = if v2 {
        vec![
            A::Fd(4),
            A::Iov(1),
            A::Small(0),
            A::Addr(2),
            A::Small(0),
            A::Ptr(150),
            A::Ptr(154),
            A::Ptr(158),
        ]
    } else {
        vec![
            A::Fd(4),
            A::Iov(1),
            A::Small(0),
            A::Addr(1),
            A::Small(0),
            A::Ptr(154),
            A::Ptr(158),
        ]
    };
    Plan::new(&[])
        .call(&sfx("sock_open"), &open)
        .call(&sfx("sock_bind"), &[A::Fd(4), addr, A::Small(0)])
        .call(&sfx("sock_open"), &open)
        .call(
            &sfx("sock_send_to"),
            &[
                A::Fd(5),
                A::Iov(0),
                A::Small(0),
                addr,
                A::Port(0),
                A::Small(0),
                A::Ptr(112),
            ],
        )
        .call(&sfx("sock_recv_from"), &recv_from)
        .call(
            "sock_setsockopt",
            &[A::Fd(4), A::Small(0), A::Small(4), A::Ptr(140), A::Small(4)],
        )
        .bytes()
}

/// `sock_getaddrinfo("localhost", "80")` into a two-node chain at 0x800.
fn getaddrinfo_plan() -> Vec<u8> {
    let mut image = vec![0u8; 0x1000];
    let shape = addrinfo::ChainShape::SDK_0_5;
    if let Ok(first) = addrinfo::prepare_chain(&mut image, 0, 0x800, 2, shape) {
        image[0x7f0..0x7f4].copy_from_slice(&first.to_le_bytes());
    }
    let args = [
        A::Str("localhost"),
        A::Small(0),
        A::Str("80"),
        A::Small(0),
        A::Ptr(0x700),
        A::Ptr(0x7f0),
        A::Small(2),
        A::Ptr(0x7f8),
    ];
    Plan::new(&image).call("sock_getaddrinfo", &args).bytes()
}

fn main() {
    // An optional argument writes elsewhere (to diff a change against the
    // committed corpus); by default the seeds go to `fuzz/corpus`.
    let corpus = std::env::args_os().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        std::path::PathBuf::from,
    );
    let plans = [
        ("file", file_plan()),
        ("dir", dir_plan()),
        ("tcp-v1", tcp_plan(false, false)),
        ("tcp-v2", tcp_plan(true, false)),
        ("tcp-v2-v6", tcp_plan(true, true)),
        ("tcp-v1-v6", tcp_plan(false, true)),
        ("udp-v1", udp_plan(false)),
        ("udp-v2", udp_plan(true)),
        ("getaddrinfo", getaddrinfo_plan()),
        ("unix-stream", unix_stream_plan()),
        ("unix-dgram", unix_dgram_plan()),
        ("unix-dgram-full", unix_dgram_full_plan()),
        ("unix-relative", unix_relative_plan()),
        ("unix-denied", unix_denied_plan()),
    ];
    for (name, bytes) in plans {
        write(&corpus, "hostcalls", &format!("seed-plan-{name}"), &bytes);
    }
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
        ("builtin_http", "runtime-glue/guests/http_server.wat"),
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
