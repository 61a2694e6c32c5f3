//! Heap bytes per open fd, counted by a global allocator, for `n` random
//! fds over `[0, 2^31)` (the sparse case), next to `slab`'s own bytes per
//! entry (the table keeps its entries in a `Slab`, so that part is the
//! same for every policy) and lowest-free's dense layout.
//!
//! Run: `cargo bench -p fdtable --bench memory` (figures in `README.md`).
//! Not a criterion bench: it measures bytes, not time, and prints a table.

use std::{
    alloc::{GlobalAlloc, Layout, System},
    hint::black_box,
    sync::atomic::{AtomicUsize, Ordering},
};

use fdtable::{FdPolicy, FdTable};
use slab::Slab;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

#[global_allocator]
static GLOBAL: Counting = Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees carry over; the counter is a side
// effect that allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded; `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Heap bytes held by what `build` returns.
fn heap_of<T>(build: impl FnOnce() -> T) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    let value = black_box(build());
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    drop(value);
    bytes
}

fn table(policy: FdPolicy, n: usize) -> FdTable<u64> {
    let mut table = FdTable::new(policy);
    for i in 0..n {
        let _ = table.insert(i as u64);
    }
    assert_eq!(table.len(), n);
    table
}

fn slab(n: usize) -> Slab<u64> {
    let mut slab = Slab::new();
    for i in 0..n {
        slab.insert(i as u64);
    }
    slab
}

fn main() {
    println!(
        "| open fds | table, random over 2^31 | of which slab | fd map (sparse tree) | table, lowest-free |"
    );
    println!(
        "|---------:|------------------------:|--------------:|---------------------:|-------------------:|"
    );
    for n in [1_000, 10_000, 100_000] {
        let per = |bytes: usize| bytes as f64 / n as f64;
        let random = per(heap_of(|| table(FdPolicy::random().with_seed(1), n)));
        let lowest = per(heap_of(|| table(FdPolicy::lowest(), n)));
        let slab = per(heap_of(|| slab(n)));
        println!(
            "| {n} | {random:.1} B/fd | {slab:.1} B/entry | {:.1} B/fd | {lowest:.1} B/fd |",
            random - slab
        );
    }
}
