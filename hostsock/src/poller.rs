//! A persistent readiness poller over `polling` 3, registering each socket's own fd.
//!
//! A socket is registered once ([`Poller::insert`]) under a slab key that is independent
//! of any guest fd (async-io `src/reactor.rs`). Each [`Poller::wait`] re-arms only the
//! keys whose interest differs from what the kernel already holds, so a wait over N
//! subscriptions costs one `epoll_wait` plus O(N) bookkeeping; the naive alternative
//! (register, wait, unregister every time) costs 2N extra system calls.
//!
//! The registration is a field of the [`Socket`] itself, not a duplicate fd kept by the
//! poller: one host fd per socket. `polling::Poller::add` requires the fd to be deleted
//! from the poller before it is closed; [`Socket`]'s `Drop` deletes first, and the
//! registration cannot be separated from the socket's fd (both are private fields that
//! move together), so every way a socket goes away (drop, `mem::replace`, a guest
//! `fd_close`) deletes before closing.
//!
//! `polling` registrations are oneshot: after an event is delivered the kernel disarms
//! the key, and the next wait that subscribes to it re-arms it with `modify` (which also
//! re-checks the current level, so nothing is lost). Events for keys that this wait did
//! not subscribe to (armed by an earlier wait) only disarm them and are not reported.

use std::{
    io,
    os::fd::{AsFd, BorrowedFd},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use polling::{Event, Events};
use slab::Slab;

use crate::{
    interest::{Interest, Readiness},
    socket::Socket,
};

/// What a [`Poller`] shares with the registrations it handed out.
#[derive(Debug)]
struct Shared {
    epoll: polling::Poller,
    /// Keys of dropped registrations, removed from the slab at the next
    /// [`Poller::insert`] or [`Poller::wait`] (a socket drops without access to the
    /// `Poller`, which the embedder may be holding locked).
    freed: Mutex<Vec<usize>>,
}

/// A socket's registration in one [`Poller`], stored inside the [`Socket`].
///
/// Invariant: exists only while the socket's fd is registered in `shared.epoll` under
/// `key`; [`Socket`]'s `Drop` calls [`Registration::delete`] before its fd closes.
/// Shape from async-io `src/reactor/unix.rs` (`Registration`), with the fd kept by the
/// owner rather than as a raw number, so no `borrow_raw` is needed.
#[derive(Debug)]
pub(crate) struct Registration {
    shared: Arc<Shared>,
    key: usize,
}

impl Registration {
    /// Deletes the fd from the poller (called by `Socket::drop` before the fd closes).
    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) {
        if let Err(err) = self.shared.epoll.delete(fd) {
            tracing::warn!(%err, key = self.key, "hostsock: poller delete failed");
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // The epoll side was deleted by the owning socket; give the key back.
        self.shared
            .freed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.key);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Delete before close: `self.inner` (the fd) is closed after this body returns.
        if let Some(reg) = &self.reg {
            reg.delete(self.inner.as_fd());
        }
    }
}

impl Socket {
    /// The one place `polling::Poller::add` is called.
    #[allow(unsafe_code)]
    fn attach(&mut self, shared: &Arc<Shared>, key: usize) -> io::Result<()> {
        // SAFETY: the fd is `self.inner`, and the registration is stored in `self.reg`
        // of the same socket. Both are private and never replaced while `reg` is Some,
        // and `Socket`'s Drop deletes the fd from this poller before `inner` is closed,
        // so the fd outlives its registration. If `add` fails nothing was registered.
        unsafe { shared.epoll.add(&self.inner, Event::none(key))? };
        self.reg = Some(Registration {
            shared: Arc::clone(shared),
            key,
        });
        Ok(())
    }

    /// The key under which this socket is registered in `poller`, if it is.
    #[must_use]
    pub fn poll_key(&self, poller: &Poller) -> Option<usize> {
        self.reg
            .as_ref()
            .filter(|r| Arc::ptr_eq(&r.shared, &poller.shared))
            .map(|r| r.key)
    }
}

#[derive(Debug)]
struct Entry {
    /// What the kernel currently has armed for this key; `None` = disarmed.
    armed: Option<Interest>,
    /// Interest requested by the wait in progress (scratch, reset after each wait).
    wanted: Option<Interest>,
    /// Index of this key's first subscription in the wait in progress (its fd).
    sub: usize,
}

