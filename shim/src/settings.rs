//! fdvirt's per-container settings, read from the container's environment.
//!
//! containerd-shim-wasm 1.0 hands the sandbox only the OCI process's `args`, `env` and
//! entrypoint ([`RuntimeContext`]); the spec's annotations stay inside the library. So the
//! settings travel as `FDVIRT_*` environment variables, which every client can set per
//! container (`ctr run --env`, a pod's `env:`, a Dockerfile's `ENV`) without the
//! containerd-side allow-list that pod annotations need.
//!
//! | variable | value | like `fdvirt run` |
//! |---|---|---|
//! | `FDVIRT_FD_POLICY` | `lowest`, `random`, `capped:N`, options `,seed=S`, `,quarantine=N` | `--fd-policy` |
//! | `FDVIRT_MAX_FDS` | open-fd limit, a positive integer | `--max-fds` |
//! | `FDVIRT_TCPLISTEN` | comma-separated `HOST:PORT` listeners, fds 3, 4, ... | `--tcplisten` |
//! | `FDVIRT_ALLOW_BIND` | comma-separated grants `ADDR[/PREFIX]:PORTS` | `--allow-bind` |
//! | `FDVIRT_ALLOW_CONNECT` | grants, as above | `--allow-connect` |
//! | `FDVIRT_ALLOW_LOOKUP` | grants, as above | `--allow-lookup` |
//! | `FDVIRT_ALLOW_AF_UNIX` | `true` / `false` | `--allow-af-unix` |
//! | `FDVIRT_TRACE` | `true` / `false`: log every host call to stderr | `--trace` |
//! | `FDVIRT_ENGINE` | `wasmi` (default) or `wasmtime` (Cranelift JIT) | |
//!
//! Any other `FDVIRT_*` name, or a value that does not parse, is an error: a typo must
//! not silently fall back to a default. The variables are removed from the guest's
//! environment (they configure the host, not the program).
//!
//! [`RuntimeContext`]: containerd_shim_wasm::sandbox::context::RuntimeContext

use std::net::SocketAddr;

use fdtable::FdPolicy;
use hostsock::{Grant, NetUse, NetworkPolicy};
use runtime_glue::{GuestBuilder, NetConfig, UnixSockets};

/// Prefix of every fdvirt setting variable.
pub const PREFIX: &str = "FDVIRT_";

/// A setting that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A variable starts with `FDVIRT_` but names no setting.
    #[error("unknown fdvirt setting {name} (known: {known})", known = KNOWN.join(", "))]
    Unknown {
        /// The variable's name.
        name: String,
    },
    /// A value does not parse.
    #[error("invalid {name}={value:?}: {reason}")]
    Invalid {
        /// The variable's name.
        name: String,
        /// The value as given.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The engine named is not built into this shim.
    #[error("{name}={value:?}: {reason}")]
    Engine {
        /// The variable's name.
        name: String,
        /// The value as given.
        value: String,
        /// Which engines there are.
        reason: String,
    },
}

/// Every variable this module understands.
const KNOWN: &[&str] = &[
    "FDVIRT_FD_POLICY",
    "FDVIRT_MAX_FDS",
    "FDVIRT_TCPLISTEN",
    "FDVIRT_ALLOW_BIND",
    "FDVIRT_ALLOW_CONNECT",
    "FDVIRT_ALLOW_LOOKUP",
    "FDVIRT_ALLOW_AF_UNIX",
    "FDVIRT_TRACE",
    "FDVIRT_ENGINE",
];

/// Parsed settings, with the guest's environment minus the `FDVIRT_*` variables.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// fd numbering policy (default `lowest`).
    pub fd_policy: FdPolicy,
    /// Open-fd limit; it can only lower the default, the container's `RLIMIT_NOFILE`
    /// share ([`runtime_glue::default_max_fds`]).
    pub max_fds: Option<usize>,
    /// Pre-opened listeners.
    pub tcplisten: Vec<SocketAddr>,
    /// Grants per use; a use with no grants stays allowed everywhere (as `fdvirt run`).
    pub grants: Vec<(NetUse, Grant)>,
    /// Whether AF_UNIX sockets are allowed.
    pub unix: bool,
    /// Host-call trace to stderr.
    pub trace: bool,
    /// The engine (`FDVIRT_ENGINE`; default wasmi).
    pub engine: runtime_glue::Engine,
    /// `KEY=VALUE` entries for the guest.
    pub guest_env: Vec<(String, String)>,
}

