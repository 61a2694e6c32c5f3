//! Interest sets and readiness reports.
//!
//! [`Interest`] is a non-empty set of {readable, writable}: an empty set cannot be built,
//! so a registration that waits for nothing is unrepresentable (as mio `src/interest.rs`).

use std::{fmt, num::NonZeroU8, ops::BitOr};

/// A non-empty set of readiness kinds to wait for.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(NonZeroU8);

const READ: u8 = 0b01;
const WRITE: u8 = 0b10;

impl Interest {
    /// Wait until a read (or accept) would not block.
    pub const READABLE: Interest = Interest(NonZeroU8::MIN);
    /// Wait until a write (or a pending connect's completion) would not block.
    pub const WRITABLE: Interest = match NonZeroU8::new(WRITE) {
        Some(bits) => Interest(bits),
        None => unreachable!(),
    };
    /// Both readable and writable.
    pub const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);

    /// The union of two sets (usable in `const` context, unlike `|`).
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        match NonZeroU8::new(self.0.get() | other.0.get()) {
            Some(bits) => Interest(bits),
            // Unreachable: the union of two non-empty sets is non-empty.
            None => self,
        }
    }

    /// Whether the set contains [`Interest::READABLE`].
    #[must_use]
    pub const fn is_readable(self) -> bool {
        self.0.get() & READ != 0
    }

    /// Whether the set contains [`Interest::WRITABLE`].
    #[must_use]
    pub const fn is_writable(self) -> bool {
        self.0.get() & WRITE != 0
    }

    /// Builds a set from two flags, or `None` when both are false (the empty set).
    #[must_use]
    pub const fn from_flags(readable: bool, writable: bool) -> Option<Interest> {
        let bits = ((readable as u8) * READ) | ((writable as u8) * WRITE);
        match NonZeroU8::new(bits) {
            Some(bits) => Some(Interest(bits)),
            None => None,
        }
    }
}

impl BitOr for Interest {
    type Output = Interest;
    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            _ => f.write_str("WRITABLE"),
        }
    }
}

/// What one wait reported for one key.
///
/// Readiness is a hint (as in mio): a readable socket may still return `EAGAIN` (e.g. a
/// datagram with a bad checksum was dropped), so callers drain until `WouldBlock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    /// The poller key (see [`crate::Poller::insert`]), not a guest fd.
    pub key: usize,
    /// A read, accept or recv would not block (includes EOF and errors).
    pub readable: bool,
    /// A write or send would not block; also a finished non-blocking connect.
    pub writable: bool,
    /// Full hang-up (`EPOLLHUP`): both directions closed or reset. A peer's half-close
    /// alone only makes the socket readable (EOF), as spec §5.4 requires.
    pub hangup: bool,
    /// An error is pending on the socket (`EPOLLERR`); read it with `SO_ERROR`.
    pub error: bool,
    /// Bytes ready to read (`FIONREAD`) when `readable`; 0 at EOF. When the host cannot
    /// tell (e.g. a listening socket) or the key is only writable: 1, as spec §9 recommends.
    pub nbytes: u64,
}
