//! Structural invariant check for tests.

use super::{
    FdTree, NONE,
    node::{INNER_CAP, INNER_MIN, LEAF_CAP, LEAF_MIN},
};

impl FdTree {
    /// Panics unless every invariant of the module docs holds; returns
    /// the entries `(fd, quarantined, value)` in order.
    pub(crate) fn check(&self) -> Vec<(u32, bool, u32)> {
        let mut out = Vec::new();
        if self.root == NONE {
            assert_eq!((self.used, self.height), (0, 0));
            assert!(self.leaves.is_empty() && self.inners.is_empty());
            return out;
        }
        let count = self.check_node(self.root, self.height, true, &mut out);
        assert_eq!(u64::from(count), self.used);
        assert!(out.windows(2).all(|w| w[0].0 < w[1].0), "not sorted");
        let live = out.len().div_ceil(LEAF_CAP);
        assert!(self.leaves.len() - self.free_leaves.len() >= live);
        out
    }

    /// Checks the subtree of `node`; returns its used count.
    fn check_node(
        &self,
        node: u32,
        level: u32,
        root: bool,
        out: &mut Vec<(u32, bool, u32)>,
    ) -> u32 {
        if level == 0 {
            let l = &self.leaves[node as usize];
            let len = l.len as usize;
            assert!(len <= LEAF_CAP && (len >= LEAF_MIN || root) && len >= 1);
            assert!(l.keys[len..].iter().all(|&k| k == u32::MAX));
            for i in 0..len {
                out.push((l.keys[i] >> 1, l.keys[i] & 1 == 1, l.vals[i]));
            }
            return l.len;
        }
        let n = &self.inners[node as usize];
        let len = n.len as usize;
        assert!(len <= INNER_CAP && (len >= INNER_MIN || (root && len >= 2)));
        assert!(n.first[len..].iter().all(|&f| f == u32::MAX));
        assert!(n.count[len..].iter().all(|&c| c == 0));
        assert!(n.child[len..].iter().all(|&c| c == NONE));
        let mut total = 0;
        for i in 0..INNER_CAP {
            let before: u32 = n.count[..i].iter().sum();
            assert_eq!(n.pre[i], before, "prefix sum {i}");
        }
        for i in 0..len {
            let start = out.len();
            let count = self.check_node(n.child[i], level - 1, false, out);
            assert_eq!(n.count[i], count, "count of child {i}");
            assert_eq!(n.first[i], out[start].0, "first of child {i}");
            total += count;
        }
        total
    }
}
