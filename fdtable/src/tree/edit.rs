//! Inserting and removing entries: splits on the way up from a full node,
//! merges or refills on the way up from a node under its minimum, and the
//! counts and first fds of every node on the path kept exact.

use super::{
    END, FdTree, NONE,
    node::{EMPTY_INNER, EMPTY_LEAF, INNER_CAP, INNER_MIN, Inner, LEAF_CAP, LEAF_MIN, Leaf},
};

/// A node split off to the right of a full one, for its parent to adopt.
struct Split {
    node: u32,
    first: u32,
    count: u32,
}

impl FdTree {
    /// Adds an entry, or replaces the entry of the same fd; `key` is
    /// `fd << 1 | quarantined`. One descent either way.
    pub(super) fn upsert(&mut self, key: u32, val: u32) {
        if self.finger_upsert(key, val) {
            return;
        }
        self.finger.clear();
        if self.root == NONE {
            let mut leaf = EMPTY_LEAF;
            leaf.insert(0, key, val);
            (self.root, self.height, self.used) = (self.alloc_leaf(leaf), 0, 1);
            return;
        }
        let Some(split) = self.upsert_in(self.root, self.height, key, val) else {
            return; // replaced
        };
        self.used += 1;
        let Some(split) = split else {
            return;
        };
        // The root split: a new root above the two halves.
        let old = self.root;
        let mut root = EMPTY_INNER;
        let old_count = self.used as u32 - split.count;
        root.insert(0, self.first_of(old, self.height), old_count, old);
        root.insert(1, split.first, split.count, split.node);
        self.root = self.alloc_inner(root);
        self.height += 1;
    }

    /// Upserts into the subtree of `node` at `level`: `None` if an entry
    /// was replaced, else `Some` of the node split off if `node` was full.
    fn upsert_in(&mut self, node: u32, level: u32, key: u32, val: u32) -> Option<Option<Split>> {
        if level == 0 {
            return self.leaf_upsert(node, key, val);
        }
        let fd = key >> 1;
        let n = &self.inners[node as usize];
        let j = n.child_for(fd);
        let split = self.upsert_in(n.child[j], level - 1, key, val)?;
        let n = &mut self.inners[node as usize];
        n.bump(j, true);
        n.first[j] = n.first[j].min(fd);
        let Some(split) = split else {
            return Some(None);
        };
        // `inner_insert` rebuilds the prefix sums.
        n.count[j] -= split.count;
        Some(self.inner_insert(node, j + 1, split))
    }

    fn leaf_upsert(&mut self, leaf: u32, key: u32, val: u32) -> Option<Option<Split>> {
        let l = &mut self.leaves[leaf as usize];
        let pos = l.position(key >> 1);
        if pos < l.len as usize && l.keys[pos] >> 1 == key >> 1 {
            (l.keys[pos], l.vals[pos]) = (key, val);
            return None;
        }
        if (l.len as usize) < LEAF_CAP {
            l.insert(pos, key, val);
            return Some(None);
        }
        let half = LEAF_CAP / 2;
        let mut right = l.split_off(half);
        if pos <= half {
            l.insert(pos, key, val);
        } else {
            right.insert(pos - half, key, val);
        }
        let (first, count) = (right.first(), right.len);
        let node = self.alloc_leaf(right);
        Some(Some(Split { node, first, count }))
    }

    /// Adopts `split` as child `pos` of `node`, splitting `node` if full.
    fn inner_insert(&mut self, node: u32, pos: usize, split: Split) -> Option<Split> {
        let n = &mut self.inners[node as usize];
        if (n.len as usize) < INNER_CAP {
            n.insert(pos, split.first, split.count, split.node);
            return None;
        }
        let half = INNER_CAP / 2;
        let mut right = n.split_off(half);
        if pos <= half {
            n.insert(pos, split.first, split.count, split.node);
        } else {
            right.insert(pos - half, split.first, split.count, split.node);
        }
        let (first, count) = (right.first[0], right.total());
        let node = self.alloc_inner(right);
        Some(Split { node, first, count })
    }

    /// Removes `fd`'s entry (only if open, with `only_open`) and returns
    /// its value; then shrinks the root while it has a single child.
    pub(super) fn remove(&mut self, fd: u32, only_open: bool) -> Option<u32> {
        if fd >= END {
            return None;
        }
        if let Some(removed) = self.finger_remove(fd, only_open) {
            return removed;
        }
        if self.root == NONE {
            return None;
        }
        self.finger.clear();
        let val = self.remove_in(self.root, self.height, fd, only_open)?;
        self.used -= 1;
        while self.height > 0 && self.inners[self.root as usize].len == 1 {
            let child = self.inners[self.root as usize].child[0];
            self.free_node(self.root, self.height);
            (self.root, self.height) = (child, self.height - 1);
        }
        if self.height == 0 && self.leaves[self.root as usize].len == 0 {
            // Empty: give all memory back.
            *self = Self::new();
        }
        Some(val)
    }

