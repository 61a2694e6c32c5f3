//! Data transfer on a [`Socket`]: send, send_to, recv, recv_from.
//!
//! Sends use `MSG_NOSIGNAL` (a reset peer gives `EPIPE`, never SIGPIPE, spec §9).
//! Receives go through rustix's safe `recvmsg` (initialised `IoSliceMut` buffers, and it
//! reports `MSG_TRUNC`); every call is `MSG_DONTWAIT` and blocking guests wait for
//! readiness in between, see the [`Socket`] module docs.

use std::{
    io::{self, IoSlice, IoSliceMut},
    net::SocketAddr,
    time::Instant,
};

use socket2::SockAddr;

use crate::{
    interest::Interest,
    policy::NetUse,
    socket::{AddressFamily, Blocking, Socket, SocketKind, SocketState},
    unix::Backoff,
};

/// Flags for [`Socket::recv`] (the WASI `riflags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RecvFlags {
    /// Look at the data without consuming it (`MSG_PEEK`).
    pub peek: bool,
    /// In blocking mode, wait until every buffer is full or the stream ends
    /// (`MSG_WAITALL`; stream sockets only, ignored together with `peek`).
    pub waitall: bool,
}

/// Result of a receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes written into the buffers (0 = orderly EOF on a stream socket).
    pub bytes: usize,
    /// The datagram was longer than the buffers (`MSG_TRUNC`; the WASI
    /// `RECV_DATA_TRUNCATED` roflag).
    pub truncated: bool,
}

impl Socket {
    /// Sends from `bufs` (`sendmsg`, `MSG_NOSIGNAL`: a reset peer gives `EPIPE`, never
    /// SIGPIPE) and returns the bytes sent.
    ///
    /// Non-blocking mode sends what fits (possibly fewer bytes than offered). Blocking
    /// mode on a stream behaves like a blocking Linux `send`: it keeps going until every
    /// byte is queued, and if the send timeout passes part-way it returns the partial
    /// count (or `EAGAIN` when nothing was sent).
    ///
    /// # Errors
    /// `EAGAIN` (non-blocking, or send timeout), `EPIPE`, `ECONNRESET`, `ENOTCONN`, ...
    pub fn send(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let deadline = self.deadline(self.snd_timeout);
        let first = self.send_once(bufs, deadline)?;
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let send_all = self.blocking() == Blocking::Yes && self.kind() == SocketKind::Stream;
        if !send_all || first >= total {
            return Ok(first);
        }
        let mut rest: Vec<IoSlice<'_>> = bufs.to_vec();
        let mut rest = &mut rest[..];
        IoSlice::advance_slices(&mut rest, first);
        let mut sent = first;
        while sent < total {
            match self.send_once(rest, deadline) {
                Ok(n) => {
                    sent += n;
                    IoSlice::advance_slices(&mut rest, n);
                }
                // Timed out or failed after some bytes went out: report those, as Linux
                // does; the error (e.g. a reset) shows up on the next call.
                Err(_) => break,
            }
        }
        Ok(sent)
    }

