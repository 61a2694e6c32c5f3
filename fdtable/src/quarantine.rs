//! [`Quarantine`]: delayed reuse of closed fds, counted in allocations.
//!
//! A use-after-close bug — a guest keeps using fd 5 after closing it, and
//! the next `open` hands out 5 again — silently aliases two files. WASI
//! recommends random fds against it; the quarantine gives the same
//! protection deterministically: a closed fd waits in a FIFO ring until `N`
//! further allocations have happened. Time is counted in allocations, not
//! wall time, so a run is reproducible.

use std::collections::VecDeque;

use crate::Fd;

/// FIFO of closed fds with the allocation tick at which each closed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Quarantine {
    /// Allocations a closed fd waits; 0 disables the quarantine.
    delay: u32,
    /// Allocations so far (the clock).
    allocs: u64,
    /// Closed fds in closing order; ticks never decrease, so the front is
    /// always the next to leave.
    queue: VecDeque<(Fd, u64)>,
}

impl Quarantine {
    pub(crate) fn new(delay: u32) -> Self {
        Self {
            delay,
            ..Self::default()
        }
    }

    /// Whether closed fds are held back at all.
    pub(crate) fn enabled(&self) -> bool {
        self.delay != 0
    }

    /// The tick to store in the slot of an fd closed now, or `None` when
    /// the quarantine is off. Truncated: pending ticks differ by less than
    /// `delay` <= `u32::MAX`, so equality still identifies an entry.
    #[inline]
    pub(crate) fn now(&self) -> Option<u32> {
        self.enabled().then_some(self.allocs as u32)
    }

    /// Records that `fd` closed now (at tick [`now`](Self::now)).
    pub(crate) fn close(&mut self, fd: Fd) {
        self.queue.push_back((fd, self.allocs));
    }

    /// Closed fds waiting (entries whose fd was since reused included).
    pub(crate) fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Counts one allocation.
    pub(crate) fn tick(&mut self) {
        self.allocs += 1;
    }

    /// Pops the oldest entry if it has waited `delay` allocations; the
    /// caller frees the fd if its slot still holds the returned tick.
    pub(crate) fn pop_due(&mut self) -> Option<(Fd, u32)> {
        let &(fd, closed) = self.queue.front()?;
        if self.allocs - closed < u64::from(self.delay) {
            return None;
        }
        self.queue.pop_front();
        Some((fd, closed as u32))
    }
}
