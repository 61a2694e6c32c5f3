//! [`FdBitmap`]: a sparse radix tree of 64-bit words over fd numbers.
//!
//! Every fd is *used* (open, quarantined) or free. A leaf covers 64 fds with
//! one `used` word, like one word of Linux's `open_fds`; each inner node
//! covers 64 children with
//! - `full`: bit `i` set iff child `i` has no free fd — Linux's
//!   `full_fds_bits`, one level per 64x, so lowest-free is a walk down the
//!   first clear bits, never a scan over words;
//! - `count[i]`: used fds under child `i`, so the k-th free fd (rank/select)
//!   is found by subtracting counts on the way down: a uniform random pick
//!   among the free fds costs the same at 99% occupancy as at 1%;
//! - `child[i]`: arena index of the child, or `NONE` for an all-free
//!   subtree, which is never allocated. Memory is proportional to the number
//!   of used fds times the tree height, never to the fd values.
//!
//! Leaves also store each open fd's slab key (`slots`), so the tree is the
//! fd -> key map too: no separate hash map, one walk per lookup. A
//! quarantined fd's slot holds the allocation tick at which it was closed,
//! so a stale quarantine entry can be recognised (see `release`).
//!
//! The tree grows upward (a new root above the old one) when an fd beyond
//! its current span is used, as the kernel grows its fd arrays, and nodes
//! whose count drops to zero go back to a free list.

const BITS: u32 = 6;
const FAN: usize = 64;
const NONE: u32 = u32::MAX;
/// Inner levels above the leaves at most: 64^6 = 2^36 >= 2^32 fds.
const MAX_HEIGHT: usize = 5;

#[derive(Clone)]
struct Leaf {
    used: u64,
    open: u64,
    quar: u64,
    slots: [u32; FAN],
}

impl Leaf {
    const EMPTY: Leaf = Leaf {
        used: 0,
        open: 0,
        quar: 0,
        slots: [0; FAN],
    };
}

#[derive(Clone)]
struct Inner {
    full: u64,
    present: u64,
    child: [u32; FAN],
    count: [u32; FAN],
}

