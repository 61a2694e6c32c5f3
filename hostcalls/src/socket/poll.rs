//! `poll_oneoff` on sockets: the per-call bookkeeping of socket subscriptions, keyed by
//! the guest's persistent poller ([`hostsock::Poller`]).
//!
//! Each socket is registered once, edge-triggered, and the poller caches per socket
//! whether it may be ready (see `hostsock`'s poller docs). A subscription therefore costs
//! no system call when its socket's state did not change since it was last found not
//! ready; after a wait, only the sockets the kernel reported are looked at
//! ([`PollSockets::wait`]), never the whole subscription list again.
//!
//! # Duplicate subscriptions (`EXIST`)
//!
//! WasmEdge merges the read and write subscriptions of one fd into one epoll
//! registration and completes a second subscription of a socket for the same direction
//! in one call with `EXIST` (spec §5.4). The per-key [`Slot`] of the call in progress
//! gives the same answer for free: a direction already subscribed in this call (pending
//! or already reported) makes the new subscription an `EXIST` event.
//!
//! # Sockets the poller cannot take
//!
//! Registering costs no fd (the poller watches the socket's own fd), so registration
//! fails only in true resource exhaustion: `epoll_create1` hitting `EMFILE` for the
//! guest's first poll, or `epoll_ctl` failing with `ENOMEM` or `ENOSPC`
//! (`max_user_watches`). Such a socket is not fatal: it is checked directly with a
//! zero-timeout single-fd poll, and while one is pending the poller wait is capped at
//! [`RECHECK`], so the other sockets keep being served and nothing spins.

use std::time::{Duration, Instant};

use fdtable::FdTable;
use hostsock::Interest as HostInterest;

use super::{NetState, SocketDesc};
use crate::descriptor::{Descriptor, FdEntry, Interest, Readiness};

/// How often sockets whose registration failed are re-checked while waiting.
const RECHECK: Duration = Duration::from_millis(10);

/// One direction of a socket in the call in progress, packed in a `u32` so a slot is
/// 16 bytes: [`FREE`] (not subscribed in this call), [`DONE`] (subscribed and already
/// reported), or `index + 2` for a subscription still pending (its index in the guest's
/// array).
type Dir = u32;
/// Not subscribed in this call.
const FREE: Dir = 0;
/// Subscribed and already reported.
const DONE: Dir = 1;

/// The pending state of subscription `index`.
fn pending(index: u32) -> Dir {
    index.saturating_add(2)
}

/// The subscription index of a pending direction.
fn pending_index(dir: Dir) -> Option<u32> {
    dir.checked_sub(2)
}

/// The subscriptions of the call in progress on one registered socket (index = poller
/// key). Valid only while `epoch` is the call's.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    epoch: u32,
    /// The guest fd of the socket (fds do not change during a call).
    fd: u32,
    read: Dir,
    write: Dir,
}

impl Slot {
    fn dir(&mut self, interest: Interest) -> &mut Dir {
        match interest {
            Interest::Read => &mut self.read,
            Interest::Write => &mut self.write,
        }
    }
}

/// A subscription on a socket the poller does not hold.
#[derive(Debug, Clone, Copy)]
struct Direct {
    fd: u32,
    interest: Interest,
    /// Pending until reported.
    state: Dir,
}

/// What one socket subscription gives at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Ready now.
    Ready(Readiness),
    /// The same socket and direction was already subscribed in this call.
    Exists,
    /// Not ready; reported later by [`PollSockets::wait`].
    Pending,
}

/// Socket bookkeeping of `poll_oneoff`, kept in the guest context between calls so a
/// call in steady state allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct PollSockets {
    /// Per poller key; grows to the highest key seen.
    slots: Vec<Slot>,
    /// Subscriptions on unregistered sockets.
    direct: Vec<Direct>,
    /// Registered subscriptions still pending in this call.
    waiting: usize,
    /// The call in progress (slots of other epochs are stale; never 0, the epoch of
    /// [`Slot::default`]).
    epoch: u32,
}

fn host_interest(interest: Interest) -> HostInterest {
    match interest {
        Interest::Read => HostInterest::READABLE,
        Interest::Write => HostInterest::WRITABLE,
    }
}

/// A poller report in the glue's terms (write subscriptions report 1 byte, as before).
fn readiness(r: &hostsock::Readiness, interest: Interest) -> Readiness {
    let nbytes = match interest {
        Interest::Read => r.nbytes,
        Interest::Write => 1,
    };
    Readiness::Ready {
        nbytes,
        hangup: r.hangup,
    }
}

/// Readiness that sends the guest to its I/O call, which reports the real error.
const FAILED: Readiness = Readiness::Ready {
    nbytes: 0,
    hangup: false,
};

