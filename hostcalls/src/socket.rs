//! Socket descriptors and the per-guest network state.
//!
//! A guest socket is a [`SocketDesc`] in the same fd table as files, so the fd policy
//! (`lowest`, `random`, `capped:N`) numbers sockets too. The host socket is a
//! [`hostsock::Socket`] (non-blocking underneath, guest blocking mode on top); readiness
//! for `poll_oneoff` comes from one persistent [`hostsock::Poller`] per guest, in which a
//! socket is registered the first time it is polled (see the `poll` submodule). The
//! registration is part of the [`hostsock::Socket`] (its own fd, no duplicate: one host
//! fd per guest socket) and is
//! deleted from the poller by the socket's `Drop`, before its fd closes, whoever drops
//! the descriptor (`fd_close`, `fd_renumber` onto it, guest exit).

use std::{
    io::{self, IoSlice, IoSliceMut},
    net::SocketAddr,
    sync::Arc,
};

use hostsock::{Blocking, NetworkPolicy, Poller, RecvFlags, Socket, SocketKind};
use netaddr::wasmedge::PortOrder;

use crate::{
    errno::Fault,
    types::{Filetype, Rights},
};

mod poll;
pub(crate) mod unix;

pub(crate) use poll::{Outcome, PollSockets};
pub use unix::UnixSockets;

/// Host-side socket behaviour the embedder chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOptions {
    /// Set `TCP_NODELAY` on every stream socket (default true; see
    /// [`crate::wasmedge`] on Nagle stalls).
    pub nodelay: bool,
    /// Byte order of the port `sock_recv_from_v2` writes (default host order, so the
    /// Rust SDK's `recv_from` reports the right port; WasmEdge writes network order).
    pub recv_from_port_order: PortOrder,
    /// Whether `sock_open(AF_UNIX, ..)` works (default [`UnixSockets::Deny`]: `ENOSYS`,
    /// as WasmEdge without `--allow-af-unix`); paths stay inside the preopens.
    pub unix: UnixSockets,
}

impl Default for SocketOptions {
    fn default() -> Self {
        SocketOptions {
            nodelay: true,
            recv_from_port_order: PortOrder::Host,
            unix: UnixSockets::Deny,
        }
    }
}

/// Network configuration of one guest: policy, options and pre-opened listeners.
///
/// # Examples
///
/// A guest whose fd 3 is a pre-opened listener (`--tcplisten`), checked with
/// `fd_fdstat_get` (filetype 6 = `SOCKET_STREAM`), called here without an engine:
///
/// ```
/// use hostcalls::{GuestBuilder, NetConfig, Stdio, abi};
///
/// let net = NetConfig {
///     listeners: vec!["127.0.0.1:0".parse()?],
///     ..NetConfig::default()
/// };
/// let mut cx = GuestBuilder::new().network(net).stdout(Stdio::Null).build_ctx()?;
/// let mut memory = vec![0u8; 64];
/// let fdstat_get = abi::find("wasi_snapshot_preview1", "fd_fdstat_get").unwrap();
/// fdstat_get.invoke(&mut cx, &mut memory, &[3, 0])?;
/// assert_eq!(memory[0], 6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// What the guest may bind, connect to and look up (default: allow all, as WasmEdge).
    pub policy: NetworkPolicy,
    /// Host-side socket behaviour.
    pub options: SocketOptions,
    /// Listening sockets the host opens and hands to the guest as fds 3, 4, ... (before
    /// preopened directories), Wasmtime `--tcplisten` style.
    pub listeners: Vec<SocketAddr>,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            policy: NetworkPolicy::allow_all(),
            options: SocketOptions::default(),
            listeners: Vec::new(),
        }
    }
}

/// Network state kept in the guest context.
#[derive(Debug)]
pub struct NetState {
    /// The policy every socket checks addresses against.
    pub(crate) policy: Arc<NetworkPolicy>,
    /// Host-side options.
    pub(crate) options: SocketOptions,
    /// Created on first use, so guests without sockets never open an epoll fd.
    poller: Option<Poller>,
}

impl Default for NetState {
    fn default() -> Self {
        NetState::new(&NetConfig::default())
    }
}

