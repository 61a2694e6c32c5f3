//! [`GuestCtx`]: all host state of one guest, kept in the engine's store data.

use fdtable::{Fd, FdTable};
use rand::{SeedableRng, rngs::StdRng};

use crate::{descriptor::FdEntry, errno::Errno, fds::Fds, types::Rights};

/// Host state of one running guest: its fd table, argv, environment and
/// random source. Host calls receive it as `&mut GuestCtx` next to the
/// guest memory slice.
#[derive(Debug)]
pub struct GuestCtx {
    /// Network policy, socket options and the socket poller.
    pub(crate) net: crate::socket::NetState,
    /// The guest's descriptors, numbered by the embedder's `FdPolicy`, with what
    /// `poll_oneoff` remembers about them (every change goes through [`Fds`], which
    /// keeps the two consistent).
    pub(crate) fds: Fds,
    /// argv, each without terminator.
    pub(crate) args: Vec<Vec<u8>>,
    /// Environment as `KEY=VALUE`, each without terminator.
    pub(crate) env: Vec<Vec<u8>>,
    /// Source for `random_get`.
    pub(crate) rng: StdRng,
    /// Host-call tracing: filter, level, start time.
    pub(crate) trace: crate::trace::Tracer,
    /// Largest linear memory the guest may grow to, in bytes (the engine
    /// adapter enforces it with its own resource limiter).
    pub(crate) max_memory: Option<usize>,
    /// `poll_oneoff`'s buffers, reused from call to call.
    pub(crate) poll: crate::wasi::poll::PollScratch,
    /// Host/guest time split, when asked for (`fdvirt run --stats`).
    pub(crate) stats: Option<crate::stats::HostStats>,
}

impl GuestCtx {
    /// A context with the given fd table and nothing else.
    pub fn new(fds: FdTable<FdEntry>) -> Self {
        Self {
            fds: Fds::new(fds),
            net: crate::socket::NetState::default(),
            args: Vec::new(),
            env: Vec::new(),
            rng: StdRng::from_os_rng(),
            trace: crate::trace::Tracer::default(),
            max_memory: None,
            poll: crate::wasi::poll::PollScratch::default(),
            stats: None,
        }
    }

    /// The largest linear memory the guest may grow to, in bytes
    /// ([`crate::GuestBuilder::max_memory`]); `None` for the engine's own limit.
    /// Engines enforce it: the host layer never grows memory itself.
    pub fn max_memory(&self) -> Option<usize> {
        self.max_memory
    }

    /// The guest's fd table.
    pub fn fds(&self) -> &FdTable<FdEntry> {
        &self.fds
    }

    /// The guest's fd table, for changes: every method of [`Fds`] that can change an
    /// fd also forgets what `poll_oneoff` remembered about it.
    pub fn fds_mut(&mut self) -> &mut Fds {
        &mut self.fds
    }

    /// The entry for `fd`.
    ///
    /// # Errors
    ///
    /// `EBADF` when `fd` is not open.
    pub(crate) fn entry(&self, fd: Fd) -> Result<&FdEntry, Errno> {
        self.fds.get(fd).ok_or(Errno::Badf)
    }

    /// The entry for `fd`, mutably.
    ///
    /// # Errors
    ///
    /// `EBADF` when `fd` is not open.
    pub(crate) fn entry_mut(&mut self, fd: Fd) -> Result<&mut FdEntry, Errno> {
        self.fds.get_mut(fd).ok_or(Errno::Badf)
    }

    /// The entry for `fd` when its base rights include `needed`: the lookup and the
    /// rights check every fd call starts with, in preview1's order.
    ///
    /// # Errors
    ///
    /// `EBADF` when `fd` is not open, then `ENOTCAPABLE` when it lacks `needed`.
    pub(crate) fn entry_with(&self, fd: Fd, needed: Rights) -> Result<&FdEntry, Errno> {
        let entry = self.entry(fd)?;
        entry.check(needed)?;
        Ok(entry)
    }

    /// [`Self::entry_with`], mutably.
    ///
    /// # Errors
    ///
    /// As [`Self::entry_with`].
    pub(crate) fn entry_mut_with(&mut self, fd: Fd, needed: Rights) -> Result<&mut FdEntry, Errno> {
        let entry = self.entry_mut(fd)?;
        entry.check(needed)?;
        Ok(entry)
    }
}
