//! A persistent readiness poller: each socket's own fd registered once, edge-triggered,
//! with a per-socket readiness cache.
//!
//! A socket is registered once ([`Poller::insert`]) under a slab key that is independent
//! of any guest fd (async-io `src/reactor.rs`), for reading *and* writing, edge-triggered
//! (`EPOLLET`), and never modified afterwards: a wait costs one `epoll_wait` and no
//! `epoll_ctl` at all, whatever the number of sockets (mio's and tokio's registration).
//!
//! # Readiness cache
//!
//! Every edge the kernel reports sets bits in the key's entry ([`Poller::collect`]); the
//! bits mean "may be ready" and are cleared only when a check finds the socket not ready.
//! So the questions `poll_oneoff` asks cost nothing for the sockets whose state did not
//! change ([`Poller::check`] answers `None` from the entry alone), and one zero-timeout
//! `poll(2)` of that one fd for a socket with bits set, which also yields the current
//! hang-up and error state. An edge cannot be lost: the kernel queues an edge whenever
//! the socket's state changes (new data, a new connection, freed send space, hang-up),
//! and bits are cleared only after a `poll(2)` that saw the socket not ready, i.e. before
//! any edge that can follow it is collected. `EPOLL_CTL_ADD` reports the state at
//! registration as the first edge, so a new entry starts with no bits. An edge is never
//! trusted on its own: it may have been queued before the caller consumed the data, so a
//! key listed by [`Poller::collected`] is asked with [`Poller::check`] like any other.
//!
//! The registration is a field of the [`Socket`] itself, not a duplicate fd kept by the
//! poller: one host fd per socket. [`Socket`]'s `Drop` deletes it from the epoll set
//! before its fd closes (both are private fields that move together), so a closed fd
//! never lingers in the set and its key is given back. Through rustix's epoll wrappers
//! no `unsafe` is needed: an fd registered and then closed is not a memory-safety hazard
//! for epoll, only a stale entry, which the `Drop` order rules out.

