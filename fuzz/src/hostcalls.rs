//! `hostcalls`: a live guest context (stdio, a preopened sandbox directory,
//! sockets under a loopback-only policy), a guest memory image from the
//! input, and an arbitrary sequence of host calls with arbitrary arguments.
//!
//! Calls go straight to the rows of `runtime_glue::abi::hostcalls()` — every
//! `wasi_snapshot_preview1` function fdvirt defines, WasmEdge socket calls
//! included — exactly as the linker dispatches them, without an engine.
//! Arguments are chosen per row from [`Arg`]: an open fd (index modulo the
//! open count), a pointer into or at the end of memory, a small number, or
//! any value. `Poke`/`PutPath`/`PutIovec`/`PutSubs` steps write bytes, path
//! strings, iovecs and `poll_oneoff` subscriptions (naming open fds, so
//! sockets subscribed twice, unix sockets and closed fds come up) into
//! memory between calls.
//!
//! Bits of the `quarantine` byte choose two options without changing the
//! layout of older inputs: bit 7 allows AF_UNIX sockets
//! (`UnixSockets::Allow`; otherwise `sock_open(3, ..)` is `ENOSYS`), bit 6
//! adds a second preopen, the sandbox's `root/d` under the relative name
//! `.` (relative unix paths resolve there; fds after 3 shift by one).

use std::time::Duration;

/// Option bit of the `quarantine` byte: AF_UNIX sockets allowed.
pub const HOSTCALL_ALLOW_UNIX: u8 = 0x80;
/// Option bit of the `quarantine` byte: the sandbox's `root/d` is also
/// preopened as `.` (fds after 3 shift by one).
pub const HOSTCALL_DOT_PREOPEN: u8 = 0x40;

use arbitrary::{Arbitrary, Unstructured};
use fdtable::FdPolicy;
use hostsock::{NetUse, NetworkPolicy};
use runtime_glue::{
    GuestBuilder, GuestCtx, NetConfig, SharedBuffer, Stdio, UnixSockets, abi,
    fuzzing::{FdRights, bound_socket_waits, fd_rights},
};

use crate::{
    guest_args::{self, Arg},
    hostcall_checks::{After, check_call},
    sandbox::{self, Sandbox},
};

/// Host calls run per input at most.
const MAX_CALLS: usize = 64;
/// One wasm page.
const PAGE: usize = 65536;
/// Subscription record size (`poll_oneoff`).
const SUB_SIZE: usize = 48;
/// The longest a socket call may block (guest-blocking sockets get this as
/// their receive/send timeout before every call).
const MAX_BLOCK: Duration = Duration::from_millis(2);

#[derive(Debug, Arbitrary)]
enum PolicyChoice {
    Lowest,
    Capped(u8),
    Random,
}

/// Guest memory size: mostly one page, sometimes none or a few bytes (to
/// probe bounds at the end of memory).
#[derive(Debug)]
enum MemSize {
    Page,
    Empty,
    Small(u16),
}

impl<'a> Arbitrary<'a> for MemSize {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=223 => MemSize::Page,
            224..=239 => MemSize::Empty,
            _ => MemSize::Small(u16::arbitrary(u)?),
        })
    }
}

#[derive(Debug, Arbitrary)]
struct Setup {
    policy: PolicyChoice,
    seed: u64,
    quarantine: u8,
    max_fds: u8,
    mem: MemSize,
    stdin: Vec<u8>,
    image: Vec<u8>,
}

/// One plan step; decoded with three in four steps being calls.
#[derive(Debug)]
enum Step {
    /// Call row `row % rows` with these arguments (missing ones are 0).
    Call { row: u8, args: Vec<Arg> },
    /// Write bytes into memory.
    Poke { at: u16, bytes: Vec<u8> },
    /// Write `STRINGS[which % len]` into memory.
    PutPath { at: u16, which: u8 },
    /// Write one iovec `{buf, len}` at `at`.
    PutIovec { at: u16, buf: u16, len: u16 },
    /// Write `poll_oneoff` subscription records at `at`.
    PutSubs { at: u16, subs: Vec<Sub> },
}

