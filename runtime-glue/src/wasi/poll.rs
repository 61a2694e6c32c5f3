//! `poll_oneoff`: wait for clocks and fd readiness.
//!
//! Subscriptions are decoded and validated up front. Then, in a loop: fd
//! subscriptions ask their descriptor for [`Readiness`] (the per-kind answer
//! lives in `descriptor.rs`, so sockets plug in there); if any fd is ready or
//! any clock has expired, those events are returned; otherwise the call
//! sleeps until the earliest clock deadline, waking early to re-check fds
//! that reported `Pending`.

use std::time::{Duration, Instant};

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    descriptor::{Descriptor, Interest, Readiness},
    errno::{Errno, Fault},
    memory,
    types::{EVENT_SIZE, Rights, SUBSCRIPTION_SIZE},
    wasi::clock,
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        poll_oneoff(subs: u32, events: u32, nsubscriptions: u32, nevents: u32) -> errno,
    ];
}

/// While an fd reports `Pending`, re-check it at least this often.
const PENDING_RECHECK: Duration = Duration::from_millis(5);

/// `subclockflags::subscription_clock_abstime`.
const ABSTIME: u16 = 1;

/// What one subscription waits for.
#[derive(Debug, Clone, Copy)]
enum Wait {
    /// A clock; `None` means its clock id was invalid (reported as EINVAL).
    Clock(Option<Instant>),
    /// Readiness of a guest fd.
    Fd(u32, Interest),
}

/// One decoded `subscription`.
#[derive(Debug, Clone, Copy)]
struct Sub {
    userdata: u64,
    wait: Wait,
}

/// One `event` to report.
#[derive(Debug, Clone, Copy)]
struct Event {
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
    hangup: bool,
}

impl Event {
    /// An event without readiness details; fd events fill them in.
    fn new(userdata: u64, kind: u8, error: Errno) -> Self {
        Event {
            userdata,
            error,
            kind,
            nbytes: 0,
            hangup: false,
        }
    }

