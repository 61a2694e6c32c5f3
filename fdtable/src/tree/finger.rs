//! The finger: the path of the last `select_free` descent, so that the
//! insert that follows (a random policy inserts the fd it just selected)
//! and a remove of an fd in the same leaf skip their descents.
//!
//! The finger names, per inner level, the node and the child taken, the
//! leaf reached, and the range of fds `[lo, hi)` that descend along that
//! path (child `j` is taken for fds from `first[j]`, or any fd if `j` is 0,
//! up to `first[j + 1]`). It is valid only while no edit has happened
//! outside it: every other edit clears `valid`. An edit through the finger
//! keeps it valid when it leaves every `first` on the path unchanged;
//! edits that could split or merge a node go the normal way.

use super::{
    FdTree,
    node::{LEAF_CAP, LEAF_MIN, Leaf},
};

/// Deepest path the finger records (a tree of 2^31 fds with nodes a
/// quarter full is at most 11 inner levels deep; deeper paths are simply
/// not recorded).
const MAX_DEPTH: usize = 12;

/// A recorded root-to-leaf path; see the module docs.
#[derive(Clone, Copy, Debug)]
pub(super) struct Finger {
    valid: bool,
    lo: u32,
    hi: u32,
    leaf: u32,
    /// A hint: `fd` is (or would be inserted) at index `pos` of the leaf,
    /// as select found it; checked against the neighbours before use.
    fd: u32,
    pos: u32,
    /// `(inner node, child index)` from the root down.
    path: [(u32, u32); MAX_DEPTH],
}

impl Default for Finger {
    fn default() -> Self {
        Self {
            valid: false,
            lo: 0,
            hi: 0,
            leaf: 0,
            fd: u32::MAX,
            pos: 0,
            path: [(0, 0); MAX_DEPTH],
        }
    }
}

impl Finger {
    /// Forgets the path (after an edit made without it).
    pub(super) fn clear(&mut self) {
        self.valid = false;
    }

    /// Starts recording a descent from the root.
    pub(super) fn start(&mut self, height: u32) {
        (self.valid, self.lo, self.hi) = (height as usize <= MAX_DEPTH, 0, u32::MAX);
    }

    /// Records that level `depth` (0 = root) took child `j` of `node`,
    /// whose range is `[lo, hi)` (`lo` 0 and `hi` `u32::MAX` when open).
    pub(super) fn step(&mut self, depth: usize, node: u32, j: usize, lo: u32, hi: u32) {
        if let Some(slot) = self.path.get_mut(depth) {
            *slot = (node, j as u32);
        }
        self.lo = self.lo.max(lo);
        self.hi = self.hi.min(hi);
    }

    /// Records the leaf the descent reached, and that `fd` is or goes at
    /// index `pos` in it.
    pub(super) fn finish(&mut self, leaf: u32, fd: u32, pos: u32) {
        (self.leaf, self.fd, self.pos) = (leaf, fd, pos);
    }
}

impl Leaf {
    /// Where `fd` is or would go: `hint` if the neighbours confirm it (two
    /// compares), else by the full `position` pass.
    fn position_hinted(&self, fd: u32, hint: Option<u32>) -> usize {
        if let Some(pos) = hint.map(|p| p as usize).filter(|&p| p <= self.len as usize) {
            let below = pos == 0 || self.keys[pos - 1] >> 1 < fd;
            // At `len` the key is the sentinel, above every fd.
            let at_or_above = self.keys.get(pos).is_none_or(|&k| k >> 1 >= fd);
            if below && at_or_above {
                return pos;
            }
        }
        self.position(fd)
    }
}

impl FdTree {
    /// The finger's leaf, if the finger is valid and `fd` descends to it.
    fn fingered(&self, fd: u32) -> Option<u32> {
        let f = &self.finger;
        (f.valid && f.lo <= fd && fd < f.hi).then_some(f.leaf)
    }

    /// The finger's position hint for `fd`, if it is about `fd`.
    fn hint(&self, fd: u32) -> Option<u32> {
        (self.finger.fd == fd).then_some(self.finger.pos)
    }

    /// `upsert` through the finger; `false` if it cannot be used (no
    /// valid finger for this fd, or the leaf is full and would split).
    pub(super) fn finger_upsert(&mut self, key: u32, val: u32) -> bool {
        let fd = key >> 1;
        let Some(leaf) = self.fingered(fd) else {
            return false;
        };
        let hint = self.hint(fd);
        let l = &mut self.leaves[leaf as usize];
        let pos = l.position_hinted(fd, hint);
        (self.finger.fd, self.finger.pos) = (fd, pos as u32);
        if pos < l.len as usize && l.keys[pos] >> 1 == fd {
            (l.keys[pos], l.vals[pos]) = (key, val);
            return true;
        }
        if l.len as usize == LEAF_CAP {
            return false;
        }
        l.insert(pos, key, val);
        self.used += 1;
        // `first[j]` only lowers where `j` is 0 (elsewhere `fd >= lo >=
        // first[j]`), which leaves the finger's range as it was.
        for &(node, j) in &self.finger.path[..self.height as usize] {
            let n = &mut self.inners[node as usize];
            n.bump(j as usize, true);
            n.first[j as usize] = n.first[j as usize].min(fd);
        }
        true
    }

    /// `remove` through the finger: `None` if it cannot be used (no valid
    /// finger for this fd, or the leaf could drop below its minimum or
    /// empty the tree), else what `remove` returns.
    pub(super) fn finger_remove(&mut self, fd: u32, only_open: bool) -> Option<Option<u32>> {
        let leaf = self.fingered(fd)?;
        let hint = self.hint(fd);
        let l = &mut self.leaves[leaf as usize];
        let min = if self.height == 0 { 1 } else { LEAF_MIN };
        if l.len as usize <= min {
            return None;
        }
        let pos = l.position_hinted(fd, hint);
        let key = *l.keys[..l.len as usize].get(pos)?;
        if key >> 1 != fd || (only_open && key & 1 != 0) {
            return Some(None);
        }
        let val = l.remove(pos);
        let mut first = l.first();
        self.used -= 1;
        for &(node, j) in self.finger.path[..self.height as usize].iter().rev() {
            let n = &mut self.inners[node as usize];
            n.bump(j as usize, false);
            n.first[j as usize] = first;
            first = n.first[0];
        }
        // Removing a leaf's first fd raises `first` on the path, and with
        // it the finger's lower bound.
        if pos == 0 {
            self.finger.clear();
        }
        Some(Some(val))
    }
}