impl PollSockets {
    /// Starts a new call: every slot of earlier calls becomes stale.
    pub(crate) fn begin(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // Once in 2^32 calls: no slot may look current by wrapping around.
            self.slots.fill(Slot::default());
            self.epoch = 1;
        }
        self.direct.clear();
        self.waiting = 0;
    }

    /// Whether any socket subscription of this call is still pending.
    pub(crate) fn any_pending(&self) -> bool {
        self.waiting > 0 || self.direct.iter().any(|d| d.state != DONE)
    }

    /// Subscription `index` of the call in progress, on the socket of guest `fd`:
    /// registers the socket on first use and asks the poller's cache (no system call
    /// unless an edge since its last check says it may be ready).
    #[inline]
    pub(crate) fn subscribe(
        &mut self,
        net: &mut NetState,
        fd: u32,
        desc: &mut SocketDesc,
        interest: Interest,
        index: u32,
    ) -> Outcome {
        let (key, poller) = match registered(net, desc) {
            Ok(found) => found,
            Err(err) => {
                tracing::debug!(%err, fd, "poller registration failed; checking directly");
                return self.subscribe_direct(fd, desc, interest, index);
            }
        };
        let Some(slot) = current_slot(&mut self.slots, self.epoch, key, fd) else {
            return self.subscribe_direct(fd, desc, interest, index);
        };
        let dir = slot.dir(interest);
        if *dir != FREE {
            return Outcome::Exists;
        }
        let want = host_interest(interest);
        let ready = if poller.may_be_ready(key, want) {
            poller.check(&desc.sock, want)
        } else {
            Ok(None)
        };
        match ready {
            Ok(Some(r)) => {
                *dir = DONE;
                Outcome::Ready(readiness(&r, interest))
            }
            Ok(None) => {
                *dir = pending(index);
                self.waiting += 1;
                Outcome::Pending
            }
            Err(err) => {
                tracing::debug!(%err, fd, "readiness check failed");
                *dir = DONE;
                Outcome::Ready(FAILED)
            }
        }
    }

    /// The fast path of [`PollSockets::subscribe`] for a registered socket (`key`):
    /// true when no edge says the socket may be ready, so the subscription is recorded
    /// as pending without looking at the socket. False (an edge, or a duplicate, which
    /// the full path reports as `EXIST`) sends it down the full path
    /// ([`PollSockets::subscribe`]), which asks the socket.
    #[inline]
    pub(crate) fn idle(
        &mut self,
        net: &mut NetState,
        (fd, key): (u32, usize),
        interest: Interest,
        index: u32,
    ) -> bool {
        let Some(poller) = net.poller.as_ref() else {
            return false;
        };
        if poller.may_be_ready(key, host_interest(interest)) {
            return false;
        }
        let Some(slot) = current_slot(&mut self.slots, self.epoch, key, fd) else {
            return false;
        };
        let dir = slot.dir(interest);
        if *dir != FREE {
            return false;
        }
        *dir = pending(index);
        self.waiting += 1;
        true
    }

    /// A subscription on a socket the poller could not register.
    fn subscribe_direct(
        &mut self,
        fd: u32,
        desc: &SocketDesc,
        interest: Interest,
        index: u32,
    ) -> Outcome {
        if self
            .direct
            .iter()
            .any(|d| d.fd == fd && d.interest == interest)
        {
            return Outcome::Exists;
        }
        let ready = check_directly(desc, interest);
        self.direct.push(Direct {
            fd,
            interest,
            state: if ready.is_some() {
                DONE
            } else {
                pending(index)
            },
        });
        ready.map_or(Outcome::Pending, Outcome::Ready)
    }

    /// Waits up to `timeout` (`None` = no limit) for the pending socket subscriptions
    /// and reports each one that became ready through `fire(index, interest,
    /// readiness)` (`index` in the guest's subscription array). Returns false, without waiting, when none is pending (the caller
    /// then sleeps as for any other descriptor).
    ///
    /// Only the sockets the kernel reported are looked at. A failed poller wait reports
    /// every pending subscription ready, so the guest's next I/O call reports the error
    /// instead of the poll hanging.
    pub(crate) fn wait(
        &mut self,
        net: &mut NetState,
        fds: &FdTable<FdEntry>,
        mut timeout: Option<Duration>,
        fire: &mut impl FnMut(u32, Interest, Readiness),
    ) -> bool {
        if !self.any_pending() {
            return false;
        }
        if self.direct.iter().any(|d| d.state != DONE) {
            let cap = if self.check_direct(fds, fire) {
                Duration::ZERO
            } else {
                RECHECK
            };
            timeout = Some(timeout.map_or(cap, |t| t.min(cap)));
        }
        let poller = match net.poller() {
            Ok(p) if self.waiting > 0 => p,
            _ => {
                std::thread::sleep(timeout.unwrap_or(RECHECK));
                self.check_direct(fds, fire);
                return true;
            }
        };
        if let Err(err) = poller.collect(timeout) {
            tracing::debug!(%err, "poller wait failed");
            self.fail_all(fire);
            return true;
        }
        self.take_collected(poller, fds, fire);
        self.check_direct(fds, fire);
        true
    }

    /// Asks the poller about the pending subscriptions of the keys its last wait
    /// reported, and reports the ready ones.
    fn take_collected(
        &mut self,
        poller: &mut hostsock::Poller,
        fds: &FdTable<FdEntry>,
        fire: &mut impl FnMut(u32, Interest, Readiness),
    ) {
        for i in 0..poller.collected().len() {
            let Some(&key) = poller.collected().get(i) else {
                break;
            };
            let Some(slot) = self.slots.get_mut(key).filter(|s| s.epoch == self.epoch) else {
                continue;
            };
            let Some(Descriptor::Socket(desc)) = fds.get(slot.fd).map(|e| &e.desc) else {
                continue;
            };
            for interest in [Interest::Read, Interest::Write] {
                let dir = slot.dir(interest);
                let Some(index) = pending_index(*dir) else {
                    continue;
                };
                let ready = match poller.check(&desc.sock, host_interest(interest)) {
                    Ok(r) => r.map(|r| readiness(&r, interest)),
                    Err(_) => Some(FAILED),
                };
                if let Some(r) = ready {
                    *dir = DONE;
                    self.waiting -= 1;
                    fire(index, interest, r);
                }
            }
        }
    }

    /// Reports every pending registered subscription ready (after a failed wait).
    fn fail_all(&mut self, fire: &mut impl FnMut(u32, Interest, Readiness)) {
        for slot in self.slots.iter_mut().filter(|s| s.epoch == self.epoch) {
            for interest in [Interest::Read, Interest::Write] {
                let dir = slot.dir(interest);
                if let Some(index) = pending_index(*dir) {
                    *dir = DONE;
                    fire(index, interest, FAILED);
                }
            }
        }
        self.waiting = 0;
    }

    /// Checks the pending unregistered sockets with a zero-timeout poll each; returns
    /// whether any was ready (and reported).
    fn check_direct(
        &mut self,
        fds: &FdTable<FdEntry>,
        fire: &mut impl FnMut(u32, Interest, Readiness),
    ) -> bool {
        let mut any = false;
        for d in &mut self.direct {
            let Some(index) = pending_index(d.state) else {
                continue;
            };
            let ready = match fds.get(d.fd).map(|e| &e.desc) {
                Some(Descriptor::Socket(desc)) => check_directly(desc, d.interest),
                _ => Some(FAILED),
            };
            if let Some(r) = ready {
                d.state = DONE;
                fire(index, d.interest, r);
                any = true;
            }
        }
        any
    }
}

