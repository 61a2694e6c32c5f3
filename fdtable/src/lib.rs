//! A guest file-descriptor table: `u32` fd numbers -> entries, numbered by
//! a choice of policy, with the guarantees and speed of a kernel fd table.
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
//! | `model` | no      | [`model`]: a reference model and operation plan for property tests and fuzzing |
//!
//! # Implementation
//!
//! Entries live in a [`slab::Slab`]; slab keys are reused LIFO and are never
//! fd numbers. Which fds are used, and each open fd's slab key, live in a
//! sparse radix tree of 64-bit words: a leaf holds one `used` word for 64
//! fds (a word of Linux's `open_fds`) and the 64 slab keys; an inner node
//! holds, for its 64 children, a `full` word (Linux's `full_fds_bits`,
//! repeated at every level), a per-child used count and the child's index.
//! Subtrees with nothing used are not allocated, so a table holding fds
//! near 2^31 costs memory for the fds it holds, not for their values, and
//! the tree grows upward only as far as the largest fd needs (height 2 for
//! fds below 4096). Storing the keys in the leaves makes the tree the
//! fd -> key map as well: a lookup is one walk of at most six nodes, with
//! no hashing, and ascending iteration comes for free.
//!
//! Lowest-free starts at a `next_fd` hint (as Linux does) and walks to the
//! first clear bit of the leaf, then up to the first non-full sibling and
//! down its first non-full children. Random and capped draw `k` uniformly
//! below the number of free fds in the range and walk down subtracting
//! per-child free counts (rank/select). Both cost a bounded number of word
//! operations per level whatever the occupancy, unlike "draw, retry if
//! taken", which slows down as 1/(1-load) and never ends when full.
//!
//! The quarantine is a FIFO of `(fd, tick)` counted in allocations; a
//! quarantined fd stays marked used (so no policy picks it) but is not
//! open, and its slot stores its closing tick so a stale FIFO entry, left
//! behind after `insert_at` or `renumber` took the fd, is recognised.

#![forbid(unsafe_code)]

mod bitmap;
mod error;
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
