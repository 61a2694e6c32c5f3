//! [`FdTable`]: guest fd numbers -> entries, numbered by an [`FdPolicy`].

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{Fd, FdError, FdPolicy, PolicyKind, VacantFd, map::FdMap, quarantine::Quarantine};

/// A guest fd table: maps `u32` fds to entries of type `T`.
///
/// Entries and the free/used state live in flat arrays indexed by fd
/// (lowest-free), or in a counted B+tree of fds mapping to keys of a
/// `Slab` (see the crate's `# Implementation`).
/// New fds are numbered by the table's [`FdPolicy`]; `insert_at` and
/// `renumber` place fds explicitly.
pub struct FdTable<T> {
    map: FdMap<T>,
    /// Open fds.
    open: usize,
    policy: FdPolicy,
    /// The policy's floor and end, and whether it is lowest-free, copied
    /// out of `policy` for the insert fast path.
    floor: u64,
    end: u64,
    lowest: bool,
    /// `limit` for lowest-free without a quarantine, else 0: `insert`
    /// takes the fast path while fewer entries are open (one compare for
    /// both conditions).
    fast_limit: usize,
    limit: usize,
    /// Lower bound on the lowest free fd at or above the floor (Linux's
    /// `next_fd`), never below the floor: searches start here.
    next_fd: u64,
    quarantine: Quarantine,
    rng: ChaCha8Rng,
}

impl<T> FdTable<T> {
    /// An empty table with no open-fd limit beyond the policy's range.
    pub fn new(policy: FdPolicy) -> Self {
        Self::with_limit(policy, usize::MAX)
    }

    /// An empty table that holds at most `max_open` open fds, like
    /// `RLIMIT_NOFILE`; `insert` beyond it fails with [`FdError::TableFull`].
    pub fn with_limit(policy: FdPolicy, max_open: usize) -> Self {
        let rng = match policy.seed() {
            Some(seed) => ChaCha8Rng::seed_from_u64(seed),
            None => ChaCha8Rng::from_rng(&mut rand::rng()),
        };
        Self {
            map: FdMap::new(policy.kind() == PolicyKind::Lowest),
            open: 0,
            next_fd: u64::from(policy.floor()),
            quarantine: Quarantine::new(policy.quarantine()),
            floor: u64::from(policy.floor()),
            end: u64::from(policy.end()),
            lowest: policy.kind() == PolicyKind::Lowest,
            fast_limit: fast_limit(&policy, max_open),
            limit: max_open,
            policy,
            rng,
        }
    }

    /// The numbering policy.
    pub fn policy(&self) -> &FdPolicy {
        &self.policy
    }

    /// The open-fd limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Changes the open-fd limit; fds already open stay open even if above it.
    pub fn set_limit(&mut self, max_open: usize) {
        self.limit = max_open;
        self.fast_limit = fast_limit(&self.policy, max_open);
    }

    /// Inserts `value` at an fd chosen by the policy and returns the fd.
    ///
    /// # Errors
    /// [`FdError::TableFull`] if the limit is reached or no fd in the
    /// policy's range is free (quarantined fds are not free).
    #[inline(always)]
    pub fn insert(&mut self, value: T) -> Result<Fd, FdError> {
        // Fast path (lowest-free, no quarantine, the hint's word has a free
        // fd): one word of the flat bitmap, no search and no tree.
        if self.open < self.fast_limit {
            match self.map.claim(self.next_fd, value) {
                Ok(fd) => {
                    // Every fd in [next_fd, fd] is now used.
                    self.next_fd = fd + 1;
                    self.open += 1;
                    return Ok(fd as Fd);
                }
                // Rare (the hint's word is full): the general path.
                Err(value) => return self.insert_slow(value),
            }
        }
        self.insert_slow(value)
    }

    /// `insert` past the fast path: any policy, any word.
    #[inline(never)]
    fn insert_slow(&mut self, value: T) -> Result<Fd, FdError> {
        let fd = self.choose()?;
        self.commit(fd, value);
        Ok(fd)
    }

