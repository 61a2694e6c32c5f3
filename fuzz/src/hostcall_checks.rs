//! What `hostcalls` asserts after every host call.
//!
//! - The result is success or a WASI errno `1..=76`; WasmEdge's resolver
//!   errors `77..=87` only from `sock_getaddrinfo`. Only `proc_exit` may
//!   stop the guest; a host trap (`Trap::Host`) is always a bug.
//! - The fd table is consistent: `len()` equals the iterated count, fds are
//!   ascending and inside the policy's range, and no more are open than the
//!   limit allows (stdio and the preopen were placed under it).
//! - Rights never grow: an fd open before and after a call keeps a subset of
//!   its rights, except the destination of a successful `fd_renumber`, which
//!   carries exactly the source's rights. A new fd from `path_open` holds no
//!   right its directory could not hand down.
//! - A successful `fd_close` closed the fd; a successful `fd_renumber`
//!   moved it; a successful call returning a new fd wrote an open fd.
//! - A successful `poll_oneoff`/`epoll_oneoff` reported between 1 and
//!   `nsubscriptions` events, each answering a distinct subscription (same
//!   userdata and type as one taken before the call) with a valid errno.

use runtime_glue::{
    GuestCtx,
    abi::HostCall,
    errno::{Fault, Trap, code},
    fuzzing::{FdRights, fd_rights},
};

/// The largest standard WASI errno (`ENOTCAPABLE`).
const MAX_WASI_ERRNO: u16 = 76;
/// The largest WasmEdge `getaddrinfo` error (`EAI_*` mapped above 76).
const MAX_WASMEDGE_ERRNO: u16 = 87;

/// State after a call, and the rights snapshot from before it.
#[derive(Debug)]
pub(crate) struct After<'a> {
    /// The context after the call.
    pub(crate) cx: &'a GuestCtx,
    /// Guest memory after the call.
    pub(crate) mem: &'a [u8],
    /// `fd_rights` taken just before the call.
    pub(crate) before: &'a [FdRights],
    /// For a poll: each subscription's `(userdata, tag)` read just before
    /// the call.
    pub(crate) poll_subs: Option<Vec<(u64, u8)>>,
}

/// Checks one call's result and the state after it; returns `false` when
/// the guest exited (the plan stops, as a real guest would).
///
/// # Panics
/// When a property in the module docs fails.
pub(crate) fn check_call(
    hc: &HostCall,
    raw: &[u64],
    result: &Result<(), Fault>,
    after: &After<'_>,
) -> bool {
    let errno = match result {
        Ok(()) => 0,
        Err(Fault::Errno(e)) => code(*e),
        Err(Fault::Trap(Trap::Exit(_))) if hc.name == "proc_exit" => return false,
        Err(Fault::Trap(t)) => panic!("{}({raw:?}) trapped: {t}", hc.name),
        Err(other) => panic!("{}({raw:?}) failed with {other:?}", hc.name),
    };
    let max = if hc.name == "sock_getaddrinfo" {
        MAX_WASMEDGE_ERRNO
    } else {
        MAX_WASI_ERRNO
    };
    assert!(errno <= max, "{}({raw:?}) returned errno {errno}", hc.name);
    check_table(after.cx);
    let now = fd_rights(after.cx);
    check_rights(hc, raw, errno == 0, after.before, &now);
    if errno == 0 {
        check_success(hc, raw, after, &now);
        if let Some(subs) = &after.poll_subs {
            check_poll_events(hc.name, raw, after.mem, subs);
        }
    }
    true
}

/// Bytes of one `event` record.
const EVENT_SIZE: usize = 32;

/// A successful poll's events: at least one, at most one per subscription,
/// each matching an unused subscription's userdata and type.
pub(crate) fn check_poll_events(name: &str, raw: &[u64], mem: &[u8], subs: &[(u64, u8)]) {
    let read = |at: u64, n: usize| -> Option<&[u8]> {
        let at = usize::try_from(at).ok()?;
        mem.get(at..at.checked_add(n)?)
    };
    // Output regions may overlap (then one overwrites the other): not checked.
    let (events, nevents) = (raw.get(1).copied(), raw.get(3).copied());
    if let (Some(e), Some(n)) = (events, nevents)
        && n < e + (subs.len() * EVENT_SIZE) as u64
        && e < n + 4
    {
        return;
    }
    let Some(count) = nevents.and_then(|p| read(p, 4)) else {
        panic!("{name}({raw:?}) succeeded without a readable nevents");
    };
    let count = u32::from_le_bytes(count.try_into().unwrap_or([0; 4])) as usize;
    assert!(
        (1..=subs.len()).contains(&count),
        "{name}({raw:?}) reported {count} events for {} subscriptions",
        subs.len()
    );
    let mut unused = subs.to_vec();
    for i in 0..count {
        let at = raw.get(1).map_or(0, |&e| e + (i * EVENT_SIZE) as u64);
        let Some(ev) = read(at, EVENT_SIZE) else {
            panic!("{name}({raw:?}): event {i} outside memory");
        };
        let userdata = u64::from_le_bytes(ev[..8].try_into().unwrap_or([0; 8]));
        let error = u16::from_le_bytes([ev[8], ev[9]]);
        assert!(error <= MAX_WASI_ERRNO, "{name}: event errno {error}");
        let Some(k) = unused.iter().position(|&s| s == (userdata, ev[10])) else {
            panic!(
                "{name}({raw:?}): event {i} ({userdata}, type {}) answers no subscription of {subs:?}",
                ev[10]
            );
        };
        unused.swap_remove(k);
    }
}

