//! [`FdTree`]: the used fds of a sparse range, in a counted B+tree.
//!
//! Every fd is *used* (open or quarantined) or free; the tree holds the
//! used ones, in ascending order, each with a value: the slab key of an
//! open fd, or the allocation tick at which a quarantined fd closed (so a
//! stale quarantine entry is recognised, see `FdTable::release_due`).
//! It serves the random policies, whose fds are spread over `[0, 2^31)`,
//! and lowest-free's fds above its flat part.
//!
//! - **Leaves** hold up to 64 entries `(fd << 1 | quarantined, value)`
//!   sorted by fd: 8 bytes per used fd, whatever the fd values. A lone fd
//!   near 2^31 costs one entry, not a path of bitmap nodes.
//! - **Inner nodes** hold up to 32 children with, per child, its lowest
//!   fd and its number of used fds. The counts make the tree an order
//!   statistic tree over the fds: `rank_used(x)` (used fds below `x`) sums
//!   the counts left of the path, and `select_free(k)` (the `k`-th free
//!   fd) descends to the child holding it — before a used fd `u` of rank
//!   `r` there are `u - r` free fds, a quantity that never decreases along
//!   the fds, so each level picks the last child whose first fd has at most
//!   `k` free fds before it. Random policies draw `k` uniformly below the
//!   number of free fds and select it: one descent at any occupancy, and a
//!   full range is simply "no free fd" (free count 0).
//!
//! Invariants: entries are sorted and distinct; an inner node's `first`
//! and `count` are exact for each child; all leaves are at depth
//! `height`; the root leaf has at least one entry and a root inner node at
//! least two children; any other leaf has at least `LEAF_MIN` entries and
//! any other inner node at least `INNER_MIN` children (a node that drops
//! below is merged with a sibling or takes entries from it), so every node
//! is at least a quarter full and memory stays within 4x of the entries.
//! An empty tree holds no nodes and releases its arenas. Per-node searches
//! are branch-free passes over fixed-size arrays (sentinels pad the
//! unused tail), so each operation costs a bounded amount of work per
//! level, `O(log n)` in all. A finger (`finger.rs`) remembers the last
//! select's path so the insert that follows it needs no descent.

#[cfg(test)]
mod check;
mod edit;
mod finger;
mod node;
mod search;

use self::{
    finger::Finger,
    node::{EMPTY_INNER, EMPTY_LEAF, Inner, Leaf},
};
use crate::map::Slot;

/// "No node": an empty root, or an unused child slot.
const NONE: u32 = u32::MAX;

/// One past the largest fd the tree holds: no fd at or above is ever used
/// (and `fd << 1` of a key would overflow), so lookups answer at once.
const END: u32 = 1 << 31;

/// Counted B+tree of the used fds below 2^31; see the module docs.
#[derive(Clone, Default)]
pub(crate) struct FdTree {
    leaves: Vec<Leaf>,
    free_leaves: Vec<u32>,
    inners: Vec<Inner>,
    free_inners: Vec<u32>,
    /// Root node (a leaf when `height` is 0), or `NONE` when empty.
    root: u32,
    /// Inner levels above the leaves.
    height: u32,
    /// Used fds in total.
    used: u64,
    /// The path of the last select, for the edits that follow it.
    finger: Finger,
}

impl FdTree {
    /// An empty tree.
    pub(crate) fn new() -> Self {
        Self {
            root: NONE,
            ..Self::default()
        }
    }

    /// How many fds are used (open or quarantined).
    pub(crate) fn used(&self) -> u64 {
        self.used
    }

    /// The leaf and entry index holding `fd`, if used.
    #[inline]
    fn locate(&self, fd: u32) -> Option<(u32, usize)> {
        if self.root == NONE || fd >= END {
            return None;
        }
        let mut node = self.root;
        for _ in 0..self.height {
            let n = &self.inners[node as usize];
            node = n.child[n.child_for(fd)];
        }
        let leaf = &self.leaves[node as usize];
        let i = leaf.position(fd);
        (i < leaf.len as usize && leaf.keys[i] >> 1 == fd).then_some((node, i))
    }

