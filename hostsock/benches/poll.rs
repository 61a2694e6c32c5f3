//! One wait over N idle registered sockets plus one ready socket: the persistent
//! [`hostsock::Poller`] (register once, re-arm only what fired) against a naive baseline
//! that registers and unregisters every socket around every wait, in the same group
//! (as async-io `benches/io.rs`). Target: persistent >= 5x faster at N = 1000.
//!
//! Sockets are UDP on 127.0.0.1; the ready one has a datagram queued that is never read,
//! so every wait reports exactly one event.

use std::{hint::black_box, io::IoSlice, sync::Arc, time::Duration};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hostsock::{AddressFamily, Interest, NetworkPolicy, Poller, Socket, SocketKind};

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

fn udp() -> Socket {
    let policy = Arc::new(NetworkPolicy::allow_all());
    let mut s = Socket::open(AddressFamily::Ipv4, SocketKind::Datagram, policy).expect("open");
    s.bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind udp");
    s
}

/// A socket with a datagram waiting, plus the sender (kept so nothing is freed).
fn ready_socket() -> (Socket, Socket) {
    let ready = udp();
    let mut sender = udp();
    sender
        .send_to(&[IoSlice::new(b"x")], ready.local_addr().expect("addr"))
        .expect("send");
    (ready, sender)
}

fn raise_nofile() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut lim = getrlimit(Resource::Nofile);
    lim.current = lim.maximum;
    let _ = setrlimit(Resource::Nofile, lim);
}

fn persistent(c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, n: usize) {
    let mut poller = Poller::new().expect("poller");
    let mut sockets: Vec<Socket> = (0..n).map(|_| udp()).collect();
    let (ready, _sender) = ready_socket();
    sockets.push(ready);
    let mut ready_key = 0;
    for s in &mut sockets {
        // Registers the socket's own fd: one host fd per socket.
        ready_key = poller.insert(s).expect("insert");
    }
    let subs: Vec<_> = sockets.iter().map(|s| (s, Interest::READABLE)).collect();
    c.bench_with_input(BenchmarkId::new("persistent", n), &n, |b, _| {
        b.iter(|| {
            let r = poller.wait(&subs, Some(Duration::ZERO)).expect("wait");
            // `>=`: on a shared host a stray loopback datagram can land on a reused port.
            assert!(r.iter().any(|x| x.key == ready_key), "{r:?}");
            black_box(r)
        });
    });
}

#[allow(unsafe_code)]
fn naive(c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, n: usize) {
    let poller = polling::Poller::new().expect("poller");
    let mut sockets: Vec<Socket> = (0..n).map(|_| udp()).collect();
    let (ready, _sender) = ready_socket();
    sockets.push(ready);
    let mut events = polling::Events::new();
    c.bench_with_input(BenchmarkId::new("naive", n), &n, |b, _| {
        b.iter(|| {
            for (key, s) in sockets.iter().enumerate() {
                // SAFETY: every socket outlives its registration: all are deleted below,
                // within this iteration, while `sockets` is still alive.
                unsafe { poller.add(s, polling::Event::readable(key)) }.expect("add");
            }
            events.clear();
            poller
                .wait(&mut events, Some(Duration::ZERO))
                .expect("wait");
            assert!(!events.is_empty());
            for s in &sockets {
                poller.delete(s).expect("delete");
            }
        });
    });
}

fn bench_wait(c: &mut Criterion) {
    raise_nofile();
    let mut group = c.benchmark_group("wait_one_ready_of_n");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group.sample_size(20);
    for n in SIZES {
        persistent(&mut group, n);
        naive(&mut group, n);
    }
    group.finish();
}

criterion_group!(benches, bench_wait);
criterion_main!(benches);