fn check_table(cx: &GuestCtx) {
    let fds = cx.fds();
    let listed: Vec<u32> = fds.iter().map(|(fd, _)| fd).collect();
    assert_eq!(
        listed.len(),
        fds.len(),
        "fd table len() differs from iteration"
    );
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "fds not ascending");
    let end = fds.policy().end();
    assert!(
        listed.iter().all(|&fd| fd < end),
        "fd beyond the policy's end"
    );
    assert!(fds.len() <= fds.limit(), "more fds open than the limit");
}

/// Rights of `fd` in a snapshot.
fn find(snapshot: &[FdRights], fd: u32) -> Option<&FdRights> {
    snapshot.iter().find(|r| r.fd == fd)
}

fn subset(small: u64, big: u64) -> bool {
    small & !big == 0
}

pub(crate) fn check_rights(
    hc: &HostCall,
    raw: &[u64],
    ok: bool,
    before: &[FdRights],
    now: &[FdRights],
) {
    let renumber_to = (hc.name == "fd_renumber" && ok).then(|| raw.get(1).copied());
    for r in now {
        let Some(old) = find(before, r.fd) else {
            continue;
        };
        if renumber_to == Some(Some(u64::from(r.fd))) {
            let from = raw.first().and_then(|&f| find(before, f as u32));
            let want = from.map(|f| (f.base, f.inheriting));
            assert_eq!(
                Some((r.base, r.inheriting)),
                want,
                "fd_renumber changed rights"
            );
            continue;
        }
        assert_eq!(
            old.kind, r.kind,
            "{}({raw:?}) changed fd {}'s kind",
            hc.name, r.fd
        );
        assert!(
            subset(r.base, old.base) && subset(r.inheriting, old.inheriting),
            "{}({raw:?}) grew the rights of fd {}: {old:?} -> {r:?}",
            hc.name,
            r.fd
        );
    }
}

/// The fd a successful call wrote at its result pointer, if it returns one.
fn new_fd(hc: &HostCall, raw: &[u64], mem: &[u8]) -> Option<u32> {
    let last = *hc.param_names.last()?;
    if last != "opened_fd" && last != "ro_fd_p" {
        return None;
    }
    let ptr = usize::try_from(*raw.get(hc.param_names.len() - 1)?).ok()?;
    let bytes = mem.get(ptr..ptr.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

fn check_success(hc: &HostCall, raw: &[u64], after: &After<'_>, now: &[FdRights]) {
    let arg_fd = |i: usize| raw.get(i).map(|&v| v as u32);
    let fds = after.cx.fds();
    match hc.name {
        "fd_close" => {
            let fd = arg_fd(0).unwrap_or(u32::MAX);
            assert!(!fds.contains(fd), "fd_close({fd}) succeeded but it is open");
        }
        "fd_renumber" => {
            let (from, to) = (arg_fd(0).unwrap_or(0), arg_fd(1).unwrap_or(0));
            assert!(fds.contains(to), "fd_renumber({from}, {to}): {to} not open");
            assert!(
                from == to || !fds.contains(from),
                "fd_renumber left {from} open"
            );
        }
        _ => {}
    }
    let Some(fd) = new_fd(hc, raw, after.mem) else {
        return;
    };
    let opened = find(now, fd);
    assert!(
        opened.is_some(),
        "{}({raw:?}) returned fd {fd}, not open",
        hc.name
    );
    if hc.name == "path_open"
        && let (Some(new), Some(dir)) = (opened, arg_fd(0).and_then(|d| find(after.before, d)))
    {
        assert!(
            subset(new.base, dir.inheriting) && subset(new.inheriting, dir.inheriting),
            "path_open gave fd {fd} rights {new:?} beyond its directory's {dir:?}"
        );
    }
}
