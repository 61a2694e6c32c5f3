//! [`FdMap`]: the fd -> slot map, flat where fds are dense and a sparse
//! tree where they are not.
//!
//! Lowest-free fds fill `[floor, floor + open)`, so for that policy the
//! low fds live in a [`DenseBitmap`] (flat words, no walk); fds above its
//! bound — an `insert_at(2^31 - 1)`, a renumber far out, a huge floor —
//! live in the sparse [`FdTree`], so they cost memory for the fds
//! held, not for their values. The random policies spread fds over the
//! whole range, so for them the dense part stays empty and everything is
//! in the counted tree (rank/select needs its counts).
//!
//! The dense part grows, by doubling, only to cover an fd that is being
//! marked used and only while its size stays within `DENSE_SLACK` times
//! the used fds (or `DENSE_MIN`): a lowest-free table of `n` fds stays
//! flat, while a lone fd near 2^31 goes to the tree. On growth, tree fds
//! inside the new bound move into the dense part, so every fd below the
//! bound is in the dense part and every fd at or above it in the tree.

use crate::{dense::DenseBitmap, tree::FdTree};

/// What one fd holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Not used: may be handed out.
    Free,
    /// Open, with this slab key.
    Open(u32),
    /// Closed but not yet reusable; closed at this allocation tick.
    Quarantined(u32),
}

/// Fds the dense part may cover however few are used (1024: 17 KiB).
const DENSE_MIN: u64 = 1024;
/// The dense part may cover at most this many fds per used fd.
const DENSE_SLACK: u64 = 4;

/// Used/open state and slots of every fd; see the module docs.
#[derive(Clone)]
pub(crate) struct FdMap {
    dense: DenseBitmap,
    tree: FdTree,
    /// Whether the dense part may grow (lowest-free); otherwise it stays
    /// empty and `tree` holds every fd.
    grows: bool,
}

impl FdMap {
    /// An empty map: dense-then-tree for lowest-free (`dense`), all tree
    /// with counts for the random policies.
    pub(crate) fn new(dense: bool) -> Self {
        Self {
            dense: DenseBitmap::default(),
            tree: FdTree::new(),
            grows: dense,
        }
    }

    /// The tree, which holds every fd when the map is not dense: for the
    /// random policies' rank/select.
    pub(crate) fn tree(&self) -> &FdTree {
        debug_assert_eq!(self.dense.bound(), 0);
        &self.tree
    }

    /// What `fd` holds.
    #[inline]
    pub(crate) fn slot(&self, fd: u32) -> Slot {
        match self.dense.slot(u64::from(fd)) {
            Some(slot) => slot,
            None => self.tree_slot(fd),
        }
    }

    /// `slot` at or above the dense bound, kept out of line so the dense
    /// path stays small enough to inline.
    #[inline(never)]
    fn tree_slot(&self, fd: u32) -> Slot {
        self.tree.slot(fd)
    }

    /// The slab key of an open fd.
    #[inline]
    pub(crate) fn key(&self, fd: u32) -> Option<u32> {
        match self.slot(fd) {
            Slot::Open(key) => Some(key),
            Slot::Free | Slot::Quarantined(_) => None,
        }
    }

    /// Sets `fd`'s slot; `Slot::Free` frees it. `held` is about how many
    /// fds are used (open plus quarantined), which bounds dense growth.
    #[inline]
    pub(crate) fn set(&mut self, fd: u32, slot: Slot, held: usize) {
        if !self.dense.set(u64::from(fd), slot) {
            self.set_above(fd, slot, held as u64);
        }
    }

    /// `set` at or above the dense bound: grow the dense part over `fd`
    /// if allowed, else use the tree.
    #[inline(never)]
    fn set_above(&mut self, fd: u32, slot: Slot, held: u64) {
        let wide = u64::from(fd);
        let want = (wide + 1).next_power_of_two().max(DENSE_MIN);
        let allowed = DENSE_MIN.max(DENSE_SLACK.saturating_mul(held.saturating_add(1)));
        if self.grows && slot != Slot::Free && want <= allowed {
            self.grow_dense(want);
            self.dense.set(wide, slot);
        } else {
            self.tree.set(fd, slot);
        }
    }

    /// Extends the dense part to `[0, bound)` and moves the tree's fds
    /// below `bound` into it (each fd moves at most once).
    fn grow_dense(&mut self, bound: u64) {
        let old = self.dense.bound();
        self.dense.grow((bound >> 6) as usize);
        while let Some(fd) = self.tree.next_used(old).filter(|&fd| fd < bound) {
            // Fds in the tree are below 2^31 (`insert_at` checks).
            let fd32 = fd as u32;
            let slot = self.tree.slot(fd32);
            self.tree.set(fd32, Slot::Free);
            self.dense.set(fd, slot);
        }
    }

    /// Closes `fd` if open and returns its slab key; see
    /// [`FdTree::close`].
    #[inline]
    pub(crate) fn close(&mut self, fd: u32, quarantine: Option<u32>) -> Option<u32> {
        match self.dense.close(u64::from(fd), quarantine) {
            Some(key) => key,
            None => self.tree_close(fd, quarantine),
        }
    }

    /// `close` at or above the dense bound, out of line as `tree_slot`.
    #[inline(never)]
    fn tree_close(&mut self, fd: u32, quarantine: Option<u32>) -> Option<u32> {
        self.tree.close(fd, quarantine)
    }

    /// Lowest-free's insert fast path; see [`DenseBitmap::claim`].
    #[inline]
    pub(crate) fn claim(&mut self, start: u64, key: u32) -> Option<u64> {
        self.dense.claim(start, key)
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
impl FdMap {
    /// One past the last fd of the flat part.
    pub(crate) fn dense_bound(&self) -> u64 {
        self.dense.bound()
    }

    /// Used fds in the tree part.
    pub(crate) fn tree_used(&self) -> u64 {
        self.tree.used()
    }
}

impl std::fmt::Debug for FdMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FdMap")
            .field("dense", &self.dense)
            .field("tree", &self.tree)
            .finish()
    }
}
