//! Insert+remove cycles per policy at several occupancies, with `slab`
//! insert+remove in the same group as the baseline.
//!
//! Each table is filled, then thinned at random (fixed seed) down to the
//! target occupancy, so free fds are scattered as after real churn. One
//! iteration inserts one entry with the policy and removes it again.
//!
//! The machine these run on is shared, so each criterion sample is timed
//! as the best of short chunks (`best_of_chunks`): a preemption inflates one
//! chunk, not the sample, and the table and its `slab` baseline are judged
//! under the same conditions.
//! Run: `cargo bench -p fdtable` (results summarised in `README.md`).

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use fdtable::{Fd, FdPolicy, FdTable};
use rand::{SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use slab::Slab;

/// Fd range / limit of the small tables (FD_SETSIZE).
const SMALL: usize = 1024;
/// Open fds in the large case.
const LARGE: usize = 100_000;

/// Which of `total` inserted entries to remove, in order, so that `open`
/// remain scattered at random (fixed seed).
fn thinning(total: usize, open: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..total).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(1));
    order.truncate(total - open);
    order
}

fn table(policy: FdPolicy, limit: usize, total: usize, open: usize) -> FdTable<u64> {
    let mut table = FdTable::with_limit(policy, limit);
    let fds: Vec<Fd> = (0..total).filter_map(|_| table.insert(0).ok()).collect();
    for i in thinning(total, open) {
        table.try_remove(fds[i]);
    }
    assert_eq!(table.len(), open);
    table
}

fn slab(total: usize, open: usize) -> Slab<u64> {
    let mut slab = Slab::with_capacity(total);
    let keys: Vec<usize> = (0..total).map(|_| slab.insert(0)).collect();
    for i in thinning(total, open) {
        slab.remove(keys[i]);
    }
    slab
}

/// Iterations per chunk: long enough to time, short enough to fit between
/// preemptions.
const CHUNK: u64 = 200;

/// Runs `op` `iters` times in chunks and reports `iters` times the best
/// per-iteration chunk time.
fn best_of_chunks(iters: u64, mut op: impl FnMut()) -> Duration {
    // Nanoseconds per iteration, as f64: whole-ns `Duration` division
    // would round a 1.4 ns slab cycle down to 1 ns.
    let mut best = f64::MAX;
    let mut done = 0;
    while done < iters {
        let n = CHUNK.min(iters - done);
        let start = Instant::now();
        for _ in 0..n {
            op();
        }
        best = best.min(start.elapsed().as_nanos() as f64 / n as f64);
        done += n;
    }
    Duration::from_secs_f64(best * iters as f64 * 1e-9)
}

fn bench_slab(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    id: &str,
    mut s: Slab<u64>,
) {
    c.bench_function(BenchmarkId::new("slab", id), |b| {
        b.iter_custom(|iters| {
            best_of_chunks(iters, || {
                let key = s.insert(black_box(7));
                black_box(s.remove(key));
            })
        })
    });
}

fn bench_table(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    id: &str,
    mut t: FdTable<u64>,
) {
    c.bench_function(BenchmarkId::new(name, id), |b| {
        b.iter_custom(|iters| {
            best_of_chunks(iters, || {
                let fd = t.insert(black_box(7)).unwrap_or(0);
                black_box(t.try_remove(fd));
            })
        })
    });
}

fn occupancy(c: &mut Criterion) {
    let mut group = c.benchmark_group("insert_remove");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    for (label, open) in [
        ("1pct", SMALL / 100),
        ("50pct", SMALL / 2),
        ("99pct", SMALL * 99 / 100),
    ] {
        bench_slab(&mut group, label, slab(SMALL, open));
        bench_table(
            &mut group,
            "lowest",
            label,
            table(FdPolicy::lowest(), SMALL, SMALL, open),
        );
        bench_table(
            &mut group,
            "random",
            label,
            table(FdPolicy::random().with_seed(1), SMALL, SMALL, open),
        );
        bench_table(
            &mut group,
            "capped",
            label,
            table(
                FdPolicy::capped(SMALL as u32).with_seed(1),
                SMALL,
                SMALL,
                open,
            ),
        );
    }
    let label = "100k_open";
    let total = LARGE + LARGE / 100;
    bench_slab(&mut group, label, slab(total, LARGE));
    bench_table(
        &mut group,
        "lowest",
        label,
        table(FdPolicy::lowest(), usize::MAX, total, LARGE),
    );
    bench_table(
        &mut group,
        "random",
        label,
        table(FdPolicy::random().with_seed(1), usize::MAX, total, LARGE),
    );
    bench_table(
        &mut group,
        "capped",
        label,
        table(
            FdPolicy::capped(1 << 17).with_seed(1),
            usize::MAX,
            total,
            LARGE,
        ),
    );
    group.finish();
}

criterion_group!(benches, occupancy);
criterion_main!(benches);
