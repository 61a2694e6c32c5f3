//! A persistent readiness poller over `polling` 3.
//!
//! A socket is registered once ([`Poller::insert`]) under a slab key that is independent
//! of any guest fd (async-io `src/reactor.rs`). Each [`Poller::wait`] re-arms only the
//! keys whose interest differs from what the kernel already holds, so a wait over N
//! subscriptions costs one `epoll_wait` plus O(N) bookkeeping; the naive alternative
//! (register, wait, unregister every time) costs 2N extra system calls.
//!
//! `polling` registrations are oneshot: after an event is delivered the kernel disarms
//! the key, and the next wait that subscribes to it re-arms it with `modify` (which also
//! re-checks the current level, so nothing is lost). Events for keys that this wait did
//! not subscribe to (armed by an earlier wait) only disarm them and are not reported.

use std::{
    io,
    os::fd::{AsFd, BorrowedFd, OwnedFd},
    sync::Arc,
    time::{Duration, Instant},
};

use polling::{Event, Events};
use slab::Slab;

use crate::interest::{Interest, Readiness};

/// One kernel registration, owning the fd it registered.
///
/// Invariant ("delete before drop", the contract of `polling::Poller::add`): the fd is
/// owned by this value and [`Drop`] deletes it from the poller before the fd is closed.
/// Shape copied from async-io `src/reactor/unix.rs`.
#[derive(Debug)]
struct Registration {
    fd: OwnedFd,
    poller: Arc<polling::Poller>,
}

impl Registration {
    /// Registers `fd` under `key` with no interest (nothing armed yet).
    #[allow(unsafe_code)]
    fn new(poller: &Arc<polling::Poller>, fd: OwnedFd, key: usize) -> io::Result<Registration> {
        // SAFETY: `fd` moves into the returned Registration, whose Drop deletes it from
        // this poller before the OwnedFd field is dropped; if `add` fails nothing was
        // registered and dropping `fd` is fine.
        unsafe { poller.add(&fd, Event::none(key))? };
        Ok(Registration {
            fd,
            poller: Arc::clone(poller),
        })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Delete first; `self.fd` is closed afterwards when the fields drop.
        if let Err(err) = self.poller.delete(&self.fd) {
            tracing::warn!(%err, "hostsock: poller delete failed");
        }
    }
}

#[derive(Debug)]
struct Entry {
    reg: Registration,
    /// What the kernel currently has armed for this key; `None` = disarmed.
    armed: Option<Interest>,
    /// Interest requested by the wait in progress (scratch, reset after each wait).
    wanted: Option<Interest>,
}

/// A persistent poller: keys registered once, interest re-armed only on change.
#[derive(Debug)]
pub struct Poller {
    entries: Slab<Entry>,
    poller: Arc<polling::Poller>,
    events: Events,
    touched: Vec<usize>,
}

impl Poller {
    /// Creates an empty poller.
    ///
    /// # Errors
    /// The host error from `epoll_create1` (e.g. `EMFILE`).
    pub fn new() -> io::Result<Poller> {
        Ok(Poller {
            entries: Slab::new(),
            poller: Arc::new(polling::Poller::new()?),
            events: Events::new(),
            touched: Vec::new(),
        })
    }

    /// Registers a socket (or any pollable fd) and returns its key.
    ///
    /// The poller keeps its own duplicate of `fd` (one `dup` per registration), so the
    /// registration is sound whatever happens to the caller's fd. Consequence: the host
    /// socket stays open until [`Poller::remove`] is called; a guest `fd_close` must
    /// remove the key, or the peer will not see the close.
    ///
    /// # Errors
    /// The host error from `dup` or `epoll_ctl(ADD)`.
    pub fn insert(&mut self, fd: BorrowedFd<'_>) -> io::Result<usize> {
        let owned = fd.try_clone_to_owned()?;
        let vacant = self.entries.vacant_entry();
        let key = vacant.key();
        let reg = Registration::new(&self.poller, owned, key)?;
        vacant.insert(Entry {
            reg,
            armed: None,
            wanted: None,
        });
        Ok(key)
    }