    /// Reserves the fd the policy would hand out next; see [`VacantFd`].
    ///
    /// # Errors
    /// As [`insert`](Self::insert).
    pub fn vacant_fd(&mut self) -> Result<VacantFd<'_, T>, FdError> {
        let fd = self.choose()?;
        Ok(VacantFd::new(self, fd))
    }

    /// Inserts `value` at `fd` (stdio, preopens). A quarantined `fd` may be
    /// taken this way: the caller asked for it by number.
    ///
    /// # Errors
    /// [`FdError::OutOfRange`] if `fd` is at or above the policy's end,
    /// [`FdError::InUse`] if it is open, [`FdError::TableFull`] at the limit.
    pub fn insert_at(&mut self, fd: Fd, value: T) -> Result<(), FdError> {
        if fd >= self.policy.end() {
            return Err(FdError::OutOfRange { fd });
        }
        if self.map.get(fd).is_some() {
            return Err(FdError::InUse { fd });
        }
        if self.open >= self.limit {
            return Err(FdError::TableFull);
        }
        self.place(fd, value);
        Ok(())
    }

    /// The entry at `fd`, if open.
    #[inline]
    pub fn get(&self, fd: Fd) -> Option<&T> {
        self.map.get(fd)
    }

    /// The entry at `fd`, mutably, if open.
    #[inline]
    pub fn get_mut(&mut self, fd: Fd) -> Option<&mut T> {
        self.map.get_mut(fd)
    }

    /// Whether `fd` is open.
    pub fn contains(&self, fd: Fd) -> bool {
        self.map.get(fd).is_some()
    }

    /// Closes `fd` and returns its entry, or `None` if it was not open.
    /// With a quarantine the fd is held back from reuse.
    #[inline(always)]
    pub fn try_remove(&mut self, fd: Fd) -> Option<T> {
        self.close(fd)
    }

    /// Closes `fd` and returns its entry.
    ///
    /// # Panics
    /// If `fd` is not open (use [`try_remove`](Self::try_remove) for guest
    /// input).
    pub fn remove(&mut self, fd: Fd) -> T {
        match self.try_remove(fd) {
            Some(value) => value,
            None => panic!("fdtable: remove of fd {fd}, which is not open"),
        }
    }

    /// WASI `fd_renumber`: moves `from` to `to`. An open `to` is closed
    /// first and its entry returned; `from` is closed (quarantined if
    /// enabled). All checks happen before any change, so it is atomic.
    /// `from == to` with `from` open is `Ok(None)`.
    ///
    /// # Errors
    /// [`FdError::BadFd`] if `from` is not open, [`FdError::OutOfRange`] if
    /// `to` is outside the policy's range.
    pub fn renumber(&mut self, from: Fd, to: Fd) -> Result<Option<T>, FdError> {
        if !self.contains(from) {
            return Err(FdError::BadFd { fd: from });
        }
        if to >= self.policy.end() {
            return Err(FdError::OutOfRange { fd: to });
        }
        if from == to {
            return Ok(None);
        }
        // Checked above: `from` is open, `to` in range. No failure below.
        let Some(value) = self.close(from) else {
            return Err(FdError::BadFd { fd: from });
        };
        if let Some(slot) = self.map.get_mut(to) {
            return Ok(Some(std::mem::replace(slot, value)));
        }
        self.place(to, value);
        Ok(None)
    }

    /// Open fds and their entries in ascending fd order.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            table: self,
            next: 0,
        }
    }

    /// How many fds are open.
    pub fn len(&self) -> usize {
        self.open
    }

    /// Whether no fd is open.
    pub fn is_empty(&self) -> bool {
        self.open == 0
    }

    /// Closes `fd` if open — frees it, or quarantines it if enabled — and
    /// returns its entry.
    #[inline(always)]
    fn close(&mut self, fd: Fd) -> Option<T> {
        if self.quarantine.enabled() {
            return self.close_quarantined(fd);
        }
        let value = self.map.close(fd, None)?;
        self.open -= 1;
        self.lower_hint(fd);
        Some(value)
    }

    /// `close` with the quarantine on: the fd stays used, with its tick.
    #[inline(never)]
    fn close_quarantined(&mut self, fd: Fd) -> Option<T> {
        let value = self.map.close(fd, self.quarantine.now())?;
        self.open -= 1;
        self.quarantine.close(fd);
        Some(value)
    }

    /// Opens `fd` (not open) with `value`.
    fn place(&mut self, fd: Fd, value: T) {
        let held = self.held();
        self.map.place(fd, value, held);
        self.open += 1;
    }

    /// About how many fds are used: open plus quarantined (an upper
    /// bound); sizes the flat part of the map.
    fn held(&self) -> usize {
        self.open + self.quarantine.pending()
    }

    /// `fd` just became free: the lowest free fd may now be lower.
    #[inline]
    fn lower_hint(&mut self, fd: Fd) {
        // A branch rather than `min`: the new hint then depends on `fd`
        // only, not on loading the old one (shorter dependency chain in
        // insert/remove cycles; the branch predicts well).
        // An fd below the floor never lowers it: the hint stays >= floor.
        let fd = u64::from(fd);
        if fd < self.next_fd && fd >= self.floor {
            self.next_fd = fd;
        }
    }

    /// Picks the fd the next allocation gets, without installing it.
    #[inline]
    fn choose(&mut self) -> Result<Fd, FdError> {
        if self.open >= self.limit {
            return Err(FdError::TableFull);
        }
        if self.quarantine.enabled() {
            self.release_due();
        }
        let fd = if self.lowest {
            let fd = self.map.first_free(self.next_fd);
            self.next_fd = fd;
            fd
        } else {
            self.choose_random(self.floor, self.end)?
        };
        if fd >= self.end {
            return Err(FdError::TableFull);
        }
        Ok(fd as Fd)
    }

    /// A uniformly random free fd in `[floor, end)`.
    fn choose_random(&mut self, floor: u64, end: u64) -> Result<u64, FdError> {
        // Every used fd is below `end` (insert_at checks), so the free fds
        // in [floor, end) are the range minus the used ones at or above the
        // floor.
        let tree = self.map.tree();
        let used_below = tree.rank_used(floor);
        let free = (end - floor.min(end)) - (tree.used() - used_below);
        if free == 0 {
            return Err(FdError::TableFull);
        }
        let k = self.rng.random_range(0..free);
        Ok(self.map.tree().select_free(k + floor - used_below))
    }

    /// Frees the quarantined fds that have waited long enough. An entry
    /// whose fd was since taken by `insert_at`/`renumber` (and maybe closed
    /// again) no longer matches the fd's slot and is skipped.
    fn release_due(&mut self) {
        while let Some((fd, tick)) = self.quarantine.pop_due() {
            if self.map.quarantined_at(fd) == Some(tick) {
                self.map.release(fd);
                self.lower_hint(fd);
            }
        }
    }

    /// Installs `value` at `fd`, which `choose` just returned.
    #[inline]
    pub(crate) fn commit(&mut self, fd: Fd, value: T) {
        self.place(fd, value);
        self.quarantine.tick();
        if u64::from(fd) == self.next_fd {
            // `next_fd` was <= the lowest free fd and is now used.
            self.next_fd += 1;
        }
    }
}

