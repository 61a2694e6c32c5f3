//! [`Fds`]: the guest's fd table, with `poll_oneoff`'s fd → poller key index kept true
//! where the table changes.
//!
//! # Why the index lives here
//!
//! `poll_oneoff`'s fast path finds a socket's poller key in a 4-byte-per-fd index
//! (`poll_index`) instead of the socket's 176-byte fd-table entry (see that module for
//! the cache-miss cost it removes). An index entry is a claim about the fd table ("fd 7
//! is a socket with the poll right, registered under key 12"), so it must be dropped
//! whenever the table could stop backing it. Rather than every host call that changes
//! the table remembering to say so, the table and the index are one type, and the
//! table is reachable only through it:
//!
//! - shared access ([`Deref`] to [`FdTable`]) can change nothing, so needs nothing;
//! - every method that ends an fd's entry forgets that fd: [`Fds::try_remove`] the
//!   closed one, [`Fds::renumber`] both (opening an fd has nothing to forget: only open
//!   fds are ever remembered);
//! - [`Fds::get_mut`], the only mutable access to an entry, forgets that fd too,
//!   whatever the caller then changes (rights, flags, the descriptor, the socket inside
//!   it): the index never has to know which fields matter.
//!
//! There is no `DerefMut` and no other path to `&mut FdTable`, so a missed invalidation
//! cannot be written. The price of forgetting on every mutable access is small: a host
//! call that takes an fd mutably (a read, a write, a receive, and `poll_oneoff`'s own
//! full path for a socket that may be ready) costs the next `poll_oneoff` one fd-table
//! lookup for that fd, whose entry that call has just brought into the cache; the idle
//! sockets that make a call with thousands of subscriptions
//! expensive are not touched between calls and stay in the index. Debug builds still
//! check every index answer against the table ([`Fds::poll_key`]).
//!
//! (A per-slot generation in `fdtable` was the alternative: the index would store it
//! and compare. But checking it reads the table at each polled fd, which is the cache
//! miss the index exists to avoid, random-policy fds live in a tree where that read is
//! a descent, and a rights change through a mutable entry would still need a hook.)

mod poll_index;
#[cfg(test)]
mod tests;

use std::ops::Deref;

use fdtable::{Fd, FdError, FdTable, VacantFd};

use crate::{
    descriptor::{Descriptor, FdEntry},
    types::Rights,
};
use poll_index::PollIndex;

/// The guest's fd table and what `poll_oneoff` remembers about it.
///
/// Reads go through [`Deref`] to the [`FdTable`]; every change goes through a method
/// here that also forgets the fds it may have changed (see the module docs).
#[derive(Debug)]
pub struct Fds {
    table: FdTable<FdEntry>,
    /// Guest fd → poller key of sockets `poll_oneoff` has seen; every entry is backed
    /// by `table` (each mutating method below forgets what it touches).
    index: PollIndex,
}

impl Fds {
    /// Wraps `table`; nothing is remembered yet.
    pub(crate) fn new(table: FdTable<FdEntry>) -> Self {
        Self {
            table,
            index: PollIndex::default(),
        }
    }

    /// The entry at `fd`, mutably, if open. Forgets what `poll_oneoff` remembered about
    /// `fd`, since the caller may change anything in it.
    #[inline]
    pub fn get_mut(&mut self, fd: Fd) -> Option<&mut FdEntry> {
        self.index.forget(fd);
        self.table.get_mut(fd)
    }

    /// Inserts `entry` at an fd chosen by the table's policy. Nothing to forget: an fd
    /// that is not open has no index entry (only open sockets are remembered, and
    /// closing forgets).
    ///
    /// # Errors
    ///
    /// As [`FdTable::insert`] (`TableFull` at the limit).
    pub(crate) fn insert(&mut self, entry: FdEntry) -> Result<Fd, FdError> {
        self.table.insert(entry)
    }

    /// Reserves the fd the policy hands out next ([`FdTable::vacant_fd`]); as for
    /// [`Fds::insert`], installing there has nothing to forget.
    ///
    /// # Errors
    ///
    /// As [`FdTable::vacant_fd`].
    pub(crate) fn vacant_fd(&mut self) -> Result<VacantFd<'_, FdEntry>, FdError> {
        self.table.vacant_fd()
    }

    /// Closes `fd` and returns its entry, or `None` if it was not open.
    pub fn try_remove(&mut self, fd: Fd) -> Option<FdEntry> {
        self.index.forget(fd);
        self.table.try_remove(fd)
    }

    /// Moves `from` to `to` ([`FdTable::renumber`]), returning the entry `to` held.
    ///
    /// # Errors
    ///
    /// As [`FdTable::renumber`]; nothing changes then.
    pub fn renumber(&mut self, from: Fd, to: Fd) -> Result<Option<FdEntry>, FdError> {
        let replaced = self.table.renumber(from, to)?;
        self.index.forget(from);
        self.index.forget(to);
        Ok(replaced)
    }

    /// The poller key of the socket at `fd` when it is registered and may be polled (a
    /// socket with `POLL_FD_READWRITE`): from the index when it knows `fd` (checked
    /// against the table in debug builds), else from the table, and then remembered.
    /// `None` sends a subscription down `poll_oneoff`'s full path.
    #[inline]
    pub(crate) fn poll_key(&mut self, fd: Fd) -> Option<usize> {
        if let Some(key) = self.index.get(fd) {
            debug_assert_eq!(
                Some(key),
                registered_key(&self.table, fd),
                "poll index stale for fd {fd}: the fd table changed without Fds forgetting it"
            );
            return Some(key);
        }
        let key = registered_key(&self.table, fd)?;
        self.index.remember(fd, key);
        Some(key)
    }
}

impl Deref for Fds {
    type Target = FdTable<FdEntry>;

    /// Shared access to the table: nothing reached through `&FdTable` changes an entry.
    fn deref(&self) -> &FdTable<FdEntry> {
        &self.table
    }
}

/// [`Fds::poll_key`] from the fd table alone.
#[inline]
fn registered_key(table: &FdTable<FdEntry>, fd: Fd) -> Option<usize> {
    let entry = table.get(fd)?;
    match &entry.desc {
        Descriptor::Socket(desc) if entry.base.contains(Rights::POLL_FD_READWRITE) => {
            desc.sock.registered_key()
        }
        _ => None,
    }
}
