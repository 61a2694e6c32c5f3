//! `poll_oneoff` (and WasmEdge's `epoll_oneoff`, which shares it): wait for clocks and fd
//! readiness. Level-triggered: an fd still ready is reported again by the next call.
//!
//! # One pass, then only what changed
//!
//! The WASI ABI hands the host all N subscriptions on every call, so a call is O(N); the
//! work per subscription is kept to the minimum. One pass over the guest's array (in two
//! phases, see [`PollScratch::scan`]) reads each subscription once, looks its fd up once
//! (twice for the few that need a closer look; a socket seen before is found in a
//! 4-byte per-fd index instead of its fd-table entry, see `fds.rs`), and answers it
//! at once: files and stdout are ready, the host's stdin is polled, sockets are answered
//! from the persistent poller's per-socket cache without a system call unless their
//! state changed (`socket::poll`). Pending subscriptions are remembered compactly
//! (sockets in per-poller-key slots, clocks and stdin in short lists), so waiting looks
//! only at the sockets the kernel reported and at the clocks, never at the N
//! subscriptions again.
//! Buffers live in [`PollScratch`] in the guest context: no allocation in steady state.
//!
//! Once something fired, pending sockets get one more look without waiting, so a call
//! reports every ready fd rather than only the first kind found.
//!
//! # Duplicate subscriptions (`EXIST`)
//!
//! A socket fd subscribed twice for the same direction in one call: the second
//! subscription completes at once as an event with error `EXIST` (20), `nbytes` 0,
//! `flags` 0; the call still succeeds and the other subscriptions are unaffected (spec
//! §5.4; WasmEdge merges the registrations of one socket). Only sockets: a duplicated
//! file, directory or stdio subscription fires once per subscription, as in Wasmtime
//! 42 (checked: two `fd_write` subscriptions on stdout, and two `fd_read` on a file,
//! both complete with error 0 under `wasmtime run`, with and without `-S preview2=n`),
//! so a standard guest's `poll()` over a repeated file `pollfd` keeps working.

use std::time::{Duration, Instant};

use fdtable::FdTable;

use crate::{
    abi::host_table,
    ctx::GuestCtx,
    descriptor::{Descriptor, FdEntry, Interest, Readiness},
    errno::{Errno, Fault},
    memory,
    socket::{NetState, Outcome, PollSockets},
    types::{EVENT_SIZE, Rights, SUBSCRIPTION_SIZE},
    wasi::clock,
};

host_table! {
    pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
        poll_oneoff(subs: u32, events: u32, nsubscriptions: u32, nevents: u32) -> errno,
    ];
}

/// While a non-socket fd reports `Pending`, re-check it at least this often.
const PENDING_RECHECK: Duration = Duration::from_millis(5);

/// `subclockflags::subscription_clock_abstime`.
const ABSTIME: u16 = 1;

/// `eventtype` values.
const CLOCK: u8 = 0;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;

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
    /// An event without readiness details.
    fn new(userdata: u64, kind: u8, error: Errno) -> Self {
        Event {
            userdata,
            error,
            kind,
            nbytes: 0,
            hangup: false,
        }
    }

    /// A completed fd subscription.
    fn fd(userdata: u64, interest: Interest, readiness: Readiness) -> Self {
        let mut ev = Event::new(userdata, kind(interest), Errno::Success);
        if let Readiness::Ready { nbytes, hangup } = readiness {
            (ev.nbytes, ev.hangup) = (nbytes, hangup);
        }
        ev
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

fn kind(interest: Interest) -> u8 {
    match interest {
        Interest::Read => FD_READ,
        Interest::Write => FD_WRITE,
    }
}

/// `poll_oneoff`'s buffers, kept in the guest context between calls.
#[derive(Debug, Default)]
pub(crate) struct PollScratch {
    /// Events of the call in progress.
    fired: Vec<Event>,
    /// Clock subscriptions not yet due: (deadline, userdata).
    clocks: Vec<(Instant, u64)>,
    /// Pending non-socket fd subscriptions (the host's stdin): (fd, interest, userdata).
    others: Vec<(u32, Interest, u64)>,
    /// Pending socket subscriptions.
    sockets: PollSockets,
    /// Per subscription of the call: the guest fd (high half) and the registered
    /// socket's poller key and direction (low half, see [`pack`]), or [`SLOW`].
    keys: Vec<u64>,
}

/// A subscription the first phase of [`PollScratch::scan`] leaves to the full path.
const SLOW: u32 = u32::MAX;
/// The direction bit of a packed key (set: write).
const WRITE_BIT: u32 = 1 << 31;

/// A registered socket's key and the subscription's direction in one `u32`; [`SLOW`]
/// for keys too large to pack.
fn pack(key: usize, interest: Interest) -> u32 {
    match u32::try_from(key) {
        Ok(k) if k < WRITE_BIT - 1 => match interest {
            Interest::Read => k,
            Interest::Write => k | WRITE_BIT,
        },
        _ => SLOW,
    }
}

/// Little-endian field readers for one 48-byte subscription (offsets as in
/// [`SUBSCRIPTION_SIZE`]); the chunk length makes every read in range.
fn field<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
    let mut b = [0u8; N];
    if let Some(src) = s.get(at..at + N) {
        b.copy_from_slice(src);
    }
    b
}

