//! [`DenseTable`]: flat bitmaps and entries over the fds `[0, bound)`,
//! for lowest-free.
//!
//! Lowest-free fds are dense: the policy never hands out an fd above
//! `floor + open fds`, so a flat array indexed by fd wastes little and
//! needs no tree walk — the layout of Linux's `struct fdtable`, whose
//! `fd_array` holds each open fd's file. Each `Word` covers 64 fds: a
//! `used` word (open or quarantined; Linux's `open_fds`), a `quar` word
//! (quarantined) and a `marked` flag; the entries themselves live in a
//! parallel flat `cells` array indexed by fd. An insert or remove touches
//! one `Word` and one cell and nothing else (unless a word marked full
//! stops being full): no second lookup in a slab, no free list, no key.
//!
//! Above the words sit summary levels: bit `i` of `full0` is set iff word
//! `i` has no free fd (Linux's `full_fds_bits`); bit `i` of `upper[0]` iff
//! word `i` of `full0` is all ones, and so on; the last level is one
//! word. Finding the first free fd after a full word is one walk up
//! and one walk down these levels (at most six for 2^31 fds), never a scan.
//! Bits of items past the end are clear, and such items sit only at the
//! end of a level, so "first clear bit is past the end" means "none free".
//!
//! Invariants: `words.len()` is a power of two (or zero) and
//! `cells.len() == 64 * words.len()`; an fd's `used` bit is set iff its
//! cell is not `Cell::Free`, and its `quar` bit iff the cell is
//! `Cell::Quarantined`; a word's `marked` flag equals its `full0` bit;
//! a set `full0` bit means the word is full, but a word that filled may
//! have its bit still clear — marking it on every fill would make each
//! insert+remove cycle at a nearly full word write the summary twice —
//! until a search meets it and marks it; the upper levels are exact
//! summaries of the level below.

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

/// What one fd of the flat part holds.
#[derive(Debug)]
pub(crate) enum Cell<T> {
    /// Not used.
    Free,
    /// Open, with its entry.
    Open(T),
    /// Closed but not yet reusable; closed at this allocation tick.
    Quarantined(u32),
}

/// Flat bitmaps and entries over `[0, bound)`; see the module docs.
pub(crate) struct DenseTable<T> {
    words: Vec<Word>,
    /// `cells[fd]`: what `fd` holds; `cells.len() == 64 * words.len()`.
    cells: Vec<Cell<T>>,
    /// Summary level over `words` (kept apart from the levels above it,
    /// which change 64 times less often, to save an indirection on the
    /// hot path); empty iff `words` is.
    full0: Vec<u64>,
    /// Summary levels above `full0`, each over the one below.
    upper: Vec<Vec<u64>>,
}

impl<T> DenseTable<T> {
    /// An empty table (bound 0).
    pub(crate) fn new() -> Self {
        Self {
            words: Vec::new(),
            cells: Vec::new(),
            full0: Vec::new(),
            upper: Vec::new(),
        }
    }

    /// One past the last fd covered.
    #[inline]
    pub(crate) fn bound(&self) -> u64 {
        (self.words.len() as u64) << BITS
    }

    /// What `fd` holds, or `None` if `fd` is at or above the bound.
    #[inline]
    pub(crate) fn cell(&self, fd: u64) -> Option<&Cell<T>> {
        self.cells.get(fd as usize)
    }

    /// The entry of `fd` if it is open, mutably.
    #[inline]
    pub(crate) fn get_mut(&mut self, fd: u64) -> Option<&mut T> {
        match self.cells.get_mut(fd as usize)? {
            Cell::Open(value) => Some(value),
            Cell::Free | Cell::Quarantined(_) => None,
        }
    }

    /// The insert fast path of lowest-free: if the word holding `start`
    /// has a free fd at or above it, opens the first one with `value` and
    /// returns it. `Err(value)` sends the caller to the general path (free
    /// fd in a later word, or `start` past the bound).
    #[inline]
    pub(crate) fn claim(&mut self, start: u64, value: T) -> Result<u64, T> {
        let i = (start >> BITS) as usize;
        let Some(w) = self.words.get_mut(i) else {
            return Err(value);
        };
        // Free fds at or above `start` in its word, shifted down to it.
        let free = (!w.used).wrapping_shr(start as u32);
        if free == 0 {
            return Err(value);
        }
        let fd = start + u64::from(free.trailing_zeros());
        let Some(cell) = self.cells.get_mut(fd as usize) else {
            return Err(value);
        };
        // If this fills the word, its `full0` bit is left clear (stale):
        // the search that meets it sets it (see `first_free_after`).
        // (`wrapping_shl` shifts by `fd % 64`, as x86 does natively.)
        w.used |= 1u64.wrapping_shl(fd as u32);
        *cell = Cell::Open(value);
        Ok(fd)
    }

    /// Stores `cell` at `fd`, replacing what was there, and updates the
    /// bits; `Err(cell)` (no change) if `fd` is at or above the bound.
    pub(crate) fn put(&mut self, fd: u64, cell: Cell<T>) -> Result<Cell<T>, Cell<T>> {
        let i = (fd >> BITS) as usize;
        let (Some(w), Some(slot)) = (self.words.get_mut(i), self.cells.get_mut(fd as usize)) else {
            return Err(cell);
        };
        let b = bit(fd);
        let (used, quar) = match cell {
            Cell::Free => (0, 0),
            Cell::Open(_) => (b, 0),
            Cell::Quarantined(_) => (b, b),
        };
        w.used = (w.used & !b) | used;
        w.quar = (w.quar & !b) | quar;
        let old = std::mem::replace(slot, cell);
        // Marking a word that fills is left to the next search, as in
        // `claim`.
        if w.marked && w.used != u64::MAX {
            self.unmark_full(i);
        }
        Ok(old)
    }

    /// Closes `fd` if it is open and returns its entry: frees it, or with
    /// `quarantine = Some(tick)` keeps it used and stores the tick.
    /// `None` if `fd` is at or above the bound, `Some(None)` if not open.
    #[inline]
    pub(crate) fn close(&mut self, fd: u64, quarantine: Option<u32>) -> Option<Option<T>> {
        let cell = self.cells.get_mut(fd as usize)?;
        if !matches!(cell, Cell::Open(_)) {
            return Some(None);
        }
        let i = (fd >> BITS) as usize;
        let w = self.words.get_mut(i)?;
        // `wrapping_shl` shifts by `fd % 64`, as x86 does natively.
        let b = 1u64.wrapping_shl(fd as u32);
        let old = match quarantine {
            Some(tick) => {
                w.quar |= b;
                std::mem::replace(cell, Cell::Quarantined(tick))
            }
            None => {
                w.used &= !b;
                let marked = w.marked;
                let old = std::mem::replace(cell, Cell::Free);
                if marked {
                    self.unmark_full(i);
                }
                old
            }
        };
        match old {
            Cell::Open(value) => Some(Some(value)),
            Cell::Free | Cell::Quarantined(_) => Some(None),
        }
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
        self.cells.resize_with(words << BITS, || Cell::Free);
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

impl<T> std::fmt::Debug for DenseTable<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenseTable")
            .field("bound", &self.bound())
            .field("levels", &(1 + self.upper.len()))
            .finish()
    }
}