    /// The `event` layout of [`EVENT_SIZE`]; `hangup` is
    /// `eventrwflags::fd_readwrite_hangup` (bit 0 of the flags).
    fn to_bytes(self) -> [u8; EVENT_SIZE as usize] {
        let mut b = [0u8; EVENT_SIZE as usize];
        b[0..8].copy_from_slice(&self.userdata.to_le_bytes());
        b[8..10].copy_from_slice(&crate::errno::code(self.error).to_le_bytes());
        b[10] = self.kind;
        b[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
        b[24..26].copy_from_slice(&u16::from(self.hangup).to_le_bytes());
        b
    }
}

/// Converts a clock subscription into a host deadline.
fn deadline(id: u32, timeout: u64, flags: u16) -> Option<Instant> {
    let now = clock::now(id).ok()?;
    let wait_ns = if flags & ABSTIME != 0 {
        timeout.saturating_sub(now)
    } else {
        timeout
    };
    // Saturate far-future deadlines instead of overflowing Instant.
    let wait = Duration::from_nanos(wait_ns).min(Duration::from_secs(1 << 32));
    Some(Instant::now() + wait)
}

/// Decodes every subscription before anything waits, so a bad tag fails the
/// whole call (`EINVAL`) without side effects. A clock with an unknown id is
/// not a call failure: it fires at once as an event carrying `EINVAL`.
fn decode(mem: &[u8], subs: u32, n: u32) -> Result<Vec<Sub>, Errno> {
    let bytes = memory::slice(
        mem,
        subs,
        n.checked_mul(SUBSCRIPTION_SIZE).ok_or(Errno::Fault)?,
    )?;
    let mut out = Vec::with_capacity(n as usize);
    for s in bytes.chunks_exact(SUBSCRIPTION_SIZE as usize) {
        // Offsets as in `SUBSCRIPTION_SIZE`; the union starts with the clock
        // id or the fd, both u32 @16.
        let id_or_fd = memory::read_u32(s, 16)?;
        let wait = match memory::read_u8(s, 8)? {
            0 => {
                let (timeout, flags) = (memory::read_u64(s, 24)?, memory::read_u16(s, 40)?);
                Wait::Clock(deadline(id_or_fd, timeout, flags))
            }
            1 => Wait::Fd(id_or_fd, Interest::Read),
            2 => Wait::Fd(id_or_fd, Interest::Write),
            _ => return Err(Errno::Inval),
        };
        let userdata = memory::read_u64(s, 0)?;
        out.push(Sub { userdata, wait });
    }
    Ok(out)
}

/// Asks fd `fd` for readiness; `None` while pending. Failures become the
/// event's error (a trap inside a readiness check is reported as `EIO`).
fn check_fd(cx: &mut GuestCtx, sub: &Sub, fd: u32, interest: Interest) -> Option<Event> {
    let state = cx.entry_mut(fd).and_then(|entry| {
        entry.check(Rights::POLL_FD_READWRITE)?;
        entry.desc.readiness(interest).map_err(|f| match f {
            Fault::Errno(e) => e,
            Fault::Trap(_) => Errno::Io,
        })
    });
    let kind = match interest {
        Interest::Read => 1,
        Interest::Write => 2,
    };
    let mut ev = Event::new(sub.userdata, kind, Errno::Success);
    match state {
        Ok(Readiness::Pending) => return None,
        Ok(Readiness::Ready { nbytes, hangup }) => (ev.nbytes, ev.hangup) = (nbytes, hangup),
        Err(e) => ev.error = e,
    }
    Some(ev)
}

/// The result of one pass over the subscriptions.
#[derive(Debug, Default)]
struct Scan {
    /// Events that fire now.
    fired: Vec<Event>,
    /// fd subscriptions whose descriptor reported `Pending`.
    pending: Vec<(u32, Interest)>,
    /// The earliest clock deadline not yet reached.
    earliest: Option<Instant>,
}

/// One pass over all subscriptions.
fn scan(cx: &mut GuestCtx, subs: &[Sub]) -> Scan {
    let now = Instant::now();
    let mut out = Scan::default();
    for sub in subs {
        match sub.wait {
            Wait::Fd(fd, interest) => match check_fd(cx, sub, fd, interest) {
                Some(ev) => out.fired.push(ev),
                None => out.pending.push((fd, interest)),
            },
            Wait::Clock(Some(at)) if at > now => {
                out.earliest = Some(out.earliest.map_or(at, |e| e.min(at)));
            }
            Wait::Clock(at) => {
                let error = at.map_or(Errno::Inval, |_| Errno::Success);
                out.fired.push(Event::new(sub.userdata, 0, error));
            }
        }
    }
    out
}

/// Blocks until `deadline` (forever if `None`), or earlier if one of the
/// `pending` fds may have become ready; the caller then scans again.
///
/// Files and stdio never report `Pending`, so without sockets this is a
/// plain sleep. Descriptors that can be pending (sockets) should wait on
/// their poller here instead of the bounded re-check sleep.
fn wait_for_readiness(cx: &mut GuestCtx, pending: &[(u32, Interest)], deadline: Option<Instant>) {
    let now = Instant::now();
    // Sockets wait in the guest's persistent poller; what it reports is picked up by
    // the next scan (see `socket::wait_pending`). Other pending fds (the host's
    // stdin) are not in that poller, so with any of them the wait is bounded by
    // the re-check interval.
    let others_pending = pending
        .iter()
        .any(|&(fd, _)| !matches!(cx.fds.get(fd).map(|e| &e.desc), Some(Descriptor::Socket(_))));
    let socket_deadline = if others_pending {
        let recheck = now + PENDING_RECHECK;
        Some(deadline.map_or(recheck, |d| d.min(recheck)))
    } else {
        deadline
    };
    if crate::socket::wait_pending(cx, pending, socket_deadline) {
        return;
    }
    let until_deadline = deadline.map(|d| d.saturating_duration_since(now));
    let sleep = match (until_deadline, pending.is_empty()) {
        (Some(d), true) => d,
        (Some(d), false) => d.min(PENDING_RECHECK),
        (None, _) => PENDING_RECHECK,
    };
    std::thread::sleep(sleep);
}

/// Waits for any subscription; writes the fired events and their count.
pub(crate) fn poll_oneoff(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    subs: u32,
    events: u32,
    nsubscriptions: u32,
    nevents: u32,
) -> Result<(), Fault> {
    if nsubscriptions == 0 {
        return Err(Errno::Inval.into());
    }
    let subs = decode(mem, subs, nsubscriptions)?;
    let events_len = nsubscriptions.checked_mul(EVENT_SIZE).ok_or(Errno::Fault)?;
    memory::range(mem.len(), events, events_len)?;
    memory::range(mem.len(), nevents, 4)?;
    // Once something fired, pending sockets get one look without waiting, so a call
    // reports every ready fd rather than only the first kind found.
    let mut sockets_checked = false;
    let fired = loop {
        let scan = scan(cx, &subs);
        if !scan.fired.is_empty() && (sockets_checked || scan.pending.is_empty()) {
            break scan.fired;
        }
        if !scan.fired.is_empty() {
            sockets_checked = crate::socket::wait_pending(cx, &scan.pending, Some(Instant::now()));
            if !sockets_checked {
                break scan.fired;
            }
            continue;
        }
        wait_for_readiness(cx, &scan.pending, scan.earliest);
    };
    for (i, ev) in (0u32..).zip(&fired) {
        let at = i
            .checked_mul(EVENT_SIZE)
            .and_then(|off| events.checked_add(off))
            .ok_or(Errno::Fault)?;
        memory::write_bytes(mem, at, &ev.to_bytes())?;
    }
    memory::write_u32(mem, nevents, fired.len() as u32)?;
    Ok(())
}
