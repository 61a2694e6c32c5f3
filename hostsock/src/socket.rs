//! Host sockets for guests: always non-blocking on the host, with a per-socket guest mode.
//!
//! # State machine
//!
//! ```text
//!            bind               listen
//!   Fresh ----------> Bound ------------> Listening --accept--> (new socket: Connected)
//!     |  \              |  (listen on Fresh binds implicitly; checked as a bind)
//!     |   \ connect     | connect
//!     |    v            v
//!     |   Connecting --(SO_ERROR = 0 / connect again)--> Connected
//!     |        |                                           ^
//!     |        +--(SO_ERROR != 0)--> back to Fresh/Bound    |
//!     +-------------------------- connect (completes at once) --+
//! ```
//!
//! UDP sockets go Fresh -> Bound (bind, or the implicit bind of `send_to`) and to
//! Connected on `connect` (default peer). `shutdown` does not change the state: the kernel
//! answers reads/writes after a shutdown itself.
//!
//! # Blocking
//!
//! The host fd is always `O_NONBLOCK`. A guest in [`Blocking::Yes`] mode is served by
//! trying the operation, and on `EAGAIN` waiting for readiness (single-fd `poll`) with the
//! socket's receive/send timeout (`SO_RCVTIMEO`/`SO_SNDTIMEO`, kept here because the host
//! kernel ignores them on non-blocking fds); a timeout gives `EAGAIN`, as Linux does. In
//! [`Blocking::No`] mode `EAGAIN` is returned at once.

use std::{
    io,
    net::{Shutdown, SocketAddr},
    os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd},
    sync::Arc,
    time::{Duration, Instant},
};

use socket2::{Domain, SockAddr, Type};

use crate::{
    interest::Interest,
    policy::{NetUse, NetworkPolicy},
    poller::{Registration, poll_flags, poll_zero},
};

/// Address family of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressFamily {
    /// IPv4 (`AF_INET`).
    Ipv4,
    /// IPv6 (`AF_INET6`).
    Ipv6,
    /// UNIX domain (`AF_UNIX`), reached only through a directory fd; see the `unix`
    /// module ([`Socket::bind_unix`], [`Socket::connect_unix`]).
    Unix,
}

impl AddressFamily {
    /// The family of an IP address (never [`AddressFamily::Unix`]).
    #[must_use]
    pub fn of(addr: &SocketAddr) -> AddressFamily {
        if addr.is_ipv4() {
            AddressFamily::Ipv4
        } else {
            AddressFamily::Ipv6
        }
    }
}

/// Transport of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketKind {
    /// TCP (`SOCK_STREAM`).
    Stream,
    /// UDP (`SOCK_DGRAM`).
    Datagram,
}

/// Whether guest calls on a socket wait (`Yes`) or return `EAGAIN` (`No`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Blocking {
    /// Wait for readiness, honouring the receive/send timeouts.
    Yes,
    /// Return `EAGAIN` (or `EINPROGRESS` for connect) instead of waiting.
    No,
}

/// Where a socket is in its life; see the module docs for the transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketState {
    /// Just opened: not bound, not connected.
    Fresh,
    /// Bound to a local address (explicitly, or implicitly by `send_to`).
    Bound,
    /// Accepting connections.
    Listening,
    /// A non-blocking connect is in flight; completion is read from `SO_ERROR`.
    Connecting,
    /// Connected (TCP), or has a default peer (UDP).
    Connected,
}

