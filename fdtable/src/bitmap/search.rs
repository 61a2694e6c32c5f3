//! Searches over the tree: lowest free, next used, rank and select.
//!
//! Each costs at most one walk up and one walk down, with a bounded number
//! of word operations per level: never a scan whose length depends on how
//! many fds are used.

use super::{BITS, FdBitmap, GROUP, NONE, above, bit};

impl FdBitmap {
    /// The lowest free fd at or above `start` (may be at or past the span,
    /// where everything is free).
    #[inline]
    pub(crate) fn first_free(&self, start: u64) -> u64 {
        // Fast path: the free fd is in the cached leaf.
        if start >> BITS == self.cache_no {
            let free = !self.leaves[self.cache_idx as usize].used & (u64::MAX << (start & 63));
            if free != 0 {
                return (start & !63) | u64::from(free.trailing_zeros());
            }
        }
        self.first_free_walk(start)
    }

    /// `first_free` past the cached leaf.
    #[inline(never)]
    fn first_free_walk(&self, start: u64) -> u64 {
        let no = start >> BITS;
        let Some(li) = self.find_leaf(no) else {
            // No leaf: all 64 fds around `start` are free.
            return start;
        };
        let l = &self.leaves[li as usize];
        let free = !l.used & (u64::MAX << (start & 63));
        if free != 0 {
            return (start & !63) | u64::from(free.trailing_zeros());
        }
        // Up to the first ancestor with a non-full child after ours.
        let (mut node, mut pos, mut level) = (l.parent, l.pos, 1);
        while node != NONE {
            let n = &self.inners[node as usize];
            let candidates = !n.full & above(pos);
            if candidates != 0 {
                let c = u64::from(candidates.trailing_zeros());
                let base = child_base(no, level, c);
                return self.leftmost_free(n.child[c as usize], level - 1, base);
            }
            (node, pos, level) = (n.parent, n.pos, level + 1);
        }
        self.span()
    }

    /// The lowest free fd under `node` (at `level`, 0 = leaf) whose first
    /// fd is `base`; `node` is `NONE` (all free) or not full.
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
    pub(crate) fn next_used(&self, mut start: u64) -> Option<u64> {
        // At most one retry: only the parked leaf can be present but empty.
        loop {
            match self.next_used_once(start)? {
                Ok(fd) => return Some(fd),
                Err(next) => start = next,
            }
        }
    }

    /// `next_used`, or `Err(next start)` if it reached the empty parked leaf.
    fn next_used_once(&self, start: u64) -> Option<Result<u64, u64>> {
        let no = start >> BITS;
        if no >= self.span() >> BITS || self.root == NONE {
            return None;
        }
        // Walk down as far as the path exists.
        let (mut node, mut level) = (self.root, self.height);
        let mut pos;
        loop {
            pos = ((no >> (BITS * (level - 1))) & 63) as u32;
            let child = self.inners[node as usize].child[pos as usize];
            if child == NONE {
                break;
            }
            if level == 1 {
                let used = self.leaves[child as usize].used & (u64::MAX << (start & 63));
                if used != 0 {
                    return Some(Ok((start & !63) | u64::from(used.trailing_zeros())));
                }
                break;
            }
            (node, level) = (child, level - 1);
        }
        // Up to the first ancestor with a present child after ours.
        while node != NONE {
            let n = &self.inners[node as usize];
            let candidates = n.present & above(pos);
            if candidates != 0 {
                let c = u64::from(candidates.trailing_zeros());
                let base = child_base(no, level, c);
                return Some(self.leftmost_used(n.child[c as usize], level - 1, base));
            }
            (node, pos, level) = (n.parent, n.pos, level + 1);
        }
        None
    }

    /// The lowest used fd under a present `node` at `level` from `base`, or
    /// `Err(first fd after it)` if the leaf reached is the empty parked one.
    fn leftmost_used(&self, mut node: u32, mut level: u32, mut base: u64) -> Result<u64, u64> {
        while level > 0 {
            let n = &self.inners[node as usize];
            let c = n.present.trailing_zeros();
            base |= u64::from(c) << (BITS * level);
            node = n.child[c as usize];
            level -= 1;
        }
        match self.leaves[node as usize].used {
            0 => Err(base + 64),
            used => Ok(base | u64::from(used.trailing_zeros())),
        }
    }

