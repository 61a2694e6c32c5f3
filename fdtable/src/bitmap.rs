//! [`FdBitmap`]: a sparse radix tree of 64-bit words over fd numbers.
//!
//! Every fd is *used* (open or quarantined) or free. A leaf covers 64 fds
//! with one `used` word, like one word of Linux's `open_fds`; each inner
//! node covers 64 children with
//! - `full`: bit `i` set iff child `i` has no free fd — Linux's
//!   `full_fds_bits`, repeated at every level, so lowest-free is a walk
//!   over first clear bits, never a scan over words;
//! - `count[i]`: used fds under child `i` (kept only for the random
//!   policies, `counted`), so the k-th free fd (rank/select) is found by
//!   subtracting counts on the way down: a uniform pick among the free fds
//!   costs the same at 99% occupancy as at 1%;
//! - `present`/`child[i]`: the child's arena index, or `NONE` for an
//!   all-free subtree, which is never allocated. Memory is proportional to
//!   the used fds times the height, never to the fd values.
//!
//! Leaves also store each open fd's slab key (`slots`), so the tree is the
//! fd -> key map too: no hash map, and ascending iteration for free. A
//! quarantined fd's slot holds the allocation tick at which it closed, so a
//! stale quarantine entry is recognised (see `FdTable::release_due`).
//!
//! Invariants: a present node has at least one used fd below it (empty
//! nodes are detached), except for at most one *parked* empty leaf, kept so
//! that an insert+remove cycle at an otherwise empty leaf does not detach
//! and re-attach it every time; a node on a free list is all-zero with all
//! children `NONE`, so reusing it only sets its parent link. Every node
//! knows its parent and its position there, so the upward walks on a
//! change need no recorded path; they stop as soon as nothing changes
//! (counts always change, `full` bits only when a word fills or stops being
//! full). A one-entry cache remembers the last leaf reached by a mutable
//! walk: insert+remove cycles, which touch one leaf, skip the walk.
//!
//! The tree grows upward (a new root above the old one) when an fd beyond
//! its span is used, as the kernel grows its fd arrays.

mod search;

#[cfg(test)]
pub(crate) use search::select_zero;

const BITS: u32 = 6;
const FAN: usize = 64;
const NONE: u32 = u32::MAX;
/// Children per count group, and groups per inner node.
const GROUP: usize = 8;
const GROUPS: usize = FAN / GROUP;

#[derive(Clone)]
struct Leaf {
    used: u64,
    open: u64,
    quar: u64,
    parent: u32,
    pos: u32,
    slots: [u32; FAN],
}

#[derive(Clone)]
struct Inner {
    full: u64,
    present: u64,
    parent: u32,
    pos: u32,
    child: [u32; FAN],
    count: [u32; FAN],
    /// `group[g]` = sum of `count[8g..8g + 8]`, so select and rank look at
    /// <= 8 groups and <= 8 children per level instead of 64 children.
    group: [u32; GROUPS],
}

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

/// Sparse bitmap tree over `u32` fds; see the module docs.
#[derive(Clone)]
pub(crate) struct FdBitmap {
    leaves: Vec<Leaf>,
    free_leaves: Vec<u32>,
    inners: Vec<Inner>,
    free_inners: Vec<u32>,
    /// Top inner node, or `NONE` when nothing is used.
    root: u32,
    /// Inner levels above the leaves (>= 1); the span is 64^(height+1) fds.
    height: u32,
    /// Used fds in total.
    used: u64,
    /// Whether per-child counts are maintained (needed by rank/select).
    counted: bool,
    /// Leaf number (fd / 64) and index of the last leaf a mutable walk
    /// reached; `cache_no == u64::MAX` when empty.
    cache_no: u64,
    cache_idx: u32,
    /// The leaf that last became empty, still attached (or `NONE`).
    parked: u32,
}

fn bit(fd: u64) -> u64 {
    1 << (fd & 63)
}

/// Bits strictly above `pos`.
fn above(pos: u32) -> u64 {
    u64::MAX.checked_shl(pos + 1).unwrap_or(0)
}

impl FdBitmap {
    /// An empty tree; `counted` enables rank/select.
    pub(crate) fn new(counted: bool) -> Self {
        Self {
            leaves: Vec::new(),
            free_leaves: Vec::new(),
            inners: Vec::new(),
            free_inners: Vec::new(),
            root: NONE,
            height: 1,
            used: 0,
            counted,
            cache_no: u64::MAX,
            cache_idx: NONE,
            parked: NONE,
        }
    }

    /// Fds covered by the tree; everything at or above is free.
    fn span(&self) -> u64 {
        1 << (BITS * (self.height + 1))
    }

    /// How many fds are used (open or quarantined).
    pub(crate) fn used(&self) -> u64 {
        self.used
    }

    /// The index of leaf number `no` (fd / 64), if allocated.
    #[inline]
    fn find_leaf(&self, no: u64) -> Option<u32> {
        if no == self.cache_no {
            return Some(self.cache_idx);
        }
        self.walk_to_leaf(no)
    }