/// One subscription record for [`Step::PutSubs`].
#[derive(Debug, Arbitrary)]
pub(crate) struct Sub {
    /// `tag % 3`: clock, fd_read, fd_write.
    pub(crate) tag: u8,
    /// The open fd at `fd % (count + 1)`; past the end, `fd` itself (most
    /// likely not open: `EBADF` in the event).
    pub(crate) fd: u8,
    /// Userdata; for a clock, its timeout in µs (capped by `tame_poll`).
    pub(crate) userdata: u8,
}

impl<'a> Arbitrary<'a> for Step {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u8::arbitrary(u)? {
            0..=191 => Step::Call {
                row: u.arbitrary()?,
                args: u.arbitrary()?,
            },
            192..=223 => Step::Poke {
                at: u.arbitrary()?,
                bytes: u.arbitrary()?,
            },
            224..=239 => Step::PutPath {
                at: u.arbitrary()?,
                which: u.arbitrary()?,
            },
            240..=247 => Step::PutIovec {
                at: u.arbitrary()?,
                buf: u.arbitrary()?,
                len: u.arbitrary()?,
            },
            _ => Step::PutSubs {
                at: u.arbitrary()?,
                subs: u.arbitrary()?,
            },
        })
    }
}

/// The fuzz body.
///
/// # Panics
/// On a panic in a host call, an invalid errno, a host trap, a broken fd
/// table or rights invariant (see `hostcall_checks`), a host fd leaked after
/// the context is dropped, or a change outside the sandbox.
pub fn hostcalls(data: &[u8]) {
    run_plan(data, &mut |_, _| {});
}

/// [`hostcalls`], reporting each call's name and errno to `seen` (for
/// coverage summaries: which calls ran, which succeeded).
///
/// # Panics
/// As [`hostcalls`].
pub fn hostcalls_observed(data: &[u8], seen: &mut dyn FnMut(&'static str, Option<i32>)) {
    run_plan(data, seen);
}

fn run_plan(data: &[u8], seen: &mut dyn FnMut(&'static str, Option<i32>)) {
    let mut u = Unstructured::new(data);
    let Ok(setup) = Setup::arbitrary(&mut u) else {
        return;
    };
    let before = sandbox::open_fd_count();
    let stray = sandbox::Strays::before();
    let Ok(sandbox) = Sandbox::new() else {
        return;
    };
    let outside = sandbox.outside_socket_path();
    let Some(mut cx) = build_ctx(&setup, &sandbox) else {
        return;
    };
    let mut mem = memory(&setup);
    let rows: Vec<&'static abi::HostCall> = abi::hostcalls().collect();
    let mut run = Run {
        cx: &mut cx,
        mem: &mut mem,
        rows: &rows,
        outside: &outside,
    };
    for _ in 0..MAX_CALLS {
        // Exhausted input would decode as zero-filled calls of row 0.
        if u.is_empty() {
            break;
        }
        let Ok(step) = Step::arbitrary(&mut u) else {
            break;
        };
        if !run.step(step, seen) {
            break;
        }
    }
    drop(cx);
    sandbox.assert_untouched_outside();
    stray.assert_none_created();
    drop(sandbox);
    assert_eq!(sandbox::open_fd_count(), before, "host fds leaked");
}

fn build_ctx(setup: &Setup, sandbox: &Sandbox) -> Option<GuestCtx> {
    let policy = match setup.policy {
        PolicyChoice::Lowest => FdPolicy::lowest(),
        PolicyChoice::Capped(cap) => FdPolicy::capped(u32::from(cap).max(8)),
        PolicyChoice::Random => FdPolicy::random(),
    };
    let policy = policy
        .with_seed(setup.seed)
        .with_quarantine(u32::from(setup.quarantine % 4));
    let builder = GuestBuilder::new()
        .args(["guest.wasm", "--flag", "é"])
        .env("HOME", "/sandbox")
        .fd_policy(policy)
        .max_fds(usize::from(setup.max_fds % 60) + 5)
        .stdin(Stdio::Bytes(setup.stdin.clone()))
        .stdout(Stdio::Capture(SharedBuffer::new()))
        .stderr(Stdio::Null)
        .network(loopback_only())
        .unix_sockets(if setup.quarantine & HOSTCALL_ALLOW_UNIX != 0 {
            UnixSockets::Allow
        } else {
            UnixSockets::Deny
        })
        .preopen_dir(sandbox.root(), "/sandbox")
        .ok()?;
    let builder = if setup.quarantine & HOSTCALL_DOT_PREOPEN != 0 {
        builder.preopen_dir(sandbox.root().join("d"), ".").ok()?
    } else {
        builder
    };
    builder.build_ctx().ok()
}

/// Bind, connect and lookup limited to 127.0.0.0/8 and ::1.
fn loopback_only() -> NetConfig {
    let mut policy = NetworkPolicy::deny_all();
    for grant in ["127.0.0.0/8:*", "[::1]:*"] {
        if let Ok(grant) = grant.parse() {
            for use_ in [NetUse::Bind, NetUse::Connect, NetUse::Lookup] {
                policy.insert(use_, grant);
            }
        }
    }
    NetConfig {
        policy,
        ..NetConfig::default()
    }
}

fn memory(setup: &Setup) -> Vec<u8> {
    let len = match setup.mem {
        MemSize::Page => PAGE,
        MemSize::Empty => 0,
        MemSize::Small(n) => usize::from(n),
    };
    let mut mem = vec![0u8; len];
    let n = setup.image.len().min(len);
    mem[..n].copy_from_slice(&setup.image[..n]);
    mem
}

/// What a step works on.
struct Run<'r> {
    cx: &'r mut GuestCtx,
    mem: &'r mut [u8],
    rows: &'r [&'static abi::HostCall],
    /// The harness's extra AF_UNIX path (a host path outside the sandbox).
    outside: &'r [u8],
}

