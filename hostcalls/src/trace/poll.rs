//! `poll_oneoff` / `epoll_oneoff` in a trace line: subscriptions (48 bytes each) and
//! returned events (32 bytes each), laid out as `types.rs` describes.

use std::fmt::Write as _;

use super::decode::{Args, MAX_ITEMS, list, pick};
use crate::{
    errno, memory,
    types::{EVENT_SIZE, SUBSCRIPTION_SIZE},
};

/// A relative clock subscription with timeout 0 makes `poll_oneoff` return at once.
pub(super) fn has_zero_timeout(mem: &[u8], args: &Args<'_>) -> bool {
    let (Some(subs), Some(n)) = (args.get("subs"), args.get("nsubscriptions")) else {
        return false;
    };
    (0..n.min(4096)).any(|i| {
        let at = subs.wrapping_add(i.wrapping_mul(SUBSCRIPTION_SIZE));
        let tag = memory::slice(mem, at.wrapping_add(8), 1).ok().map(|b| b[0]);
        let timeout = memory::read_u64(mem, at.wrapping_add(24)).ok();
        let flags = memory::read_u32(mem, at.wrapping_add(40))
            .ok()
            .map(|f| f & 1);
        tag == Some(0) && timeout == Some(0) && flags == Some(0)
    })
}

/// `[{userdata=1, fd_read, fd=3}, {userdata=2, clock MONOTONIC, timeout=1.000000s}]`.
pub(super) fn subscriptions(mem: &[u8], subs: u32, n: u32) -> String {
    let mut items = Vec::new();
    for i in 0..n.min(MAX_ITEMS as u32) {
        let at = subs.wrapping_add(i.wrapping_mul(SUBSCRIPTION_SIZE));
        items.push(subscription(mem, at).unwrap_or_else(|| "?".to_owned()));
    }
    list(items, n)
}

fn subscription(mem: &[u8], at: u32) -> Option<String> {
    let userdata = memory::read_u64(mem, at).ok()?;
    let tag = memory::slice(mem, at.wrapping_add(8), 1).ok()?[0];
    let u = at.wrapping_add(16);
    Some(match tag {
        0 => {
            let id = memory::read_u32(mem, u).ok()?;
            let timeout = memory::read_u64(mem, u.wrapping_add(8)).ok()?;
            let flags = memory::read_u32(mem, u.wrapping_add(24)).ok()? & 0xffff;
            let clock = pick(
                id,
                &["REALTIME", "MONOTONIC", "PROCESS_CPUTIME", "THREAD_CPUTIME"],
            );
            let kind = if flags & 1 != 0 {
                "deadline"
            } else {
                "timeout"
            };
            let secs = timeout as f64 / 1e9;
            format!("{{userdata={userdata}, clock {clock}, {kind}={secs:.6}s}}")
        }
        1 | 2 => {
            let fd = memory::read_u32(mem, u).ok()?;
            let kind = if tag == 1 { "fd_read" } else { "fd_write" };
            format!("{{userdata={userdata}, {kind}, fd={fd}}}")
        }
        other => format!("{{userdata={userdata}, tag={other}}}"),
    })
}

/// `[{userdata=1, fd_read, nbytes=5}, {userdata=2, clock}]` for the events written.
pub(super) fn events(mem: &[u8], at: u32, n: u32) -> String {
    let mut items = Vec::new();
    for i in 0..n.min(MAX_ITEMS as u32) {
        let e = at.wrapping_add(i.wrapping_mul(EVENT_SIZE));
        items.push(event(mem, e).unwrap_or_else(|| "?".to_owned()));
    }
    list(items, n)
}

fn event(mem: &[u8], at: u32) -> Option<String> {
    let userdata = memory::read_u64(mem, at).ok()?;
    let head = memory::slice(mem, at.wrapping_add(8), 3).ok()?;
    let error = u16::from_le_bytes([head[0], head[1]]);
    let mut s = format!("{{userdata={userdata}, ");
    match head[2] {
        0 => s.push_str("clock"),
        t @ (1 | 2) => {
            let nbytes = memory::read_u64(mem, at.wrapping_add(16)).ok()?;
            let flags = memory::read_u32(mem, at.wrapping_add(24)).ok()? & 0xffff;
            let kind = if t == 1 { "fd_read" } else { "fd_write" };
            let _ = write!(s, "{kind}, nbytes={nbytes}");
            if flags & 1 != 0 {
                s.push_str(", HANGUP");
            }
        }
        t => {
            let _ = write!(s, "type={t}");
        }
    }
    if error != 0 {
        let name = errno::Errno::from_u16(error)
            .map_or_else(|| error.to_string(), |e| format!("E{}", e.name()));
        let _ = write!(s, ", error={name}");
    }
    s.push('}');
    Some(s)
}
