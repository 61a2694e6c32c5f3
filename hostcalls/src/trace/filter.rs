//! Which host calls `--trace` logs: families, like `strace -e trace=network`, or names.

use std::str::FromStr;

/// A family of host calls, named by prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Family {
    /// `sock_*` (WasmEdge and standard): sockets and name lookup.
    Sock,
    /// `poll_oneoff`, `epoll_oneoff`.
    Poll,
    /// `fd_*`.
    Fd,
    /// `path_*`.
    Path,
    /// `clock_*`.
    Clock,
    /// `args_*`, `environ_*`.
    Env,
    /// `proc_*`, `sched_yield`, `random_get`.
    Proc,
}

impl Family {
    /// Every family.
    pub const ALL: [Family; 7] = [
        Family::Sock,
        Family::Poll,
        Family::Fd,
        Family::Path,
        Family::Clock,
        Family::Env,
        Family::Proc,
    ];

    /// The family of host call `name`.
    pub fn of(name: &str) -> Family {
        match name {
            "poll_oneoff" | "epoll_oneoff" => Family::Poll,
            n if n.starts_with("sock_") => Family::Sock,
            n if n.starts_with("fd_") => Family::Fd,
            n if n.starts_with("path_") => Family::Path,
            n if n.starts_with("clock_") => Family::Clock,
            n if n.starts_with("args_") || n.starts_with("environ_") => Family::Env,
            _ => Family::Proc,
        }
    }

    /// The families a `--trace` word names (`file` is `fd` + `path`).
    fn named(word: &str) -> Option<&'static [Family]> {
        Some(match word {
            "sock" | "net" | "network" => &[Family::Sock],
            "poll" => &[Family::Poll],
            "fd" => &[Family::Fd],
            "path" => &[Family::Path],
            "file" => &[Family::Fd, Family::Path],
            "clock" => &[Family::Clock],
            "env" | "args" => &[Family::Env],
            "proc" => &[Family::Proc],
            "all" => &Family::ALL,
            _ => return None,
        })
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The calls to trace: a set of families plus individual call names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceFilter {
    families: u16,
    names: Vec<String>,
}

impl TraceFilter {
    /// Every call.
    pub fn all() -> Self {
        Self {
            families: Family::ALL.iter().map(|f| f.bit()).fold(0, |a, b| a | b),
            names: Vec::new(),
        }
    }

    /// Whether host call `name` is traced.
    pub fn matches(&self, name: &str) -> bool {
        self.families & Family::of(name).bit() != 0 || self.names.iter().any(|n| n == name)
    }
}

/// A `--trace` word that is neither a family nor a host call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown trace class `{word}`: expected all, sock (net, network), poll, fd, path, file, clock, env, proc, or a host call name such as sock_accept"
)]
pub struct UnknownTraceClass {
    /// The word.
    pub word: String,
}

/// `sock,poll`, `file,sock_accept`, `all`: families and host call names, comma-separated.
impl FromStr for TraceFilter {
    type Err = UnknownTraceClass;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut filter = TraceFilter {
            families: 0,
            names: Vec::new(),
        };
        for word in s.split(',').map(str::trim) {
            if let Some(families) = Family::named(word) {
                filter.families |= families.iter().map(|f| f.bit()).fold(0, |a, b| a | b);
            } else if crate::abi::hostcalls().any(|h| h.name == word) {
                filter.names.push(word.to_owned());
            } else {
                return Err(UnknownTraceClass {
                    word: word.to_owned(),
                });
            }
        }
        Ok(filter)
    }
}
