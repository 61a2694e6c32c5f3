//! Searches: rank (used fds below `x`), select (the `k`-th free fd), the
//! lowest free fd at or above `start`, and the next used fd.
//!
//! Each is one descent from the root with a fixed-size, branch-free pass
//! per node: never a scan whose length depends on how many fds are used.

use super::{FdTree, NONE, node::INDEX};

/// One past the largest fd the tree can hold.
const END: u64 = 1 << 31;

impl FdTree {
    /// How many used fds are below `x`.
    pub(crate) fn rank_used(&self, x: u64) -> u64 {
        if x >= END {
            return self.used;
        }
        if self.root == NONE || x == 0 {
            return 0;
        }
        // Below 2^31, so `x << 1` (in `position`) fits in a u32.
        let x = x as u32;
        let (mut node, mut below) = (self.root, 0u64);
        for _ in 0..self.height {
            let n = &self.inners[node as usize];
            // Children wholly below `x`: all before the last one whose
            // first fd is below `x`.
            let j = n.first[1..].iter().map(|&f| u32::from(f < x)).sum::<u32>() as usize;
            below += u64::from(n.pre[j]);
            node = n.child[j];
        }
        below + self.leaves[node as usize].position(x) as u64
    }

    /// The `k`-th (0-based) free fd in ascending order; fds at or above
    /// 2^31 count as free, so any `k` has an answer.
    ///
    /// Before a used fd `u` of rank `r` lie `u - r` free fds, which never
    /// decreases along the used fds; the answer is `k` plus the number of
    /// used fds with at most `k` free fds before them. Each level goes to
    /// the last child whose first fd qualifies (all before it qualify
    /// entirely, none after it at all).
    /// Records the path taken in the finger, for the insert that follows.
    pub(crate) fn select_free(&mut self, k: u64) -> u64 {
        if self.root == NONE || u64::from(self.first_of(self.root, self.height)) > k {
            return k;
        }
        if k >= END - self.used {
            // Past the last used fd: every used fd is below the answer.
            return k + self.used;
        }
        // From here on `k + before` < 2^31: u32 arithmetic. `before`: used
        // fds before the current node, whose first fd qualifies.
        let (k, mut node, mut before) = (k as u32, self.root, 0u32);
        self.finger.start(self.height);
        for depth in 0..self.height as usize {
            let n = &self.inners[node as usize];
            // Child i qualifies iff `first[i] - (before + pre[i]) <= k`.
            // Fixed-length and branch-free, so it vectorises; `i < len`
            // masks the sentinels.
            let (len, bound) = (n.len, k + before);
            let qualifying: u32 = (n.first.iter().zip(&n.pre).zip(&INDEX))
                .map(|((&first, &pre), &i)| {
                    u32::from(i < len) & u32::from(first.wrapping_sub(pre) <= bound)
                })
                .sum();
            let j = qualifying as usize - 1;
            let lo = if j == 0 { 0 } else { n.first[j] };
            let hi = n.first.get(j + 1).copied().unwrap_or(u32::MAX);
            self.finger.step(depth, node, j, lo, hi);
            before += n.pre[j];
            node = n.child[j];
        }
        let leaf = &self.leaves[node as usize];
        let (len, bound) = (leaf.len, k + before);
        let qualifying: u32 = (leaf.keys.iter().zip(&INDEX))
            .map(|(&key, &i)| u32::from(i < len) & u32::from((key >> 1).wrapping_sub(i) <= bound))
            .sum();
        // The qualifying entries are the used fds below the answer: it
        // goes right after them.
        let fd = k + before + qualifying;
        self.finger.finish(node, fd, qualifying);
        u64::from(fd)
    }

    /// The lowest free fd at or above `start` (may be 2^31 or more).
    pub(crate) fn first_free(&mut self, start: u64) -> u64 {
        if start >= END {
            return start;
        }
        // `start - rank` free fds lie below `start`: the next is the answer.
        self.select_free(start - self.rank_used(start))
    }

    /// The first used fd at or above `start`, if any.
    pub(crate) fn next_used(&self, start: u64) -> Option<u64> {
        if start >= END || self.root == NONE {
            return None;
        }
        let start = start as u32;
        // The first fd of the nearest subtree to the right of the path: the
        // answer if the leaf reached has no fd at or above `start`.
        let (mut node, mut next) = (self.root, None);
        for _ in 0..self.height {
            let n = &self.inners[node as usize];
            let j = n.child_for(start);
            if j + 1 < n.len as usize {
                next = Some(u64::from(n.first[j + 1]));
            }
            node = n.child[j];
        }
        let leaf = &self.leaves[node as usize];
        let i = leaf.position(start);
        match leaf.keys[..leaf.len as usize].get(i) {
            Some(&key) => Some(u64::from(key >> 1)),
            None => next,
        }
    }
}
