//! How many fds the host lets a guest hold: `RLIMIT_NOFILE`, less what the host side
//! itself needs.
//!
//! Every guest fd beyond stdio is one host fd (a socket, a file, a preopened directory;
//! the poller registers a socket's own fd, no duplicate), and the guest's fds 0-2 are the
//! process's own stdio. So a guest can hold as many fds as the process may open, less
//! the fds the host keeps for itself: the poller's epoll fd, the fds a name lookup opens
//! for a moment (a socket, `/etc/hosts`, `/etc/resolv.conf`), the module file while it
//! is read, and some slack for the embedding ([`HOST_FD_RESERVE`] in all). A guest held
//! to that limit gets `EMFILE` from its own fd table, cleanly and before the host runs
//! out, the way a native process does at its `RLIMIT_NOFILE`.

use std::io;

use rlimit::Resource;

/// Host fds kept back from the guest's share of `RLIMIT_NOFILE`: the poller, a name
/// lookup's sockets and files, the module file, and slack for the embedding.
pub const HOST_FD_RESERVE: u64 = 32;

/// The process's `RLIMIT_NOFILE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NofileLimit {
    /// The soft limit: how many fds the process may have open now.
    pub soft: u64,
    /// The hard limit: how far the process may raise `soft`.
    pub hard: u64,
}

impl NofileLimit {
    /// The current limit.
    ///
    /// # Errors
    /// The host error from `getrlimit`.
    pub fn current() -> io::Result<NofileLimit> {
        let (soft, hard) = Resource::NOFILE.get()?;
        Ok(NofileLimit { soft, hard })
    }

    /// Raises the soft limit to the hard one (on macOS also to `kern.maxfilesperproc`),
    /// as a server that expects many connections does at startup, and returns the new
    /// limit. A process-wide change: the `fdvirt` binary makes it, a library embedding
    /// should decide for itself.
    ///
    /// # Errors
    /// The host error from `getrlimit`/`setrlimit`.
    pub fn raise_soft_to_hard() -> io::Result<NofileLimit> {
        rlimit::increase_nofile_limit(u64::MAX)?;
        NofileLimit::current()
    }

    /// The guest's share: `soft` less [`HOST_FD_RESERVE`] (at least 3, for stdio).
    #[must_use]
    pub fn guest_fds(&self) -> usize {
        let share = self.soft.saturating_sub(HOST_FD_RESERVE).max(3);
        usize::try_from(share).unwrap_or(usize::MAX)
    }
}