/// The socket's poller key and the guest's poller, registering the socket on first use.
/// Fast path (once per subscription): a registered socket of a guest whose poller
/// exists, read from the fields without a call.
///
/// # Errors
///
/// Host errors from `epoll_create1` (`EMFILE`) or `epoll_ctl` (`ENOMEM`, `ENOSPC`).
#[inline]
fn registered<'n>(
    net: &'n mut NetState,
    desc: &mut SocketDesc,
) -> std::io::Result<(usize, &'n mut hostsock::Poller)> {
    if desc.sock.registered_key().is_none() || net.poller.is_none() {
        net.poller()?.insert(&mut desc.sock)?;
    }
    match (desc.sock.registered_key(), net.poller.as_mut()) {
        (Some(key), Some(poller)) => Ok((key, poller)),
        // Not reached: registered just above.
        _ => Err(std::io::ErrorKind::NotFound.into()),
    }
}

/// The slot of `key` for the call `epoch` (reset if it holds an earlier call's state),
/// growing the table to the key.
#[inline]
fn current_slot(slots: &mut Vec<Slot>, epoch: u32, key: usize, fd: u32) -> Option<&mut Slot> {
    if slots.len() <= key {
        slots.resize(key + 1, Slot::default());
    }
    let slot = slots.get_mut(key)?;
    if slot.epoch != epoch {
        *slot = Slot {
            epoch,
            fd,
            read: FREE,
            write: FREE,
        };
    }
    Some(slot)
}

/// A zero-timeout single-fd poll of an unregistered socket.
fn check_directly(desc: &SocketDesc, interest: Interest) -> Option<Readiness> {
    let ready = desc
        .sock
        .wait_ready(host_interest(interest), Some(Instant::now()))
        .unwrap_or(true);
    ready.then(|| Readiness::Ready {
        nbytes: match interest {
            Interest::Read => desc.sock.nread().unwrap_or(1),
            Interest::Write => 1,
        },
        hangup: false,
    })
}