impl Run<'_> {
    /// Runs one step; `false` once the guest has exited.
    fn step(&mut self, step: Step, seen: &mut dyn FnMut(&'static str, Option<i32>)) -> bool {
        let mem = &mut *self.mem;
        match step {
            Step::Poke { at, bytes } => write(mem, usize::from(at), &bytes),
            Step::PutPath { at, which } => {
                let path = guest_args::STRINGS[usize::from(which) % guest_args::STRINGS.len()];
                write(mem, usize::from(at), path);
            }
            Step::PutIovec { at, buf, len } => {
                let mut iov = [0u8; 8];
                iov[..4].copy_from_slice(&u32::from(buf).to_le_bytes());
                iov[4..].copy_from_slice(&u32::from(len).to_le_bytes());
                write(mem, usize::from(at), &iov);
            }
            Step::PutSubs { at, subs } => put_subs(self.cx, mem, usize::from(at), &subs),
            Step::Call { row, args } => return self.call(row, &args, seen),
        }
        true
    }

    /// Calls row `row % rows`; `false` once the guest has exited.
    fn call(
        &mut self,
        row: u8,
        args: &[Arg],
        seen: &mut dyn FnMut(&'static str, Option<i32>),
    ) -> bool {
        let Some(&hc) = self.rows.get(usize::from(row) % self.rows.len().max(1)) else {
            return true;
        };
        let (cx, mem) = (&mut *self.cx, &mut *self.mem);
        let raw = guest_args::resolve_args(cx, mem, hc, args, self.outside);
        let rights = fd_rights(cx);
        let poll_subs = matches!(hc.name, "poll_oneoff" | "epoll_oneoff").then(|| {
            tame_poll(mem, &raw, &rights);
            subscription_keys(mem, &raw)
        });
        if hc.name == "sock_getaddrinfo" && !offline_lookup(mem, &raw) {
            return true;
        }
        bound_socket_waits(cx, MAX_BLOCK);
        let result = hc.invoke(cx, mem, &raw);
        seen(hc.name, abi::errno_value(&result));
        let after = After {
            cx,
            mem,
            before: &rights,
            poll_subs,
        };
        check_call(hc, &raw, &result, &after)
    }
}

/// Writes `subs` as 48-byte subscription records at `at` (those that fit).
pub(crate) fn put_subs(cx: &GuestCtx, mem: &mut [u8], at: usize, subs: &[Sub]) {
    let open: Vec<u32> = cx.fds().iter().map(|(fd, _)| fd).collect();
    for (i, sub) in subs.iter().enumerate() {
        let mut rec = [0u8; SUB_SIZE];
        rec[..8].copy_from_slice(&u64::from(sub.userdata).to_le_bytes());
        rec[8] = sub.tag % 3;
        if rec[8] == 0 {
            rec[16..20].copy_from_slice(&1u32.to_le_bytes()); // CLOCK_MONOTONIC
            let timeout = u64::from(sub.userdata) * 1000;
            rec[24..32].copy_from_slice(&timeout.to_le_bytes());
        } else {
            let k = usize::from(sub.fd) % (open.len() + 1);
            let fd = open.get(k).copied().unwrap_or(u32::from(sub.fd));
            rec[16..20].copy_from_slice(&fd.to_le_bytes());
        }
        write(mem, at + i * SUB_SIZE, &rec);
    }
}

/// Writes as much of `bytes` at `at` as fits.
fn write(mem: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(dst) = mem.get_mut(at..) {
        let n = dst.len().min(bytes.len());
        dst[..n].copy_from_slice(&bytes[..n]);
    }
}

/// The subscription records of a `poll_oneoff` call that lie in memory.
fn subscriptions<'m>(mem: &'m mut [u8], raw: &[u64]) -> Vec<&'m mut [u8]> {
    let (Some(&subs), Some(&n)) = (raw.first(), raw.get(2)) else {
        return Vec::new();
    };
    let (Ok(subs), Ok(n)) = (usize::try_from(subs), usize::try_from(n)) else {
        return Vec::new();
    };
    let n = n.min(mem.len() / SUB_SIZE);
    let Some(tail) = mem.get_mut(subs..) else {
        return Vec::new();
    };
    tail.chunks_exact_mut(SUB_SIZE).take(n).collect()
}

