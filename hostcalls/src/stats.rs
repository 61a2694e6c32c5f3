//! Host/guest time split (`fdvirt run --stats`): where a server guest's time goes.
//!
//! Each host call's CPU time (the thread's, so a `poll_oneoff` blocked in `epoll_wait`
//! counts only its work) is measured by the engine adapter; once a second (servers rarely
//! exit) one line goes to target `fdvirt::stats`: `poll_oneoff` calls, their mean
//! subscription count, the host's CPU time per call, the guest's CPU time per call (the
//! thread's CPU time outside host calls, divided by the `poll_oneoff` calls: the guest's
//! work per event-loop turn), the other host calls' share, and the idle share. Off by
//! default: a run without `--stats` pays one branch per host call; with it, two
//! `clock_gettime` calls per host call.

use std::time::{Duration, Instant};

/// How often a line is logged.
const WINDOW: Duration = Duration::from_secs(1);

/// Counters of the current window.
#[derive(Debug, Clone)]
pub(crate) struct HostStats {
    start: Instant,
    polls: u64,
    poll_subs: u64,
    poll_host: Duration,
    cpu_start: Duration,
    others: u64,
    other_host: Duration,
}

impl Default for HostStats {
    fn default() -> Self {
        HostStats {
            start: Instant::now(),
            cpu_start: thread_cpu(),
            polls: 0,
            poll_subs: 0,
            poll_host: Duration::ZERO,
            others: 0,
            other_host: Duration::ZERO,
        }
    }
}

/// This thread's CPU time so far.
pub(crate) fn thread_cpu() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

impl HostStats {
    /// Records one host call (`subs` is `poll_oneoff`'s `nsubscriptions`), logging and
    /// starting a new window once [`WINDOW`] has passed.
    pub(crate) fn record(&mut self, name: &str, args: &[u64], took: Duration) {
        if name == "poll_oneoff" {
            self.polls += 1;
            self.poll_subs += args.get(2).copied().unwrap_or(0);
            self.poll_host += took;
        } else {
            self.others += 1;
            self.other_host += took;
        }
        let wall = self.start.elapsed();
        if wall >= WINDOW {
            self.log(wall);
            *self = HostStats::default();
        }
    }

    fn log(&self, wall: Duration) {
        let us = |d: Duration, n: u64| d.as_secs_f64() * 1e6 / n.max(1) as f64;
        let cpu = thread_cpu().saturating_sub(self.cpu_start);
        let guest = cpu.saturating_sub(self.poll_host + self.other_host);
        let share = |d: Duration| 100.0 * d.as_secs_f64() / wall.as_secs_f64();
        tracing::info!(
            target: "fdvirt::stats",
            "fdvirt stats {:.2} s: poll_oneoff {} calls, {:.0} subs/call, host {:.2} µs/call \
             ({:.0}% of wall); guest {:.2} µs per poll_oneoff ({:.0}%); other host calls {} \
             ({:.0}%); idle {:.0}%",
            wall.as_secs_f64(),
            self.polls,
            self.poll_subs as f64 / self.polls.max(1) as f64,
            us(self.poll_host, self.polls),
            share(self.poll_host),
            us(guest, self.polls),
            share(guest),
            self.others,
            share(self.other_host),
            share(wall.saturating_sub(cpu)),
        );
    }
}