/// A host socket owned by a guest.
#[derive(Debug)]
pub struct Socket {
    pub(crate) inner: socket2::Socket,
    family: AddressFamily,
    kind: SocketKind,
    pub(crate) state: SocketState,
    /// The state to return to when a pending connect fails (Fresh or Bound).
    pub(crate) before_connect: SocketState,
    blocking: Blocking,
    pub(crate) rcv_timeout: Option<Duration>,
    pub(crate) snd_timeout: Option<Duration>,
    policy: Arc<NetworkPolicy>,
    /// Registration in a [`crate::Poller`] of `inner` itself; deleted by `Drop` (in
    /// `poller.rs`) before `inner` closes.
    pub(crate) reg: Option<Registration>,
    /// The peer of a TCP socket: the address `accept4` returned, or the one a connect
    /// went to (the target while [`SocketState::Connecting`], the kernel's answer once
    /// connected). Kept because Linux's `getpeername` says `ENOTCONN` as soon as the
    /// peer resets, yet the socket still has that peer: a native server has it from
    /// `accept4` itself, while WasmEdge-SDK guests ask `sock_getpeeraddr` right after
    /// `sock_accept` and die on the error (issue 16). See [`Socket::peer_addr`].
    peer: Option<SocketAddr>,
}

pub(crate) fn einval() -> io::Error {
    io::Error::from_raw_os_error(libc::EINVAL)
}

pub(crate) fn eagain() -> io::Error {
    io::Error::from_raw_os_error(libc::EAGAIN)
}

fn retry_accept(err: &io::Error) -> bool {
    // The peer may have reset between the kernel queueing and us accepting; Linux then
    // reports ECONNABORTED (or EPROTO); EINTR is a signal. None of these is the
    // listener's fault, so try the next pending connection instead of failing.
    matches!(
        err.raw_os_error(),
        Some(libc::ECONNABORTED | libc::EPROTO | libc::EINTR)
    )
}

impl Socket {
    /// Opens a socket: non-blocking and close-on-exec on the host, [`Blocking::Yes`] for
    /// the guest (as WasmEdge's `sock_open`), `TCP_NODELAY` on for streams (a guest HTTP
    /// server writing headers and body in two sends would otherwise stall on Nagle plus
    /// delayed ACK for ~40 ms per response).
    ///
    /// # Errors
    /// The host error from `socket()` (`EMFILE`, `EAFNOSUPPORT` without IPv6, ...).
    pub fn open(
        family: AddressFamily,
        kind: SocketKind,
        policy: Arc<NetworkPolicy>,
    ) -> io::Result<Socket> {
        let domain = match family {
            AddressFamily::Ipv4 => Domain::IPV4,
            AddressFamily::Ipv6 => Domain::IPV6,
            AddressFamily::Unix => Domain::UNIX,
        };
        let ty = match kind {
            SocketKind::Stream => Type::STREAM,
            SocketKind::Datagram => Type::DGRAM,
        };
        let inner = socket2::Socket::new(domain, ty.nonblocking().cloexec(), None)?;
        if kind == SocketKind::Stream && family != AddressFamily::Unix {
            inner.set_tcp_nodelay(true)?;
        }
        Ok(Socket::wrap(
            inner,
            family,
            kind,
            SocketState::Fresh,
            Blocking::Yes,
            policy,
        ))
    }

    pub(crate) fn wrap(
        inner: socket2::Socket,
        family: AddressFamily,
        kind: SocketKind,
        state: SocketState,
        blocking: Blocking,
        policy: Arc<NetworkPolicy>,
    ) -> Socket {
        Socket {
            inner,
            family,
            kind,
            state,
            before_connect: state,
            blocking,
            rcv_timeout: None,
            snd_timeout: None,
            policy,
            reg: None,
            peer: None,
        }
    }

    /// Address family.
    #[must_use]
    pub fn family(&self) -> AddressFamily {
        self.family
    }

    /// TCP or UDP.
    #[must_use]
    pub fn kind(&self) -> SocketKind {
        self.kind
    }

    /// Current state.
    #[must_use]
    pub fn state(&self) -> SocketState {
        self.state
    }

    /// The guest's blocking mode.
    #[must_use]
    pub fn blocking(&self) -> Blocking {
        self.blocking
    }

    /// Sets the guest's blocking mode (`fd_fdstat_set_flags` NONBLOCK). The host fd stays
    /// non-blocking either way.
    pub fn set_blocking(&mut self, blocking: Blocking) {
        self.blocking = blocking;
    }

    /// The policy this socket checks addresses against.
    #[must_use]
    pub fn policy(&self) -> &Arc<NetworkPolicy> {
        &self.policy
    }

