//! `sock_getaddrinfo` answers what the host's own `getaddrinfo(3)` answers for the same
//! node, service and hints: every hint on 127.0.0.1, ::1 and localhost, an unknown name,
//! an unknown service, services from the host's database. A WAT guest makes the call over
//! 16 pre-linked result nodes and writes them to stdout; the test decodes them and compares
//! with the host resolver asked directly (through `dns-lookup`, with the hints translated
//! here independently of the glue), and with fixed answers where the host cannot differ.
//!
//! Names are chosen so that no lookup leaves the machine: numeric addresses, `localhost`
//! (in `/etc/hosts`; never asked for IPv6 alone, which this host's `/etc/hosts` lacks and
//! glibc would then ask DNS for), and `no..such.invalid`, which has an empty label, so
//! glibc answers `EAI_NONAME` without sending a query.

use std::net::SocketAddr;

use crate::util::engine;
use runtime_glue::{GuestBuilder, Run, SharedBuffer, Stdio};

const AI_PASSIVE: u16 = 0x01;
const AI_CANONNAME: u16 = 0x02;
const AI_NUMERICHOST: u16 = 0x04;
const AI_NUMERICSERV: u16 = 0x08;
const AI_V4MAPPED: u16 = 0x10;
const AI_ALL: u16 = 0x20;
const AI_ADDRCONFIG: u16 = 0x40;
const INET4: u8 = 1;
const INET6: u8 = 2;
const DGRAM: u8 = 1;
const STREAM: u8 = 2;
const TCP: u8 = 1;
const UDP: u8 = 2;
const AIADDRFAMILY: i32 = 77;
const AINONAME: i32 = 84;
const AISERVICE: i32 = 85;

/// A lookup: node, service, and the hints in WasmEdge numbering.
#[derive(Debug, Clone, Copy, Default)]
struct Ask<'a> {
    node: Option<&'a str>,
    service: Option<&'a str>,
    flags: u16,
    family: u8,
    socktype: u8,
    protocol: u8,
}

/// One result node as the guest sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    socktype: u8,
    protocol: u8,
    addr: SocketAddr,
    flags: u16,
    canon: Option<String>,
}

const NODES: u32 = 16;