impl Settings {
    /// Splits `env` (`KEY=VALUE` strings, as in the OCI spec) into settings and the
    /// guest's own variables.
    ///
    /// # Errors
    ///
    /// [`SettingsError`] for the first unknown name or bad value.
    pub fn from_env<S: AsRef<str>>(env: &[S]) -> Result<Settings, SettingsError> {
        let mut settings = Settings::default();
        for entry in env {
            let entry = entry.as_ref();
            let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
            if key.starts_with(PREFIX) {
                settings.apply(key, value)?;
            } else {
                settings.guest_env.push((key.to_owned(), value.to_owned()));
            }
        }
        Ok(settings)
    }

    /// Applies one `FDVIRT_*` variable.
    fn apply(&mut self, name: &str, value: &str) -> Result<(), SettingsError> {
        let bad = |reason: String| SettingsError::Invalid {
            name: name.to_owned(),
            value: value.to_owned(),
            reason,
        };
        match name {
            "FDVIRT_FD_POLICY" => {
                self.fd_policy = value.parse().map_err(|e| bad(format!("{e}")))?
            }
            "FDVIRT_MAX_FDS" => {
                let n: usize = value.trim().parse().map_err(|e| bad(format!("{e}")))?;
                if n == 0 {
                    return Err(bad("must be at least 1".into()));
                }
                self.max_fds = Some(n);
            }
            "FDVIRT_TCPLISTEN" => {
                for item in list(value) {
                    let addr = item.parse().map_err(|e| bad(format!("{item:?}: {e}")))?;
                    self.tcplisten.push(addr);
                }
            }
            "FDVIRT_ALLOW_BIND" => self.add_grants(NetUse::Bind, value, bad)?,
            "FDVIRT_ALLOW_CONNECT" => self.add_grants(NetUse::Connect, value, bad)?,
            "FDVIRT_ALLOW_LOOKUP" => self.add_grants(NetUse::Lookup, value, bad)?,
            "FDVIRT_ALLOW_AF_UNIX" => self.unix = boolean(value).ok_or_else(|| bad(BOOL.into()))?,
            "FDVIRT_TRACE" => self.trace = boolean(value).ok_or_else(|| bad(BOOL.into()))?,
            "FDVIRT_ENGINE" => {
                self.engine =
                    value
                        .trim()
                        .parse()
                        .map_err(|e: runtime_glue::engine::UnknownEngine| {
                            SettingsError::Engine {
                                name: name.to_owned(),
                                value: value.to_owned(),
                                reason: e.to_string(),
                            }
                        })?;
            }
            _ => {
                return Err(SettingsError::Unknown {
                    name: name.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Parses a grant list for `use_`.
    fn add_grants(
        &mut self,
        use_: NetUse,
        value: &str,
        bad: impl Fn(String) -> SettingsError,
    ) -> Result<(), SettingsError> {
        let mut any = false;
        for item in list(value) {
            let grant: Grant = item.parse().map_err(|e| bad(format!("{item:?}: {e}")))?;
            self.grants.push((use_, grant));
            any = true;
        }
        if any {
            Ok(())
        } else {
            Err(bad(
                "no grant given (omit the variable to allow everything)".into(),
            ))
        }
    }

    /// The guest's network configuration: listed grants only for each use that has
    /// some, everything for the others (WasmEdge-compatible default, as `fdvirt run`).
    pub fn net_config(&self) -> NetConfig {
        let all = NetworkPolicy::allow_all();
        let mut policy = NetworkPolicy::deny_all();
        for use_ in [NetUse::Bind, NetUse::Connect, NetUse::Lookup] {
            let listed: Vec<Grant> = self
                .grants
                .iter()
                .filter(|(u, _)| *u == use_)
                .map(|(_, g)| *g)
                .collect();
            let chosen = if listed.is_empty() {
                all.grants(use_)
            } else {
                &listed
            };
            for g in chosen {
                policy.insert(use_, *g);
            }
        }
        let mut net = NetConfig {
            policy,
            listeners: self.tcplisten.clone(),
            ..NetConfig::default()
        };
        net.options.unix = if self.unix {
            UnixSockets::Allow
        } else {
            UnixSockets::Deny
        };
        net
    }

    /// Applies these settings to a builder (args, stdio and preopens are the caller's).
    pub fn configure(&self, builder: GuestBuilder) -> GuestBuilder {
        let builder = builder
            .envs(self.guest_env.iter().cloned())
            .fd_policy(self.fd_policy.clone())
            .network(self.net_config())
            .trace(self.trace);
        match self.max_fds {
            Some(n) => builder.max_fds(n),
            None => builder,
        }
    }
}

/// What a boolean setting accepts.
const BOOL: &str = "expected true/false, 1/0, yes/no";

/// Parses a boolean setting.
fn boolean(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

/// The non-empty, trimmed items of a comma-separated list.
fn list(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