    /// `find_leaf` without the cache: a walk down from the root.
    #[inline(never)]
    fn walk_to_leaf(&self, no: u64) -> Option<u32> {
        if no >= self.span() >> BITS || self.root == NONE {
            return None;
        }
        let mut node = self.root;
        for level in (1..=self.height).rev() {
            let p = (no >> (BITS * (level - 1))) & 63;
            node = self.inners[node as usize].child[p as usize];
            if node == NONE {
                return None;
            }
        }
        Some(node)
    }

    /// What `fd` holds.
    #[inline]
    pub(crate) fn slot(&self, fd: u32) -> Slot {
        let fd = u64::from(fd);
        let Some(leaf) = self.find_leaf(fd >> BITS) else {
            return Slot::Free;
        };
        let leaf = &self.leaves[leaf as usize];
        let b = bit(fd);
        let value = leaf.slots[(fd & 63) as usize];
        if leaf.open & b != 0 {
            Slot::Open(value)
        } else if leaf.quar & b != 0 {
            Slot::Quarantined(value)
        } else {
            Slot::Free
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

    /// Sets `fd`'s slot; marks it used if it was free. `Slot::Free` frees it.
    #[inline]
    pub(crate) fn set(&mut self, fd: u32, slot: Slot) {
        let fd = u64::from(fd);
        let (value, open, quar) = match slot {
            Slot::Free => return self.clear(fd),
            Slot::Open(key) => (key, bit(fd), 0),
            Slot::Quarantined(tick) => (tick, 0, bit(fd)),
        };
        let li = self.leaf_create(fd >> BITS);
        let l = &mut self.leaves[li as usize];
        let b = bit(fd);
        let newly_used = l.used & b == 0;
        l.used |= b;
        l.open = (l.open & !b) | open;
        l.quar = (l.quar & !b) | quar;
        l.slots[(fd & 63) as usize] = value;
        if newly_used {
            self.used += 1;
            let (full, parent, pos) = (l.used == u64::MAX, l.parent, l.pos);
            if self.counted || full {
                self.propagate_use(parent, pos, full);
            }
        }
    }

    /// Upward effects of one more used fd under child `pos` of `node`.
    #[inline(never)]
    fn propagate_use(&mut self, parent: u32, pos: u32, full: bool) {
        if self.counted {
            self.add_counts(parent, pos, true);
        }
        if full {
            self.mark_full(parent, pos);
        }
    }

    /// Marks `fd` free; detaches its leaf if that leaves it empty.
    #[inline]
    fn clear(&mut self, fd: u64) {
        if let Some(li) = self.find_leaf(fd >> BITS) {
            self.clear_in(li, fd);
        }
    }

    /// Closes `fd` if it is open and returns its slab key: frees it, or
    /// with `quarantine = Some(tick)` keeps it used and stores the tick.
    /// One leaf lookup for the whole close.
    #[inline]
    pub(crate) fn close(&mut self, fd: u32, quarantine: Option<u32>) -> Option<u32> {
        let fd = u64::from(fd);
        let li = self.find_leaf(fd >> BITS)?;
        let l = &mut self.leaves[li as usize];
        let b = bit(fd);
        if l.open & b == 0 {
            return None;
        }
        let slot = &mut l.slots[(fd & 63) as usize];
        let key = *slot;
        match quarantine {
            Some(tick) => {
                *slot = tick;
                l.open &= !b;
                l.quar |= b;
            }
            None => self.clear_in(li, fd),
        }
        Some(key)
    }

    /// Marks `fd`, which lies in leaf `li`, free.
    #[inline]
    fn clear_in(&mut self, li: u32, fd: u64) {
        let l = &mut self.leaves[li as usize];
        let b = bit(fd);
        if l.used & b == 0 {
            return;
        }
        let was_full = l.used == u64::MAX;
        l.used &= !b;
        l.open &= !b;
        l.quar &= !b;
        let (empty, parent, pos) = (l.used == 0, l.parent, l.pos);
        self.used -= 1;
        if self.counted || was_full || empty {
            self.propagate_free(li, parent, pos, was_full, empty);
        }
    }

    /// Upward effects of one fewer used fd in leaf `li`.
    #[inline(never)]
    fn propagate_free(&mut self, li: u32, parent: u32, pos: u32, was_full: bool, empty: bool) {
        if self.counted {
            self.add_counts(parent, pos, false);
        }
        if was_full {
            self.unmark_full(parent, pos);
        }
        if empty {
            self.park(li);
        }
    }

    /// Adds or subtracts one used fd on every count from `node` up.
    fn add_counts(&mut self, mut node: u32, mut pos: u32, inc: bool) {
        while node != NONE {
            let n = &mut self.inners[node as usize];
            let (c, g) = (pos as usize, pos as usize / GROUP);
            if inc {
                n.count[c] += 1;
                n.group[g] += 1;
            } else {
                n.count[c] -= 1;
                n.group[g] -= 1;
            }
            (node, pos) = (n.parent, n.pos);
        }
    }

    /// Child `pos` of `node` became full: set its bit, and go up while
    /// that makes the node full too.
    fn mark_full(&mut self, mut node: u32, mut pos: u32) {
        while node != NONE {
            let n = &mut self.inners[node as usize];
            n.full |= 1 << pos;
            if n.full != u64::MAX {
                return;
            }
            (node, pos) = (n.parent, n.pos);
        }
    }

    /// Child `pos` of `node` stopped being full: clear its bit, and go up
    /// while the node itself was full before.
    fn unmark_full(&mut self, mut node: u32, mut pos: u32) {
        while node != NONE {
            let n = &mut self.inners[node as usize];
            let was_full = n.full == u64::MAX;
            n.full &= !(1 << pos);
            if !was_full {
                return;
            }
            (node, pos) = (n.parent, n.pos);
        }
    }

    /// Parks leaf `li`, which just became empty, and detaches the leaf
    /// parked before it if that is still empty.
    fn park(&mut self, li: u32) {
        let old = std::mem::replace(&mut self.parked, li);
        if old != NONE && old != li && self.leaves[old as usize].used == 0 {
            self.detach_leaf(old);
        }
    }

    /// Returns an empty leaf to the free list, and every ancestor that is
    /// left without children.
    fn detach_leaf(&mut self, leaf: u32) {
        self.free_leaves.push(leaf);
        if self.cache_idx == leaf {
            self.cache_no = u64::MAX;
        }
        let l = &self.leaves[leaf as usize];
        let (mut node, mut pos) = (l.parent, l.pos);
        loop {
            let n = &mut self.inners[node as usize];
            n.child[pos as usize] = NONE;
            n.present &= !(1 << pos);
            if n.present != 0 {
                return;
            }
            self.free_inners.push(node);
            if n.parent == NONE {
                self.root = NONE;
                return;
            }
            (node, pos) = (n.parent, n.pos);
        }
    }

    /// The index of leaf number `no`, allocating it and its ancestors.
    #[inline]
    fn leaf_create(&mut self, no: u64) -> u32 {
        if no == self.cache_no {
            return self.cache_idx;
        }
        self.walk_create(no)
    }

    /// `leaf_create` without the cache; caches the leaf it reaches.
    #[inline(never)]
    fn walk_create(&mut self, no: u64) -> u32 {
        self.grow_to(no);
        if self.root == NONE {
            self.root = self.alloc_inner(NONE, 0);
        }
        let mut node = self.root;
        for level in (1..=self.height).rev() {
            let p = ((no >> (BITS * (level - 1))) & 63) as u32;
            let mut child = self.inners[node as usize].child[p as usize];
            if child == NONE {
                child = if level == 1 {
                    self.alloc_leaf(node, p)
                } else {
                    self.alloc_inner(node, p)
                };
                let n = &mut self.inners[node as usize];
                n.child[p as usize] = child;
                n.present |= 1 << p;
            }
            node = child;
        }
        (self.cache_no, self.cache_idx) = (no, node);
        node
    }

    fn alloc_leaf(&mut self, parent: u32, pos: u32) -> u32 {
        let i = match self.free_leaves.pop() {
            Some(i) => i,
            None => {
                self.leaves.push(Leaf {
                    used: 0,
                    open: 0,
                    quar: 0,
                    parent,
                    pos,
                    slots: [0; FAN],
                });
                return (self.leaves.len() - 1) as u32;
            }
        };
        // Free-listed leaves are already empty (invariant).
        let l = &mut self.leaves[i as usize];
        (l.parent, l.pos) = (parent, pos);
        i
    }

    fn alloc_inner(&mut self, parent: u32, pos: u32) -> u32 {
        let i = match self.free_inners.pop() {
            Some(i) => i,
            None => {
                self.inners.push(Inner {
                    full: 0,
                    present: 0,
                    parent,
                    pos,
                    child: [NONE; FAN],
                    count: [0; FAN],
                    group: [0; GROUPS],
                });
                return (self.inners.len() - 1) as u32;
            }
        };
        // Free-listed inner nodes are already empty (invariant).
        let n = &mut self.inners[i as usize];
        (n.parent, n.pos) = (parent, pos);
        i
    }

    /// Adds levels on top until leaf number `no` is inside the span.
    fn grow_to(&mut self, no: u64) {
        while no >= self.span() >> BITS {
            if self.root != NONE {
                let old = self.root;
                let (used, full) = (self.used, self.used == self.span());
                let top = self.alloc_inner(NONE, 0);
                let n = &mut self.inners[top as usize];
                n.child[0] = old;
                n.present = 1;
                n.full = u64::from(full);
                if self.counted {
                    // Everything used so far lies under the old root; a
                    // subtree below 2^31 holds at most 2^30 fds.
                    n.count[0] = used as u32;
                    n.group[0] = used as u32;
                }
                let o = &mut self.inners[old as usize];
                (o.parent, o.pos) = (top, 0);
                self.root = top;
            }
            self.height += 1;
        }
    }
}

impl std::fmt::Debug for FdBitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FdBitmap")
            .field("used", &self.used)
            .field("height", &self.height)
            .field("leaves", &(self.leaves.len() - self.free_leaves.len()))
            .field("inners", &(self.inners.len() - self.free_inners.len()))
            .field("allocated", &(self.leaves.len() + self.inners.len()))
            .finish()
    }
}