use std::{
    io,
    mem::MaybeUninit,
    os::fd::{AsFd, BorrowedFd, OwnedFd},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rustix::event::{
    PollFd, PollFlags, Timespec,
    epoll::{self, EventData, EventFlags},
};
use slab::Slab;

use crate::{
    interest::{Interest, Readiness},
    socket::Socket,
};

/// Readiness bits of an entry and of an edge.
mod bits {
    /// Readable (data, a pending connection, end of file).
    pub(super) const READ: u8 = 1;
    /// Writable (send space, a finished connect).
    pub(super) const WRITE: u8 = 2;
    /// Full hang-up (`EPOLLHUP`).
    pub(super) const HUP: u8 = 4;
    /// A pending socket error (`EPOLLERR`).
    pub(super) const ERR: u8 = 8;
    /// What makes a read subscription ready.
    pub(super) const FOR_READ: u8 = READ | HUP | ERR;
    /// What makes a write subscription ready.
    pub(super) const FOR_WRITE: u8 = WRITE | HUP | ERR;
}

/// How many events one `epoll_wait` takes (more wait in the kernel for the next one).
const EVENTS: usize = 256;

/// Most `epoll_wait` calls one [`Poller::collect`] makes to drain queued edges.
const MAX_BATCHES: usize = 64;

/// Longest single `epoll_wait` (older kernels reject timeouts above `i32::MAX` ms).
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// What a [`Poller`] shares with the registrations it handed out.
#[derive(Debug)]
struct Shared {
    epoll: OwnedFd,
    /// Keys of dropped registrations, removed from the slab at the next
    /// [`Poller::insert`] or [`Poller::collect`] (a socket drops without access to the
    /// `Poller`, which the embedder may be holding locked).
    freed: Mutex<Vec<usize>>,
}

/// A socket's registration in one [`Poller`], stored inside the [`Socket`].
///
/// Invariant: exists only while the socket's fd is in `shared.epoll` under `key`;
/// [`Socket`]'s `Drop` calls [`Registration::delete`] before its fd closes. Shape from
/// async-io `src/reactor/unix.rs` (`Registration`).
#[derive(Debug)]
pub(crate) struct Registration {
    shared: Arc<Shared>,
    key: usize,
}

impl Registration {
    /// Deletes the fd from the poller (called by `Socket::drop` before the fd closes).
    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) {
        if let Err(err) = epoll::delete(&self.shared.epoll, fd) {
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
    /// The key under which this socket is registered in `poller`, if it is.
    #[must_use]
    pub fn poll_key(&self, poller: &Poller) -> Option<usize> {
        self.reg
            .as_ref()
            .filter(|r| Arc::ptr_eq(&r.shared, &poller.shared))
            .map(|r| r.key)
    }

    /// The key of this socket's registration in whichever poller holds it, without
    /// access to that poller (an embedder with one poller per guest needs no lock to
    /// find a socket's key).
    #[must_use]
    pub fn registered_key(&self) -> Option<usize> {
        self.reg.as_ref().map(|r| r.key)
    }
}

/// A persistent poller: sockets registered once (edge-triggered), readiness cached per key.
#[derive(Debug)]
pub struct Poller {
    /// Live keys (the slab hands out and recycles keys; its values are unused).
    entries: Slab<()>,
    /// Per key: the "may be ready" bits (see the module docs); a dense byte array, so a
    /// scan over many keys stays in cache.
    ready: Vec<u8>,
    shared: Arc<Shared>,
    /// Keys that got an edge in the last [`Poller::collect`].
    collected: Vec<usize>,
    /// Per-key scratch for [`Poller::wait`]: the merged interest bits of the wait in
    /// progress (0 = not subscribed).
    wanted: Vec<u8>,
}

impl Poller {
    /// Creates an empty poller.
    ///
    /// # Errors
    /// The host error from `epoll_create1` (e.g. `EMFILE`).
    pub fn new() -> io::Result<Poller> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        Ok(Poller {
            entries: Slab::new(),
            ready: Vec::new(),
            shared: Arc::new(Shared {
                epoll,
                freed: Mutex::new(Vec::new()),
            }),
            collected: Vec::new(),
            wanted: Vec::new(),
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
        let flags = EventFlags::IN | EventFlags::OUT | EventFlags::ET;
        epoll::add(
            &self.shared.epoll,
            &sock.inner,
            EventData::new_u64(key as u64),
            flags,
        )?;
        sock.reg = Some(Registration {
            shared: Arc::clone(&self.shared),
            key,
        });
        vacant.insert(());
        if self.ready.len() <= key {
            self.ready.resize(key + 1, 0);
        }
        if let Some(bits) = self.ready.get_mut(key) {
            *bits = 0;
        }
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

    /// One `epoll_wait` of at most `timeout` (`None` = no limit, `Some(ZERO)` = just
    /// look), then zero-timeout ones while each fills its buffer, so every edge queued in
    /// the kernel is taken (a full buffer of edges of other sockets must not hide a ready
    /// one from a zero-timeout look). Records each edge in its key's cache and returns how
    /// many keys got one; they are listed by [`Poller::collected`] until the next call. 0
    /// on timeout (or a signal).
    ///
    /// # Errors
    /// The host error from `epoll_wait`.
    pub fn collect(&mut self, timeout: Option<Duration>) -> io::Result<usize> {
        self.reap();
        self.collected.clear();
        let wait = timeout.unwrap_or(MAX_WAIT).min(MAX_WAIT);
        let mut full = self.collect_batch(wait)?;
        // Bounded: edges keep arriving under load, and the rest waits for the next call.
        for _ in 1..MAX_BATCHES {
            if !full {
                break;
            }
            full = self.collect_batch(Duration::ZERO)?;
        }
        Ok(self.collected.len())
    }

    /// One `epoll_wait` of at most `wait`, recorded; true when it filled its buffer.
    fn collect_batch(&mut self, wait: Duration) -> io::Result<bool> {
        // On the stack: `epoll::Event` holds a pointer union, so a buffer kept in the
        // poller would make it `!Send`; this one costs no allocation either.
        let mut events = [MaybeUninit::<epoll::Event>::uninit(); EVENTS];
        let ts = Timespec {
            tv_sec: i64::try_from(wait.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(wait.subsec_nanos()),
        };
        let got: &[epoll::Event] = match epoll::wait(&self.shared.epoll, &mut events[..], Some(&ts))
        {
            Ok((got, _)) => got,
            Err(rustix::io::Errno::INTR) => &[],
            Err(e) => return Err(e.into()),
        };
        for ev in got {
            let Ok(key) = usize::try_from(ev.data.u64()) else {
                continue;
            };
            // Events of a key freed since are dropped (its socket is gone).
            if !self.entries.contains(key) {
                continue;
            }
            let Some(entry) = self.ready.get_mut(key) else {
                continue;
            };
            *entry |= bits_of(ev.flags);
            self.collected.push(key);
        }
        Ok(got.len() == EVENTS)
    }

    /// The keys that got an edge in the last [`Poller::collect`] (each at most once per
    /// `epoll_wait`, so possibly twice per collect; ask them with [`Poller::check`]).
    #[must_use]
    pub fn collected(&self) -> &[usize] {
        &self.collected
    }

    /// Is `sock` ready for `interest` now? `None` at once when no edge since its last
    /// check says it may be; otherwise a zero-timeout `poll(2)` of its fd decides (and
    /// clears the cache bits it disproves). Edges still queued in the kernel are seen
    /// only after the next [`Poller::collect`].
    ///
    /// # Errors
    /// `EBADF` if `sock` is not registered here; the host error from `poll`.
    pub fn check(&mut self, sock: &Socket, interest: Interest) -> io::Result<Option<Readiness>> {
        let key = match sock.poll_key(self) {
            Some(key) if self.entries.contains(key) => key,
            _ => return Err(io::Error::from_raw_os_error(libc::EBADF)),
        };
        if !self.may_be_ready(key, interest) {
            return Ok(None);
        }
        let now = poll_now(sock.as_fd(), interest)?;
        let mut disproved = bits::HUP | bits::ERR;
        if interest.is_readable() {
            disproved |= bits::READ;
        }
        if interest.is_writable() {
            disproved |= bits::WRITE;
        }
        if let Some(entry) = self.ready.get_mut(key) {
            *entry &= !(disproved & !now);
            *entry |= now;
        }
        Ok(readiness_from(sock, key, now, interest))
    }

    /// Whether an edge since the last check of `key` says it may be ready for
    /// `interest` (no system call; [`Poller::check`] gives the answer). The fast path of
    /// an embedder scanning many subscriptions with one poller per guest, where a
    /// socket's [`Socket::registered_key`] is necessarily this poller's.
    #[inline]
    #[must_use]
    pub fn may_be_ready(&self, key: usize, interest: Interest) -> bool {
        self.ready
            .get(key)
            .is_some_and(|&bits| bits & mask(interest) != 0)
    }

    /// Waits until at least one subscribed socket is ready or `timeout` passes (`None` =
    /// no limit, `Some(ZERO)` = just check). Subscriptions naming one socket twice are
    /// merged. Returns one [`Readiness`] per ready socket (`key` = its poller key),
    /// filtered to what it subscribed to; empty on timeout. Level-triggered: a socket
    /// still ready is reported again by the next wait.
    ///
    /// # Errors
    /// `EBADF` if a socket is not registered in this poller (checked before waiting);
    /// otherwise the host error from `epoll_wait` or `poll`.
    pub fn wait(
        &mut self,
        subscriptions: &[(&Socket, Interest)],
        timeout: Option<Duration>,
    ) -> io::Result<Vec<Readiness>> {
        self.reap();
        for (sock, _) in subscriptions {
            if !sock
                .poll_key(self)
                .is_some_and(|k| self.entries.contains(k))
            {
                tracing::debug!("hostsock: wait on a socket not registered here");
                return Err(io::Error::from_raw_os_error(libc::EBADF));
            }
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        // First take the edges already queued, so one wait reports every ready socket.
        let mut wait = Some(Duration::ZERO);
        loop {
            self.collect(wait)?;
            let ready = self.check_all(subscriptions)?;
            if !ready.is_empty() || deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(ready);
            }
            wait = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        }
    }

    /// [`Poller::check`] of every subscription, merged per key, one report per key.
    fn check_all(&mut self, subscriptions: &[(&Socket, Interest)]) -> io::Result<Vec<Readiness>> {
        let wanted_len = self.ready.len();
        self.wanted.clear();
        self.wanted.resize(wanted_len, 0);
        for (sock, interest) in subscriptions {
            if let Some(slot) = sock.poll_key(self).and_then(|k| self.wanted.get_mut(k)) {
                *slot |= interest_bits(*interest);
            }
        }
        let mut ready = Vec::new();
        for (sock, _) in subscriptions {
            let Some(key) = sock.poll_key(self) else {
                continue;
            };
            let merged = self.wanted.get_mut(key).map_or(0, std::mem::take);
            let Some(interest) =
                Interest::from_flags(merged & bits::READ != 0, merged & bits::WRITE != 0)
            else {
                continue; // already checked under its first subscription
            };
            if let Some(r) = self.check(sock, interest)? {
                ready.push(r);
            }
        }
        Ok(ready)
    }
}

/// The cache bits that make a subscription for `interest` worth a look.
#[inline]
fn mask(interest: Interest) -> u8 {
    let mut m = 0;
    if interest.is_readable() {
        m |= bits::FOR_READ;
    }
    if interest.is_writable() {
        m |= bits::FOR_WRITE;
    }
    m
}

/// `READ`/`WRITE` bits of an interest.
fn interest_bits(interest: Interest) -> u8 {
    u8::from(interest.is_readable()) * bits::READ + u8::from(interest.is_writable()) * bits::WRITE
}

/// Cache bits of an epoll event.
fn bits_of(flags: EventFlags) -> u8 {
    let mut b = 0;
    if flags.intersects(EventFlags::IN | EventFlags::PRI | EventFlags::RDHUP) {
        b |= bits::READ;
    }
    if flags.contains(EventFlags::OUT) {
        b |= bits::WRITE;
    }
    if flags.contains(EventFlags::HUP) {
        b |= bits::HUP;
    }
    if flags.contains(EventFlags::ERR) {
        b |= bits::ERR;
    }
    b
}

/// `POLLIN`/`POLLOUT` for `interest` (hang-up and error are always reported).
pub(crate) fn poll_flags(interest: Interest) -> PollFlags {
    let mut flags = PollFlags::empty();
    if interest.is_readable() {
        flags |= PollFlags::IN;
    }
    if interest.is_writable() {
        flags |= PollFlags::OUT;
    }
    flags
}

/// One zero-timeout `poll(2)` of `fd` for `flags`: its `revents`, or `None` when a
/// signal interrupted it before anything was looked at.
pub(crate) fn poll_zero(fd: impl AsFd, flags: PollFlags) -> io::Result<Option<PollFlags>> {
    let mut fds = [PollFd::new(&fd, flags)];
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    match rustix::event::poll(&mut fds, Some(&zero)) {
        Ok(_) => Ok(Some(fds[0].revents())),
        Err(rustix::io::Errno::INTR) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The socket's state now: a zero-timeout `poll(2)` for `interest` (hang-up and error
/// are always reported), as cache bits.
fn poll_now(fd: BorrowedFd<'_>, interest: Interest) -> io::Result<u8> {
    let Some(revents) = poll_zero(fd, poll_flags(interest))? else {
        // Nothing was looked at: claim readiness so the caller's I/O call decides.
        return Ok(interest_bits(interest));
    };
    let mut b = 0;
    if revents.intersects(PollFlags::IN | PollFlags::PRI) {
        b |= bits::READ;
    }
    if revents.contains(PollFlags::OUT) {
        b |= bits::WRITE;
    }
    if revents.contains(PollFlags::HUP) {
        b |= bits::HUP;
    }
    if revents.intersects(PollFlags::ERR | PollFlags::NVAL) {
        b |= bits::ERR;
    }
    Ok(b)
}

/// A [`Readiness`] for `interest` from state bits, or `None` when they show neither
/// direction subscribed to.
fn readiness_from(sock: &Socket, key: usize, b: u8, interest: Interest) -> Option<Readiness> {
    let hangup = b & bits::HUP != 0;
    let error = b & bits::ERR != 0;
    let readable = interest.is_readable() && b & bits::FOR_READ != 0;
    let writable = interest.is_writable() && b & bits::FOR_WRITE != 0;
    if !(readable || writable) {
        return None;
    }
    // A listener's "bytes" are pending connections, which FIONREAD cannot count (it fails
    // with EINVAL, giving 1): answer 1 without the syscall, once per accept otherwise.
    let nbytes = if readable && sock.state != crate::socket::SocketState::Listening {
        readable_bytes(sock.as_fd())
    } else {
        1
    };
    Some(Readiness {
        key,
        readable,
        writable,
        hangup,
        error,
        nbytes,
    })
}

/// Bytes queued for reading (`ioctl(FIONREAD)`, through rustix's safe wrapper); 1 when the
/// host cannot tell (e.g. a listening socket, where the ioctl fails with `EINVAL`).
pub(crate) fn readable_bytes(fd: BorrowedFd<'_>) -> u64 {
    rustix::io::ioctl_fionread(fd).unwrap_or(1)
}
