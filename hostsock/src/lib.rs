//! Host sockets for WASI guests: non-blocking host sockets with a per-socket guest
//! blocking mode, a persistent readiness poller, the io::Error -> WASI errno mapping, and
//! a network policy. No wasmi dependency, so any runtime can reuse it.
//!
//! # Examples
//!
//! A guest-style exchange on loopback, under a policy that allows only loopback:
//!
//! ```
//! use std::{io::{IoSlice, IoSliceMut}, sync::Arc};
//! use hostsock::{AddressFamily, Blocking, NetUse, NetworkPolicy, RecvFlags, Socket, SocketKind};
//!
//! let grant = "127.0.0.0/8:*".parse()?;
//! let policy = Arc::new(NetworkPolicy::deny_all().allow(NetUse::Bind, grant).allow(NetUse::Connect, grant));
//! let mut server = Socket::open(AddressFamily::Ipv4, SocketKind::Stream, policy.clone())?;
//! server.bind("127.0.0.1:0".parse()?)?;
//! server.listen(16)?;
//! let mut client = Socket::open(AddressFamily::Ipv4, SocketKind::Stream, policy)?;
//! client.connect(server.local_addr()?)?; // Blocking::Yes: waits for the handshake
//! let (mut conn, _peer) = server.accept(Blocking::Yes)?;
//! client.send(&[IoSlice::new(b"ping")])?;
//! let mut buf = [0u8; 4];
//! let got = conn.recv(&mut [IoSliceMut::new(&mut buf)], RecvFlags::default())?;
//! assert_eq!(&buf[..got.bytes], b"ping");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Waiting on readiness with a persistent [`Poller`]:
//!
//! ```
//! use std::{sync::Arc, time::Duration};
//! use hostsock::{AddressFamily, Interest, NetworkPolicy, Poller, Socket, SocketKind};
//!
//! let policy = Arc::new(NetworkPolicy::allow_all());
//! let mut socket = Socket::open(AddressFamily::Ipv4, SocketKind::Datagram, policy)?;
//! socket.bind("127.0.0.1:0".parse()?)?;
//! let mut poller = Poller::new()?;
//! let key = poller.insert(&mut socket)?; // once; the socket's own fd, no duplicate
//! let ready = poller.wait(&[(&socket, Interest::WRITABLE)], Some(Duration::from_secs(1)))?;
//! assert_eq!((ready[0].key, ready[0].writable), (key, true));
//! drop(socket); // deletes the registration, then closes the fd
//! assert!(poller.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A CLI-style policy and the errno a refusal becomes:
//!
//! ```
//! use hostsock::{Errno, Grant, NetUse, NetworkPolicy};
//!
//! let lan: Grant = "10.0.0.0/8:1024-65535".parse()?;
//! let policy = NetworkPolicy::deny_all().allow(NetUse::Connect, lan);
//! assert!(policy.allows(NetUse::Connect, "10.1.2.3:8080".parse()?));
//! let refused = policy.check(NetUse::Connect, "10.1.2.3:80".parse()?).unwrap_err();
//! assert_eq!(Errno::from(refused), Errno::Acces);
//! assert_eq!(Errno::Acces.raw(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! None.
//!
//! # Implementation
//!
//! Every host socket is `O_NONBLOCK`. A guest in blocking mode is served by retrying
//! after a single-fd `poll` bounded by the socket's stored `SO_RCVTIMEO`/`SO_SNDTIMEO`, so
//! no guest call can block the host in a way that cannot time out. The [`Poller`] keeps
//! one edge-triggered epoll registration per key (slab key = poller key, independent of
//! guest fds), made once and never modified, and caches per key whether an edge says the
//! socket may be ready, so a question about a socket whose state did not change costs no
//! system call ([`Poller::may_be_ready`], [`Poller::check`]). It registers the socket's
//! own fd (one host fd per socket); the registration is a private field of the
//! [`Socket`], whose `Drop` deletes it from the poller before the fd closes. epoll,
//! `poll` and `FIONREAD` go through rustix's safe wrappers: the crate has no `unsafe`.
//!
//! AF_UNIX sockets take no paths: they bind to a name inside an open directory fd and
//! connect to an open fd of the socket file, through `/proc/self/fd/<fd>`, so a caller
//! that opened those fds inside a sandbox (cap-std) cannot be led out of it by `..` or
//! symlinks ([`Socket::bind_unix`], [`Socket::connect_unix`], [`UnixName`]).
#![deny(unsafe_code)]

mod errno;
mod error;
mod interest;
mod limits;
mod policy;
mod poller;
mod resolve;
mod socket;
mod sockopt;
mod transfer;
mod unix;

#[cfg(test)]
mod tests;

pub use crate::{
    errno::{Errno, HOST_ERRNOS},
    error::{PolicyError, UnixNameError},
    interest::{Interest, Readiness},
    limits::{HOST_FD_RESERVE, NofileLimit},
    policy::{Grant, IpRange, NetUse, NetworkPolicy, PortRange},
    poller::Poller,
    resolve::{AddrInfo, LookupHints, Protocol, eai_errno, getaddrinfo},
    socket::{AddressFamily, Blocking, Socket, SocketKind, SocketState},
    sockopt::{OptValue, SockOpt},
    transfer::{Received, RecvFlags},
    unix::UnixName,
};
/// Re-exported: the direction argument of [`Socket::shutdown`].
pub use std::net::Shutdown;
