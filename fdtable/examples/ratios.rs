//! Insert+remove cost per policy relative to `slab`, measured interleaved.
//!
//! The criterion bench (`benches/alloc.rs`) measures each case for seconds
//! at a time, so on a shared machine a load spike can land on one case and
//! not on its baseline. This example alternates short chunks of the table
//! and of `slab` (same setup as the bench: fill, then thin at random to the
//! occupancy) and keeps each one's best chunk, so both see the same load.
//! Run: `cargo run --release -p fdtable --example ratios`.

use std::{hint::black_box, time::Instant};

use fdtable::{Fd, FdPolicy, FdTable};
use rand::{SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use slab::Slab;

const CHUNK: u32 = 2000;
const ROUNDS: u32 = 300;

/// Which of `total` inserted entries to remove so that `open` remain.
fn thinning(total: usize, open: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..total).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(1));
    order.truncate(total - open);
    order
}

fn setup(policy: FdPolicy, limit: usize, total: usize, open: usize) -> (FdTable<u64>, Slab<u64>) {
    let mut table = FdTable::with_limit(policy, limit);
    let mut slab = Slab::new();
    let fds: Vec<Fd> = (0..total).filter_map(|_| table.insert(0).ok()).collect();
    let keys: Vec<usize> = (0..total).map(|_| slab.insert(0)).collect();
    for i in thinning(total, open) {
        table.try_remove(fds[i]);
        slab.remove(keys[i]);
    }
    (table, slab)
}

/// Best-chunk ns per insert+remove for the table and for slab.
fn measure(table: &mut FdTable<u64>, slab: &mut Slab<u64>) -> (f64, f64) {
    let (mut best_table, mut best_slab) = (f64::MAX, f64::MAX);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for i in 0..CHUNK {
            let fd = table.insert(black_box(u64::from(i))).unwrap_or(0);
            black_box(table.try_remove(fd));
        }
        best_table = best_table.min(start.elapsed().as_nanos() as f64 / f64::from(CHUNK));
        let start = Instant::now();
        for i in 0..CHUNK {
            let key = slab.insert(black_box(u64::from(i)));
            black_box(slab.remove(key));
        }
        best_slab = best_slab.min(start.elapsed().as_nanos() as f64 / f64::from(CHUNK));
    }
    (best_table, best_slab)
}

fn main() {
    let small = 1024;
    let large = 100_000;
    println!("| case | policy | ns/op | slab ns/op | ratio |");
    println!("|------|--------|------:|-----------:|------:|");
    let cases = [
        ("1%", small / 100),
        ("50%", small / 2),
        ("99%", small * 99 / 100),
    ];
    for (label, open) in cases {
        for (name, policy) in [
            ("lowest", FdPolicy::lowest()),
            ("random", FdPolicy::random().with_seed(1)),
            ("capped", FdPolicy::capped(1024).with_seed(1)),
        ] {
            let (mut table, mut slab) = setup(policy, small, small, open);
            let (t, s) = measure(&mut table, &mut slab);
            println!(
                "| {label} of 1024 | {name} | {t:.1} | {s:.1} | {:.1}x |",
                t / s
            );
        }
    }
    let total = large + large / 100;
    for (name, policy) in [
        ("lowest", FdPolicy::lowest()),
        ("random", FdPolicy::random().with_seed(1)),
        ("capped:131072", FdPolicy::capped(1 << 17).with_seed(1)),
    ] {
        let (mut table, mut slab) = setup(policy, usize::MAX, total, large);
        let (t, s) = measure(&mut table, &mut slab);
        println!("| 100k open | {name} | {t:.1} | {s:.1} | {:.1}x |", t / s);
    }
}