impl NetState {
    /// State for `config` (its listeners are opened by [`open_listener`]).
    pub fn new(config: &NetConfig) -> Self {
        NetState {
            policy: Arc::new(config.policy.clone()),
            options: config.options,
            poller: None,
        }
    }

    /// The shared poller, created on first use.
    ///
    /// # Errors
    ///
    /// The host error from `epoll_create1` (e.g. `EMFILE`).
    pub(crate) fn poller(&mut self) -> io::Result<&mut Poller> {
        match &mut self.poller {
            Some(p) => Ok(p),
            slot => Ok(slot.insert(Poller::new()?)),
        }
    }

    /// Applies the host-side options to a new socket.
    pub(crate) fn configure(&self, sock: &mut Socket) {
        if sock.kind() == SocketKind::Stream
            && sock.family() != hostsock::AddressFamily::Unix
            && !self.options.nodelay
            && let Err(err) = sock.set_nodelay(false)
        {
            tracing::debug!(%err, "TCP_NODELAY off");
        }
    }
}

/// A guest socket descriptor.
#[derive(Debug)]
pub struct SocketDesc {
    /// The host socket (and its poller registration, made on first `poll_oneoff`).
    pub(crate) sock: Socket,
    /// Guest paths of an AF_UNIX socket (see [`unix`]); empty for IP sockets.
    pub(crate) names: unix::UnixNames,
}

impl SocketDesc {
    /// Wraps a host socket.
    pub(crate) fn new(sock: Socket) -> Self {
        SocketDesc {
            sock,
            names: unix::UnixNames::default(),
        }
    }

    /// `SOCKET_STREAM` for TCP, `SOCKET_DGRAM` for UDP (spec §8: more correct than
    /// WasmEdge's STREAM for both).
    pub(crate) fn filetype(&self) -> Filetype {
        match self.sock.kind() {
            SocketKind::Stream => Filetype::SocketStream,
            SocketKind::Datagram => Filetype::SocketDgram,
        }
    }

    /// Rights of a socket fd (spec §5.3, standard bit numbers): read/write, flags,
    /// poll, shutdown, and accept.
    pub(crate) fn rights() -> Rights {
        Rights::FD_READ
            .or(Rights::FD_WRITE)
            .or(Rights::FD_FDSTAT_SET_FLAGS)
            .or(Rights::POLL_FD_READWRITE)
            .or(Rights::SOCK_SHUTDOWN)
            .or(Rights::SOCK_ACCEPT)
    }

    /// Sets the guest blocking mode from `fdflags` (NONBLOCK bit).
    pub(crate) fn set_nonblocking(&mut self, nonblocking: bool) {
        self.sock.set_blocking(if nonblocking {
            Blocking::No
        } else {
            Blocking::Yes
        });
    }

    /// `fd_read` on a socket: a receive without flags.
    ///
    /// # Errors
    ///
    /// The receive's errno (`AGAIN`, `CONNRESET`, ...).
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> Result<usize, Fault> {
        let mut bufs = [IoSliceMut::new(buf)];
        Ok(self.sock.recv(&mut bufs, RecvFlags::default())?.bytes)
    }

    /// `fd_write` on a socket: a send without flags (`MSG_NOSIGNAL`: `EPIPE`, never
    /// SIGPIPE).
    ///
    /// # Errors
    ///
    /// The send's errno.
    pub(crate) fn write(&mut self, buf: &[u8]) -> Result<usize, Fault> {
        Ok(self.sock.send(&[IoSlice::new(buf)])?)
    }
}

/// Opens a pre-opened listener (`--tcplisten`): bound and listening before the guest
/// starts, with the guest's policy deliberately *not* applied (the embedder chose it).
///
/// # Errors
///
/// Host errors from `socket`/`bind`/`listen` (e.g. `EADDRINUSE`).
pub fn open_listener(addr: SocketAddr, net: &NetState) -> io::Result<SocketDesc> {
    let family = hostsock::AddressFamily::of(&addr);
    let host_policy = Arc::new(NetworkPolicy::allow_all());
    let mut sock = Socket::open(family, SocketKind::Stream, host_policy)?;
    sock.setsockopt(hostsock::SockOpt::ReuseAddr, hostsock::OptValue::Bool(true))?;
    sock.bind(addr)?;
    sock.listen(1024)?;
    net.configure(&mut sock);
    Ok(SocketDesc::new(sock))
}
