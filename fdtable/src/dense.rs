//! [`DenseBitmap`]: flat bitmaps over the fds `[0, bound)`, for lowest-free.
//!
//! Lowest-free fds are dense: the policy never hands out an fd above
//! `floor + open fds`, so a flat array indexed by fd wastes nothing and
//! needs no tree walk — the layout of Linux's `struct fdtable`. Each
//! `Word` covers 64 fds: a `used` word (open or quarantined; Linux's
//! `open_fds`), a `quar` word (quarantined) and a `marked` flag; the slab
//! keys live in a parallel flat `slots` array indexed by fd. An insert or
//! remove touches one `Word` and one slot and nothing else (unless a word
//! marked full stops being full). Open is `used & !quar`, so the common
//! insert and remove write only `used` and, for insert, the slot. Keeping
//! the keys out of `Word` keeps both strides cheap to index (24 and 4
//! bytes; with the keys inside, 280 bytes needs a multiply): measured ~7%
//! faster insert+remove cycles.
//!
//! Above the words sit summary levels: bit `i` of `full0` is set iff word
//! `i` has no free fd (Linux's `full_fds_bits`); bit `i` of `upper[0]` iff
//! word `i` of `full0` is all ones, and so on; the last level is one
//! word. Finding the first free fd after a full word is one walk up
//! and one walk down these levels (at most six for 2^31 fds), never a scan.
//! Bits of items past the end are clear, and such items sit only at the
//! end of a level, so "first clear bit is past the end" means "none free".
//!
//! Invariants: `words.len()` is a power of two (or zero); `quar` bits are
//! a subset of `used` bits; a word's `marked` flag equals its `full0` bit;
//! a set `full0` bit means the word is full, but a word that filled may
//! have its bit still clear — marking it on every fill would make each
//! insert+remove cycle at a nearly full word write the summary twice —
//! until a search meets it and marks it; the upper levels are exact
//! summaries of the level below.

use crate::map::Slot;

/// log2 of the fds per word.
const BITS: u32 = 6;

/// 64 fds: which are used, which are quarantined, and whether marked full.
#[derive(Clone)]
struct Word {
    used: u64,
    quar: u64,
    /// Whether this word's `full0` bit is set, kept here so a remove
    /// checks it without touching the summary.
    marked: bool,
}

const EMPTY: Word = Word {
    used: 0,
    quar: 0,
    marked: false,
};

fn bit(fd: u64) -> u64 {
    1 << (fd & 63)
}

/// Flat used/quarantined bitmaps and slots over `[0, bound)`; see the module docs.
#[derive(Clone, Default)]
pub(crate) struct DenseBitmap {
    words: Vec<Word>,
    /// `slots[fd]`: slab key of an open fd, allocation tick of a
    /// quarantined one; `slots.len() == 64 * words.len()`.
    slots: Vec<u32>,
    /// Summary level over `words` (kept apart from the levels above it,
    /// which change 64 times less often, to save an indirection on the
    /// hot path); empty iff `words` is.
    full0: Vec<u64>,
    /// Summary levels above `full0`, each over the one below.
    upper: Vec<Vec<u64>>,
}

impl DenseBitmap {
    /// One past the last fd covered.
    #[inline]
    pub(crate) fn bound(&self) -> u64 {
        (self.words.len() as u64) << BITS
    }

    /// What `fd` holds, or `None` if `fd` is at or above the bound.
    #[inline]
    pub(crate) fn slot(&self, fd: u64) -> Option<Slot> {
        let w = self.words.get((fd >> BITS) as usize)?;
        let (b, value) = (bit(fd), *self.slots.get(fd as usize)?);
        Some(if w.used & b == 0 {
            Slot::Free
        } else if w.quar & b != 0 {
            Slot::Quarantined(value)
        } else {
            Slot::Open(value)
        })
    }

