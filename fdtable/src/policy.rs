//! [`FdPolicy`]: which fd an insert hands out, and its string form for the CLI.

use std::{fmt, str::FromStr};

use crate::{Fd, PolicyParseError};

/// One past the largest fd any policy hands out: 2^31, WasmEdge's range, so
/// fds stay positive when a guest stores them in a C `int`.
pub const FD_END: u32 = 1 << 31;

/// The default cap of [`FdPolicy::capped`] when the string form omits it:
/// `FD_SETSIZE`, the largest fd `select()` can watch.
pub const DEFAULT_CAP: u32 = 1024;

/// How the next fd is chosen.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// The lowest free fd at or above the floor (POSIX `open`/`dup`).
    Lowest,
    /// Uniform over the free fds in `[floor, 2^31)`.
    Random,
    /// Uniform over the free fds in `[floor, cap)`.
    Capped {
        /// One past the largest fd handed out.
        cap: u32,
    },
}

/// An fd allocation policy plus its options (seed, quarantine, floor).
///
/// Chosen when a table is built and fixed afterwards. The string form, used
/// by the CLI, round-trips through [`FromStr`] and [`Display`](fmt::Display):
/// `lowest`, `random`, `capped:1024`, then options after commas, e.g.
/// `random,seed=42`, `capped:1024,seed=7,quarantine=16`, `lowest,floor=3`.
///
/// ```
/// use fdtable::FdPolicy;
/// let p: FdPolicy = "capped:64,quarantine=4,seed=7".parse()?;
/// assert_eq!(p, FdPolicy::capped(64).with_seed(7).with_quarantine(4));
/// assert_eq!(p.to_string(), "capped:64,seed=7,quarantine=4");
/// # Ok::<(), fdtable::PolicyParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdPolicy {
    kind: PolicyKind,
    seed: Option<u64>,
    quarantine: u32,
    floor: u32,
}

impl FdPolicy {
    /// POSIX lowest-free at or above the floor (default floor 0).
    pub fn lowest() -> Self {
        Self::with_kind(PolicyKind::Lowest)
    }

    /// Uniform over the free fds in `[floor, 2^31)`.
    pub fn random() -> Self {
        Self::with_kind(PolicyKind::Random)
    }

    /// Uniform over the free fds in `[floor, cap)`; `cap` is clamped to
    /// `[1, 2^31]`.
    pub fn capped(cap: u32) -> Self {
        Self::with_kind(PolicyKind::Capped {
            cap: cap.clamp(1, FD_END),
        })
    }

    fn with_kind(kind: PolicyKind) -> Self {
        Self {
            kind,
            seed: None,
            quarantine: 0,
            floor: 0,
        }
    }

    /// Seeds the random generator so a run can be reproduced; without a seed
    /// the generator is seeded from OS entropy. Ignored by `lowest`.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Delays reuse: a closed fd is not handed out again until `n` further
    /// allocations have happened. 0 disables the quarantine.
    ///
    /// An allocation is an fd the policy hands out (`insert`, or a
    /// committed `VacantFd`); explicit `insert_at`/`renumber` placements do
    /// not advance the clock but may take a quarantined fd. Quarantined
    /// fds are not open, but no policy hands them out, so a small range
    /// can be full while holding quarantined fds.
    pub fn with_quarantine(mut self, n: u32) -> Self {
        self.quarantine = n;
        self
    }

    /// No fd below `floor` is handed out by `insert` (explicit `insert_at`
    /// still may place one there, e.g. stdio).
    pub fn with_floor(mut self, floor: u32) -> Self {
        self.floor = floor;
        self
    }

    /// The allocation rule.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The seed, if one was given.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// How many allocations a closed fd waits before reuse.
    pub fn quarantine(&self) -> u32 {
        self.quarantine
    }

    /// The lowest fd `insert` may hand out.
    pub fn floor(&self) -> u32 {
        self.floor
    }

    /// One past the largest fd this policy can hold: the cap, or 2^31.
    pub fn end(&self) -> Fd {
        match self.kind {
            PolicyKind::Capped { cap } => cap,
            PolicyKind::Lowest | PolicyKind::Random => FD_END,
        }
    }
}

impl Default for FdPolicy {
    /// `lowest`: what POSIX programs expect.
    fn default() -> Self {
        Self::lowest()
    }
}

impl fmt::Display for FdPolicy {
    /// Canonical form: name, then `seed`, `quarantine`, `floor` when set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PolicyKind::Lowest => f.write_str("lowest")?,
            PolicyKind::Random => f.write_str("random")?,
            PolicyKind::Capped { cap } => write!(f, "capped:{cap}")?,
        }
        if let Some(seed) = self.seed {
            write!(f, ",seed={seed}")?;
        }
        if self.quarantine != 0 {
            write!(f, ",quarantine={}", self.quarantine)?;
        }
        if self.floor != 0 {
            write!(f, ",floor={}", self.floor)?;
        }
        Ok(())
    }
}

impl FromStr for FdPolicy {
    type Err = PolicyParseError;

    /// Parses `name[:cap][,key=value]*`; see the type docs for examples.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split(',');
        let name = parts.next().unwrap_or_default().trim();
        let mut policy = parse_kind(name)?;
        let mut seen = [false; 3];
        for option in parts {
            let (key, value) =
                option
                    .split_once('=')
                    .ok_or_else(|| PolicyParseError::UnknownOption {
                        option: option.to_owned(),
                    })?;
            let (index, key): (usize, &'static str) = match key.trim() {
                "seed" => (0, "seed"),
                "quarantine" => (1, "quarantine"),
                "floor" => (2, "floor"),
                _ => {
                    return Err(PolicyParseError::UnknownOption {
                        option: option.to_owned(),
                    });
                }
            };
            if std::mem::replace(&mut seen[index], true) {
                return Err(PolicyParseError::DuplicateOption { key });
            }
            match index {
                0 => policy.seed = Some(parse_num(key, value)?),
                1 => policy.quarantine = parse_num(key, value)?,
                _ => policy.floor = parse_num(key, value)?,
            }
        }
        Ok(policy)
    }
}

fn parse_kind(name: &str) -> Result<FdPolicy, PolicyParseError> {
    let (head, cap) = match name.split_once(':') {
        Some((head, cap)) => (head, Some(cap)),
        None => (name, None),
    };
    match (head, cap) {
        ("lowest", None) => Ok(FdPolicy::lowest()),
        ("random", None) => Ok(FdPolicy::random()),
        ("capped", None) => Ok(FdPolicy::capped(DEFAULT_CAP)),
        ("capped", Some(cap)) => {
            let cap: u32 = parse_num("cap", cap)?;
            if cap == 0 || cap > FD_END {
                return Err(PolicyParseError::BadNumber {
                    key: "cap",
                    value: cap.to_string(),
                });
            }
            Ok(FdPolicy::capped(cap))
        }
        _ => Err(PolicyParseError::UnknownPolicy {
            name: name.to_owned(),
        }),
    }
}

fn parse_num<N: FromStr>(key: &'static str, value: &str) -> Result<N, PolicyParseError> {
    value
        .trim()
        .parse()
        .map_err(|_| PolicyParseError::BadNumber {
            key,
            value: value.to_owned(),
        })
}