/// A persistent poller: sockets registered once, interest re-armed only on change.
#[derive(Debug)]
pub struct Poller {
    entries: Slab<Entry>,
    shared: Arc<Shared>,
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
            shared: Arc::new(Shared {
                epoll: polling::Poller::new()?,
                freed: Mutex::new(Vec::new()),
            }),
            events: Events::new(),
            touched: Vec::new(),
        })
    }

    /// Registers `sock` (its own fd, no duplicate) and returns its key; a socket already
    /// registered here keeps its key. The registration lives in the socket and is
    /// deleted when the socket is dropped.
    ///
    /// # Errors
    /// `EEXIST` if `sock` is registered in another poller; the host error from
    /// `epoll_ctl(ADD)` (`ENOMEM`, `ENOSPC` at `max_user_watches`).
    pub fn insert(&mut self, sock: &mut Socket) -> io::Result<usize> {
        if let Some(reg) = &sock.reg {
            if Arc::ptr_eq(&reg.shared, &self.shared) {
                return Ok(reg.key);
            }
            return Err(io::Error::from_raw_os_error(libc::EEXIST));
        }
        self.reap();
        let vacant = self.entries.vacant_entry();
        let key = vacant.key();
        sock.attach(&self.shared, key)?;
        vacant.insert(Entry {
            armed: None,
            wanted: None,
            sub: 0,
        });
        Ok(key)
    }

    /// Removes the slab entries of dropped sockets.
    fn reap(&mut self) {
        let freed =
            std::mem::take(&mut *self.shared.freed.lock().unwrap_or_else(|e| e.into_inner()));
        for key in freed {
            self.entries.try_remove(key);
        }
    }

    /// Number of registered (live) sockets.
    #[must_use]
    pub fn len(&self) -> usize {
        let freed = self
            .shared
            .freed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len();
        self.entries.len().saturating_sub(freed)
    }

    /// Whether no socket is registered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until at least one subscribed socket is ready or `timeout` passes (`None` =
    /// no limit, `Some(ZERO)` = just check). Subscriptions naming one socket twice are
    /// merged. Returns one [`Readiness`] per ready socket (`key` = its poller key),
    /// filtered to what it subscribed to; empty on timeout.
    ///
    /// # Errors
    /// `EBADF` if a socket is not registered in this poller (checked before anything is
    /// armed); otherwise the host error from `epoll_ctl` or `epoll_wait`.
    pub fn wait(
        &mut self,
        subscriptions: &[(&Socket, Interest)],
        timeout: Option<Duration>,
    ) -> io::Result<Vec<Readiness>> {
        self.reap();
        self.collect_wanted(subscriptions)?;
        let result = self.arm_and_wait(subscriptions, timeout);
        for key in self.touched.drain(..) {
            if let Some(entry) = self.entries.get_mut(key) {
                entry.wanted = None;
            }
        }
        result
    }

    /// Merges `wanted` per key and records each key's first subscription.
    fn collect_wanted(&mut self, subscriptions: &[(&Socket, Interest)]) -> io::Result<()> {
        let mut keys = Vec::with_capacity(subscriptions.len());
        for (sock, _) in subscriptions {
            match sock.poll_key(self) {
                Some(key) if self.entries.contains(key) => keys.push(key),
                _ => {
                    tracing::debug!("hostsock: wait on a socket not registered here");
                    return Err(io::Error::from_raw_os_error(libc::EBADF));
                }
            }
        }
        for (i, (&key, &(_, interest))) in keys.iter().zip(subscriptions).enumerate() {
            if let Some(entry) = self.entries.get_mut(key) {
                if entry.wanted.is_none() {
                    self.touched.push(key);
                    entry.sub = i;
                }
                entry.wanted = Some(entry.wanted.map_or(interest, |w| w | interest));
            }
        }
        Ok(())
    }

    fn arm_and_wait(
        &mut self,
        subscriptions: &[(&Socket, Interest)],
        timeout: Option<Duration>,
    ) -> io::Result<Vec<Readiness>> {
        for &key in &self.touched {
            let Some(entry) = self.entries.get_mut(key) else {
                continue;
            };
            let Some(wanted) = entry.wanted else { continue };
            if entry.armed != Some(wanted) {
                let ev = Event::new(key, wanted.is_readable(), wanted.is_writable());
                let sock = subscriptions[entry.sub].0;
                self.shared.epoll.modify(sock.as_fd(), ev)?;
                entry.armed = Some(wanted);
            }
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            self.events.clear();
            self.shared.epoll.wait(&mut self.events, left)?;
            let ready = self.take_events(subscriptions);
            let expired = deadline.is_some_and(|d| Instant::now() >= d);
            if !ready.is_empty() || expired {
                return Ok(ready);
            }
        }
    }

    fn take_events(&mut self, subscriptions: &[(&Socket, Interest)]) -> Vec<Readiness> {
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
                readable_bytes(subscriptions[entry.sub].0.as_fd())
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
