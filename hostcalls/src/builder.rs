//! [`GuestBuilder`]: configure one guest (argv, environment, stdio, preopens, fd policy
//! and limits, network) and build its host state. Running it is an engine's job: the
//! `runtime-glue` crate's adapters (wasmi, wasmtime) take the built [`GuestCtx`], or an
//! embedder links [`crate::abi`]'s rows into an engine of their own.

use std::path::Path;

use cap_std::{ambient_authority, fs::Dir};
use fdtable::{FdPolicy, FdTable};

use crate::{
    ctx::GuestCtx,
    descriptor::{Descriptor, DirDesc, FdEntry},
    error::SetupError,
    stdio::{HostStream, Input, Output, Stdio},
    types::Rights,
};

/// The open-fd limit when the host's `RLIMIT_NOFILE` cannot be read (a common soft
/// limit).
pub const FALLBACK_MAX_FDS: usize = 1024;

/// The open-fd limit a guest gets unless [`GuestBuilder::max_fds`] lowers it: what the
/// host lets this process hold, i.e. the soft `RLIMIT_NOFILE` less what fdvirt itself
/// needs ([`hostsock::HOST_FD_RESERVE`]: the poller, a name lookup's fds, the module
/// file, slack), so the guest meets `EMFILE` in its own table before the host runs out.
/// Stdio and preopens count, as they do natively. The `fdvirt` binary raises its soft
/// limit to the hard one at startup, so there this follows `ulimit -Hn`; an embedding
/// gets its current soft limit's share. [`FALLBACK_MAX_FDS`] if `getrlimit` fails.
#[must_use]
pub fn default_max_fds() -> usize {
    hostsock::NofileLimit::current().map_or(FALLBACK_MAX_FDS, |l| l.guest_fds())
}

/// Configures a guest and builds its host state ([`Self::build_ctx`]). See the crate docs
/// for an example.
#[derive(Debug)]
pub struct GuestBuilder {
    net: crate::socket::NetConfig,
    args: Vec<String>,
    env: Vec<(String, String)>,
    preopens: Vec<(Dir, String)>,
    policy: FdPolicy,
    /// The embedder's limit; the host's share applies whether or not one is set.
    max_fds: Option<usize>,
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
    trace: bool,
    trace_filter: crate::trace::TraceFilter,
    stats: bool,
    max_memory: Option<usize>,
    trap_names: bool,
}