    /// One `sendmsg`, waiting (blocking mode) while the send buffer is full.
    fn send_once(&mut self, bufs: &[IoSlice<'_>], deadline: Option<Instant>) -> io::Result<usize> {
        loop {
            match self
                .inner
                .send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
            {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.wait_or_again(Interest::WRITABLE, deadline)?
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    /// Sends one datagram (or stream data) to `addr` after a policy check (as a
    /// [`NetUse::Connect`]). An unbound socket becomes [`SocketState::Bound`].
    ///
    /// # Errors
    /// As [`Socket::send`], plus `EAFNOSUPPORT` and `EACCES`.
    pub fn send_to(&mut self, bufs: &[IoSlice<'_>], addr: SocketAddr) -> io::Result<usize> {
        if AddressFamily::of(&addr) != self.family() {
            return Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT));
        }
        self.policy().check(NetUse::Connect, addr)?;
        self.send_to_raw(bufs, &SockAddr::from(addr))
    }

    /// The `sendmsg` loop of [`Socket::send_to`], for any family's address (AF_UNIX
    /// passes its `/proc/self/fd` path, see [`Socket::send_to_unix`]).
    pub(crate) fn send_to_raw(&mut self, bufs: &[IoSlice<'_>], to: &SockAddr) -> io::Result<usize> {
        let deadline = self.deadline(self.snd_timeout);
        let mut backoff = Backoff::new(deadline);
        let sent = loop {
            match self
                .inner
                .send_to_vectored_with_flags(bufs, to, libc::MSG_NOSIGNAL)
            {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && self.unix_datagram() => {
                    // A receiver's full queue (`net.unix.max_dgram_qlen`) says EAGAIN
                    // while the unconnected sender polls writable: there is no readiness
                    // to wait for, so a blocking send backs off until the send timeout,
                    // as `connect_unix` does, instead of spinning for ever.
                    if self.blocking() == Blocking::No || !backoff.pause() {
                        return Err(e);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.wait_or_again(Interest::WRITABLE, deadline)?
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        // IP sockets are bound implicitly by a send; AF_UNIX ones stay unnamed (Linux
        // autobinds them only with SO_PASSCRED) and may still be bound afterwards.
        if self.state == SocketState::Fresh && self.family() != AddressFamily::Unix {
            self.state = SocketState::Bound;
        }
        Ok(sent)
    }

    /// Whether this is an AF_UNIX datagram socket.
    fn unix_datagram(&self) -> bool {
        self.family() == AddressFamily::Unix && self.kind() == SocketKind::Datagram
    }

    /// Receives into `bufs`.
    ///
    /// # Errors
    /// `EAGAIN` (non-blocking, or receive timeout), `ECONNRESET`, `ENOTCONN`, ...
    pub fn recv(&mut self, bufs: &mut [IoSliceMut<'_>], flags: RecvFlags) -> io::Result<Received> {
        self.recv_from(bufs, flags).map(|(r, _)| r)
    }

    /// Receives into `bufs` and reports the sender (`None` on a connected stream).
    ///
    /// # Errors
    /// As [`Socket::recv`].
    pub fn recv_from(
        &mut self,
        mut bufs: &mut [IoSliceMut<'_>],
        flags: RecvFlags,
    ) -> io::Result<(Received, Option<SocketAddr>)> {
        let deadline = self.deadline(self.rcv_timeout);
        let waitall = flags.waitall
            && !flags.peek
            && self.kind() == SocketKind::Stream
            && self.blocking() == Blocking::Yes;
        let mut want: usize = bufs.iter().map(|b| b.len()).sum();
        let mut total = Received {
            bytes: 0,
            truncated: false,
        };
        let mut from = None;
        loop {
            match self.recv_once(bufs, flags.peek) {
                Ok((got, sender)) => {
                    total.bytes += got.bytes;
                    total.truncated |= got.truncated;
                    from = from.or(sender);
                    want = want.saturating_sub(got.bytes);
                    if !waitall || got.bytes == 0 || want == 0 {
                        return Ok((total, from));
                    }
                    IoSliceMut::advance_slices(&mut bufs, got.bytes);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if total.bytes > 0 && self.blocking() == Blocking::No {
                        return Ok((total, from));
                    }
                    // A socket shut down for reading (even a UDP one, where Linux marks the
                    // shutdown but answers ENOTCONN) polls readable for ever while
                    // MSG_DONTWAIT says EAGAIN; a blocking Linux recv returns end of file
                    // there, and so do we, instead of spinning (fuzz finding udp-recv-spin).
                    if self.blocking() == Blocking::Yes && self.read_side_shut()? {
                        return Ok((total, from));
                    }
                    match self.wait_or_again(Interest::READABLE, deadline) {
                        Ok(()) => {}
                        // A waitall that timed out after a partial read returns what it has.
                        Err(_) if total.bytes > 0 => return Ok((total, from)),
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn recv_once(
        &self,
        bufs: &mut [IoSliceMut<'_>],
        peek: bool,
    ) -> io::Result<(Received, Option<SocketAddr>)> {
        use rustix::net::{RecvAncillaryBuffer, RecvFlags as F, ReturnFlags};
        let flags = if peek {
            F::PEEK | F::DONTWAIT
        } else {
            F::DONTWAIT
        };
        let msg = rustix::net::recvmsg(
            &self.inner,
            bufs,
            &mut RecvAncillaryBuffer::default(),
            flags,
        )?;
        let truncated = msg.flags.contains(ReturnFlags::TRUNC);
        let cap: usize = bufs.iter().map(|b| b.len()).sum();
        let from = msg.address.and_then(|a| SocketAddr::try_from(a).ok());
        Ok((
            Received {
                bytes: msg.bytes.min(cap),
                truncated,
            },
            from,
        ))
    }
}
