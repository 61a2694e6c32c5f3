//! Socket descriptors and the per-guest network state.
//!
//! A guest socket is a [`SocketDesc`] in the same fd table as files, so the fd policy
//! (`lowest`, `random`, `capped:N`) numbers sockets too. The host socket is a
//! [`hostsock::Socket`] (non-blocking underneath, guest blocking mode on top); readiness
//! for `poll_oneoff` comes from one persistent [`hostsock::Poller`] per guest, in which a
//! socket is registered the first time it is polled and unregistered when the
//! descriptor is dropped (`fd_close`, `fd_renumber` onto it, guest exit), whoever drops
//! it: [`PollKey`]'s `Drop` does it, so no close path can leak the poller's duplicate fd
//! (which would keep the connection open for the peer).

use std::{
    io::{self, IoSlice, IoSliceMut},
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
};

use hostsock::{Blocking, NetworkPolicy, Poller, RecvFlags, Socket, SocketKind};
use netaddr::wasmedge::PortOrder;

use crate::{
    errno::{Errno, Fault},
    types::{Filetype, Rights},
};

/// The poller shared by a guest's sockets.
pub(crate) type SharedPoller = Arc<Mutex<Poller>>;

/// Locks the poller; a poisoned lock (a panic elsewhere) is still usable: the poller's
/// own state stays consistent across its methods.
pub(crate) fn lock(p: &SharedPoller) -> MutexGuard<'_, Poller> {
    p.lock().unwrap_or_else(|e| e.into_inner())
}

/// Host-side socket behaviour the embedder chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketOptions {
    /// Set `TCP_NODELAY` on every stream socket (default true; see
    /// [`crate::wasmedge`] on Nagle stalls).
    pub nodelay: bool,
    /// Byte order of the port `sock_recv_from_v2` writes (default host order, so the
    /// Rust SDK's `recv_from` reports the right port; WasmEdge writes network order).
    pub recv_from_port_order: PortOrder,
}

impl Default for SocketOptions {
    fn default() -> Self {
        SocketOptions {
            nodelay: true,
            recv_from_port_order: PortOrder::Host,
        }
    }
}

/// Network configuration of one guest: policy, options and pre-opened listeners.
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
    poller: Option<SharedPoller>,
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
    pub(crate) fn poller(&mut self) -> io::Result<SharedPoller> {
        if let Some(p) = &self.poller {
            return Ok(Arc::clone(p));
        }
        let p = Arc::new(Mutex::new(Poller::new()?));
        self.poller = Some(Arc::clone(&p));
        Ok(p)
    }

    /// Applies the host-side options to a new socket.
    pub(crate) fn configure(&self, sock: &mut Socket) {
        if sock.kind() == SocketKind::Stream && !self.options.nodelay {
            if let Err(err) = sock.set_nodelay(false) {
                tracing::debug!(%err, "TCP_NODELAY off");
            }
        }
    }
}

/// A socket's registration in the guest's poller; unregisters on drop.
#[derive(Debug)]
pub(crate) struct PollKey {
    poller: SharedPoller,
    key: usize,
}

impl Drop for PollKey {
    fn drop(&mut self) {
        lock(&self.poller).try_remove(self.key);
    }
}

/// A guest socket descriptor.
#[derive(Debug)]
pub struct SocketDesc {
    /// The host socket.
    pub(crate) sock: Socket,
    /// Poller registration, made on first `poll_oneoff`.
    key: Option<PollKey>,
}

impl SocketDesc {
    /// Wraps a host socket.
    pub(crate) fn new(sock: Socket) -> Self {
        SocketDesc { sock, key: None }
    }

    /// The socket's poller key, registering it on first use.
    ///
    /// # Errors
    ///
    /// Host errors from `dup`/`epoll_ctl`.
    pub(crate) fn poll_key(&mut self, net: &mut NetState) -> io::Result<(SharedPoller, usize)> {
        if let Some(k) = &self.key {
            return Ok((Arc::clone(&k.poller), k.key));
        }
        let poller = net.poller()?;
        let key = lock(&poller).insert(std::os::fd::AsFd::as_fd(&self.sock))?;
        self.key = Some(PollKey {
            poller: Arc::clone(&poller),
            key,
        });
        Ok((poller, key))
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

/// The errno for an fd that exists but is not a socket (spec §1: the host call would
/// fail with `ENOTSOCK`).
pub(crate) const NOT_A_SOCKET: Errno = Errno::Notsock;

/// One `poll_oneoff` subscription on a socket fd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SockSub {
    /// Index of the subscription in the guest's array (to match events back).
    pub(crate) index: usize,
    /// The guest fd.
    pub(crate) fd: u32,
    /// Read (`fd_read`) or write (`fd_write`) subscription.
    pub(crate) write: bool,
}

/// A completed socket subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SockEvent {
    /// Index of the subscription.
    pub(crate) index: usize,
    /// Bytes readable (read subscriptions; 1 when unknown, e.g. a listener) or 1.
    pub(crate) nbytes: u64,
    /// Full hang-up (`FD_READWRITE_HANGUP`).
    pub(crate) hangup: bool,
}

/// Waits through the guest's persistent poller until a socket subscription is ready or
/// `timeout` passes (`None`: no limit; `Some(ZERO)`: just check). Every `subs` fd must
/// be an open socket (the caller reports other fds itself).
///
/// # Errors
///
/// `EBADF`/`ENOTSOCK` for a bad fd; host errors from `epoll`.
pub(crate) fn poll_sockets(
    cx: &mut crate::ctx::GuestCtx,
    subs: &[SockSub],
    timeout: Option<std::time::Duration>,
) -> Result<Vec<SockEvent>, Fault> {
    use hostsock::Interest;
    let mut keyed = Vec::with_capacity(subs.len());
    let mut poller = None;
    for s in subs {
        let entry = cx.fds.get_mut(s.fd).ok_or(Errno::Badf)?;
        let crate::descriptor::Descriptor::Socket(desc) = &mut entry.desc else {
            return Err(NOT_A_SOCKET.into());
        };
        let (p, key) = desc.poll_key(&mut cx.net)?;
        let interest = if s.write {
            Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        keyed.push((key, interest));
        poller = Some(p);
    }
    let Some(poller) = poller else {
        return Ok(Vec::new());
    };
    let ready = lock(&poller).wait(&keyed, timeout)?;
    let mut events = Vec::new();
    for (s, (key, _)) in subs.iter().zip(&keyed) {
        let Some(r) = ready.iter().find(|r| r.key == *key) else {
            continue;
        };
        let fired = if s.write {
            r.writable || r.hangup || r.error
        } else {
            r.readable || r.hangup
        };
        if fired {
            let nbytes = if s.write { 1 } else { r.nbytes };
            events.push(SockEvent {
                index: s.index,
                nbytes,
                hangup: r.hangup,
            });
        }
    }
    Ok(events)
}