/// The guest: strings at 0x100 / 0x180, hints at 0x200, `*res_p` at 0x240 (-> node 0),
/// `res_len` at 0x244; node i at 0x1000 + 32 i (linked), its sockaddr at 0x1400 + 16 i,
/// `sa_data` at 0x1600 + 32 i (capacity 26), canonname at 0x1800 + 64 i (capacity 64).
/// Exits with the errno; on success first writes `res_len` and 0x1000..0x1c00 to stdout.
fn guest(a: &Ask<'_>) -> String {
    let data = |at: u32, s: Option<&str>| {
        s.map_or(String::new(), |s| {
            format!(r#"(data (i32.const {at}) "{s}")"#)
        })
    };
    let len = |s: Option<&str>| s.map_or(0, str::len);
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "sock_getaddrinfo" (func $gai (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  {node} {service}
  (func (export "_start") (local $i i32) (local $node i32) (local $e i32)
    (i32.store16 (i32.const 0x200) (i32.const {flags}))
    (i32.store8 (i32.const 0x202) (i32.const {family}))
    (i32.store8 (i32.const 0x203) (i32.const {socktype}))
    (i32.store8 (i32.const 0x204) (i32.const {protocol}))
    (i32.store (i32.const 0x240) (i32.const 0x1000))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (i32.const {NODES})))
      (local.set $node (i32.add (i32.const 0x1000) (i32.mul (local.get $i) (i32.const 32))))
      (i32.store offset=12 (local.get $node) (i32.add (i32.const 0x1400) (i32.mul (local.get $i) (i32.const 16))))
      (i32.store offset=16 (local.get $node) (i32.add (i32.const 0x1800) (i32.mul (local.get $i) (i32.const 64))))
      (i32.store offset=20 (local.get $node) (i32.const 64))
      (if (i32.lt_u (local.get $i) (i32.const {last}))
        (then (i32.store offset=24 (local.get $node) (i32.add (local.get $node) (i32.const 32)))))
      (i32.store offset=4 (i32.add (i32.const 0x1400) (i32.mul (local.get $i) (i32.const 16))) (i32.const 26))
      (i32.store offset=8 (i32.add (i32.const 0x1400) (i32.mul (local.get $i) (i32.const 16)))
                 (i32.add (i32.const 0x1600) (i32.mul (local.get $i) (i32.const 32))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.set $e (call $gai (i32.const 0x100) (i32.const {node_len}) (i32.const 0x180) (i32.const {service_len})
                             (i32.const 0x200) (i32.const 0x240) (i32.const {NODES}) (i32.const 0x244)))
    (if (local.get $e) (then (call $exit (local.get $e))))
    (i32.store (i32.const 0x20) (i32.const 0x244)) (i32.store (i32.const 0x24) (i32.const 4))
    (i32.store (i32.const 0x28) (i32.const 0x1000)) (i32.store (i32.const 0x2c) (i32.const 0xc00))
    (drop (call $write (i32.const 1) (i32.const 0x20) (i32.const 2) (i32.const 0x30)))
    (call $exit (i32.const 0))))"#,
        node = data(0x100, a.node),
        service = data(0x180, a.service),
        node_len = len(a.node),
        service_len = len(a.service),
        flags = a.flags,
        family = a.family,
        socktype = a.socktype,
        protocol = a.protocol,
        last = NODES - 1,
    )
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// Runs the lookup in a guest: the filled nodes, or the errno.
fn in_guest(a: &Ask<'_>) -> Result<Vec<Entry>, i32> {
    let out = SharedBuffer::new();
    let wasm = wat::parse_str(guest(a)).expect("test WAT parses");
    let code = GuestBuilder::new()
        .stdout(Stdio::Capture(out.clone()))
        .stderr(Stdio::Null)
        .run_bytes_on(engine(), &wasm)
        .expect("guest runs")
        .code;
    if code != 0 {
        return Err(code);
    }
    let bytes = out.contents();
    let n = u32_at(&bytes, 0) as usize;
    // Offsets in `mem` are guest addresses minus 0x1000.
    let mem = &bytes[4..];
    Ok((0..n)
        .map(|i| {
            let node = 32 * i;
            let sa_data = &mem[0x600 + 32 * i..0x600 + 32 * i + 26];
            let port = u16::from_be_bytes([sa_data[0], sa_data[1]]);
            let addr = match mem[node + 2] {
                INET4 => SocketAddr::from((<[u8; 4]>::try_from(&sa_data[2..6]).unwrap(), port)),
                INET6 => SocketAddr::from((<[u8; 16]>::try_from(&sa_data[6..22]).unwrap(), port)),
                f => panic!("node {i}: family {f}"),
            };
            assert_eq!(mem[0x400 + 16 * i], mem[node + 2], "sa_family = ai_family");
            let canon_len = u32_at(mem, node + 20) as usize;
            let canon = &mem[0x800 + 64 * i..0x800 + 64 * i + canon_len];
            Entry {
                socktype: mem[node + 3],
                protocol: mem[node + 4],
                addr,
                flags: u16_at(mem, node),
                canon: (canon_len > 0).then(|| String::from_utf8_lossy(canon).into_owned()),
            }
        })
        .collect())
}

/// The same lookup asked of the host resolver directly, the hints translated by the ABI
/// spec's tables (§2.2 aiflags, family, type, protocol; Linux values), the results by the
/// rules the glue documents: `SOCK_RAW` entries dropped, `ai_flags` as glibc returns them
/// (the request's), `EAI_*` by number to 77..=87.
fn on_host(a: &Ask<'_>) -> Result<Vec<Entry>, i32> {
    let bits = [
        (AI_PASSIVE, libc::AI_PASSIVE),
        (AI_CANONNAME, libc::AI_CANONNAME),
        (AI_NUMERICHOST, libc::AI_NUMERICHOST),
        (AI_NUMERICSERV, libc::AI_NUMERICSERV),
        (AI_V4MAPPED, libc::AI_V4MAPPED),
        (AI_ALL, libc::AI_ALL),
        (AI_ADDRCONFIG, libc::AI_ADDRCONFIG),
    ];
    let hints = dns_lookup::AddrInfoHints {
        flags: bits
            .iter()
            .filter(|(w, _)| a.flags & w != 0)
            .fold(0, |acc, (_, h)| acc | h),
        address: [libc::AF_UNSPEC, libc::AF_INET, libc::AF_INET6][usize::from(a.family)],
        socktype: [0, libc::SOCK_DGRAM, libc::SOCK_STREAM][usize::from(a.socktype)],
        protocol: [0, libc::IPPROTO_TCP, libc::IPPROTO_UDP][usize::from(a.protocol)],
    };
    let eai = [-9, -3, -1, -4, -6, -10, -5, -2, -8, -7, -11]; // 77..=87 in spec order
    match dns_lookup::getaddrinfo(a.node, a.service, Some(hints)) {
        Err(e) => Err(eai
            .iter()
            .position(|&c| c == e.error_num())
            .map_or(80, |p| 77 + p as i32)),
        Ok(found) => Ok(found
            .map(|r| r.expect("an IP address"))
            .filter_map(|r| {
                let (socktype, protocol) = match (r.socktype, r.protocol) {
                    (libc::SOCK_STREAM, libc::IPPROTO_TCP) => (STREAM, TCP),
                    (libc::SOCK_DGRAM, libc::IPPROTO_UDP) => (DGRAM, UDP),
                    _ => return None,
                };
                Some(Entry {
                    socktype,
                    protocol,
                    addr: r.sockaddr,
                    flags: a.flags,
                    canon: r.canonname,
                })
            })
            .collect()),
    }
}

/// `in_guest` equals `on_host`; returns the answer.
fn same_as_host(a: Ask<'_>) -> Result<Vec<Entry>, i32> {
    let ours = in_guest(&a);
    assert_eq!(ours, on_host(&a), "{a:?}");
    ours
}

fn entries(list: &[(u8, u8, &str)]) -> Vec<Entry> {
    list.iter()
        .map(|&(socktype, protocol, addr)| Entry {
            socktype,
            protocol,
            addr: addr.parse().unwrap(),
            flags: 0,
            canon: None,
        })
        .collect()
}

#[test]
fn every_hint_on_numeric_loopback_matches_the_host_resolver() {
    let flag_sets = [
        0,
        AI_PASSIVE,
        AI_CANONNAME,
        AI_NUMERICHOST,
        AI_NUMERICSERV,
        AI_V4MAPPED,
        AI_V4MAPPED | AI_ALL,
        AI_ADDRCONFIG,
        AI_NUMERICHOST | AI_NUMERICSERV | AI_CANONNAME,
    ];
    for node in ["127.0.0.1", "::1"] {
        for flags in flag_sets {
            for family in [0, INET4, INET6] {
                for (socktype, protocol) in [(0, 0), (STREAM, 0), (DGRAM, 0), (0, TCP), (0, UDP)] {
                    same_as_host(Ask {
                        node: Some(node),
                        service: Some("80"),
                        flags,
                        family,
                        socktype,
                        protocol,
                    })
                    .ok();
                }
            }
        }
    }
}

/// Fixed answers that do not depend on the host: the results of numeric addresses, by
/// family, type and protocol hints; V4MAPPED; NUMERICHOST; CANONNAME.
#[test]
fn numeric_answers_follow_the_hints() {
    let ask = |node, flags, family, socktype, protocol| {
        same_as_host(Ask {
            node: Some(node),
            service: Some("80"),
            flags,
            family,
            socktype,
            protocol,
        })
    };
    assert_eq!(
        ask("127.0.0.1", 0, 0, 0, 0),
        Ok(entries(&[
            (STREAM, TCP, "127.0.0.1:80"),
            (DGRAM, UDP, "127.0.0.1:80")
        ]))
    );
    assert_eq!(
        ask("::1", 0, 0, STREAM, 0),
        Ok(entries(&[(STREAM, TCP, "[::1]:80")]))
    );
    assert_eq!(
        ask("::1", 0, 0, 0, UDP),
        Ok(entries(&[(DGRAM, UDP, "[::1]:80")]))
    );
    // A family the address does not have is EAI_ADDRFAMILY, unless V4MAPPED maps it.
    assert_eq!(ask("127.0.0.1", 0, INET6, STREAM, 0), Err(AIADDRFAMILY));
    assert_eq!(ask("::1", 0, INET4, STREAM, 0), Err(AIADDRFAMILY));
    let mapped = ask("127.0.0.1", AI_V4MAPPED, INET6, STREAM, 0).expect("mapped");
    assert_eq!(mapped.len(), 1);
    assert_eq!(mapped[0].addr, "[::ffff:127.0.0.1]:80".parse().unwrap());
    assert_eq!(
        mapped[0].flags, AI_V4MAPPED,
        "glibc returns the request's flags"
    );
    // NUMERICHOST refuses names; CANONNAME names the first result only.
    assert_eq!(
        ask("localhost", AI_NUMERICHOST, 0, STREAM, 0),
        Err(AINONAME)
    );
    let canon = ask("127.0.0.1", AI_CANONNAME, 0, 0, 0).expect("canonname");
    assert_eq!(canon[0].canon.as_deref(), Some("127.0.0.1"));
    assert!(canon[1..].iter().all(|e| e.canon.is_none()), "{canon:?}");
}

#[test]
fn localhost_with_every_hint_matches_the_host_resolver() {
    let cases = [
        (0, 0),
        (0, INET4),
        (AI_CANONNAME, 0),
        (AI_ADDRCONFIG, 0),
        (AI_NUMERICSERV, 0),
        (AI_V4MAPPED, INET6),
        (AI_V4MAPPED | AI_ALL, INET6),
        (AI_PASSIVE, INET4),
    ];
    for (flags, family) in cases {
        for socktype in [0, STREAM, DGRAM] {
            same_as_host(Ask {
                node: Some("localhost"),
                service: Some("80"),
                flags,
                family,
                socktype,
                protocol: 0,
            })
            .ok();
        }
    }
    let canon = same_as_host(Ask {
        node: Some("localhost"),
        service: Some("80"),
        flags: AI_CANONNAME,
        family: INET4,
        socktype: STREAM,
        protocol: 0,
    })
    .expect("localhost resolves");
    assert_eq!(canon[0].addr, "127.0.0.1:80".parse().unwrap());
    assert_eq!(canon[0].canon.as_deref(), Some("localhost"));
    // V4MAPPED with INET6: every answer is IPv6, 127.0.0.1 among them mapped.
    let mapped = same_as_host(Ask {
        node: Some("localhost"),
        service: Some("80"),
        flags: AI_V4MAPPED | AI_ALL,
        family: INET6,
        socktype: STREAM,
        protocol: 0,
    })
    .expect("mapped");
    assert!(mapped.iter().all(|e| e.addr.is_ipv6()), "{mapped:?}");
    assert!(
        mapped
            .iter()
            .any(|e| e.addr == "[::ffff:127.0.0.1]:80".parse().unwrap()),
        "{mapped:?}"
    );
}

/// Without a node: AI_PASSIVE gives the wildcard addresses, otherwise loopback, both
/// families, in the host's order.
#[test]
fn no_node_gives_wildcard_or_loopback() {
    let ask = |flags| {
        let mut r = same_as_host(Ask {
            service: Some("8080"),
            flags,
            socktype: STREAM,
            ..Ask::default()
        })
        .expect("service-only lookup");
        r.sort();
        r.into_iter()
            .map(|e| e.addr.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ask(AI_PASSIVE), ["0.0.0.0:8080", "[::]:8080"]);
    assert_eq!(ask(0), ["127.0.0.1:8080", "[::1]:8080"]);
}

/// Services come from the host's database (/etc/services), so every name in it works, not
/// a built-in few; NUMERICSERV refuses names; an unknown service is EAI_SERVICE.
#[test]
fn services_come_from_the_host_database() {
    let port = |service, flags| {
        same_as_host(Ask {
            node: Some("127.0.0.1"),
            service: Some(service),
            flags,
            socktype: STREAM,
            ..Ask::default()
        })
        .map(|r| r[0].addr.port())
    };
    assert_eq!(port("http", 0), Ok(80));
    assert_eq!(port("imaps", 0), Ok(993));
    assert_eq!(port("postgresql", 0), Ok(5432));
    assert_eq!(port("8080", AI_NUMERICSERV), Ok(8080));
    assert_eq!(port("http", AI_NUMERICSERV), Err(AINONAME));
    assert_eq!(port("no-such-service-xyz", 0), Err(AISERVICE));
}

#[test]
fn an_unknown_name_is_ainoname() {
    let r = same_as_host(Ask {
        node: Some("no..such.invalid"),
        service: Some("80"),
        ..Ask::default()
    });
    assert_eq!(r, Err(AINONAME));
}
