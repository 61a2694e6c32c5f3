//! A compact guest fd → poller key map for `poll_oneoff`'s fast path.
//!
//! # Why
//!
//! A guest on `poll_oneoff` passes every subscription on every call (tokio_wasi's mio
//! rebuilds one per registered socket each turn, in `HashMap` order, i.e. in random fd
//! order), and the fast path needs each socket's poller key. Reading it from the fd
//! table touches the socket's `FdEntry` (176 bytes, three cache lines for the tag, the
//! rights and the registration) at a random place: with 10,000 held connections that is
//! 1.7 MB of entries, which the guest's own work evicts between calls, and `perf`
//! showed those misses as over half of `poll_oneoff`'s time. This map holds the same
//! answer in 4 bytes per fd (40 KB for 10,000), so the fast path stays in cache.
//!
//! # Keeping it true
//!
//! An entry is remembered only after a lookup in the fd table found a socket registered
//! in the guest's poller with the `POLL_FD_READWRITE` right, and it holds while that fd
//! refers to that socket with that right (a socket's registration never changes while
//! the socket lives). The map itself knows nothing of the table: its owner, [`Fds`],
//! forgets an fd on every change that could end that (see `fds.rs`), and debug builds
//! check every answer against the fd table.
//!
//! [`Fds`]: super::Fds

/// fds at or above this are not remembered (they take the fd-table path): bounds the map
/// at 1 MiB whatever the fd policy (a `random` policy's fds spread over 2^31).
const MAX_FD: u32 = 1 << 18;

/// Guest fd → poller key, for fds below [`MAX_FD`].
#[derive(Debug, Default)]
pub(crate) struct PollIndex {
    /// Per fd: 0 = not known, otherwise the key plus one.
    keys: Vec<u32>,
}

impl PollIndex {
    /// The remembered poller key of the socket at `fd`, if any.
    #[inline]
    pub(crate) fn get(&self, fd: u32) -> Option<usize> {
        let k = *self.keys.get(usize::try_from(fd).ok()?)?;
        k.checked_sub(1).map(|k| k as usize)
    }

    /// Remembers that `fd` is a pollable socket registered under `key` (ignored for fds
    /// at or above [`MAX_FD`] and keys that do not fit).
    #[inline]
    pub(crate) fn remember(&mut self, fd: u32, key: usize) {
        let Ok(stored) = u32::try_from(key).map(|k| k.wrapping_add(1)) else {
            return;
        };
        if fd >= MAX_FD || stored == 0 {
            return;
        }
        let at = fd as usize;
        if self.keys.len() <= at {
            self.keys.resize(at + 1, 0);
        }
        if let Some(slot) = self.keys.get_mut(at) {
            *slot = stored;
        }
    }

    /// Forgets `fd` (the table changed at it, or may have).
    #[inline]
    pub(crate) fn forget(&mut self, fd: u32) {
        if let Some(slot) = self.keys.get_mut(fd as usize) {
            *slot = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Remember(u32, usize),
        Forget(u32),
        Get(u32),
    }

    /// fds around the interesting places: small, near [`MAX_FD`], huge.
    fn fd() -> impl Strategy<Value = u32> {
        prop_oneof![0u32..64, (MAX_FD - 4)..(MAX_FD + 4), any::<u32>()]
    }

    fn key() -> impl Strategy<Value = usize> {
        prop_oneof![
            0usize..64,
            Just(u32::MAX as usize - 1),
            Just(u32::MAX as usize),
            Just(usize::MAX),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (fd(), key()).prop_map(|(f, k)| Op::Remember(f, k)),
            fd().prop_map(Op::Forget),
            fd().prop_map(Op::Get),
        ]
    }

    proptest! {
        /// Against a `HashMap` model: an fd answers the last key remembered for it
        /// unless forgotten since; fds out of range and keys that do not fit in the
        /// packed form are never remembered (the caller then asks the fd table).
        #[test]
        fn matches_a_map(ops in proptest::collection::vec(op(), 0..200)) {
            let mut index = PollIndex::default();
            let mut model: HashMap<u32, usize> = HashMap::new();
            for op in ops {
                match op {
                    Op::Remember(fd, key) => {
                        index.remember(fd, key);
                        if fd < MAX_FD && key < u32::MAX as usize {
                            model.insert(fd, key);
                        }
                    }
                    Op::Forget(fd) => {
                        index.forget(fd);
                        model.remove(&fd);
                    }
                    Op::Get(fd) => prop_assert_eq!(index.get(fd), model.get(&fd).copied()),
                }
            }
            for (&fd, &key) in &model {
                prop_assert_eq!(index.get(fd), Some(key));
            }
            prop_assert!(index.keys.len() <= MAX_FD as usize);
        }
    }

    #[test]
    fn forgets_and_bounds() {
        let mut index = PollIndex::default();
        index.remember(7, 0);
        assert_eq!(index.get(7), Some(0), "key 0 is a real key");
        index.forget(7);
        assert_eq!(index.get(7), None);
        index.remember(MAX_FD, 3);
        assert_eq!(index.get(MAX_FD), None);
        assert!(
            index.keys.len() <= 8,
            "an fd out of range allocates nothing"
        );
    }
}
