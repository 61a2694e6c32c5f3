//! AF_UNIX sockets, reached only through directory fds.
//!
//! A UNIX socket address is a filesystem path, which the kernel resolves with the
//! caller's full authority; a sandboxed runtime must never hand it a guest's path. So
//! this module takes no paths at all: [`Socket::bind_unix`] takes an open *directory*
//! (which the caller opened inside its sandbox, e.g. with cap-std) plus one validated
//! path component ([`UnixName`]), and [`Socket::connect_unix`] / [`Socket::send_to_unix`]
//! take an open fd of the socket file itself (e.g. an `O_PATH` fd). The kernel is then
//! given `/proc/self/fd/<fd>/<name>` or `/proc/self/fd/<fd>`: Linux resolves the
//! `/proc/self/fd` magic link to exactly the inode the fd refers to, whatever happened to
//! the path it was opened by, so the bind lands in that directory and the connect
//! reaches that socket. Neither `..` nor a symlink can lead elsewhere: the name is a
//! single component that is not `.`/`..`, and `bind` does not follow a final symlink
//! (an existing entry of any kind is `EADDRINUSE`, as for any existing path).
//!
//! # Limits and choices
//!
//! * Needs procfs mounted at `/proc` (a missing one shows up as `ENOENT`).
//! * `sun_path` holds 108 bytes with the NUL; `/proc/self/fd/<fd>/` takes 15 to 25 of
//!   them, so a name longer than 83 bytes may give `ENAMETOOLONG` even though the guest's
//!   whole path fit.
//! * The abstract namespace (a leading NUL) is host-wide and outside any directory, so
//!   it cannot be named here, and `listen` on an unbound AF_UNIX socket (which Linux
//!   would autobind there) is `EINVAL` (see [`Socket::listen`]).
//! * Closing a bound socket does not remove its file (POSIX; the owner unlinks it).
//! * The [`crate::NetworkPolicy`] governs IP addresses only; for UNIX sockets the
//!   directory fds the caller grants are the policy.

use std::{
    ffi::{OsStr, OsString},
    io::{self, IoSlice},
    os::{
        fd::{AsRawFd, BorrowedFd},
        unix::ffi::OsStrExt,
    },
    path::PathBuf,
    time::{Duration, Instant},
};

use socket2::SockAddr;

use crate::{
    error::UnixNameError,
    socket::{AddressFamily, Blocking, Socket, SocketState, einval},
};

/// One path component naming a socket inside a directory: not empty, not `.` or `..`,
/// without `/` or NUL. Validated once, so [`Socket::bind_unix`] cannot be handed a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnixName(OsString);

impl UnixName {
    /// Validates `name`.
    ///
    /// # Errors
    /// [`UnixNameError`] saying which rule it breaks.
    pub fn new(name: impl AsRef<OsStr>) -> Result<UnixName, UnixNameError> {
        let name = name.as_ref();
        let bytes = name.as_bytes();
        if bytes.is_empty() {
            return Err(UnixNameError::Empty);
        }
        if bytes == b"." || bytes == b".." {
            return Err(UnixNameError::Dots);
        }
        if bytes.contains(&b'/') {
            return Err(UnixNameError::Slash);
        }
        if bytes.contains(&0) {
            return Err(UnixNameError::Nul);
        }
        Ok(UnixName(name.to_owned()))
    }

    /// The name.
    #[must_use]
    pub fn as_os_str(&self) -> &OsStr {
        &self.0
    }
}