    /// The insert fast path of lowest-free: if the word holding `start`
    /// has a free fd at or above it, marks the first one open with slab
    /// key `key` and returns it. `None` sends the caller to the general
    /// path (free fd in a later word, or `start` past the bound).
    #[inline]
    pub(crate) fn claim(&mut self, start: u64, key: u32) -> Option<u64> {
        let i = (start >> BITS) as usize;
        let w = self.words.get_mut(i)?;
        // Free fds at or above `start` in its word, shifted down to it.
        let free = (!w.used).wrapping_shr(start as u32);
        if free == 0 {
            return None;
        }
        let fd = start + u64::from(free.trailing_zeros());
        let slot = self.slots.get_mut(fd as usize)?;
        // If this fills the word, its `full0` bit is left clear (stale):
        // the search that meets it sets it (see `first_free_after`).
        // (`wrapping_shl` shifts by `fd % 64`, as x86 does natively.)
        w.used |= 1u64.wrapping_shl(fd as u32);
        *slot = key;
        Some(fd)
    }

    /// Sets `fd`'s slot; `false` (and no change) if `fd` is at or above
    /// the bound.
    #[inline]
    pub(crate) fn set(&mut self, fd: u64, slot: Slot) -> bool {
        let i = (fd >> BITS) as usize;
        let (Some(w), Some(value)) = (self.words.get_mut(i), self.slots.get_mut(fd as usize))
        else {
            return false;
        };
        let b = bit(fd);
        match slot {
            Slot::Free => {
                w.used &= !b;
                w.quar &= !b;
            }
            Slot::Open(key) => {
                w.used |= b;
                w.quar &= !b;
                *value = key;
            }
            Slot::Quarantined(tick) => {
                w.used |= b;
                w.quar |= b;
                *value = tick;
            }
        }
        // Marking a word that fills is left to the next search, as in
        // `claim`.
        if w.marked && w.used != u64::MAX {
            self.unmark_full(i);
        }
        true
    }

    /// Closes `fd` if it is open and returns its slab key: frees it, or
    /// with `quarantine = Some(tick)` keeps it used and stores the tick.
    /// `None` if `fd` is at or above the bound, `Some(None)` if not open.
    /// `quarantine` is `None` only in tables without a quarantine, where
    /// no fd is ever quarantined: then used means open.
    #[inline]
    pub(crate) fn close(&mut self, fd: u64, quarantine: Option<u32>) -> Option<Option<u32>> {
        let i = (fd >> BITS) as usize;
        let w = self.words.get_mut(i)?;
        // `wrapping_shl`/`shr` shift by `fd % 64`, as x86 does natively.
        let b = 1u64.wrapping_shl(fd as u32);
        let open = match quarantine {
            None => {
                debug_assert_eq!(w.quar, 0);
                w.used
            }
            Some(_) => w.used & !w.quar,
        };
        if open.wrapping_shr(fd as u32) & 1 == 0 {
            return Some(None);
        }
        let slot = self.slots.get_mut(fd as usize)?;
        let key = *slot;
        match quarantine {
            Some(tick) => {
                *slot = tick;
                w.quar |= b;
            }
            None => {
                w.used &= !b;
                if w.marked {
                    self.unmark_full(i);
                }
            }
        }
        Some(Some(key))
    }

    /// The lowest free fd in `[start, bound)`, if any. Takes `&mut self`
    /// to set the stale `full0` bits it meets.
    #[inline]
    pub(crate) fn first_free(&mut self, start: u64) -> Option<u64> {
        let i = (start >> BITS) as usize;
        let free = !self.words.get(i)?.used & (u64::MAX << (start & 63));
        if free != 0 {
            return Some((start & !63) | u64::from(free.trailing_zeros()));
        }
        self.first_free_after(i)
    }

    /// The lowest free fd in a word after word `i`. A word found full
    /// although its `full0` bit is clear was filled by `claim`: its bit is
    /// set now and the search repeated. Each repeat repairs one bit that
    /// one `claim` left, so the cost is amortised O(levels) per insert.
    #[inline(never)]
    fn first_free_after(&mut self, i: usize) -> Option<u64> {
        loop {
            let p = self.first_unmarked_word(i)?;
            let used = self.words.get(p)?.used;
            if used != u64::MAX {
                return Some(((p as u64) << BITS) | u64::from((!used).trailing_zeros()));
            }
            self.mark_full(p);
        }
    }