/// The one "now" of a `poll_oneoff` call: every relative clock subscription counts from
/// the same `origin` and every absolute one compares against one reading of its clock, so
/// two subscriptions of one call with the same timeout share one deadline however long
/// the scan between them takes (a fresh reading per subscription drifted by it).
#[derive(Debug)]
struct CallNow {
    /// Taken once, when the call starts.
    origin: Instant,
    /// Each WASI clock read at most once per call (ids 0..=3), lazily.
    clocks: [Option<u64>; 4],
}

impl CallNow {
    fn new() -> Self {
        CallNow {
            origin: Instant::now(),
            clocks: [None; 4],
        }
    }

    /// Converts a clock subscription into a host deadline; `None` for an unknown clock id.
    fn deadline(&mut self, id: u32, timeout: u64, flags: u16) -> Option<Instant> {
        // The WASI clock ids are exactly the slots (those `clock::now` knows).
        let slot = self.clocks.get_mut(usize::try_from(id).ok()?)?;
        let wait_ns = if flags & ABSTIME != 0 {
            let now = match *slot {
                Some(now) => now,
                None => *slot.insert(clock::now(id).ok()?),
            };
            timeout.saturating_sub(now)
        } else {
            timeout
        };
        // Saturate far-future deadlines instead of overflowing Instant.
        let wait = Duration::from_nanos(wait_ns).min(Duration::from_secs(1 << 32));
        Some(self.origin + wait)
    }
}

/// Would I/O on a non-socket fd proceed now? Failures become the event's error (a trap
/// inside a readiness check is reported as `EIO`). The caller checked the rights (they
/// cannot change while the call runs).
fn fd_readiness(entry: &mut FdEntry, interest: Interest) -> Result<Readiness, Errno> {
    entry.desc.readiness(interest).map_err(|f| match f {
        Fault::Errno(e) => e,
        Fault::Trap(_) => Errno::Io,
    })
}

impl PollScratch {
    /// Starts a call.
    fn begin(&mut self) {
        self.fired.clear();
        self.clocks.clear();
        self.others.clear();
        self.sockets.begin();
    }