    /// Unregisters `key` and closes the poller's duplicate of its fd.
    ///
    /// # Panics
    /// If `key` is not registered (as `Slab::remove`); see [`Poller::try_remove`].
    pub fn remove(&mut self, key: usize) {
        drop(self.entries.remove(key));
    }

    /// Unregisters `key`; returns false when it was not registered.
    pub fn try_remove(&mut self, key: usize) -> bool {
        self.entries.try_remove(key).is_some()
    }

    /// Whether `key` is registered.
    #[must_use]
    pub fn contains(&self, key: usize) -> bool {
        self.entries.contains(key)
    }

    /// Number of registered keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is registered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Waits until at least one subscribed key is ready or `timeout` passes (`None` = no
    /// limit, `Some(ZERO)` = just check). Subscriptions naming one key twice are merged.
    /// Returns one [`Readiness`] per ready key, filtered to what that key subscribed to;
    /// empty on timeout.
    ///
    /// # Errors
    /// `EBADF` if a key is not registered (checked before anything is armed); otherwise
    /// the host error from `epoll_ctl` or `epoll_wait`.
    pub fn wait(
        &mut self,
        subscriptions: &[(usize, Interest)],
        timeout: Option<Duration>,
    ) -> io::Result<Vec<Readiness>> {
        self.collect_wanted(subscriptions)?;
        let result = self.arm_and_wait(timeout);
        for key in self.touched.drain(..) {
            if let Some(entry) = self.entries.get_mut(key) {
                entry.wanted = None;
            }
        }
        result
    }

    fn collect_wanted(&mut self, subscriptions: &[(usize, Interest)]) -> io::Result<()> {
        if let Some((key, _)) = subscriptions
            .iter()
            .find(|(k, _)| !self.entries.contains(*k))
        {
            tracing::debug!(key, "hostsock: wait on unregistered key");
            return Err(io::Error::from_raw_os_error(libc::EBADF));
        }
        for &(key, interest) in subscriptions {
            if let Some(entry) = self.entries.get_mut(key) {
                if entry.wanted.is_none() {
                    self.touched.push(key);
                }
                entry.wanted = Some(entry.wanted.map_or(interest, |w| w | interest));
            }
        }
        Ok(())
    }

    fn arm_and_wait(&mut self, timeout: Option<Duration>) -> io::Result<Vec<Readiness>> {
        for &key in &self.touched {
            let Some(entry) = self.entries.get_mut(key) else {
                continue;
            };
            let Some(wanted) = entry.wanted else { continue };
            if entry.armed != Some(wanted) {
                let ev = Event::new(key, wanted.is_readable(), wanted.is_writable());
                self.poller.modify(entry.reg.fd.as_fd(), ev)?;
                entry.armed = Some(wanted);
            }
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            self.events.clear();
            self.poller.wait(&mut self.events, left)?;
            let ready = self.take_events();
            let expired = deadline.is_some_and(|d| Instant::now() >= d);
            if !ready.is_empty() || expired {
                return Ok(ready);
            }
        }
    }

    fn take_events(&mut self) -> Vec<Readiness> {
        let mut ready = Vec::new();
        for ev in self.events.iter() {
            let Some(entry) = self.entries.get_mut(ev.key) else {
                continue;
            };
            // Oneshot: the kernel disarmed this key when it delivered the event.
            entry.armed = None;
            let Some(wanted) = entry.wanted else { continue };
            let hangup = ev.is_interrupt();
            let error = ev.is_err().unwrap_or(false);
            let readable = wanted.is_readable() && (ev.readable || hangup || error);
            let writable = wanted.is_writable() && (ev.writable || hangup || error);
            if !(readable || writable) {
                continue;
            }
            let nbytes = if readable {
                readable_bytes(entry.reg.fd.as_fd())
            } else {
                1
            };
            ready.push(Readiness {
                key: ev.key,
                readable,
                writable,
                hangup,
                error,
                nbytes,
            });
        }
        ready
    }
}

/// Bytes queued for reading (`ioctl(FIONREAD)`, through rustix's safe wrapper); 1 when the
/// host cannot tell (e.g. a listening socket, where the ioctl fails with `EINVAL`).
pub(crate) fn readable_bytes(fd: BorrowedFd<'_>) -> u64 {
    rustix::io::ioctl_fionread(fd).unwrap_or(1)
}