impl Default for GuestBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl GuestBuilder {
    /// No args, no env, no preopens, inherited stdio, `lowest` policy.
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            env: Vec::new(),
            preopens: Vec::new(),
            net: crate::socket::NetConfig::default(),
            policy: FdPolicy::default(),
            max_fds: None,
            stdin: Stdio::Inherit,
            stdout: Stdio::Inherit,
            stderr: Stdio::Inherit,
            trace: false,
            trace_filter: crate::trace::TraceFilter::all(),
            stats: false,
            max_memory: None,
            trap_names: true,
        }
    }

    /// Sets argv (argv\[0\] included).
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Adds environment variables.
    pub fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Gives the guest the host directory `host` under the name `guest`.
    /// Preopens become fds 3, 4, ... in the order given (wasi-libc scans
    /// upwards from 3 until `EBADF`).
    ///
    /// # Errors
    ///
    /// [`SetupError::Io`] when the directory cannot be opened.
    pub fn preopen_dir(
        mut self,
        host: impl AsRef<Path>,
        guest: impl Into<String>,
    ) -> Result<Self, SetupError> {
        let host = host.as_ref();
        let dir =
            Dir::open_ambient_dir(host, ambient_authority()).map_err(|source| SetupError::Io {
                path: host.to_path_buf(),
                source,
            })?;
        self.preopens.push((dir, guest.into()));
        Ok(self)
    }

    /// Chooses how new fd numbers are picked.
    pub fn fd_policy(mut self, policy: FdPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Limits the number of open fds (`EMFILE` beyond it), stdio and preopens included.
    /// It can only lower the default, [`default_max_fds`] (what the host lets this
    /// process hold); under `capped:N` the N fd numbers bound it as well.
    pub fn max_fds(mut self, max: usize) -> Self {
        self.max_fds = Some(max);
        self
    }

    /// Caps the guest's linear memory at `bytes`; `memory.grow` beyond it
    /// fails (returns -1), and a module whose initial memory is larger does
    /// not start.
    pub fn max_memory(mut self, bytes: usize) -> Self {
        self.max_memory = Some(bytes);
        self
    }

    /// Whether a trap reports the wasm function it happened in and, for a failed
    /// `call_indirect`, the table slot, the function in it and both types (default:
    /// yes). Naming costs a `global.set` per call in the guest, and one or two before each
    /// `call_indirect`, since the module is instrumented to track them; turn it off
    /// for call-heavy benchmarks.
    pub fn trap_names(mut self, on: bool) -> Self {
        self.trap_names = on;
        self
    }

    /// True unless [`Self::trap_names`] turned trap naming off.
    pub fn names_traps(&self) -> bool {
        self.trap_names
    }

    /// The open-fd limit the guest will get: [`Self::max_fds`] if set, else
    /// [`default_max_fds`], bounded by the fd policy's number space.
    pub fn fd_limit(&self) -> usize {
        fd_limit(self.max_fds, &self.policy)
    }

    /// The linear-memory cap in bytes ([`Self::max_memory`]), if any.
    pub fn memory_limit(&self) -> Option<usize> {
        self.max_memory
    }

    /// Connects fd 0.
    pub fn stdin(mut self, s: Stdio) -> Self {
        self.stdin = s;
        self
    }

    /// Connects fd 1.
    pub fn stdout(mut self, s: Stdio) -> Self {
        self.stdout = s;
        self
    }

    /// Connects fd 2.
    pub fn stderr(mut self, s: Stdio) -> Self {
        self.stderr = s;
        self
    }

    /// Logs every host call at INFO level on target `fdvirt::trace` (without
    /// this they are logged at TRACE level, e.g. for `RUST_LOG=fdvirt=trace`), in the
    /// format [`crate::trace`] describes.
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = on;
        self
    }

    /// Logs once a second, on target `fdvirt::stats`, how the guest's time splits
    /// between its own code and host calls (`poll_oneoff` separately, per call), in
    /// thread CPU time: the measurement behind the slow-clients analysis (issue 16).
    pub fn stats(mut self, on: bool) -> Self {
        self.stats = on;
        self
    }

    /// Traces only these calls (default: all), e.g. `"sock,poll".parse()?`.
    pub fn trace_filter(mut self, filter: crate::trace::TraceFilter) -> Self {
        self.trace_filter = filter;
        self
    }

    /// Sets the network configuration: policy, socket options and pre-opened listeners
    /// (default: allow everything, as WasmEdge; `TCP_NODELAY` on; no listeners).
    pub fn network(mut self, net: crate::socket::NetConfig) -> Self {
        self.net = net;
        self
    }

    /// Whether the guest may create AF_UNIX sockets (default [`UnixSockets::Deny`]:
    /// `sock_open(3, ..)` is `ENOSYS`, as WasmEdge without `--allow-af-unix`). Allowed
    /// sockets bind and connect only to guest paths inside the preopens. Set it after
    /// [`Self::network`], which replaces the whole network configuration.
    ///
    /// [`UnixSockets::Deny`]: crate::UnixSockets::Deny
    pub fn unix_sockets(mut self, mode: crate::UnixSockets) -> Self {
        self.net.options.unix = mode;
        self
    }

    /// Adds a pre-opened listening socket (Wasmtime's `--tcplisten`): listeners become
    /// fds 3, 4, ... in the order given, before preopened directories.
    pub fn tcplisten(mut self, addr: std::net::SocketAddr) -> Self {
        self.net.listeners.push(addr);
        self
    }

    /// Builds the host state: stdio at 0..=2, then pre-opened listeners, then preopens.
    ///
    /// # Errors
    ///
    /// [`SetupError::FdSetup`] when these fds do not fit the policy or limit,
    /// [`SetupError::Listen`] when a pre-opened listener cannot be bound.
    pub fn build_ctx(self) -> Result<GuestCtx, SetupError> {
        let limit = fd_limit(self.max_fds, &self.policy);
        let mut fds = FdTable::with_limit(self.policy, limit);
        let (stdio, preopens) =
            initial_entries(self.stdin, self.stdout, self.stderr, self.preopens);
        let net = crate::socket::NetState::new(&self.net);
        let listeners = self
            .net
            .listeners
            .iter()
            .map(|&addr| {
                let s = crate::socket::open_listener(addr, &net)
                    .map_err(|source| SetupError::Listen { addr, source })?;
                Ok((Descriptor::Socket(s), crate::socket::SocketDesc::rights()))
            })
            .collect::<Result<Vec<_>, SetupError>>()?;
        let all = stdio.into_iter().chain(listeners).chain(preopens);
        for (fd, (desc, base)) in (0u32..).zip(all) {
            let inheriting = if base == Rights::DIR {
                Rights::DIR.or(Rights::FILE)
            } else {
                Rights::NONE
            };
            fds.insert_at(fd, FdEntry::new(desc, base, inheriting))
                .map_err(|source| SetupError::FdSetup { fd, source })?;
        }
        let mut cx = GuestCtx::new(fds);
        cx.args = self.args.into_iter().map(String::into_bytes).collect();
        cx.env = self
            .env
            .into_iter()
            .map(|(k, v)| format!("{k}={v}").into_bytes())
            .collect();
        cx.trace = crate::trace::Tracer::new(self.trace, self.trace_filter);
        cx.stats = self.stats.then(crate::stats::HostStats::default);
        cx.net = net;
        cx.max_memory = self.max_memory;
        Ok(cx)
    }
}