    /// The pass over the subscriptions, in two phases so the memory latency of N fd
    /// lookups overlaps: first a tight loop maps each subscription of a registered
    /// socket to its poller key (reading only the subscription and the fd's entry),
    /// then the keys are answered from the per-key slots and readiness cache, which are
    /// small; everything else (clocks, files, stdio, unregistered sockets, errors, and
    /// sockets an edge says may be ready) takes the full path. A bad tag fails the
    /// whole call (`EINVAL`); what the pass did before is invisible to the guest (the
    /// events are dropped; a socket registered in the poller stays registered, as it
    /// would be by its next poll anyway).
    fn scan(&mut self, cx: &mut GuestCtx, subs: &[u8]) -> Result<(), Errno> {
        self.keys.clear();
        let mut now = CallNow::new();
        for s in subs.chunks_exact(SUBSCRIPTION_SIZE as usize) {
            // The union starts with the clock id or the fd, both u32 @16.
            let fd = u32::from_le_bytes(field(s, 16));
            let packed: u32 = match s.get(8).copied() {
                Some(FD_READ) => cx
                    .fds
                    .poll_key(fd)
                    .map_or(SLOW, |k| pack(k, Interest::Read)),
                Some(FD_WRITE) => cx
                    .fds
                    .poll_key(fd)
                    .map_or(SLOW, |k| pack(k, Interest::Write)),
                Some(CLOCK) => SLOW,
                _ => return Err(Errno::Inval),
            };
            self.keys.push((u64::from(fd) << 32) | u64::from(packed));
        }
        let keys = std::mem::take(&mut self.keys);
        let chunks = subs.chunks_exact(SUBSCRIPTION_SIZE as usize);
        for ((index, s), &both) in (0u32..).zip(chunks).zip(&keys) {
            let (fd, packed) = ((both >> 32) as u32, both as u32);
            if packed != SLOW {
                let (key, interest) = match packed & WRITE_BIT {
                    0 => (packed as usize, Interest::Read),
                    _ => ((packed & !WRITE_BIT) as usize, Interest::Write),
                };
                if self.sockets.idle(&mut cx.net, (fd, key), interest, index) {
                    continue;
                }
            }
            self.full(cx, index, s, &mut now);
        }
        self.keys = keys;
        Ok(())
    }

    /// A subscription the fast phase could not settle (tag already validated).
    fn full(&mut self, cx: &mut GuestCtx, index: u32, s: &[u8], now: &mut CallNow) {
        let id_or_fd = u32::from_le_bytes(field(s, 16));
        match s.get(8).copied() {
            Some(FD_READ) => self.fd(cx, (index, s), id_or_fd, Interest::Read),
            Some(FD_WRITE) => self.fd(cx, (index, s), id_or_fd, Interest::Write),
            Some(CLOCK) => {
                let userdata = u64::from_le_bytes(field(s, 0));
                let timeout = u64::from_le_bytes(field(s, 24));
                let flags = u16::from_le_bytes(field(s, 40));
                match now.deadline(id_or_fd, timeout, flags) {
                    Some(at) if at > now.origin => self.clocks.push((at, userdata)),
                    Some(_) => self.fired.push(Event::new(userdata, CLOCK, Errno::Success)),
                    None => self.fired.push(Event::new(userdata, CLOCK, Errno::Inval)),
                }
            }
            _ => {}
        }
    }

    /// One fd subscription (its index and bytes): one lookup, answered now or
    /// remembered as pending (by index: the userdata is read only for an event).
    #[inline]
    fn fd(&mut self, cx: &mut GuestCtx, sub: (u32, &[u8]), fd: u32, interest: Interest) {
        let (index, bytes) = sub;
        let userdata = || u64::from_le_bytes(field(bytes, 0));
        let fail = |e| Event::new(userdata(), kind(interest), e);
        let Some(entry) = cx.fds.get_mut(fd) else {
            self.fired.push(fail(Errno::Badf));
            return;
        };
        if let Err(e) = entry.check(Rights::POLL_FD_READWRITE) {
            self.fired.push(fail(e));
            return;
        }
        if let Descriptor::Socket(desc) = &mut entry.desc {
            match self
                .sockets
                .subscribe(&mut cx.net, fd, desc, interest, index)
            {
                Outcome::Ready(r) => self.fired.push(Event::fd(userdata(), interest, r)),
                Outcome::Exists => self.fired.push(fail(Errno::Exist)),
                Outcome::Pending => {}
            }
            return;
        }
        match fd_readiness(entry, interest) {
            Ok(Readiness::Pending) => self.others.push((fd, interest, userdata())),
            Ok(r) => self.fired.push(Event::fd(userdata(), interest, r)),
            Err(e) => self.fired.push(fail(e)),
        }
    }