impl Inner {
    const EMPTY: Inner = Inner {
        full: 0,
        present: 0,
        child: [NONE; FAN],
        count: [0; FAN],
    };
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

/// Sparse two-level-per-64x bitmap over `u32` fds; see the module docs.
#[derive(Clone, Default)]
pub(crate) struct FdBitmap {
    leaves: Vec<Leaf>,
    free_leaves: Vec<u32>,
    inners: Vec<Inner>,
    free_inners: Vec<u32>,
    /// Inner node at the top, or `NONE` when nothing is used.
    root: u32,
    /// Inner levels above the leaves (>= 1); the span is 64^(height+1).
    height: u32,
    used: u64,
}

/// The inner nodes visited on the way down, leaf-most first, with the
/// child position taken in each.
type Path = [(u32, usize); MAX_HEIGHT];

fn pos(fd: u64, level: u32) -> usize {
    ((fd >> (BITS * level)) & 63) as usize
}

fn bit(fd: u64) -> u64 {
    1 << (fd & 63)
}

impl FdBitmap {
    pub(crate) fn new() -> Self {
        Self {
            root: NONE,
            height: 1,
            ..Self::default()
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

    /// Walks to the leaf holding `fd` without allocating.
    fn leaf_of(&self, fd: u64) -> Option<&Leaf> {
        if fd >= self.span() || self.root == NONE {
            return None;
        }
        let mut node = self.root;
        for level in (1..=self.height).rev() {
            node = self.inners[node as usize].child[pos(fd, level)];
            if node == NONE {
                return None;
            }
        }
        Some(&self.leaves[node as usize])
    }

    /// What `fd` holds.
    pub(crate) fn slot(&self, fd: u32) -> Slot {
        let fd = u64::from(fd);
        let Some(leaf) = self.leaf_of(fd) else {
            return Slot::Free;
        };
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

    /// The slab key of an open fd.
    #[inline]
    pub(crate) fn key(&self, fd: u32) -> Option<u32> {
        match self.slot(fd) {
            Slot::Open(key) => Some(key),
            Slot::Free | Slot::Quarantined(_) => None,
        }
    }

    /// Sets `fd`'s slot; marks it used if it was free. `Slot::Free` frees it.
    pub(crate) fn set(&mut self, fd: u32, slot: Slot) {
        let fd = u64::from(fd);
        if slot == Slot::Free {
            self.clear(fd);
            return;
        }
        self.grow_to(fd);
        let (leaf, path) = self.descend_alloc(fd);
        let b = bit(fd);
        let l = &mut self.leaves[leaf as usize];
        let newly_used = l.used & b == 0;
        l.used |= b;
        l.open &= !b;
        l.quar &= !b;
        let value = match slot {
            Slot::Open(key) => {
                l.open |= b;
                key
            }
            Slot::Quarantined(tick) => {
                l.quar |= b;
                tick
            }
            Slot::Free => 0,
        };
        l.slots[(fd & 63) as usize] = value;
        if newly_used {
            let mut full = l.used == u64::MAX;
            for &(node, p) in &path[..self.height as usize] {
                let n = &mut self.inners[node as usize];
                n.count[p] += 1;
                n.full |= u64::from(full) << p;
                full = n.full == u64::MAX;
            }
            self.used += 1;
        }
    }

    /// Marks `fd` free, releasing nodes that become empty.
    fn clear(&mut self, fd: u64) {
        let Some((leaf, path)) = self.descend(fd) else {
            return;
        };
        let b = bit(fd);
        let l = &mut self.leaves[leaf as usize];
        if l.used & b == 0 {
            return;
        }
        l.used &= !b;
        l.open &= !b;
        l.quar &= !b;
        let mut emptied = (l.used == 0).then_some(leaf);
        let mut leaf_level = true;
        for &(node, p) in &path[..self.height as usize] {
            let n = &mut self.inners[node as usize];
            n.count[p] -= 1;
            n.full &= !(1 << p);
            if let Some(child) = emptied.take() {
                n.child[p] = NONE;
                n.present &= !(1 << p);
                if leaf_level {
                    self.free_leaves.push(child);
                } else {
                    self.free_inners.push(child);
                }
                if n.present == 0 {
                    emptied = Some(node);
                }
            }
            leaf_level = false;
        }
        if let Some(root) = emptied {
            self.free_inners.push(root);
            self.root = NONE;
        }
        self.used -= 1;
    }

    /// Walks to the leaf of `fd`, recording the path; `None` if absent.
    fn descend(&self, fd: u64) -> Option<(u32, Path)> {
        if fd >= self.span() || self.root == NONE {
            return None;
        }
        let mut path = [(NONE, 0); MAX_HEIGHT];
        let mut node = self.root;
        for level in (1..=self.height).rev() {
            let p = pos(fd, level);
            path[level as usize - 1] = (node, p);
            node = self.inners[node as usize].child[p];
            if node == NONE {
                return None;
            }
        }
        Some((node, path))
    }

    /// Like `descend`, allocating missing nodes. `fd` must be in the span.
    fn descend_alloc(&mut self, fd: u64) -> (u32, Path) {
        if self.root == NONE {
            self.root = self.alloc_inner();
        }
        let mut path = [(NONE, 0); MAX_HEIGHT];
        let mut node = self.root;
        for level in (1..=self.height).rev() {
            let p = pos(fd, level);
            path[level as usize - 1] = (node, p);
            let mut child = self.inners[node as usize].child[p];
            if child == NONE {
                child = if level == 1 {
                    self.alloc_leaf()
                } else {
                    self.alloc_inner()
                };
                let n = &mut self.inners[node as usize];
                n.child[p] = child;
                n.present |= 1 << p;
            }
            node = child;
        }
        (node, path)
    }

    fn alloc_leaf(&mut self) -> u32 {
        if let Some(i) = self.free_leaves.pop() {
            self.leaves[i as usize] = Leaf::EMPTY;
            return i;
        }
        self.leaves.push(Leaf::EMPTY);
        (self.leaves.len() - 1) as u32
    }

    fn alloc_inner(&mut self) -> u32 {
        if let Some(i) = self.free_inners.pop() {
            self.inners[i as usize] = Inner::EMPTY;
            return i;
        }
        self.inners.push(Inner::EMPTY);
        (self.inners.len() - 1) as u32
    }

    /// Adds levels on top until `fd` is inside the span.
    fn grow_to(&mut self, fd: u64) {
        while fd >= self.span() {
            if self.root != NONE {
                let old = self.root;
                let top = self.alloc_inner();
                let (used, full) = (self.used as u32, self.used == self.span());
                let n = &mut self.inners[top as usize];
                n.child[0] = old;
                n.present = 1;
                // Everything used so far lies under the old root.
                n.count[0] = used;
                n.full = u64::from(full);
                self.root = top;
            }
            self.height += 1;
        }
    }

    /// The lowest free fd at or above `start` (may be at or past the span,
    /// where everything is free). Costs one walk up and one walk down.
    pub(crate) fn first_free(&self, start: u64) -> u64 {
        let Some((leaf, path)) = self.descend(start) else {
            return start;
        };
        let free = !self.leaves[leaf as usize].used & (u64::MAX << (start & 63));
        if free != 0 {
            return (start & !63) | u64::from(free.trailing_zeros());
        }
        for (i, &(node, p)) in path[..self.height as usize].iter().enumerate() {
            let level = i as u32 + 1;
            let n = &self.inners[node as usize];
            // Children after `p` that are not full.
            let after = if p == 63 { 0 } else { u64::MAX << (p + 1) };
            let candidates = !n.full & after;
            if candidates != 0 {
                let c = u64::from(candidates.trailing_zeros());
                let shift = BITS * level;
                let base = (start >> (shift + BITS) << (shift + BITS)) | (c << shift);
                return self.leftmost_free(n.child[c as usize], level - 1, base);
            }
        }
        self.span()
    }

    /// The lowest free fd under `node` (at `level`, 0 = leaf), whose first
    /// fd is `base`; `node` is known not to be full.
    fn leftmost_free(&self, mut node: u32, mut level: u32, mut base: u64) -> u64 {
        while node != NONE {
            if level == 0 {
                let free = !self.leaves[node as usize].used;
                return base | u64::from(free.trailing_zeros());
            }
            let n = &self.inners[node as usize];
            let c = (!n.full).trailing_zeros();
            base |= u64::from(c) << (BITS * level);
            node = n.child[c as usize];
            level -= 1;
        }
        base
    }

    /// The first used fd at or above `start`, if any.
    pub(crate) fn next_used(&self, start: u64) -> Option<u64> {
        if start >= self.span() || self.root == NONE {
            return None;
        }
        let mut path = [(NONE, 0); MAX_HEIGHT];
        let mut node = self.root;
        let mut level = self.height;
        while level > 0 {
            let p = pos(start, level);
            path[level as usize - 1] = (node, p);
            let child = self.inners[node as usize].child[p];
            if child == NONE {
                break;
            }
            node = child;
            level -= 1;
        }
        if level == 0 {
            let used = self.leaves[node as usize].used & (u64::MAX << (start & 63));
            if used != 0 {
                return Some((start & !63) | u64::from(used.trailing_zeros()));
            }
        }
        // Search upward from the first level whose child was absent or
        // exhausted, for a present child after the one taken.
        let first = level.max(1);
        for level in first..=self.height {
            let (node, p) = path[level as usize - 1];
            let n = &self.inners[node as usize];
            let after = if p == 63 { 0 } else { u64::MAX << (p + 1) };
            let candidates = n.present & after;
            if candidates != 0 {
                let c = u64::from(candidates.trailing_zeros());
                let shift = BITS * level;
                let base = (start >> (shift + BITS) << (shift + BITS)) | (c << shift);
                return Some(self.leftmost_used(n.child[c as usize], level - 1, base));
            }
        }
        None
    }

    /// The lowest used fd under a present `node` at `level` starting at `base`.
    fn leftmost_used(&self, mut node: u32, mut level: u32, mut base: u64) -> u64 {
        while level > 0 {
            let n = &self.inners[node as usize];
            let c = n.present.trailing_zeros();
            base |= u64::from(c) << (BITS * level);
            node = n.child[c as usize];
            level -= 1;
        }
        base | u64::from(self.leaves[node as usize].used.trailing_zeros())
    }

    /// How many used fds are below `x`.
    pub(crate) fn rank_used(&self, x: u64) -> u64 {
        if x >= self.span() {
            return self.used;
        }
        let mut node = self.root;
        let mut below = 0u64;
        for level in (1..=self.height).rev() {
            if node == NONE {
                return below;
            }
            let n = &self.inners[node as usize];
            let p = pos(x, level);
            below += n.count[..p].iter().map(|&c| u64::from(c)).sum::<u64>();
            node = n.child[p];
        }
        if node == NONE {
            return below;
        }
        let mask = bit(x) - 1;
        below + u64::from((self.leaves[node as usize].used & mask).count_ones())
    }

    /// The `k`-th (0-based) free fd in ascending order. Free fds past the
    /// span are counted too, so any `k` has an answer.
    pub(crate) fn select_free(&self, mut k: u64) -> u64 {
        let span = self.span();
        let free_in_span = span - self.used;
        if k >= free_in_span {
            return span + (k - free_in_span);
        }
        let mut node = self.root;
        let mut base = 0u64;
        for level in (1..=self.height).rev() {
            if node == NONE {
                return base + k;
            }
            let n = &self.inners[node as usize];
            let child_span = 1u64 << (BITS * level);
            let mut p = 0;
            // At most 64 steps per level: the cost does not depend on
            // occupancy. `k < free in this node` guarantees p < 64.
            while p < FAN - 1 {
                let free = child_span - u64::from(n.count[p]);
                if k < free {
                    break;
                }
                k -= free;
                p += 1;
            }
            base |= (p as u64) << (BITS * level);
            node = n.child[p];
        }
        if node == NONE {
            return base + k;
        }
        base | u64::from(select_zero(self.leaves[node as usize].used, k as u32))
    }
}

/// Position of the `k`-th (0-based) zero bit of `word`; `k` must be less
/// than the number of zeros.
fn select_zero(word: u64, k: u32) -> u32 {
    let mut free = !word;
    for _ in 0..k {
        free &= free - 1;
    }
    free.trailing_zeros()
}

impl std::fmt::Debug for FdBitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FdBitmap")
            .field("used", &self.used)
            .field("height", &self.height)
            .field("leaves", &(self.leaves.len() - self.free_leaves.len()))
            .field("inners", &(self.inners.len() - self.free_inners.len()))
            .finish()
    }
}