/// `/proc/self/fd/<fd>` or `/proc/self/fd/<fd>/<name>` as a UNIX socket address.
fn proc_fd_addr(fd: BorrowedFd<'_>, name: Option<&UnixName>) -> io::Result<SockAddr> {
    let mut path = format!("/proc/self/fd/{}", fd.as_raw_fd()).into_bytes();
    if let Some(name) = name {
        path.push(b'/');
        path.extend_from_slice(name.as_os_str().as_bytes());
    }
    // SockAddr::unix says EINVAL for a path that does not fit sun_path; the guest
    // should hear what Linux says for a long socket path.
    if path.len() >= 108 {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    SockAddr::unix(OsStr::from_bytes(&path))
}

/// Growing pauses (1 ms doubling up to 50 ms) for a blocking AF_UNIX call that says
/// `EAGAIN` while there is no readiness to wait for: an unconnected UNIX socket polls
/// writable at once, whether the listener's backlog or the receiver's datagram queue is
/// full. Shared by [`Socket::connect_unix`] and the datagram send loop.
#[derive(Debug)]
pub(crate) struct Backoff {
    pause: Duration,
    deadline: Option<Instant>,
}

impl Backoff {
    /// Starts at the shortest pause; `None` never gives up.
    pub(crate) fn new(deadline: Option<Instant>) -> Backoff {
        Backoff {
            pause: Duration::from_millis(1),
            deadline,
        }
    }

    /// Sleeps the next pause and returns true, or returns false at once when the
    /// deadline has passed (the caller then reports its `EAGAIN`).
    pub(crate) fn pause(&mut self) -> bool {
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        std::thread::sleep(self.pause);
        self.pause = (self.pause * 2).min(Duration::from_millis(50));
        true
    }
}

/// The host path of a UNIX socket address; `None` when unnamed or abstract.
fn pathname(addr: &SockAddr) -> Option<PathBuf> {
    addr.as_pathname().map(PathBuf::from)
}

impl Socket {
    fn require_unix(&self) -> io::Result<()> {
        if self.family() == AddressFamily::Unix {
            Ok(())
        } else {
            Err(io::Error::from_raw_os_error(libc::EAFNOSUPPORT))
        }
    }

    /// Binds this AF_UNIX socket to `name` inside the directory `dir`, creating the
    /// socket file there (see the module docs for why a directory fd).
    ///
    /// # Examples
    ///
    /// A server in a directory and a client given an `O_PATH` fd of its socket file:
    ///
    /// ```
    /// use std::{fs, io::{IoSlice, IoSliceMut}, os::{fd::AsFd, unix::fs::OpenOptionsExt}, sync::Arc};
    /// use hostsock::{AddressFamily, Blocking, NetworkPolicy, RecvFlags, Socket, SocketKind, UnixName};
    ///
    /// let dir = std::env::temp_dir().join(format!("hostsock-doc-{}", std::process::id()));
    /// fs::create_dir_all(&dir)?;
    /// let policy = Arc::new(NetworkPolicy::deny_all()); // IP policy: irrelevant here
    /// let mut server = Socket::open(AddressFamily::Unix, SocketKind::Stream, policy.clone())?;
    /// server.bind_unix(fs::File::open(&dir)?.as_fd(), &UnixName::new("app.sock")?)?;
    /// server.listen(8)?;
    /// let target = fs::OpenOptions::new().read(true).custom_flags(libc::O_PATH).open(dir.join("app.sock"))?;
    /// let mut client = Socket::open(AddressFamily::Unix, SocketKind::Stream, policy)?;
    /// client.connect_unix(target.as_fd())?;
    /// let (mut conn, _unnamed) = server.accept_unix(Blocking::Yes)?;
    /// client.send(&[IoSlice::new(b"hi")])?;
    /// let mut buf = [0u8; 2];
    /// conn.recv(&mut [IoSliceMut::new(&mut buf)], RecvFlags::default())?;
    /// assert_eq!(&buf, b"hi");
    /// fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `EAFNOSUPPORT` on an IP socket; `EINVAL` when not [`SocketState::Fresh`];
    /// `ENAMETOOLONG`; host errors: `EADDRINUSE` when `name` exists (also a symlink),
    /// `EACCES` without write permission on the directory, `ENOTDIR`.
    pub fn bind_unix(&mut self, dir: BorrowedFd<'_>, name: &UnixName) -> io::Result<()> {
        self.require_unix()?;
        if self.state != SocketState::Fresh {
            return Err(einval());
        }
        self.inner.bind(&proc_fd_addr(dir, Some(name))?)?;
        self.state = SocketState::Bound;
        Ok(())
    }

    /// Connects this AF_UNIX socket to the socket file `target` is an open fd of (an
    /// `O_PATH` fd suffices); for a datagram socket this sets the default peer.
    ///
    /// A stream connect to a listener whose backlog is full is `EAGAIN` at once in
    /// [`Blocking::No`] mode (Linux never says `EINPROGRESS` here); in [`Blocking::Yes`]
    /// mode it is retried with growing pauses (1 to 50 ms) until it succeeds or the send
    /// timeout passes (then `EAGAIN`, as Linux).
    ///
    /// # Errors
    /// `EAFNOSUPPORT` on an IP socket; `EINVAL` when listening; `ENAMETOOLONG`; host
    /// errors: `ECONNREFUSED` (not a socket, or nobody listening), `EISCONN`,
    /// `EPROTOTYPE` (stream vs datagram), `EAGAIN`.
    pub fn connect_unix(&mut self, target: BorrowedFd<'_>) -> io::Result<()> {
        self.require_unix()?;
        if self.state == SocketState::Listening {
            return Err(einval());
        }
        let addr = proc_fd_addr(target, None)?;
        let mut backoff = Backoff::new(self.deadline(self.snd_timeout));
        loop {
            match self.inner.connect(&addr) {
                Ok(()) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        && self.blocking() == Blocking::Yes =>
                {
                    if !backoff.pause() {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        self.state = SocketState::Connected;
        Ok(())
    }

    /// Sends one datagram to the socket file `target` is an open fd of. The socket stays
    /// unnamed unless it was bound.
    ///
    /// # Errors
    /// `EAFNOSUPPORT` on an IP socket; as [`Socket::send`] otherwise, plus
    /// `ECONNREFUSED` when `target` is not a bound socket.
    pub fn send_to_unix(
        &mut self,
        bufs: &[IoSlice<'_>],
        target: BorrowedFd<'_>,
    ) -> io::Result<usize> {
        self.require_unix()?;
        let to = proc_fd_addr(target, None)?;
        self.send_to_raw(bufs, &to)
    }

    /// Accepts a connection on an AF_UNIX listener (see [`Socket::accept`] for modes and
    /// skipped connections). Returns the peer's host path, `None` when the peer is
    /// unnamed (the usual case for a client).
    ///
    /// # Errors
    /// `EAFNOSUPPORT` on an IP socket; as [`Socket::accept`] otherwise.
    pub fn accept_unix(&mut self, blocking: Blocking) -> io::Result<(Socket, Option<PathBuf>)> {
        self.require_unix()?;
        let (sock, addr) = self.accept_raw(blocking)?;
        Ok((sock, pathname(&addr)))
    }

    /// The host path this AF_UNIX socket is bound to as the kernel reports it (the
    /// `/proc/self/fd/...` form it was bound with); `None` when unnamed.
    ///
    /// # Errors
    /// `EAFNOSUPPORT` on an IP socket; host errors from `getsockname`.
    pub fn unix_local_path(&self) -> io::Result<Option<PathBuf>> {
        self.require_unix()?;
        Ok(pathname(&self.inner.local_addr()?))
    }

    /// The host path of the peer of this AF_UNIX socket; `None` when the peer is unnamed.
    ///
    /// # Errors
    /// `EAFNOSUPPORT` on an IP socket; `ENOTCONN` when not connected.
    pub fn unix_peer_path(&self) -> io::Result<Option<PathBuf>> {
        self.require_unix()?;
        Ok(pathname(&self.inner.peer_addr()?))
    }
}

#[cfg(test)]
mod tests;

impl From<UnixNameError> for crate::Errno {
    /// `.`/`..` would name a directory, possibly the sandbox's parent: `ENOTCAPABLE`,
    /// as for any path leaving a preopen. The other malformations are `EINVAL`.
    fn from(e: UnixNameError) -> Self {
        match e {
            UnixNameError::Dots => crate::Errno::Notcapable,
            _ => crate::Errno::Inval,
        }
    }
}