    /// Binds to `addr` after a policy check.
    ///
    /// # Errors
    /// `EAFNOSUPPORT` for an address of the other family; `EACCES` when the policy
    /// refuses; `EINVAL` when not [`SocketState::Fresh`]; host errors (`EADDRINUSE`, ...).
    pub fn bind(&mut self, addr: SocketAddr) -> io::Result<()> {
        if AddressFamily::of(&addr) != self.family {
            return Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
        }
        self.policy.check(NetUse::Bind, addr)?;
        if self.state != SocketState::Fresh {
            return Err(einval());
        }
        self.inner.bind(&SockAddr::from(addr))?;
        self.state = SocketState::Bound;
        Ok(())
    }

    /// Starts listening. On a [`SocketState::Fresh`] socket the kernel binds an ephemeral
    /// port on the unspecified address, so that is checked as a bind of `[::]:0` / `0.0.0.0:0`.
    /// A fresh AF_UNIX socket is refused instead: Linux would autobind it to a name in the
    /// abstract namespace, which is host-wide and outside any directory sandbox.
    ///
    /// # Errors
    /// `EOPNOTSUPP` on UDP; `EINVAL` when connecting/connected or an unbound AF_UNIX
    /// socket; `EACCES` for the implicit bind; host errors.
    pub fn listen(&mut self, backlog: i32) -> io::Result<()> {
        if self.kind != SocketKind::Stream {
            return Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP));
        }
        match self.state {
            SocketState::Fresh => match self.unspecified() {
                Some(any) => self.policy.check(NetUse::Bind, any)?,
                None => return Err(einval()),
            },
            SocketState::Bound | SocketState::Listening => {}
            SocketState::Connecting | SocketState::Connected => return Err(einval()),
        }
        self.inner.listen(backlog)?;
        self.state = SocketState::Listening;
        Ok(())
    }

    /// The unspecified address of an IP family; `None` for AF_UNIX.
    fn unspecified(&self) -> Option<SocketAddr> {
        match self.family {
            AddressFamily::Ipv4 => Some(SocketAddr::from(([0u8; 4], 0))),
            AddressFamily::Ipv6 => Some(SocketAddr::from(([0u16; 8], 0))),
            AddressFamily::Unix => None,
        }
    }

    /// Accepts a connection; the new socket is [`SocketState::Connected`] with the guest
    /// mode `blocking` (Linux does not inherit O_NONBLOCK; `sock_accept_v2` passes it).
    /// Connections whose peer already left (`ECONNABORTED`, `EPROTO`) are skipped.
    /// AF_UNIX listeners use [`Socket::accept_unix`] (a UNIX peer is no `SocketAddr`).
    ///
    /// # Errors
    /// `EINVAL` when not listening; `EAGAIN` when nothing is pending (non-blocking) or the
    /// receive timeout passed (blocking); `EAFNOSUPPORT` on an AF_UNIX socket; host
    /// errors (`EMFILE`, ...).
    pub fn accept(&mut self, blocking: Blocking) -> io::Result<(Socket, SocketAddr)> {
        let Some(any) = self.unspecified() else {
            return Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
        };
        let (mut sock, addr) = self.accept_raw(blocking)?;
        inherit_nodelay(self, &sock);
        let peer = addr.as_socket().unwrap_or(any);
        sock.peer = Some(peer);
        Ok((sock, peer))
    }

    /// The accept loop shared by every family: the new socket and the raw peer address.
    pub(crate) fn accept_raw(&mut self, blocking: Blocking) -> io::Result<(Socket, SockAddr)> {
        if self.state != SocketState::Listening {
            return Err(einval());
        }
        let deadline = self.deadline(self.rcv_timeout);
        let (inner, addr) = loop {
            match self.inner.accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) {
                Ok(pair) => break pair,
                Err(e) if retry_accept(&e) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // An AF_UNIX listener shut down for reading polls readable for ever
                    // while accept4 says EAGAIN; a blocking Linux accept is EINVAL there
                    // (`unix_accept`), and so is ours, instead of spinning (fuzz finding
                    // unix-accept-spin).
                    if self.blocking == Blocking::Yes && self.read_side_shut()? {
                        return Err(einval());
                    }
                    self.wait_or_again(Interest::READABLE, deadline)?
                }
                Err(e) => return Err(e),
            }
        };
        let sock = Socket::wrap(
            inner,
            self.family,
            self.kind,
            SocketState::Connected,
            blocking,
            Arc::clone(&self.policy),
        );
        Ok((sock, addr))
    }

    /// Connects to `addr` (for UDP: sets the default peer) after a policy check.
    ///
    /// Non-blocking mode: `EINPROGRESS`, then the guest waits for writability and reads
    /// the result with [`Socket::take_error`]. Blocking mode: waits up to the send timeout
    /// (as Linux does for `connect`); if it passes, `EINPROGRESS` and the connect goes on.
    ///
    /// # Errors
    /// `EAFNOSUPPORT` for the other family; `EACCES` from the policy; `EINVAL` when
    /// listening; `EINPROGRESS`, `EALREADY`, `EISCONN`, `ECONNREFUSED`, ... from the host.
    pub fn connect(&mut self, addr: SocketAddr) -> io::Result<()> {
        if AddressFamily::of(&addr) != self.family {
            return Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
        }
        self.policy.check(NetUse::Connect, addr)?;
        if self.state == SocketState::Listening {
            return Err(einval());
        }
        if matches!(self.state, SocketState::Fresh | SocketState::Bound) {
            // The target of this attempt (a repeated connect while Connecting goes on
            // to the first target, or fails with EALREADY; a connected one, EISCONN).
            self.peer = Some(addr);
        }
        match self.inner.connect(&SockAddr::from(addr)) {
            Ok(()) => {
                self.established(None);
                Ok(())
            }
            Err(e)
                if e.raw_os_error() == Some(libc::EISCONN)
                    && self.state == SocketState::Connecting =>
            {
                self.established(None);
                Ok(())
            }
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
                if self.state != SocketState::Connecting {
                    self.before_connect = self.state;
                }
                self.state = SocketState::Connecting;
                match self.blocking {
                    Blocking::No => Err(e),
                    Blocking::Yes => self.finish_connect(),
                }
            }
            Err(e) => Err(e),
        }
    }

    fn finish_connect(&mut self) -> io::Result<()> {
        let deadline = self.deadline(self.snd_timeout);
        if !self.wait_ready(Interest::WRITABLE, deadline)? {
            return Err(io::Error::from_raw_os_error(libc::EINPROGRESS));
        }
        match self.take_error()? {
            Some(err) => Err(err),
            None if self.state == SocketState::Connected => Ok(()),
            // Writable without an error but not connected yet cannot happen on Linux;
            // report the connect as still running rather than guess.
            None => Err(io::Error::from_raw_os_error(libc::EINPROGRESS)),
        }
    }

    /// Reads and clears the pending socket error (`SO_ERROR`). On a
    /// [`SocketState::Connecting`] socket this also completes the state machine: an error
    /// means the connect failed (back to Fresh/Bound), none plus a peer means Connected.
    ///
    /// # Errors
    /// Host errors from `getsockopt`.
    pub fn take_error(&mut self) -> io::Result<Option<io::Error>> {
        let err = self.inner.take_error()?;
        if self.state == SocketState::Connecting {
            if err.is_some() {
                self.state = self.before_connect;
            } else if let Ok(peer) = self.inner.peer_addr() {
                self.established(Some(peer));
            }
        }
        Ok(err)
    }

    /// A connect completed: the state becomes Connected and the peer is captured, as
    /// the kernel reports it (its flowinfo and scope id), else the connect's target.
    /// `kernel` is a `getpeername` result the caller already has.
    fn established(&mut self, kernel: Option<SockAddr>) {
        self.state = SocketState::Connected;
        let kernel = kernel.or_else(|| self.inner.peer_addr().ok());
        if let Some(peer) = kernel.and_then(|a| a.as_socket()) {
            self.peer = Some(peer);
        }
    }

    /// Shuts down one or both directions.
    ///
    /// # Errors
    /// `ENOTCONN` on an unconnected stream socket; host errors.
    pub fn shutdown(&mut self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how)
    }

    /// The local address (`0.0.0.0:0` / `[::]:0` when unbound).
    ///
    /// # Errors
    /// Host errors from `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()?.as_socket().ok_or_else(einval)
    }

    /// The peer address. A TCP socket answers from the peer captured when it was
    /// connected (by [`Socket::accept`] or a completed [`Socket::connect`]) for its whole
    /// life, also after the peer reset or closed, as the address `accept4` returns stays
    /// valid natively; other sockets ask the kernel.
    ///
    /// # Errors
    /// `ENOTCONN` when not connected.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        if self.state == SocketState::Connected
            && self.kind == SocketKind::Stream
            && let Some(peer) = self.peer
        {
            return Ok(peer);
        }
        self.inner.peer_addr()?.as_socket().ok_or_else(einval)
    }

    /// Bytes queued for reading (`FIONREAD`).
    ///
    /// # Errors
    /// Host errors from `ioctl` (e.g. `EINVAL` on a listening socket).
    pub fn nread(&self) -> io::Result<u64> {
        Ok(rustix::io::ioctl_fionread(&self.inner)?)
    }

    pub(crate) fn deadline(&self, timeout: Option<Duration>) -> Option<Instant> {
        timeout.and_then(|t| Instant::now().checked_add(t))
    }

    /// After a WouldBlock: in non-blocking mode, `EAGAIN`; in blocking mode, wait for
    /// `interest` until `deadline`, and `EAGAIN` if it passes.
    pub(crate) fn wait_or_again(
        &self,
        interest: Interest,
        deadline: Option<Instant>,
    ) -> io::Result<()> {
        if self.blocking == Blocking::No || !self.wait_ready(interest, deadline)? {
            return Err(eagain());
        }
        Ok(())
    }

    /// Whether the receive side is closed: shut down locally, or (streams) by the peer.
    /// A zero-timeout `poll` for `POLLRDHUP`, which Linux reports for both.
    pub(crate) fn read_side_shut(&self) -> io::Result<bool> {
        use rustix::event::PollFlags;
        Ok(poll_zero(&self.inner, PollFlags::RDHUP)?
            .is_some_and(|r| r.intersects(PollFlags::RDHUP | PollFlags::HUP)))
    }

    /// Waits until the socket is ready for `interest` (or has an error/hang-up); false
    /// when `deadline` passed first. `None` waits without limit.
    ///
    /// # Errors
    /// Host errors from `poll`.
    pub fn wait_ready(&self, interest: Interest, deadline: Option<Instant>) -> io::Result<bool> {
        use rustix::event::{PollFd, Timespec};
        let flags = poll_flags(interest);
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let ts = left.map(|l| {
                Timespec::try_from(l).unwrap_or(Timespec {
                    tv_sec: i64::MAX,
                    tv_nsec: 0,
                })
            });
            let mut fds = [PollFd::new(&self.inner, flags)];
            match rustix::event::poll(&mut fds, ts.as_ref()) {
                Ok(0) if left.is_some_and(|l| l.is_zero()) => return Ok(false),
                Ok(0) => {}
                Ok(_) => return Ok(true),
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

/// Gives an accepted socket its listener's TCP_NODELAY. Linux copies it into the accepted
/// socket already (the accepted socket is a clone of the listener), so there this costs
/// no syscall, two fewer per connection; elsewhere it is set explicitly. A peer that
/// already reset may make setting it fail, which must not fail the accept.
fn inherit_nodelay(listener: &Socket, accepted: &Socket) {
    if cfg!(target_os = "linux") {
        return;
    }
    let on = listener.inner.tcp_nodelay().unwrap_or(true);
    if let Err(err) = accepted.inner.set_tcp_nodelay(on) {
        tracing::debug!(%err, "hostsock: TCP_NODELAY on accepted socket");
    }
}