    /// Removes from the subtree of `node` at `level`; repairs a child left
    /// under its minimum. The caller repairs `node` itself.
    fn remove_in(&mut self, node: u32, level: u32, fd: u32, only_open: bool) -> Option<u32> {
        if level == 0 {
            let l = &mut self.leaves[node as usize];
            let i = l.position(fd);
            let key = *l.keys[..l.len as usize].get(i)?;
            if key >> 1 != fd || (only_open && key & 1 != 0) {
                return None;
            }
            return Some(l.remove(i));
        }
        let n = &self.inners[node as usize];
        let j = n.child_for(fd);
        let child = n.child[j];
        let val = self.remove_in(child, level - 1, fd, only_open)?;
        let (first, len) = (
            self.first_of(child, level - 1),
            self.len_of(child, level - 1),
        );
        let n = &mut self.inners[node as usize];
        n.bump(j, false);
        n.first[j] = first;
        let min = if level == 1 { LEAF_MIN } else { INNER_MIN };
        if len < min {
            self.rebalance(node, j, level - 1);
        }
        Some(val)
    }

    /// Child `j` of `node` (at `level`) is under its minimum: merge it with
    /// a neighbour if both fit in three quarters of a node, else even them
    /// out (each then holds at least three eighths of a node).
    fn rebalance(&mut self, node: u32, j: usize, level: u32) {
        let n = &self.inners[node as usize];
        // A non-root inner node has >= INNER_MIN >= 2 children, the root >= 2.
        let a = if j + 1 < n.len as usize { j } else { j - 1 };
        let (left, right) = (n.child[a], n.child[a + 1]);
        let merged = if level == 0 {
            self.rebalance_leaves(left, right)
        } else {
            self.rebalance_inners(left, right)
        };
        if merged {
            let n = &mut self.inners[node as usize];
            n.count[a] += n.count[a + 1];
            n.remove(a + 1); // rebuilds the prefix sums
            self.free_node(right, level);
            return;
        }
        let first = self.first_of(right, level);
        let left_count = match level {
            0 => self.leaves[left as usize].len,
            _ => self.inners[left as usize].total(),
        };
        let n = &mut self.inners[node as usize];
        let total = n.count[a] + n.count[a + 1];
        (n.count[a], n.count[a + 1], n.first[a + 1]) = (left_count, total - left_count, first);
        n.rebuild_pre();
    }

    /// Merges leaf `right` into `left` (true), or moves entries between
    /// them so each holds half (false).
    fn rebalance_leaves(&mut self, left: u32, right: u32) -> bool {
        let r = std::mem::replace(&mut self.leaves[right as usize], EMPTY_LEAF);
        let (merged, r) = rebalance(&mut self.leaves[left as usize], r, LEAF_CAP);
        // A merged-away right node stays empty, as the caller frees it.
        if !merged {
            self.leaves[right as usize] = r;
        }
        merged
    }

    /// As `rebalance_leaves`, for inner nodes.
    fn rebalance_inners(&mut self, left: u32, right: u32) -> bool {
        let r = std::mem::replace(&mut self.inners[right as usize], EMPTY_INNER);
        let (merged, r) = rebalance(&mut self.inners[left as usize], r, INNER_CAP);
        // A merged-away right node stays empty, as the caller frees it.
        if !merged {
            self.inners[right as usize] = r;
        }
        merged
    }
}

/// The node operations [`rebalance`] needs, shared by leaves and inner nodes.
trait Node: Sized {
    fn len(&self) -> usize;
    fn split_off(&mut self, at: usize) -> Self;
    fn append(&mut self, right: &Self);
}

impl Node for Leaf {
    fn len(&self) -> usize {
        self.len as usize
    }
    fn split_off(&mut self, at: usize) -> Self {
        Leaf::split_off(self, at)
    }
    fn append(&mut self, right: &Self) {
        Leaf::append(self, right);
    }
}

impl Node for Inner {
    fn len(&self) -> usize {
        self.len as usize
    }
    fn split_off(&mut self, at: usize) -> Self {
        Inner::split_off(self, at)
    }
    fn append(&mut self, right: &Self) {
        Inner::append(self, right);
    }
}

/// Merges `r` into `l` when together they fill at most 3/4 of `cap` (returns true and
/// an `r` to discard), else moves entries so each holds half (returns false and the new
/// right node).
fn rebalance<N: Node>(l: &mut N, mut r: N, cap: usize) -> (bool, N) {
    let total = l.len() + r.len();
    if total <= cap * 3 / 4 {
        l.append(&r);
        return (true, r);
    }
    let keep = total / 2;
    if l.len() > keep {
        let mut moved = l.split_off(keep);
        moved.append(&r);
        r = moved;
    } else {
        let rest = r.split_off(keep - l.len());
        l.append(&r);
        r = rest;
    }
    (false, r)
}
