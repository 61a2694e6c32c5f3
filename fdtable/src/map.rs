//! [`FdMap`]: the fds and their entries, flat where fds are dense and a
//! sparse tree plus a slab where they are not.
//!
//! Lowest-free fds fill `[floor, floor + open)`, so for that policy the
//! low fds and their entries live in a [`DenseTable`] (flat words and
//! cells indexed by fd, no walk, no slab); fds above its
//! bound — an `insert_at(2^31 - 1)`, a renumber far out, a huge floor —
//! live in the sparse [`FdTree`], which maps each to a key of the entry
//! in a `Slab`, so they cost memory for the fds held, not for their
//! values. The random policies spread fds over the whole range, so for
//! them the dense part stays empty and everything is in the counted tree
//! (rank/select needs its counts) and the slab.
//!
//! The dense part grows, by doubling, only to cover an fd that is being
//! marked used and only while its size stays within `DENSE_SLACK` times
//! the used fds (or `DENSE_MIN`): a lowest-free table of `n` fds stays
//! flat, while a lone fd near 2^31 goes to the tree. On growth, tree fds
//! inside the new bound move into the dense part, so every fd below the
//! bound is in the dense part and every fd at or above it in the tree.
//! Growth starts at `DENSE_START` fds, so a table holding a few entries
//! allocates cells for 64 fds, not 1024 (a cell is an entry plus a tag).

use slab::Slab;

use crate::{
    dense::{Cell, DenseTable},
    tree::FdTree,
};

/// What one fd of the tree holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Not used: may be handed out.
    Free,
    /// Open, with this slab key.
    Open(u32),
    /// Closed but not yet reusable; closed at this allocation tick.
    Quarantined(u32),
}

/// Fds the dense part covers when first allocated (Linux starts at 64).
const DENSE_START: u64 = 64;
/// Fds the dense part may cover however few are used.
const DENSE_MIN: u64 = 1024;
/// The dense part may cover at most this many fds per used fd.
const DENSE_SLACK: u64 = 4;

/// Every fd's state and entry; see the module docs.
pub(crate) struct FdMap<T> {
    dense: DenseTable<T>,
    tree: FdTree,
    /// Entries of the tree's open fds, by the key the tree stores.
    entries: Slab<T>,
    /// Whether the dense part may grow (lowest-free); otherwise it stays
    /// empty and `tree` holds every fd.
    grows: bool,
}

impl<T> FdMap<T> {
    /// An empty map: dense-then-tree for lowest-free (`dense`), all tree
    /// for the random policies.
    pub(crate) fn new(dense: bool) -> Self {
        Self {
            dense: DenseTable::new(),
            tree: FdTree::new(),
            entries: Slab::new(),
            grows: dense,
        }
    }

    /// The tree, which holds every fd when the map is not dense: for the
    /// random policies' rank/select.
    pub(crate) fn tree(&mut self) -> &mut FdTree {
        debug_assert_eq!(self.dense.bound(), 0);
        &mut self.tree
    }

    /// The entry of `fd`, if open.
    #[inline]
    pub(crate) fn get(&self, fd: u32) -> Option<&T> {
        match self.dense.cell(u64::from(fd)) {
            Some(Cell::Open(value)) => Some(value),
            Some(Cell::Free | Cell::Quarantined(_)) => None,
            None => self.tree_get(fd),
        }
    }

    /// `get` at or above the dense bound, kept out of line so the dense
    /// path stays small enough to inline.
    #[inline(never)]
    fn tree_get(&self, fd: u32) -> Option<&T> {
        match self.tree.slot(fd) {
            Slot::Open(key) => self.entries.get(key as usize),
            Slot::Free | Slot::Quarantined(_) => None,
        }
    }

    /// The entry of `fd`, if open, mutably.
    #[inline]
    pub(crate) fn get_mut(&mut self, fd: u32) -> Option<&mut T> {
        if u64::from(fd) < self.dense.bound() {
            return self.dense.get_mut(u64::from(fd));
        }
        match self.tree.slot(fd) {
            Slot::Open(key) => self.entries.get_mut(key as usize),
            Slot::Free | Slot::Quarantined(_) => None,
        }
    }

    /// The tick at which `fd` was quarantined, if it is.
    pub(crate) fn quarantined_at(&self, fd: u32) -> Option<u32> {
        match self.dense.cell(u64::from(fd)) {
            Some(Cell::Quarantined(tick)) => Some(*tick),
            Some(Cell::Free | Cell::Open(_)) => None,
            None => match self.tree.slot(fd) {
                Slot::Quarantined(tick) => Some(tick),
                Slot::Free | Slot::Open(_) => None,
            },
        }
    }

