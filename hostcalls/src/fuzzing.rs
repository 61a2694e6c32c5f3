//! Read-only views of host state that the fuzz targets (`fuzz/`) assert invariants on
//! (feature `fuzzing`). Nothing here changes behaviour. Host calls themselves need no
//! entry point: the rows of [`crate::abi::hostcalls`] are public and take a plain byte
//! slice as guest memory.

use std::time::Duration;

use fdtable::Fd;
use hostsock::{OptValue, SockOpt};

use crate::{GuestCtx, descriptor::Descriptor};

/// One open fd's kind and rights, read without a host call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdRights {
    /// The guest fd.
    pub fd: Fd,
    /// The descriptor kind (`"file"`, `"dir"`, `"socket"`, ...).
    pub kind: &'static str,
    /// Rights for operations on this fd.
    pub base: u64,
    /// Rights handed to fds opened through this one.
    pub inheriting: u64,
    /// `fdflags`.
    pub flags: u16,
}

/// Every open fd of `cx` with its rights, in ascending fd order.
pub fn fd_rights(cx: &GuestCtx) -> Vec<FdRights> {
    cx.fds()
        .iter()
        .map(|(fd, entry)| FdRights {
            fd,
            kind: entry.kind(),
            base: entry.base.0,
            inheriting: entry.inheriting.0,
            flags: entry.flags,
        })
        .collect()
}

/// The local port of every bound socket, in ascending fd order, so a fuzz
/// plan can connect or send to a socket it bound to port 0.
pub fn local_ports(cx: &GuestCtx) -> Vec<u16> {
    (cx.fds.iter())
        .filter_map(|(_, entry)| match &entry.desc {
            Descriptor::Socket(s) => s.sock.local_addr().ok().map(|a| a.port()),
            _ => None,
        })
        .filter(|&port| port != 0)
        .collect()
}

/// Bounds how long any host call can block on a socket, so a fuzz run cannot
/// hang on a guest-blocking `accept`/`recv`/`send` or a lingering close:
/// every socket's `SO_RCVTIMEO`/`SO_SNDTIMEO` is capped at `max` and a
/// non-zero `SO_LINGER` becomes zero. Socket errors are ignored (the
/// socket is then left as it is).
pub fn bound_socket_waits(cx: &mut GuestCtx, max: Duration) {
    let cap = |v: Option<Duration>| Some(v.map_or(max, |d| d.min(max)));
    let fds: Vec<Fd> = cx.fds.iter().map(|(fd, _)| fd).collect();
    for fd in fds {
        let Some(Descriptor::Socket(s)) = cx.fds.get_mut(fd).map(|e| &mut e.desc) else {
            continue;
        };
        for opt in [SockOpt::RcvTimeo, SockOpt::SndTimeo] {
            if let Ok(OptValue::Timeout(t)) = s.sock.getsockopt(opt) {
                let _ = s.sock.setsockopt(opt, OptValue::Timeout(cap(t)));
            }
        }
        if let Ok(OptValue::Linger(Some(d))) = s.sock.getsockopt(SockOpt::Linger)
            && !d.is_zero()
        {
            let _ = s
                .sock
                .setsockopt(SockOpt::Linger, OptValue::Linger(Some(Duration::ZERO)));
        }
    }
}