/// `(userdata, tag)` of each subscription of a poll call (none when the
/// records do not all lie in memory: the call then fails with `EFAULT`).
fn subscription_keys(mem: &mut [u8], raw: &[u64]) -> Vec<(u64, u8)> {
    let n = raw.get(2).map_or(0, |&n| n as usize);
    let subs = subscriptions(mem, raw);
    if subs.len() < n {
        return Vec::new();
    }
    subs.iter()
        .map(|s| {
            (
                u64::from_le_bytes(s[..8].try_into().unwrap_or([0; 8])),
                s[8],
            )
        })
        .collect()
}

/// Keeps a `poll_oneoff` (or WasmEdge `epoll_oneoff`) call from sleeping: every clock subscription is
/// capped at 1 ms (relative), and a call that waits only on fds, one of them
/// a socket (which may never become ready), gets its last subscription
/// turned into such a clock.
pub(crate) fn tame_poll(mem: &mut [u8], raw: &[u64], fds: &[FdRights]) {
    let mut subs = subscriptions(mem, raw);
    let is_socket = |sub: &[u8]| {
        let fd = u32::from_le_bytes([sub[16], sub[17], sub[18], sub[19]]);
        fds.iter().any(|r| r.fd == fd && r.kind == "socket")
    };
    let has_clock = subs.iter().any(|s| s[8] == 0);
    let waits_on_socket = subs.iter().any(|s| matches!(s[8], 1 | 2) && is_socket(s));
    if !has_clock
        && waits_on_socket
        && let Some(last) = subs.last_mut()
    {
        last[8] = 0;
        last[16..20].copy_from_slice(&1u32.to_le_bytes()); // CLOCK_MONOTONIC
    }
    for sub in subs.iter_mut().filter(|s| s[8] == 0) {
        let timeout = u64::from_le_bytes(sub[24..32].try_into().unwrap_or([0; 8]));
        sub[24..32].copy_from_slice(&(timeout % 1_000_000).to_le_bytes());
        sub[40] &= !1; // relative, not absolute
    }
}

/// Whether a `sock_getaddrinfo` call's node is empty, `localhost` or an IP
/// literal, so it resolves without DNS (the fuzzer must not reach the
/// network or wait for resolver timeouts).
pub(crate) fn offline_lookup(mem: &[u8], raw: &[u64]) -> bool {
    let (Some(&ptr), Some(&len)) = (raw.first(), raw.get(1)) else {
        return true;
    };
    let Ok(ptr) = usize::try_from(ptr) else {
        return true;
    };
    let Some(node) = ptr
        .checked_add(len as usize)
        .and_then(|end| mem.get(ptr..end))
    else {
        return true; // EFAULT before any lookup
    };
    let node = String::from_utf8_lossy(node);
    let node = node.trim_end_matches('\0');
    node.is_empty()
        || node == "localhost"
        || node
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok()
}