    /// Re-checks the pending non-socket fds; returns whether any fired.
    fn recheck_others(&mut self, cx: &mut GuestCtx) -> bool {
        let before = self.fired.len();
        let fired = &mut self.fired;
        self.others.retain(|&(fd, interest, userdata)| {
            let state = match cx.fds.get_mut(fd) {
                Some(entry) => fd_readiness(entry, interest),
                None => Err(Errno::Badf),
            };
            match state {
                Ok(Readiness::Pending) => true,
                Ok(r) => {
                    fired.push(Event::fd(userdata, interest, r));
                    false
                }
                Err(e) => {
                    fired.push(Event::new(userdata, kind(interest), e));
                    false
                }
            }
        });
        self.fired.len() > before
    }

    /// Fires the clocks that are due; returns the earliest deadline still ahead.
    fn due_clocks(&mut self) -> Option<Instant> {
        let now = Instant::now();
        let fired = &mut self.fired;
        self.clocks.retain(|&(at, userdata)| {
            let due = at <= now;
            if due {
                fired.push(Event::new(userdata, CLOCK, Errno::Success));
            }
            !due
        });
        self.clocks.iter().map(|&(at, _)| at).min()
    }

    /// Waits for the pending sockets up to `timeout`, collecting what fires; false when
    /// no socket is pending.
    fn wait_sockets(
        &mut self,
        (net, fds): (&mut NetState, &FdTable<FdEntry>),
        subs: &[u8],
        t: Option<Duration>,
    ) -> bool {
        let fired = &mut self.fired;
        self.sockets.wait(net, fds, t, &mut |index, interest, r| {
            let at = index as usize * SUBSCRIPTION_SIZE as usize;
            let userdata = u64::from_le_bytes(field(subs, at));
            fired.push(Event::fd(userdata, interest, r));
        })
    }

    /// Blocks until at least one event fired (the pass found none).
    fn wait(&mut self, cx: &mut GuestCtx, subs: &[u8]) {
        if !self.fired.is_empty() {
            self.look(cx, subs);
            return;
        }
        loop {
            let earliest = self.due_clocks();
            if !self.fired.is_empty() || self.recheck_others(cx) {
                self.look(cx, subs);
                return;
            }
            let now = Instant::now();
            let mut timeout = earliest.map(|d| d.saturating_duration_since(now));
            if !self.others.is_empty() {
                timeout = Some(timeout.map_or(PENDING_RECHECK, |t| t.min(PENDING_RECHECK)));
            }
            if !self.wait_sockets((&mut cx.net, &cx.fds), subs, timeout) {
                std::thread::sleep(timeout.unwrap_or(PENDING_RECHECK));
            }
            // A socket wait that fired took every queued edge already: no second look.
            if !self.fired.is_empty() {
                return;
            }
        }
    }

    /// Once something fired: one look, without waiting, at the still-pending sockets.
    fn look(&mut self, cx: &mut GuestCtx, subs: &[u8]) {
        if self.sockets.any_pending() {
            self.wait_sockets((&mut cx.net, &cx.fds), subs, Some(Duration::ZERO));
        }
    }
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
    let subs_len = nsubscriptions
        .checked_mul(SUBSCRIPTION_SIZE)
        .ok_or(Errno::Fault)?;
    let events_len = nsubscriptions.checked_mul(EVENT_SIZE).ok_or(Errno::Fault)?;
    let subs = memory::slice(mem, subs, subs_len)?;
    memory::range(mem.len(), events, events_len)?;
    memory::range(mem.len(), nevents, 4)?;
    let mut p = std::mem::take(&mut cx.poll);
    p.begin();
    if let Err(e) = p.scan(cx, subs) {
        p.fired.clear();
        cx.poll = p;
        return Err(e.into());
    }
    p.wait(cx, subs);
    let n = p.fired.len();
    let written = memory::slice_mut(mem, events, events_len).map(|out| {
        for (ev, slot) in p
            .fired
            .iter()
            .zip(out.chunks_exact_mut(EVENT_SIZE as usize))
        {
            slot.copy_from_slice(&ev.to_bytes());
        }
    });
    cx.poll = p;
    written?;
    memory::write_u32(mem, nevents, n as u32)?;
    Ok(())
}
