//! The crate's typed error: network policy spec parsing.
//!
//! Socket operations return `io::Result` (OS-facing, as polling and cap-std do); convert
//! with [`crate::Errno::from`] at the guest boundary.

/// A malformed network policy grant (`ADDR[/PREFIX]:PORTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// No `:PORTS` part.
    #[error("missing `:PORTS` (use `:*` for all ports)")]
    MissingPort,
    /// The address part is not an IPv4 or bracketed IPv6 address.
    #[error("bad address (expected `a.b.c.d[/n]` or `[v6][/n]`)")]
    BadAddress,
    /// The prefix length is not a number or is too long for the family.
    #[error("bad prefix length {prefix} (at most {max})")]
    BadPrefix {
        /// The prefix given (255 when it was not a number).
        prefix: u8,
        /// The family's maximum (32 or 128).
        max: u8,
    },
    /// A port is not a number in 0..=65535.
    #[error("bad port (expected `*`, `N` or `N-M`)")]
    BadPort,
    /// A port range whose low end exceeds its high end.
    #[error("empty port range {lo}-{hi}")]
    EmptyPortRange {
        /// Low end.
        lo: u16,
        /// High end.
        hi: u16,
    },
}

/// A name that cannot be a [`crate::UnixName`] (one path component inside a directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnixNameError {
    /// The empty string.
    #[error("empty socket name")]
    Empty,
    /// `.` or `..`, which name a directory, not a new entry in it.
    #[error("`.` and `..` cannot name a socket")]
    Dots,
    /// A `/`: more than one component.
    #[error("a socket name is one path component (no `/`)")]
    Slash,
    /// A NUL byte, which would end the C path early.
    #[error("NUL byte in socket name")]
    Nul,
}
