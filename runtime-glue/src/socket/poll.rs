//! `poll_oneoff` on sockets: waiting in the guest's persistent poller and handing what
//! it saw to the next scan as per-socket hints ([`super::ReadyHint`]).
//!
//! Registering costs no fd (the poller watches the socket's own fd), so registration
//! fails only in true resource exhaustion: `epoll_create1` hitting `EMFILE` for the
//! guest's first poll, or `epoll_ctl` failing with `ENOMEM` or `ENOSPC`
//! (`max_user_watches`). Such a socket is not fatal: it is checked directly with a
//! zero-timeout single-fd poll, and while one exists the poller wait is capped at
//! [`RECHECK`], so the other sockets keep being served and nothing spins. Sockets that
//! registered never take that path.

use std::time::{Duration, Instant};

use hostsock::Interest as HostInterest;

use super::{SocketDesc, lock};
use crate::{
    ctx::GuestCtx,
    descriptor::{Descriptor, Interest, Readiness},
};

/// How often sockets whose registration failed are re-checked while waiting.
const RECHECK: Duration = Duration::from_millis(10);

impl SocketDesc {
    /// `poll_oneoff`'s readiness question: answered from what the poller reported
    /// during this call's wait ([`wait_pending`]); `Pending` until then.
    pub(crate) fn take_ready(&mut self, interest: Interest) -> Readiness {
        let hint = match interest {
            Interest::Read => self.ready.read.take(),
            Interest::Write => self.ready.write.take().map(|h| (1, h)),
        };
        match hint {
            Some((nbytes, hangup)) => Readiness::Ready { nbytes, hangup },
            None => Readiness::Pending,
        }
    }
}

fn host_interest(interest: Interest) -> HostInterest {
    match interest {
        Interest::Read => HostInterest::READABLE,
        Interest::Write => HostInterest::WRITABLE,
    }
}

/// A pending socket subscription registered in the poller: (fd, key, interest).
type Keyed = (u32, usize, HostInterest);

/// The pending socket subscriptions, split by whether the poller holds them.
#[derive(Debug, Default)]
struct Pending {
    keyed: Vec<Keyed>,
    unregistered: Vec<(u32, HostInterest)>,
}

/// Waits in the guest's persistent poller until one of the `pending` socket
/// subscriptions is ready or `deadline` passes, and leaves what it saw as hints on the
/// sockets for `poll_oneoff`'s next scan. Returns false when `pending` has no socket
/// (the caller then sleeps as for any other descriptor).
///
/// A failed poller wait marks the waited sockets ready, so the guest's next I/O call
/// reports the error instead of the poll hanging.
pub(crate) fn wait_pending(
    cx: &mut GuestCtx,
    pending: &[(u32, Interest)],
    deadline: Option<Instant>,
) -> bool {
    let p = register(cx, pending);
    if p.keyed.is_empty() && p.unregistered.is_empty() {
        return false;
    }
    let mut timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    if !p.unregistered.is_empty() {
        let now_ready = check_directly(cx, &p.unregistered);
        let cap = if now_ready { Duration::ZERO } else { RECHECK };
        timeout = Some(timeout.map_or(cap, |t| t.min(cap)));
    }
    let ready = wait_keyed(cx, &p.keyed, timeout);
    for &(fd, key, want) in &p.keyed {
        if let Some(r) = ready.iter().find(|r| r.key == key) {
            set_hint(cx, fd, want, r);
        }
    }
    if !p.unregistered.is_empty() {
        check_directly(cx, &p.unregistered);
    }
    true
}

/// Waits in the guest's poller for the registered subscriptions (sleeps for `timeout`,
/// or [`RECHECK`] without one, when there are none).
fn wait_keyed(
    cx: &mut GuestCtx,
    keyed: &[Keyed],
    timeout: Option<Duration>,
) -> Vec<hostsock::Readiness> {
    // Every registered socket lives in the guest's one poller.
    let poller = if keyed.is_empty() {
        None
    } else {
        cx.net.poller().ok()
    };
    let Some(poller) = poller else {
        std::thread::sleep(timeout.unwrap_or(RECHECK));
        return Vec::new();
    };
    let subs: Vec<_> = keyed
        .iter()
        .filter_map(|&(fd, _, want)| match cx.fds.get(fd).map(|e| &e.desc) {
            Some(Descriptor::Socket(desc)) => Some((&desc.sock, want)),
            _ => None,
        })
        .collect();
    lock(&poller).wait(&subs, timeout).unwrap_or_else(|err| {
        tracing::debug!(%err, "poller wait failed");
        keyed.iter().map(|&(_, key, _)| failed(key)).collect()
    })
}

/// A readiness report that sends the guest to its I/O call to find the error.
fn failed(key: usize) -> hostsock::Readiness {
    hostsock::Readiness {
        key,
        readable: true,
        writable: true,
        hangup: false,
        error: true,
        nbytes: 0,
    }
}

/// Registers the pending socket subscriptions (non-socket fds are skipped); sockets
/// whose registration fails are listed as unregistered.
fn register(cx: &mut GuestCtx, pending: &[(u32, Interest)]) -> Pending {
    let mut out = Pending::default();
    for &(fd, interest) in pending {
        let Some(Descriptor::Socket(desc)) = cx.fds.get_mut(fd).map(|e| &mut e.desc) else {
            continue;
        };
        let want = host_interest(interest);
        match desc.poll_key(&mut cx.net) {
            Ok(key) => out.keyed.push((fd, key, want)),
            Err(err) => {
                tracing::debug!(%err, fd, "poller registration failed; checking directly");
                out.unregistered.push((fd, want));
            }
        }
    }
    out
}

/// Checks unregistered sockets with a zero-timeout single-fd poll and records hints;
/// returns whether any is ready.
fn check_directly(cx: &mut GuestCtx, socks: &[(u32, HostInterest)]) -> bool {
    let mut any = false;
    for &(fd, want) in socks {
        let Some(Descriptor::Socket(desc)) = cx.fds.get_mut(fd).map(|e| &mut e.desc) else {
            continue;
        };
        if desc
            .sock
            .wait_ready(want, Some(Instant::now()))
            .unwrap_or(true)
        {
            if want.is_readable() {
                desc.ready.read = Some((desc.sock.nread().unwrap_or(1), false));
            }
            if want.is_writable() {
                desc.ready.write = Some(false);
            }
            any = true;
        }
    }
    any
}

/// Records a poller report on socket `fd` for the direction `want` subscribed to
/// (a hint for the other direction would go stale).
fn set_hint(cx: &mut GuestCtx, fd: u32, want: HostInterest, r: &hostsock::Readiness) {
    if let Some(Descriptor::Socket(desc)) = cx.fds.get_mut(fd).map(|e| &mut e.desc) {
        if want.is_readable() && (r.readable || r.hangup) {
            desc.ready.read = Some((r.nbytes, r.hangup));
        }
        if want.is_writable() && (r.writable || r.hangup || r.error) {
            desc.ready.write = Some(r.hangup);
        }
    }
}