    /// The first word after word `i` whose `full0` bit is clear: up the
    /// summary levels to the first not-all-ones item after ours, then down
    /// its first clear bits.
    fn first_unmarked_word(&self, i: usize) -> Option<usize> {
        let (mut item, mut level) = (i + 1, 0);
        let mut p = loop {
            let word = self.level(level)?.get(item >> BITS)?;
            let clear = !word & (u64::MAX << (item & 63));
            if clear != 0 {
                break (item & !63) | clear.trailing_zeros() as usize;
            }
            (item, level) = ((item >> BITS) + 1, level + 1);
        };
        while level > 0 {
            level -= 1;
            let word = self.level(level)?.get(p)?;
            p = (p << BITS) | (!word).trailing_zeros() as usize;
        }
        Some(p)
    }

    /// The first used fd in `[start, bound)`, if any. Scans words: used
    /// only by iteration, which visits every fd anyway.
    pub(crate) fn next_used(&self, start: u64) -> Option<u64> {
        let first = (start >> BITS) as usize;
        let mut mask = u64::MAX << (start & 63);
        for (i, w) in self.words.iter().enumerate().skip(first) {
            let used = w.used & mask;
            if used != 0 {
                return Some(((i as u64) << BITS) | u64::from(used.trailing_zeros()));
            }
            mask = u64::MAX;
        }
        None
    }

    /// Sets word `i`'s `full0` bit (the word is full), and the levels
    /// above if that makes the summary word all ones (rare: 4096 fds must
    /// be used around it).
    fn mark_full(&mut self, i: usize) {
        let (Some(w), Some(s)) = (self.words.get_mut(i), self.full0.get_mut(i >> BITS)) else {
            return;
        };
        w.marked = true;
        *s |= 1 << (i & 63);
        if *s == u64::MAX {
            self.flip_upper(i >> BITS, true);
        }
    }

    /// Word `i`, which is marked, stopped being full: clears its `full0`
    /// bit, and the levels above if the summary word was all ones.
    #[inline(never)]
    fn unmark_full(&mut self, i: usize) {
        let (Some(w), Some(s)) = (self.words.get_mut(i), self.full0.get_mut(i >> BITS)) else {
            return;
        };
        w.marked = false;
        let was_all = *s == u64::MAX;
        *s &= !(1 << (i & 63));
        if was_all {
            self.flip_upper(i >> BITS, false);
        }
    }

    /// From `upper[0]` up: summary word `i` of `full0` became all ones
    /// (`full`) or stopped being.
    #[inline(never)]
    fn flip_upper(&mut self, mut i: usize, full: bool) {
        for level in &mut self.upper {
            let Some(s) = level.get_mut(i >> BITS) else {
                return;
            };
            let was_all = *s == u64::MAX;
            if full {
                *s |= 1 << (i & 63);
            } else {
                *s &= !(1 << (i & 63));
            }
            if (*s == u64::MAX) == was_all {
                return;
            }
            i >>= BITS;
        }
    }

    /// Extends the bound to `words * 64` fds (all free); `words` must be
    /// a power of two above the current count. Rebuilds the summary
    /// levels, which costs O(words / 64): amortised by doubling.
    pub(crate) fn grow(&mut self, words: usize) {
        self.words.resize(words, EMPTY);
        self.slots.resize(words << BITS, 0);
        for w in &mut self.words {
            w.marked = w.used == u64::MAX;
        }
        let mut level = summarise(self.words.iter().map(|w| w.marked), words);
        let mut levels = Vec::new();
        while level.len() > 1 {
            let up = summarise(level.iter().map(|&s| s == u64::MAX), level.len());
            levels.push(std::mem::replace(&mut level, up));
        }
        levels.push(level);
        self.upper = levels.split_off(1);
        self.full0 = levels.pop().unwrap_or_default();
    }

    /// Summary level `l` (0 = `full0`).
    fn level(&self, l: usize) -> Option<&Vec<u64>> {
        match l {
            0 => Some(&self.full0),
            _ => self.upper.get(l - 1),
        }
    }
}

/// One bit per item, set where `full` says so.
fn summarise(full: impl Iterator<Item = bool>, items: usize) -> Vec<u64> {
    let mut out = vec![0u64; items.div_ceil(64)];
    for (i, f) in full.enumerate() {
        if let Some(s) = out.get_mut(i >> BITS) {
            *s |= u64::from(f) << (i & 63);
        }
    }
    out
}

impl std::fmt::Debug for DenseBitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenseBitmap")
            .field("bound", &self.bound())
            .field("levels", &(1 + self.upper.len()))
            .finish()
    }
}
