//! [`GuestCtx`]: all host state of one guest, kept in the wasmi `Store`.

use fdtable::{Fd, FdTable};
use rand::{SeedableRng, rngs::StdRng};

use crate::{descriptor::FdEntry, errno::Errno, types::Rights};

/// Host state of one running guest: its fd table, argv, environment and
/// random source. Host calls receive it as `&mut GuestCtx` next to the
/// guest memory slice.
#[derive(Debug)]
pub struct GuestCtx {
    /// Network policy, socket options and the socket poller.
    pub(crate) net: crate::socket::NetState,
    /// The guest's descriptors, numbered by the embedder's `FdPolicy`.
    pub(crate) fds: FdTable<FdEntry>,
    /// argv, each without terminator.
    pub(crate) args: Vec<Vec<u8>>,
    /// Environment as `KEY=VALUE`, each without terminator.
    pub(crate) env: Vec<Vec<u8>>,
    /// Source for `random_get`.
    pub(crate) rng: StdRng,
    /// Host-call tracing: filter, level, start time.
    pub(crate) trace: crate::trace::Tracer,
    /// Largest linear memory the guest may grow to, in bytes.
    pub(crate) max_memory: Option<usize>,
    /// wasmi's resource limiter built from `max_memory` (the store asks
    /// the host state for it).
    pub(crate) limits: wasmi::StoreLimits,
    /// The guest's exported `memory`, looked up once after instantiation so
    /// host calls need no export lookup.
    pub(crate) memory: Option<wasmi::Memory>,
    /// Which part of that memory has been checked for zero pages to release.
    pub(crate) zero_pages: crate::zero_pages::ZeroPages,
    /// `poll_oneoff`'s buffers, reused from call to call.
    pub(crate) poll: crate::wasi::poll::PollScratch,
    /// Host/guest time split, when asked for (`fdvirt run --stats`).
    pub(crate) stats: Option<crate::stats::HostStats>,
}

impl GuestCtx {
    /// A context with the given fd table and nothing else.
    pub fn new(fds: FdTable<FdEntry>) -> Self {
        Self {
            fds,
            net: crate::socket::NetState::default(),
            args: Vec::new(),
            env: Vec::new(),
            rng: StdRng::from_os_rng(),
            trace: crate::trace::Tracer::default(),
            max_memory: None,
            limits: wasmi::StoreLimits::default(),
            memory: None,
            zero_pages: crate::zero_pages::ZeroPages::default(),
            poll: crate::wasi::poll::PollScratch::default(),
            stats: None,
        }
    }

    /// The guest's fd table.
    pub fn fds(&self) -> &FdTable<FdEntry> {
        &self.fds
    }

    /// The guest's fd table, mutably (embedders may install descriptors).
    pub fn fds_mut(&mut self) -> &mut FdTable<FdEntry> {
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