/// The guest's open-fd limit: the host's share of `RLIMIT_NOFILE`, lowered by the
/// embedder's `requested` limit. When the host's share is what bounds the guest (not
/// `requested`, not the `capped:N` fd space), says so once on target `fdvirt::limits`
/// (shown by `fdvirt run --trace`), so that a guest meeting `EMFILE` points at the knob.
fn fd_limit(requested: Option<usize>, policy: &FdPolicy) -> usize {
    let host = hostsock::NofileLimit::current();
    let share = host.as_ref().map_or(FALLBACK_MAX_FDS, |l| l.guest_fds());
    let space = usize::try_from(policy.end()).unwrap_or(usize::MAX);
    if share < requested.unwrap_or(usize::MAX) && share < space {
        match host {
            Ok(l) => tracing::info!(
                target: "fdvirt::limits",
                "fdvirt: guest fd limit {share}, set by the host: RLIMIT_NOFILE soft {} \
                 (hard {}) less {} fds fdvirt keeps; beyond it the guest gets EMFILE \
                 (raise `ulimit -Hn` for more; --max-fds lowers it)",
                l.soft,
                l.hard,
                hostsock::HOST_FD_RESERVE,
            ),
            Err(err) => tracing::info!(
                target: "fdvirt::limits",
                "fdvirt: guest fd limit {share} (RLIMIT_NOFILE unreadable: {err})"
            ),
        }
    }
    requested.map_or(share, |r| r.min(share))
}

/// Stdio (fds 0..=2) and preopened directories with their base rights.
fn initial_entries(
    stdin: Stdio,
    stdout: Stdio,
    stderr: Stdio,
    preopens: Vec<(Dir, String)>,
) -> (
    [(Descriptor, Rights); 3],
    impl Iterator<Item = (Descriptor, Rights)>,
) {
    let stdio = [
        (Descriptor::Stdin(Input::new(stdin)), Rights::STDIN),
        (
            Descriptor::Stdout(Output::new(stdout, HostStream::Stdout)),
            Rights::STDOUT,
        ),
        (
            Descriptor::Stderr(Output::new(stderr, HostStream::Stderr)),
            Rights::STDOUT,
        ),
    ];
    let preopens = preopens.into_iter().map(|(dir, name)| {
        let desc = Descriptor::Dir(DirDesc {
            dir,
            preopen: Some(name),
            listing: None,
        });
        (desc, Rights::DIR)
    });
    (stdio, preopens)
}
