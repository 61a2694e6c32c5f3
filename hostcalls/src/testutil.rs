//! Fixtures shared by the unit tests: a guest with loopback sockets installed.

use std::{net::SocketAddr, sync::Arc};

use fdtable::{FdPolicy, FdTable};
use hostsock::{AddressFamily, Blocking, NetworkPolicy, Socket, SocketKind};

use crate::{
    ctx::GuestCtx,
    descriptor::{Descriptor, FdEntry},
    socket::SocketDesc,
};

/// A guest with an empty lowest-free fd table and the default (open) network policy.
pub(crate) fn guest() -> GuestCtx {
    GuestCtx::new(FdTable::new(FdPolicy::lowest()))
}

/// Installs `sock`, made non-blocking, as a socket fd with every socket right.
pub(crate) fn install(cx: &mut GuestCtx, mut sock: Socket) -> u32 {
    sock.set_blocking(Blocking::No);
    let rights = SocketDesc::rights();
    let entry = FdEntry::new(Descriptor::Socket(SocketDesc::new(sock)), rights, rights);
    cx.fds.insert(entry).expect("fd")
}

/// A TCP socket of the test process (host side, not in any guest).
pub(crate) fn tcp() -> Socket {
    let open = Arc::new(NetworkPolicy::allow_all());
    Socket::open(AddressFamily::Ipv4, SocketKind::Stream, open).expect("open")
}

/// A UDP socket bound to 127.0.0.1, port 0.
pub(crate) fn udp() -> Socket {
    let open = Arc::new(NetworkPolicy::allow_all());
    let mut u = Socket::open(AddressFamily::Ipv4, SocketKind::Datagram, open).expect("open");
    u.bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    u
}

/// A listener on 127.0.0.1 (port 0) handing out connected pairs.
#[derive(Debug)]
pub(crate) struct Loopback {
    /// The listening socket.
    pub(crate) listener: Socket,
    at: SocketAddr,
}

impl Loopback {
    pub(crate) fn new() -> Self {
        let mut listener = tcp();
        listener
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        listener.listen(8).expect("listen");
        let at = listener.local_addr().expect("addr");
        Self { listener, at }
    }

    /// A connected pair: (client, the accepted server side).
    pub(crate) fn pair(&mut self) -> (Socket, Socket) {
        let mut c = tcp();
        c.connect(self.at).expect("connect");
        let (s, _) = self.listener.accept(Blocking::Yes).expect("accept");
        (c, s)
    }
}