    /// Frees `fd`, which is quarantined (not open).
    pub(crate) fn release(&mut self, fd: u32) {
        if self.dense.put(u64::from(fd), Cell::Free).is_err() {
            self.tree.set(fd, Slot::Free);
        }
    }

    /// Lowest-free's insert fast path; see [`DenseTable::claim`].
    #[inline]
    pub(crate) fn claim(&mut self, start: u64, value: T) -> Result<u64, T> {
        self.dense.claim(start, value)
    }

    /// Opens `fd`, which is not open (free or quarantined), with `value`.
    /// `held` is about how many fds are used (open plus quarantined),
    /// which bounds dense growth.
    #[inline]
    pub(crate) fn place(&mut self, fd: u32, value: T, held: usize) {
        if let Err(cell) = self.dense.put(u64::from(fd), Cell::Open(value)) {
            self.place_above(fd, cell, held as u64);
        }
    }

    /// `place` at or above the dense bound: grow the dense part over `fd`
    /// if allowed, else use the tree.
    #[inline(never)]
    fn place_above(&mut self, fd: u32, cell: Cell<T>, held: u64) {
        let wide = u64::from(fd);
        let want = (wide + 1).next_power_of_two().max(DENSE_START);
        let allowed = DENSE_MIN.max(DENSE_SLACK.saturating_mul(held.saturating_add(1)));
        let cell = if self.grows && want <= allowed {
            self.grow_dense(want);
            match self.dense.put(wide, cell) {
                Ok(_) => return,
                Err(cell) => cell,
            }
        } else {
            cell
        };
        self.put_tree(fd, cell);
    }

    /// Stores `cell` at `fd` in the tree (and the slab), replacing a
    /// quarantined or free slot.
    fn put_tree(&mut self, fd: u32, cell: Cell<T>) {
        let slot = match cell {
            Cell::Free => Slot::Free,
            Cell::Open(value) => Slot::Open(self.entries.insert(value) as u32),
            Cell::Quarantined(tick) => Slot::Quarantined(tick),
        };
        self.tree.set(fd, slot);
    }

    /// Extends the dense part to `[0, bound)` and moves the tree's fds
    /// below `bound`, and their entries, into it (each fd moves at most
    /// once).
    fn grow_dense(&mut self, bound: u64) {
        let old = self.dense.bound();
        self.dense.grow((bound >> 6) as usize);
        while let Some(fd) = self.tree.next_used(old).filter(|&fd| fd < bound) {
            // Fds in the tree are below 2^31 (`insert_at` checks).
            let fd32 = fd as u32;
            let cell = match self.tree.slot(fd32) {
                Slot::Open(key) => self.entries.try_remove(key as usize).map(Cell::Open),
                Slot::Quarantined(tick) => Some(Cell::Quarantined(tick)),
                Slot::Free => None,
            };
            self.tree.set(fd32, Slot::Free);
            // Below the new bound, so `put` cannot refuse it.
            let _ = self.dense.put(fd, cell.unwrap_or(Cell::Free));
        }
    }

    /// Closes `fd` if open and returns its entry: frees it, or with
    /// `quarantine = Some(tick)` keeps it used and records the tick.
    #[inline]
    pub(crate) fn close(&mut self, fd: u32, quarantine: Option<u32>) -> Option<T> {
        match self.dense.close(u64::from(fd), quarantine) {
            Some(value) => value,
            None => self.tree_close(fd, quarantine),
        }
    }

    /// `close` at or above the dense bound, out of line as `tree_get`.
    #[inline(never)]
    fn tree_close(&mut self, fd: u32, quarantine: Option<u32>) -> Option<T> {
        let key = self.tree.close(fd, quarantine)?;
        self.entries.try_remove(key as usize)
    }

    /// The lowest free fd at or above `start` (may be 2^31 or more).
    #[inline]
    pub(crate) fn first_free(&mut self, start: u64) -> u64 {
        if let Some(fd) = self.dense.first_free(start) {
            return fd;
        }
        self.tree.first_free(start.max(self.dense.bound()))
    }

    /// The first used fd at or above `start`, if any.
    pub(crate) fn next_used(&self, start: u64) -> Option<u64> {
        if let Some(fd) = self.dense.next_used(start) {
            return Some(fd);
        }
        self.tree.next_used(start.max(self.dense.bound()))
    }
}

#[cfg(test)]
impl<T> FdMap<T> {
    /// One past the last fd of the flat part.
    pub(crate) fn dense_bound(&self) -> u64 {
        self.dense.bound()
    }

    /// Used fds in the tree part.
    pub(crate) fn tree_used(&self) -> u64 {
        self.tree.used()
    }
}

impl<T> std::fmt::Debug for FdMap<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FdMap")
            .field("dense", &self.dense)
            .field("tree", &self.tree)
            .field("slab_entries", &self.entries.len())
            .finish()
    }
}