#[cfg(test)]
impl<T> FdTable<T> {
    /// The fd map, for unit tests of its layout.
    pub(crate) fn map(&self) -> &FdMap<T> {
        &self.map
    }
}

/// The insert fast path's limit: see `FdTable::fast_limit`.
fn fast_limit(policy: &FdPolicy, max_open: usize) -> usize {
    if policy.kind() == PolicyKind::Lowest && policy.quarantine() == 0 {
        max_open
    } else {
        0
    }
}

/// Iterator over `(fd, &entry)` in ascending fd order; see [`FdTable::iter`].
#[derive(Debug)]
pub struct Iter<'a, T> {
    table: &'a FdTable<T>,
    next: u64,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = (Fd, &'a T);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let fd = self.table.map.next_used(self.next)?;
            self.next = fd + 1;
            // Used but not open means quarantined: skip it.
            if let Some(value) = self.table.get(fd as Fd) {
                return Some((fd as Fd, value));
            }
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for FdTable<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FdTable")
            .field("policy", &self.policy)
            .field("limit", &self.limit)
            .field("entries", &DebugEntries(self))
            .field("map", &self.map)
            .finish_non_exhaustive()
    }
}

struct DebugEntries<'a, T>(&'a FdTable<T>);

impl<T: fmt::Debug> fmt::Debug for DebugEntries<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

impl<T> Default for FdTable<T> {
    /// An empty `lowest` table without a limit.
    fn default() -> Self {
        Self::new(FdPolicy::default())
    }
}
