//! Typed errors: [`FdError`] for table operations, [`PolicyParseError`] for policy strings.

use crate::Fd;

/// Why a table operation failed.
///
/// Each variant maps to one WASI errno, so the glue can translate without
/// inspecting strings: `TableFull` -> `EMFILE`, `BadFd` -> `EBADF`,
/// `InUse` -> `EBUSY` (or `EEXIST`), `OutOfRange` -> `EBADF`/`EINVAL`.
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FdError {
    /// The open-fd limit is reached, or every fd the policy may hand out is
    /// open or quarantined (`EMFILE`).
    #[error("fd table full")]
    TableFull,
    /// The fd is not open (`EBADF`).
    #[error("bad fd {fd}: not open")]
    BadFd {
        /// The fd the caller named.
        fd: crate::Fd,
    },
    /// `insert_at` named an fd that is already open.
    #[error("fd {fd} is already open")]
    InUse {
        /// The fd the caller named.
        fd: Fd,
    },
    /// The fd is outside what the policy can hold (at or above the cap, or
    /// at or above 2^31).
    #[error("fd {fd} is outside the policy's range")]
    OutOfRange {
        /// The fd the caller named.
        fd: Fd,
    },
}

/// Why a policy string (`"capped:1024,seed=7"`) did not parse.
///
/// Not `Copy`: it carries the offending text so a CLI error names it.
#[non_exhaustive]
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum PolicyParseError {
    /// The policy name is not `lowest`, `random` or `capped[:N]`.
    #[error("unknown fd policy `{name}` (expected lowest, random or capped:N)")]
    UnknownPolicy {
        /// The name as written.
        name: String,
    },
    /// An option is not `seed`, `quarantine` or `floor`, or has no `=`.
    #[error("unknown fd policy option `{option}` (expected seed=N, quarantine=N or floor=N)")]
    UnknownOption {
        /// The option as written.
        option: String,
    },
    /// The same option appears twice.
    #[error("fd policy option `{key}` given twice")]
    DuplicateOption {
        /// The option name.
        key: &'static str,
    },
    /// A number did not parse or is out of range.
    #[error("bad number `{value}` for fd policy `{key}`")]
    BadNumber {
        /// Which field (`cap`, `seed`, `quarantine`, `floor`).
        key: &'static str,
        /// The value as written.
        value: String,
    },
}
