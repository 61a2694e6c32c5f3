//! The two node kinds of [`FdTree`](super::FdTree) and their in-node edits.
//!
//! Both keep fixed-size arrays whose unused tail holds sentinels (`u32::MAX`
//! keys and firsts, zero counts, `NONE` children), so the in-node searches
//! can run over the whole array without a length-dependent branch: a
//! sentinel never compares below an fd.

use super::NONE;

/// Entries per leaf. A full leaf splits in halves; a non-root leaf below
/// [`LEAF_MIN`] is merged with or refilled from a sibling.
pub(super) const LEAF_CAP: usize = 64;
/// Fewest entries of a leaf that is not the root.
pub(super) const LEAF_MIN: usize = LEAF_CAP / 4;
/// Children per inner node.
pub(super) const INNER_CAP: usize = 32;
/// Fewest children of an inner node that is not the root.
pub(super) const INNER_MIN: usize = INNER_CAP / 4;

/// Up to [`LEAF_CAP`] used fds in ascending order, with their values.
#[derive(Clone)]
pub(super) struct Leaf {
    pub(super) len: u32,
    /// `fd << 1 | quarantined` (fds are below 2^31), ascending; `u32::MAX`
    /// past `len`.
    pub(super) keys: [u32; LEAF_CAP],
    /// Slab key of an open fd, closing tick of a quarantined one.
    pub(super) vals: [u32; LEAF_CAP],
}

/// Up to [`INNER_CAP`] children in fd order, each with its lowest fd and
/// its number of used fds (the counts rank and select subtract).
#[derive(Clone)]
pub(super) struct Inner {
    pub(super) len: u32,
    /// Lowest used fd under each child (exact); `u32::MAX` past `len`.
    pub(super) first: [u32; INNER_CAP],
    /// Used fds under each child; 0 past `len`.
    pub(super) count: [u32; INNER_CAP],
    /// `pre[i]`: used fds under the children before `i` (a prefix sum of
    /// `count`, so rank and select read it instead of adding up to 31
    /// counts); past `len` it is the node's total.
    pub(super) pre: [u32; INNER_CAP],
    /// Arena index of each child; `NONE` past `len`.
    pub(super) child: [u32; INNER_CAP],
}

pub(super) const EMPTY_LEAF: Leaf = Leaf {
    len: 0,
    keys: [u32::MAX; LEAF_CAP],
    vals: [0; LEAF_CAP],
};

pub(super) const EMPTY_INNER: Inner = Inner {
    len: 0,
    first: [u32::MAX; INNER_CAP],
    count: [0; INNER_CAP],
    pre: [0; INNER_CAP],
    child: [NONE; INNER_CAP],
};

impl Leaf {
    /// How many entries have an fd below `fd`: where `fd` is or would go.
    /// Branch-free over the whole array (sentinels never count).
    #[inline]
    pub(super) fn position(&self, fd: u32) -> usize {
        let key = fd << 1;
        // u32 lanes: twice as many per vector as usize.
        self.keys.iter().map(|&k| u32::from(k < key)).sum::<u32>() as usize
    }

    /// The lowest fd held, or `u32::MAX` when empty.
    pub(super) fn first(&self) -> u32 {
        if self.len == 0 {
            u32::MAX
        } else {
            self.keys[0] >> 1
        }
    }

    /// Inserts an entry at `pos`; the leaf must not be full.
    pub(super) fn insert(&mut self, pos: usize, key: u32, val: u32) {
        let len = self.len as usize;
        self.keys.copy_within(pos..len, pos + 1);
        self.vals.copy_within(pos..len, pos + 1);
        self.keys[pos] = key;
        self.vals[pos] = val;
        self.len += 1;
    }

    /// Removes the entry at `pos` (< `len`) and returns its value.
    pub(super) fn remove(&mut self, pos: usize) -> u32 {
        let len = self.len as usize;
        let val = self.vals[pos];
        self.keys.copy_within(pos + 1..len, pos);
        self.vals.copy_within(pos + 1..len, pos);
        self.keys[len - 1] = u32::MAX;
        self.vals[len - 1] = 0;
        self.len -= 1;
        val
    }

    /// Moves the entries from `at` on into a new leaf.
    pub(super) fn split_off(&mut self, at: usize) -> Leaf {
        let mut right = EMPTY_LEAF;
        let len = self.len as usize;
        right.keys[..len - at].copy_from_slice(&self.keys[at..len]);
        right.vals[..len - at].copy_from_slice(&self.vals[at..len]);
        right.len = (len - at) as u32;
        self.keys[at..].fill(u32::MAX);
        self.vals[at..].fill(0);
        self.len = at as u32;
        right
    }

