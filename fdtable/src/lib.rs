//! A guest file-descriptor table: `u32` fd numbers -> entries, numbered by
//! a choice of policy, with the guarantees and data structures of a kernel
//! fd table.
//!
//! A WebAssembly runtime hands its guest small integers (fds) that stand
//! for host objects. *Which* number a new object gets matters: POSIX
//! programs rely on "the lowest free fd" (`dup2`-free stdio redirection,
//! `select()` bitmaps), while WASI recommends unpredictable numbers so a
//! guest that keeps using a closed fd hits `EBADF` instead of silently
//! reaching someone else's socket. [`FdTable`] offers both, plus a capped
//! variant for `select()` users and a deterministic delayed-reuse
//! quarantine, without depending on any runtime, WASI types or sockets.
//!
//! # Examples
//!
//! **Lowest-free** ([`FdPolicy::lowest`]): the POSIX rule, what Linux's
//! `alloc_fd` guarantees. Use it for ported C programs.
//!
//! ```
//! use fdtable::{FdPolicy, FdTable};
//! let mut table = FdTable::new(FdPolicy::lowest().with_floor(3));
//! table.insert_at(0, "stdin")?;
//! assert_eq!(table.insert("a")?, 3);
//! assert_eq!(table.insert("b")?, 4);
//! table.remove(3);
//! assert_eq!(table.insert("c")?, 3); // the lowest free fd again
//! # Ok::<(), fdtable::FdError>(())
//! ```
//!
//! **Random** ([`FdPolicy::random`]): uniform over the free fds of
//! `[floor, 2^31)`, WasmEdge's range, so stale fds are unlikely to alias a
//! new object. Seed it to reproduce a run.
//!
//! ```
//! use fdtable::{FdPolicy, FdTable};
//! let policy: FdPolicy = "random,seed=42".parse()?;
//! let mut a = FdTable::new(policy.clone());
//! let mut b = FdTable::new(policy);
//! let fd = a.insert(())?;
//! assert!(fd < 1 << 31);
//! assert_eq!(b.insert(())?, fd); // same seed, same fds
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Capped** ([`FdPolicy::capped`]): random, but always below a cap
//! (default 1024 = `FD_SETSIZE`) so `select()`-based guests keep working.
//! The table is full when every fd below the cap is taken.
//!
//! ```
//! use fdtable::{FdError, FdPolicy, FdTable};
//! let mut table = FdTable::new(FdPolicy::capped(4).with_seed(7));
//! for _ in 0..4 {
//!     assert!(table.insert(())? < 4);
//! }
//! assert_eq!(table.insert(()), Err(FdError::TableFull));
//! # Ok::<(), FdError>(())
//! ```
//!
//! **Quarantine** ([`FdPolicy::with_quarantine`], any policy): a closed fd
//! is not handed out again until `N` further allocations have happened —
//! the use-after-close protection of randomness, but deterministic.
//!
//! ```
//! use fdtable::{FdPolicy, FdTable};
//! let mut table = FdTable::new(FdPolicy::lowest().with_quarantine(2));
//! let fd = table.insert("old")?;
//! table.remove(fd);
//! assert_eq!(table.insert("x")?, 1); // fd 0 is quarantined...
//! assert_eq!(table.insert("y")?, 2);
//! assert_eq!(table.insert("z")?, 0); // ...until 2 allocations passed
//! # Ok::<(), fdtable::FdError>(())
//! ```
//!
//! # Crate features
//!
//! | Feature | Default | Enables |
//! |---------|---------|---------|
//! | `model` | no      | `fdtable::model`: the reference model and operation plan used by the property tests, for fuzzers to reuse |
//!
//! # Implementation
//!
//! Entries live in a [`slab::Slab`]; slab keys are reused LIFO and are never
//! fd numbers. Which fds are used, and each open fd's slab key, live in an
//! fd map (`map.rs`) with two representations, chosen by the policy:
//!
//! - **Flat, for lowest-free** (`dense.rs`). Lowest-free fds are dense —
//!   the policy never hands out an fd above `floor + open fds` — so fds
//!   `[0, bound)` live in flat arrays indexed by fd, the layout of Linux's
//!   `struct fdtable`: per 64 fds a `used` word (`open_fds`), a
//!   `quarantined` word and the 64 slab keys, and above them summary
//!   levels (`full_fds_bits`, repeated until one word remains). An insert
//!   reads the word of the `next_fd` hint, takes its first clear bit and
//!   stores the key; a remove clears the bit and lowers the hint: no walk,
//!   no search, no tree. Marking a word full in the summary is left to the
//!   next search that meets it, so insert+remove cycles at a nearly full
//!   word do not write the summary twice each. The flat part grows by
//!   doubling, and only while it stays within 4x the used fds (or 1024
//!   fds), so `insert_at(2^31 - 1)`, a far `renumber` target or a huge
//!   floor do not allocate 2^31 / 8 bytes: fds above the bound go to the
//!   tree below, and move into the flat part if it later grows over them.
//! - **A sparse radix tree, for random and capped** (`bitmap.rs`), and for
//!   lowest-free's fds above the flat bound: a leaf holds one `used` word
//!   for 64 fds and their 64 slab keys; an inner node holds, for its 64
//!   children, a `full` word, the child's index, and — for the random
//!   policies — a per-child used count with sums per group of 8 children.
//!   All-free subtrees are not allocated, so fds near 2^31 cost memory for
//!   the fds held, not for their values; the tree grows upward only as far
//!   as the largest fd needs.
//!
//! The fd -> slab key map is this structure itself rather than a
//! `HashMap<u32, usize>`: the bitmap word must be reached anyway, so
//! storing the key beside it makes a lookup one index (flat) or one walk
//! of at most six nodes (tree), with no hashing and no second structure to
//! keep consistent, and gives ascending iteration for free. In the tree, a
//! one-entry cache of the last leaf reached lets insert+remove cycles skip
//! the walk.
//!
//! Lowest-free starts at a `next_fd` hint (as Linux does), takes the first
//! clear bit of that word, or walks the summary levels up to the first
//! not-full item and down its first not-full children. Random and capped
//! draw `k` uniformly below the number of free fds in the range and walk
//! down the tree subtracting free counts (rank/select), with fixed,
//! branch-free work per level. Both cost the same whatever the occupancy,
//! unlike "draw, retry if taken", which slows down as 1/(1-load) and never
//! ends when full.
//!
//! The quarantine is a FIFO ring of `(fd, tick)` counted in allocations; a
//! quarantined fd stays marked used (so no policy picks it) but is not
//! open, and its slot stores its closing tick so a stale ring entry, left
//! behind after `insert_at` or `renumber` took the fd, is recognised.
//!
//! Memory: about 4.4 bytes per fd of the flat part for lowest-free (at most
//! ~18 bytes per used fd, as the flat part is at most 4x the used fds when
//! it grows), about 4.6 bytes per fd for dense fds in the tree, but about
//! 850 bytes per fd when fds are isolated (100,000 random fds over 2^31
//! each get their own leaf and bottom inner node). Path compression would
//! cut the latter; it is not implemented.

#![forbid(unsafe_code)]

mod bitmap;
mod dense;
mod error;
mod map;
#[cfg(feature = "model")]
pub mod model;
mod policy;
mod quarantine;
mod table;
mod vacant;

#[cfg(test)]
mod tests;

pub use crate::{
    error::{FdError, PolicyParseError},
    policy::{DEFAULT_CAP, FD_END, FdPolicy, PolicyKind},
    table::{FdTable, Iter},
    vacant::VacantFd,
};

/// A guest fd number.
pub type Fd = u32;