    /// How many used fds are below `x`. Needs `counted`.
    pub(crate) fn rank_used(&self, x: u64) -> u64 {
        debug_assert!(self.counted);
        if x == 0 {
            return 0;
        }
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
            let p = ((x >> (BITS * level)) & 63) as usize;
            let g = p / GROUP;
            let groups = n.group[..g].iter().map(|&c| u64::from(c));
            let children = n.count[g * GROUP..p].iter().map(|&c| u64::from(c));
            below += groups.chain(children).sum::<u64>();
            node = n.child[p];
        }
        if node == NONE {
            return below;
        }
        below + u64::from((self.leaves[node as usize].used & (bit(x) - 1)).count_ones())
    }

    /// The `k`-th (0-based) free fd in ascending order; free fds past the
    /// span count too, so any `k` has an answer. Needs `counted`.
    pub(crate) fn select_free(&self, mut k: u64) -> u64 {
        debug_assert!(self.counted);
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
            // Fixed work per level, branch-free: 7 group sums, then 7 child
            // counts, to find where more than `k` fds are free.
            let group_span = child_span * GROUP as u64;
            let (g, skipped) = locate(k, n.group.iter().map(|&c| group_span - u64::from(c)));
            k -= skipped;
            let children = n.count[g * GROUP..].iter().take(GROUP);
            let (c, skipped) = locate(k, children.map(|&c| child_span - u64::from(c)));
            k -= skipped;
            let p = g * GROUP + c;
            base |= (p as u64) << (BITS * level);
            node = n.child[p];
        }
        if node == NONE {
            return base + k;
        }
        base | u64::from(select_zero(self.leaves[node as usize].used, k as u32))
    }
}

/// Given free counts of up to 8 consecutive blocks, returns the block that
/// holds the `k`-th free fd and the free fds in the blocks before it. The
/// prefix sums only grow, so "prefix <= k" holds for a leading run: counting
/// it needs no data-dependent branch (mispredictions cost more than the
/// few extra additions). The last block is never skipped.
#[inline]
fn locate(k: u64, free: impl Iterator<Item = u64>) -> (usize, u64) {
    let (mut index, mut before, mut sum) = (0, 0, 0);
    for f in free.take(GROUP - 1) {
        sum += f;
        let skip = sum <= k;
        index += usize::from(skip);
        before = if skip { sum } else { before };
    }
    (index, before)
}

/// First fd of child `c` of the level-`level` ancestor of leaf number `no`.
fn child_base(no: u64, level: u32, c: u64) -> u64 {
    let node_first_leaf = no >> (BITS * level) << (BITS * level);
    (node_first_leaf | (c << (BITS * (level - 1)))) << BITS
}

/// Position of the `k`-th (0-based) zero bit of `word`; `k` must be less
/// than the number of zeros.
pub(crate) fn select_zero(word: u64, k: u32) -> u32 {
    select_one(!word, k)
}

/// Position of the `k`-th (0-based) set bit of `x`, `k` < `x.count_ones()`.
///
/// Vigna's broadword select ("Broadword implementation of rank/select
/// queries", 2008): per-byte popcounts, their prefix sums by one multiply,
/// the byte holding the bit by a parallel compare, then a table lookup in
/// that byte. No loop, no branch, and no `popcnt` instruction, which the
/// baseline x86-64 target lacks (`count_ones` there is a slow bit-twiddle).
fn select_one(x: u64, k: u32) -> u32 {
    const L8: u64 = 0x0101_0101_0101_0101;
    const H8: u64 = 0x8080_8080_8080_8080;
    let mut s = x - ((x >> 1) & 0x5555_5555_5555_5555);
    s = (s & 0x3333_3333_3333_3333) + ((s >> 2) & 0x3333_3333_3333_3333);
    s = (s + (s >> 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    // Byte i: set bits in bytes 0..=i (at most 64, so the high bit is free).
    let byte_sums = s.wrapping_mul(L8);
    // High bit of byte i set iff k >= byte_sums[i]; their count is the
    // index of the byte holding the k-th bit.
    let ge = (((u64::from(k) * L8) | H8) - byte_sums) & H8;
    let place = (((ge >> 7).wrapping_mul(L8) >> 53) & !7) as u32;
    let before = ((byte_sums << 8) >> place) & 0xFF;
    let rank_in_byte = k - before as u32;
    let byte = ((x >> place) & 0xFF) as usize;
    place + u32::from(SELECT_IN_BYTE[byte][(rank_in_byte & 7) as usize])
}

/// `SELECT_IN_BYTE[b][r]`: position of the `r`-th set bit of byte `b`.
static SELECT_IN_BYTE: [[u8; 8]; 256] = select_in_byte_table();

const fn select_in_byte_table() -> [[u8; 8]; 256] {
    let mut table = [[8u8; 8]; 256];
    let mut byte = 0;
    while byte < 256 {
        let (mut rank, mut bit) = (0, 0);
        while bit < 8 {
            if byte & (1 << bit) != 0 {
                table[byte][rank] = bit as u8;
                rank += 1;
            }
            bit += 1;
        }
        byte += 1;
    }
    table
}
