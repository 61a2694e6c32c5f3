//! `--trace`: strace for host calls, engine-neutral (no engine type appears here).
//!
//! Every host call goes through here (from [`HostCall::invoke`]). When tracing is on
//! (the embedder's [`GuestBuilder::trace`](crate::GuestBuilder::trace), or
//! `RUST_LOG=fdvirt::trace=trace`)
//! and the call's family passes the [`TraceFilter`], it is logged on the `tracing` target
//! [`TARGET`] as one line:
//!
//! ```text
//!   0.000412 sock_connect_v2(fd=4, addr=127.0.0.1:5432) = 0 <0.000051>
//!   0.000470 fd_write(fd=1, iovs="hello\n" (6 bytes)) = 0 [nwritten=6] <0.000008>
//!   0.000511 sock_recv_v2(fd=4, ri_data=[1 iovec, 4096 bytes], ri_flags=0) = EAGAIN (6) <0.000004>
//! ```
//!
//! as `strace -r -T` prints: seconds since the guest started, the call with decoded
//! arguments (strings, data written, socket addresses, `poll_oneoff` subscriptions,
//! `getaddrinfo` node/service/hints), the result (`0` or the errno's name), then in
//! brackets every value the call stored through an output pointer (new fds, byte counts,
//! flags, addresses, returned events and resolved addresses), and the time spent.
//!
//! A call that may block (`poll_oneoff`, `epoll_oneoff`, `sock_accept*`, `sock_recv*`,
//! `sock_send*`, `sock_connect*`, `sock_getaddrinfo`, `fd_read`/`fd_write` on a socket or
//! stdin that is not non-blocking) is logged twice, like strace's view of a syscall another
//! thread interrupted: once when it starts, and again when it returns, so a guest hung in
//! one shows the call it is in:
//!
//! ```text
//!   0.001029 poll_oneoff(subs=[{userdata=1, fd_read, fd=3}, {userdata=2, clock MONOTONIC, timeout=30.000000s}] <unfinished ...>
//!  30.001188 <... poll_oneoff resumed>) = 0 [nevents=1, events=[{userdata=2, clock}]] <30.000159>
//! ```

mod decode;
mod filter;
mod net;
mod poll;
#[cfg(test)]
mod tests;

use std::time::Instant;

pub use filter::{Family, TraceFilter, UnknownTraceClass};

use crate::{abi::HostCall, ctx::GuestCtx, errno::Fault};

/// The `tracing` target of every trace line.
pub const TARGET: &str = "fdvirt::trace";

/// Per-guest trace settings, kept in the guest context.
#[derive(Debug, Clone)]
pub struct Tracer {
    /// When the guest started: timestamps are relative to it.
    start: Instant,
    /// Log at INFO (the embedder asked for a trace) rather than TRACE (only `RUST_LOG`).
    loud: bool,
    /// Which calls to log.
    filter: TraceFilter,
}

impl Default for Tracer {
    fn default() -> Self {
        Self::new(false, TraceFilter::all())
    }
}

impl Tracer {
    /// Trace settings; `loud` logs at INFO, else only when `RUST_LOG` enables TRACE.
    pub fn new(loud: bool, filter: TraceFilter) -> Self {
        Self {
            start: Instant::now(),
            loud,
            filter,
        }
    }

    /// Whether `call` is to be logged now.
    fn wants(&self, call: &HostCall) -> bool {
        (self.loud || tracing::enabled!(target: TARGET, tracing::Level::TRACE))
            && self.filter.matches(call.name)
    }

    fn emit(&self, line: &str) {
        if self.loud {
            tracing::info!(target: TARGET, "{line}");
        } else {
            tracing::trace!(target: TARGET, "{line}");
        }
    }
}

/// Runs `call`, logging it as the module docs describe when tracing wants it.
///
/// # Errors
///
/// The call's own [`Fault`].
pub(crate) fn invoke(
    call: &HostCall,
    cx: &mut GuestCtx,
    mem: &mut [u8],
    raw: &[u64],
) -> Result<(), Fault> {
    if !cx.trace.wants(call) {
        return (call.shim)(cx, mem, raw);
    }
    let tracer = cx.trace.clone();
    let blocking = decode::may_block(call, cx, mem, raw);
    let args = decode::inputs(call, mem, raw);
    let began = Instant::now();
    if blocking {
        tracer.emit(&format!(
            "{} {}({args} <unfinished ...>",
            stamp(tracer.start, began),
            call.name
        ));
    }
    let result = (call.shim)(cx, mem, raw);
    let ended = Instant::now();
    let outcome = decode::outcome(call, mem, raw, &result);
    let spent = ended.saturating_duration_since(began).as_secs_f64();
    tracer.emit(&if blocking {
        format!(
            "{} <... {} resumed>) = {outcome} <{spent:.6}>",
            stamp(tracer.start, ended),
            call.name
        )
    } else {
        format!(
            "{} {}({args}) = {outcome} <{spent:.6}>",
            stamp(tracer.start, began),
            call.name
        )
    });
    result
}

/// `name(args) = outcome`: one call's line without timestamp and duration (tests and
/// diagnostics).
pub fn describe(call: &HostCall, mem: &[u8], raw: &[u64], result: &Result<(), Fault>) -> String {
    format!(
        "{}({}) = {}",
        call.name,
        decode::inputs(call, mem, raw),
        decode::outcome(call, mem, raw, result)
    )
}

/// Seconds since `start`, right-aligned like `strace -r`.
fn stamp(start: Instant, at: Instant) -> String {
    format!(
        "{:>11.6}",
        at.saturating_duration_since(start).as_secs_f64()
    )
}
