//! Network options of `fdvirt run` and `fdvirt demo`: pre-opened listeners, the network
//! policy, and host-side socket behaviour.

use std::net::SocketAddr;

use clap::{Args, ValueEnum};
use hostsock::{Grant, NetUse, NetworkPolicy};
use netaddr::wasmedge::PortOrder;
use runtime_glue::{NetConfig, SocketOptions, UnixSockets};

/// Socket options shared by `run` and `demo`.
#[derive(Debug, Clone, Args)]
pub(crate) struct NetArgs {
    /// Open a listening TCP socket on HOST:PORT and hand it to the guest as a pre-opened
    /// fd (3, 4, ... in order, before --dir preopens), as Wasmtime's `--tcplisten`.
    /// Repeatable; `[::1]:8080` and `[::]:8080` work. As under Wasmtime, wasi-libc guests
    /// stop looking for preopened directories at the first fd that is not one, so a
    /// guest given both --tcplisten and --dir does not see the directories.
    #[arg(long = "tcplisten", value_name = "HOST:PORT")]
    pub(crate) tcplisten: Vec<SocketAddr>,

    /// Allow the guest to bind ADDR[/PREFIX]:PORTS (e.g. `127.0.0.1:8000-9000`,
    /// `[::]/0:*`). Repeatable. A use (bind, connect, lookup) with no --allow-* option
    /// stays allowed everywhere (WasmEdge-compatible); once given, only the grants listed
    /// for that use are allowed (others get EACCES).
    #[arg(long = "allow-bind", value_name = "ADDR:PORTS")]
    pub(crate) allow_bind: Vec<Grant>,

    /// Allow the guest to connect (and send datagrams) to ADDR[/PREFIX]:PORTS. Repeatable.
    #[arg(long = "allow-connect", value_name = "ADDR:PORTS")]
    pub(crate) allow_connect: Vec<Grant>,

    /// Allow name lookups (`sock_getaddrinfo`) to return addresses in
    /// ADDR[/PREFIX]:PORTS. Repeatable.
    #[arg(long = "allow-lookup", value_name = "ADDR:PORTS")]
    pub(crate) allow_lookup: Vec<Grant>,

    /// Leave Nagle's algorithm on for stream sockets. By default fdvirt sets TCP_NODELAY
    /// on every TCP socket, because a guest server that writes a response in two sends
    /// (hyper does) otherwise waits ~40 ms per keep-alive response for a delayed ACK.
    #[arg(long = "no-nodelay")]
    pub(crate) no_nodelay: bool,

    /// Byte order of the sender port `sock_recv_from_v2` writes: `host` (default; what
    /// the wasmedge_wasi_socket SDK reads) or `network` (bit-exact WasmEdge, which makes
    /// the SDK report byte-swapped ports).
    #[arg(
        long = "recv-from-port-order",
        value_name = "ORDER",
        default_value = "host"
    )]
    pub(crate) recv_from_port_order: PortOrderArg,

    /// Let the guest create AF_UNIX sockets (WasmEdge's flag; without it `sock_open` with
    /// family 3 fails with ENOSYS, as on WasmEdge). Unlike WasmEdge, socket paths are
    /// guest paths confined to the --dir preopens like files: binding needs a preopen, a
    /// path leaving it (`..`, symlinks) gets ENOTCAPABLE.
    #[arg(long = "allow-af-unix")]
    pub(crate) allow_af_unix: bool,
}

/// `--recv-from-port-order` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PortOrderArg {
    /// Little-endian u16 (what guest SDKs read).
    Host,
    /// Big-endian, as WasmEdge writes.
    Network,
}

impl NetArgs {
    /// The guest's network configuration.
    pub(crate) fn config(&self) -> NetConfig {
        let all = NetworkPolicy::allow_all();
        let mut policy = NetworkPolicy::deny_all();
        for (use_, grants) in [
            (NetUse::Bind, &self.allow_bind),
            (NetUse::Connect, &self.allow_connect),
            (NetUse::Lookup, &self.allow_lookup),
        ] {
            let chosen = if grants.is_empty() {
                all.grants(use_)
            } else {
                grants.as_slice()
            };
            for g in chosen {
                policy.insert(use_, *g);
            }
        }
        NetConfig {
            policy,
            options: SocketOptions {
                nodelay: !self.no_nodelay,
                recv_from_port_order: match self.recv_from_port_order {
                    PortOrderArg::Host => PortOrder::Host,
                    PortOrderArg::Network => PortOrder::Network,
                },
                unix: if self.allow_af_unix {
                    UnixSockets::Allow
                } else {
                    UnixSockets::Deny
                },
            },
            listeners: self.tcplisten.clone(),
        }
    }
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit, as servers expecting many
/// connections do: a guest socket costs the host one fd, and the guest's default fd
/// limit is the host's share ([`runtime_glue::default_max_fds`]), so a common soft limit
/// of 1024 would hold every guest to about a thousand connections whatever the hard
/// limit allows. Failure is only logged (the guest then gets the lower share).
pub(crate) fn raise_fd_limit() {
    if let Err(err) = hostsock::NofileLimit::raise_soft_to_hard() {
        tracing::debug!(%err, "could not raise RLIMIT_NOFILE");
    }
}