    /// Appends all of `right`'s entries, which are above ours.
    pub(super) fn append(&mut self, right: &Leaf) {
        let (len, add) = (self.len as usize, right.len as usize);
        self.keys[len..len + add].copy_from_slice(&right.keys[..add]);
        self.vals[len..len + add].copy_from_slice(&right.vals[..add]);
        self.len += right.len;
    }
}

impl Inner {
    /// The child whose range holds `fd`: the last one whose first fd is at
    /// or below it, or child 0. Branch-free over the whole array.
    #[inline]
    pub(super) fn child_for(&self, fd: u32) -> usize {
        // Over all 32 (aligned, a whole number of vectors): the children
        // at or below `fd` are a prefix, and child 0 is the answer also
        // when even it starts above `fd`.
        let at_or_below: u32 = self.first.iter().map(|&f| u32::from(f <= fd)).sum();
        at_or_below.saturating_sub(1) as usize
    }

    /// Used fds under all children.
    pub(super) fn total(&self) -> u32 {
        self.count.iter().sum()
    }

    /// One more (`add`) or one fewer used fd under child `j`: its count
    /// and the prefix sums after it.
    #[inline]
    pub(super) fn bump(&mut self, j: usize, add: bool) {
        let delta = if add { 1 } else { u32::MAX };
        self.count[j] = self.count[j].wrapping_add(delta);
        // Fixed length with a mask rather than `pre[j + 1..]`: `j` is
        // random, and a loop of random length mispredicts its exit.
        let j = j as u32;
        for (p, &i) in self.pre.iter_mut().zip(&INDEX) {
            *p = p.wrapping_add(delta & u32::from(i > j).wrapping_neg());
        }
    }

    /// Recomputes `pre` from `count`, after a structural change.
    pub(super) fn rebuild_pre(&mut self) {
        let mut sum = 0;
        for (p, &c) in self.pre.iter_mut().zip(&self.count) {
            *p = sum;
            sum += c;
        }
    }

    /// Inserts a child at `pos`; the node must not be full.
    pub(super) fn insert(&mut self, pos: usize, first: u32, count: u32, child: u32) {
        let len = self.len as usize;
        self.first.copy_within(pos..len, pos + 1);
        self.count.copy_within(pos..len, pos + 1);
        self.child.copy_within(pos..len, pos + 1);
        (self.first[pos], self.count[pos], self.child[pos]) = (first, count, child);
        self.len += 1;
        self.rebuild_pre();
    }

    /// Removes the child at `pos` (< `len`) and returns its index.
    pub(super) fn remove(&mut self, pos: usize) -> u32 {
        let len = self.len as usize;
        let child = self.child[pos];
        self.first.copy_within(pos + 1..len, pos);
        self.count.copy_within(pos + 1..len, pos);
        self.child.copy_within(pos + 1..len, pos);
        (
            self.first[len - 1],
            self.count[len - 1],
            self.child[len - 1],
        ) = (u32::MAX, 0, NONE);
        self.len -= 1;
        self.rebuild_pre();
        child
    }

    /// Moves the children from `at` on into a new node.
    pub(super) fn split_off(&mut self, at: usize) -> Inner {
        let mut right = EMPTY_INNER;
        let len = self.len as usize;
        right.first[..len - at].copy_from_slice(&self.first[at..len]);
        right.count[..len - at].copy_from_slice(&self.count[at..len]);
        right.child[..len - at].copy_from_slice(&self.child[at..len]);
        right.len = (len - at) as u32;
        self.first[at..].fill(u32::MAX);
        self.count[at..].fill(0);
        self.child[at..].fill(NONE);
        self.len = at as u32;
        self.rebuild_pre();
        right.rebuild_pre();
        right
    }

    /// Appends all of `right`'s children, which are above ours.
    pub(super) fn append(&mut self, right: &Inner) {
        let (len, add) = (self.len as usize, right.len as usize);
        self.first[len..len + add].copy_from_slice(&right.first[..add]);
        self.count[len..len + add].copy_from_slice(&right.count[..add]);
        self.child[len..len + add].copy_from_slice(&right.child[..add]);
        self.len += right.len;
        self.rebuild_pre();
    }
}

/// `INDEX[i] == i`, so per-position comparisons run in u32 vector lanes.
pub(super) static INDEX: [u32; LEAF_CAP] = {
    let mut index = [0; LEAF_CAP];
    let mut i = 0;
    while i < LEAF_CAP {
        index[i] = i as u32;
        i += 1;
    }
    index
};