    /// What `fd` holds.
    pub(crate) fn slot(&self, fd: u32) -> Slot {
        let Some((leaf, i)) = self.locate(fd) else {
            return Slot::Free;
        };
        let leaf = &self.leaves[leaf as usize];
        match leaf.keys[i] & 1 {
            0 => Slot::Open(leaf.vals[i]),
            _ => Slot::Quarantined(leaf.vals[i]),
        }
    }

    /// The slab key of an open fd (the table goes through `FdMap::key`).
    #[cfg(test)]
    pub(crate) fn key(&self, fd: u32) -> Option<u32> {
        match self.slot(fd) {
            Slot::Open(key) => Some(key),
            Slot::Free | Slot::Quarantined(_) => None,
        }
    }

    /// Sets `fd`'s slot; `Slot::Free` frees it. `fd` must be below 2^31.
    pub(crate) fn set(&mut self, fd: u32, slot: Slot) {
        debug_assert!(fd < END);
        let (key, val) = match slot {
            Slot::Free => {
                self.remove(fd, false);
                return;
            }
            Slot::Open(key) => (fd << 1, key),
            Slot::Quarantined(tick) => (fd << 1 | 1, tick),
        };
        self.upsert(key, val);
    }

    /// Closes `fd` if it is open and returns its slab key: frees it, or
    /// with `quarantine = Some(tick)` keeps it used and stores the tick.
    pub(crate) fn close(&mut self, fd: u32, quarantine: Option<u32>) -> Option<u32> {
        let Some(tick) = quarantine else {
            return self.remove(fd, true);
        };
        let (leaf, i) = self.locate(fd)?;
        let leaf = &mut self.leaves[leaf as usize];
        if leaf.keys[i] & 1 != 0 {
            return None;
        }
        leaf.keys[i] |= 1;
        Some(std::mem::replace(&mut leaf.vals[i], tick))
    }

    /// Bytes of heap the tree holds (its arenas' capacity).
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.leaves.capacity() * size_of::<Leaf>()
            + self.inners.capacity() * size_of::<Inner>()
            + (self.free_leaves.capacity() + self.free_inners.capacity()) * size_of::<u32>()
    }

    /// The lowest fd under `node` at `level` (0 = leaf).
    fn first_of(&self, node: u32, level: u32) -> u32 {
        match level {
            0 => self.leaves[node as usize].first(),
            _ => self.inners[node as usize].first[0],
        }
    }

    /// Entries (leaf) or children (inner) of `node` at `level`.
    fn len_of(&self, node: u32, level: u32) -> usize {
        match level {
            0 => self.leaves[node as usize].len as usize,
            _ => self.inners[node as usize].len as usize,
        }
    }

    fn alloc_leaf(&mut self, leaf: Leaf) -> u32 {
        alloc(&mut self.leaves, &mut self.free_leaves, leaf)
    }

    fn alloc_inner(&mut self, inner: Inner) -> u32 {
        alloc(&mut self.inners, &mut self.free_inners, inner)
    }

    /// Returns node `node` at `level` to its free list, cleared.
    fn free_node(&mut self, node: u32, level: u32) {
        if level == 0 {
            self.leaves[node as usize] = EMPTY_LEAF;
            self.free_leaves.push(node);
        } else {
            self.inners[node as usize] = EMPTY_INNER;
            self.free_inners.push(node);
        }
    }
}

/// Stores `node` in `arena`, in a slot from `free` if there is one, and
/// returns its index.
fn alloc<N>(arena: &mut Vec<N>, free: &mut Vec<u32>, node: N) -> u32 {
    match free.pop() {
        Some(i) => {
            arena[i as usize] = node;
            i
        }
        None => {
            arena.push(node);
            (arena.len() - 1) as u32
        }
    }
}

impl std::fmt::Debug for FdTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FdTree")
            .field("used", &self.used)
            .field("height", &self.height)
            .field("leaves", &(self.leaves.len() - self.free_leaves.len()))
            .field("inners", &(self.inners.len() - self.free_inners.len()))
            .field("allocated", &(self.leaves.len() + self.inners.len()))
            .finish()
    }
}
