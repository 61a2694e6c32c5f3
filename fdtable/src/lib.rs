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
//! fd numbers. Which fds are used, and each open fd's slab key, live in a
//! sparse radix tree of 64-bit words (`bitmap.rs`): a leaf holds one `used`
//! word for 64 fds (a word of Linux's `open_fds`) and their 64 slab keys;
//! an inner node holds, for its 64 children, a `full` word (Linux's
//! `full_fds_bits`, repeated at every level), the child's index, and — for
//! the random policies only — a per-child used count with sums per group
//! of 8 children. All-free subtrees are not allocated, so a table holding
//! fds near 2^31 costs memory for the fds it holds, not for their values;
//! the tree grows upward only as far as the largest fd needs (one inner
//! level below fd 4096).
//!
//! The fd -> slab key map is the tree itself rather than a
//! `HashMap<u32, usize>`: the leaf must be reached anyway to update the
//! bitmap, so storing the key there makes a lookup one walk of at most six
//! nodes, with no hashing and no second structure to keep consistent, and
//! gives ascending iteration for free. A one-entry cache of the last leaf
//! reached makes repeated work on one leaf (insert+remove cycles) skip the
//! walk altogether.
//!
//! Lowest-free starts at a `next_fd` hint (as Linux does), takes the first
//! clear bit of that leaf, or walks up to the first non-full sibling and
//! down its first non-full children. Random and capped draw `k` uniformly
//! below the number of free fds in the range and walk down subtracting
//! free counts (rank/select), with fixed, branch-free work per level. Both
//! cost the same whatever the occupancy, unlike "draw, retry if taken",
//! which slows down as 1/(1-load) and never ends when full.
//!
//! The quarantine is a FIFO ring of `(fd, tick)` counted in allocations; a
//! quarantined fd stays marked used (so no policy picks it) but is not
//! open, and its slot stores its closing tick so a stale ring entry, left
//! behind after `insert_at` or `renumber` took the fd, is recognised.
//!
//! Memory: about 4.6 bytes per fd for dense fds (100,000 lowest-free fds
//! use 1,563 leaves and 26 inner nodes), but about 850 bytes per fd when
//! fds are isolated (100,000 random fds over 2^31 each get their own leaf
//! and bottom inner node). Path compression would cut the latter; it is
//! not implemented.

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
