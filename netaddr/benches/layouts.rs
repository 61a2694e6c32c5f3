//! Encode/decode cost of every layout (criterion; warm-up 1 s, measure 2 s).
//!
//! Baseline in the same group: `copy16`, a plain 16-byte copy.

use criterion::{Criterion, criterion_group, criterion_main};
use netaddr::{
    Protocol, SocketType,
    addrinfo::{self, AddrInfoEntry},
    posix, sa_data, text,
    wasmedge::{self, Generation},
};
use std::{hint::black_box, net::SocketAddr, time::Duration};

fn addrs() -> [(&'static str, SocketAddr); 2] {
    [
        ("v4", "127.0.0.1:8080".parse().unwrap()),
        ("v6", "[fe80::1%7]:443".parse().unwrap()),
    ]
}

fn bench_posix(c: &mut Criterion) {
    let mut g = c.benchmark_group("layouts");
    let src = [7u8; 16];
    g.bench_function("copy16", |b| {
        let mut dst = [0u8; 16];
        b.iter(|| dst.copy_from_slice(black_box(&src)))
    });
    for (name, addr) in addrs() {
        let mut buf = [0u8; posix::SOCKADDR_IN6_LEN];
        let w = posix::encode(&addr, &mut buf);
        g.bench_function(format!("posix/encode/{name}"), |b| {
            let mut out = [0u8; posix::SOCKADDR_STORAGE_LEN];
            b.iter(|| posix::encode(black_box(&addr), &mut out))
        });
        g.bench_function(format!("posix/decode/{name}"), |b| {
            b.iter(|| posix::decode(black_box(&buf), w.full_len as u32))
        });
    }
    g.finish();
}

fn bench_wasmedge(c: &mut Criterion) {
    let mut g = c.benchmark_group("layouts");
    for (name, addr) in addrs() {
        let mut octets = vec![0u8; if addr.is_ipv4() { 4 } else { 16 }];
        wasmedge::encode_getaddr_v1(&addr, &mut octets).unwrap();
        g.bench_function(format!("wasmedge_v1/encode/{name}"), |b| {
            let mut out = octets.clone();
            b.iter(|| wasmedge::encode_getaddr_v1(black_box(&addr), &mut out))
        });
        g.bench_function(format!("wasmedge_v1/decode/{name}"), |b| {
            b.iter(|| wasmedge::decode_address(black_box(&octets), 8080, Generation::V1))
        });
        let mut storage = [0u8; wasmedge::STORAGE_LEN];
        wasmedge::encode_getaddr_v2(&addr, &mut storage).unwrap();
        g.bench_function(format!("wasmedge_storage/encode/{name}"), |b| {
            let mut out = [0u8; wasmedge::STORAGE_LEN];
            b.iter(|| wasmedge::encode_getaddr_v2(black_box(&addr), &mut out))
        });
        g.bench_function(format!("wasmedge_storage/decode/{name}"), |b| {
            b.iter(|| wasmedge::decode_address(black_box(&storage), 8080, Generation::V2))
        });
    }
    g.finish();
}

fn bench_other(c: &mut Criterion) {
    let mut g = c.benchmark_group("layouts");
    for (name, addr) in addrs() {
        let mut data = [0u8; sa_data::SA_DATA_V6_LEN];
        let w = sa_data::encode(&addr, &mut data);
        let family = if addr.is_ipv4() { 1 } else { 2 };
        g.bench_function(format!("sa_data/encode/{name}"), |b| {
            let mut out = [0u8; sa_data::SA_DATA_V6_LEN];
            b.iter(|| sa_data::encode(black_box(&addr), &mut out))
        });
        g.bench_function(format!("sa_data/decode/{name}"), |b| {
            b.iter(|| sa_data::decode(family, black_box(&data[..w.full_len])))
        });
        let mut txt = [0u8; 80];
        let t = text::encode(&addr, &mut txt);
        g.bench_function(format!("text/encode/{name}"), |b| {
            let mut out = [0u8; 80];
            b.iter(|| text::encode(black_box(&addr), &mut out))
        });
        g.bench_function(format!("text/decode/{name}"), |b| {
            b.iter(|| text::decode(black_box(&txt[..t.written])))
        });
    }
    g.finish();
}

fn bench_addrinfo(c: &mut Criterion) {
    let mut g = c.benchmark_group("layouts");
    let entries: Vec<AddrInfoEntry<'_>> = addrs()
        .iter()
        .map(|(_, addr)| AddrInfoEntry {
            flags: 0,
            socktype: SocketType::Stream,
            protocol: Protocol::Tcp,
            addr: *addr,
            canonname: Some(b"localhost"),
        })
        .collect();
    let mut mem = vec![0u8; 4096];
    let laid = addrinfo::lay_out(&mut mem, 0x1000, 0x1000, &entries).unwrap();
    g.bench_function("addrinfo/lay_out/2", |b| {
        let mut m = vec![0u8; 4096];
        b.iter(|| addrinfo::lay_out(&mut m, 0x1000, 0x1000, black_box(&entries)))
    });
    g.bench_function("addrinfo/read_results/2", |b| {
        b.iter(|| addrinfo::read_results(black_box(&mem), 0x1000, laid.first, 2))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_posix, bench_wasmedge, bench_other, bench_addrinfo
}
criterion_main!(benches);
