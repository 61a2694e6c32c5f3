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
//! Which fds are used, and each open fd's entry, live in an fd map
//! (`map.rs`) with two representations, chosen by the policy:
//!
//! - **Flat, for lowest-free** (`dense.rs`). Lowest-free fds are dense —
//!   the policy never hands out an fd above `floor + open fds` — so fds
//!   `[0, bound)` live in flat arrays indexed by fd, the layout of Linux's
//!   `struct fdtable`: per 64 fds a `used` word (`open_fds`) and a
//!   `quarantined` word, the entries themselves in a flat array of cells
//!   indexed by fd (Linux's `fd_array`), and above the words summary
//!   levels (`full_fds_bits`, repeated until one word remains). An insert
//!   reads the word of the `next_fd` hint, takes its first clear bit and
//!   writes the entry into that fd's cell; a remove takes the entry out of
//!   the cell, clears the bit and lowers the hint: one index, no walk, no
//!   search, no second lookup in a slab. Marking a word full in the
//!   summary is left to the next search that meets it, so insert+remove
//!   cycles at a nearly full word do not write the summary twice each.
//!   The flat part starts at 64 fds and grows by doubling, only while it
//!   stays within 4x the used fds (or 1024 fds), so `insert_at(2^31 - 1)`,
//!   a far `renumber` target or a huge floor do not allocate 2^31 cells:
//!   fds above the bound go to the tree below, and move into the flat
//!   part, entries included, if it later grows over them.
//! - **A counted B+tree, for random and capped** (`tree.rs`), and for
//!   lowest-free's fds above the flat bound: leaves hold up to 64 used fds
//!   in order, as `(fd, slab key or tick)` pairs of 8 bytes, and the
//!   entries live in a [`slab::Slab`] (keys reused LIFO, never fd
//!   numbers); inner nodes hold up to 32 children with each child's lowest
//!   fd and number of used fds (and prefix sums of those counts). Memory
//!   follows the number of fds held, never their values: nodes are at
//!   least a quarter full, and an emptied tree frees everything. The tree
//!   is the fd -> key map itself rather than a `HashMap<u32, usize>`:
//!   the used/free state must be reached anyway, so the key beside it
//!   costs no second structure to keep consistent, and ascending
//!   iteration comes for free.
//!
//! Lowest-free starts at a `next_fd` hint (as Linux does), takes the first
//! clear bit of that word, or walks the summary levels up to the first
//! not-full item and down its first not-full children. Random and capped
//! draw `k` uniformly below the number of free fds in the range and select
//! the `k`-th free fd in one descent: before a used fd of rank `r` lie
//! `fd - r` free fds, which never decreases along the fds, so each level
//! picks the last child whose first fd has at most `k` free fds before it
//! (a fixed-size, branch-free pass per node). The tree remembers that
//! descent (a finger: the path, the leaf and the fd's place in it), so
//! inserting the selected fd, and removing an fd of the same leaf, skip
//! their own descents. Neither policy's cost depends on the occupancy
//! beyond the tree's height, unlike "draw, retry if taken", which slows
//! down as 1/(1-load) and never ends when full.
//!
//! The quarantine is a FIFO ring of `(fd, tick)` counted in allocations; a
//! quarantined fd stays marked used (so no policy picks it) but is not
//! open, and its slot stores its closing tick so a stale ring entry, left
//! behind after `insert_at` or `renumber` took the fd, is recognised.
//!
//! Memory (`benches/memory.rs`, `u64` entries): lowest-free's flat part
//! costs a cell (the entry plus a tag: 16 bytes here) and 0.4 bytes of
//! bitmap per fd covered, 17-27 bytes per open fd in all; random fds
//! anywhere in `[0, 2^31)` cost 14-22 bytes each in the tree (8 bytes of
//! entry, leaves about two-thirds full, arena growth slack) plus the
//! `Slab`'s own 16-26 bytes per entry.

#![forbid(unsafe_code)]

mod dense;
mod error;
mod map;
#[cfg(feature = "model")]
pub mod model;
mod policy;
mod quarantine;
mod table;
mod tree;
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
