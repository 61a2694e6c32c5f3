//! Where the guest's fds 0, 1 and 2 lead: [`Stdio`] and [`SharedBuffer`].

use rustix::{
    event::{PollFd, PollFlags},
    time::Timespec,
};
use std::{
    io::{self, IsTerminal, Read, Write},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
};

use crate::descriptor::Readiness;

/// What the embedder connects to a standard stream.
///
/// `Bytes` only makes sense for stdin and `Capture` only for stdout/stderr;
/// used on the wrong stream they behave as `Null`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Stdio {
    /// The host process's own stream.
    #[default]
    Inherit,
    /// Reads see end-of-file; writes are discarded.
    Null,
    /// Stdin reads these bytes, then end-of-file.
    Bytes(Vec<u8>),
    /// Stdout/stderr writes are appended to this buffer.
    Capture(SharedBuffer),
}

/// A clonable, thread-safe byte buffer for capturing guest output.
///
/// # Examples
///
/// ```
/// let buf = hostcalls::SharedBuffer::new();
/// let handle = buf.clone();
/// handle.append(b"hi");
/// assert_eq!(buf.contents(), b"hi");
/// ```
#[derive(Debug, Clone, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes, even if a writer panicked while holding the lock: what
    /// was appended before is still valid output.
    fn lock(&self) -> MutexGuard<'_, Vec<u8>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.lock().clone()
    }

    /// Appends bytes.
    pub fn append(&self, bytes: &[u8]) {
        self.lock().extend_from_slice(bytes);
    }
}

/// The guest's stdin.
#[derive(Debug)]
pub enum Input {
    /// The host's stdin.
    Inherit,
    /// Always end-of-file.
    Null,
    /// Fixed bytes, then end-of-file.
    Bytes(io::Cursor<Vec<u8>>),
}

impl Input {
    /// The stdin for an embedder's choice (`Capture` reads as `Null`).
    pub(crate) fn new(stdio: Stdio) -> Self {
        match stdio {
            Stdio::Inherit => Input::Inherit,
            Stdio::Bytes(b) => Input::Bytes(io::Cursor::new(b)),
            Stdio::Null | Stdio::Capture(_) => Input::Null,
        }
    }

    /// Reads into `buf`; 0 means end of file.
    pub(crate) fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            // Unbuffered, so what `readiness` polls is exactly what a read sees
            // (std's Stdin would keep bytes in its own buffer, invisible to poll).
            Input::Inherit => Ok(rustix::io::read(io::stdin(), buf)?),
            Input::Null => Ok(0),
            Input::Bytes(c) => c.read(buf),
        }
    }

    /// True when this is the host's stdin and that is a terminal.
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(self, Input::Inherit) && io::stdin().is_terminal()
    }

    /// Whether a read would proceed now, and how many bytes it would get
    /// when known. The host's stdin is polled without waiting.
    pub(crate) fn readiness(&self) -> Readiness {
        let ready = |nbytes, hangup| Readiness::Ready { nbytes, hangup };
        match self {
            Input::Null => ready(0, false),
            Input::Bytes(c) => {
                let len = c.get_ref().len() as u64;
                ready(len.saturating_sub(c.position()), false)
            }
            Input::Inherit => {
                let stdin = io::stdin();
                let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
                let zero = Timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                match rustix::event::poll(&mut fds, Some(&zero)) {
                    Ok(0) => Readiness::Pending,
                    Ok(_) => ready(0, fds[0].revents().contains(PollFlags::HUP)),
                    // Let the read itself report the error.
                    Err(_) => ready(0, false),
                }
            }
        }
    }
}

/// Which host stream an inherited output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostStream {
    /// fd 1 of the host.
    Stdout,
    /// fd 2 of the host.
    Stderr,
}

/// The guest's stdout or stderr.
#[derive(Debug)]
pub enum Output {
    /// The host's stdout or stderr.
    Inherit(HostStream),
    /// Discard.
    Null,
    /// Append to a buffer.
    Capture(SharedBuffer),
}

impl Output {
    /// The output for an embedder's choice (`Bytes` writes as `Null`).
    pub(crate) fn new(stdio: Stdio, which: HostStream) -> Self {
        match stdio {
            Stdio::Inherit => Output::Inherit(which),
            Stdio::Capture(b) => Output::Capture(b),
            Stdio::Null | Stdio::Bytes(_) => Output::Null,
        }
    }

    /// True when this is a host stream and that is a terminal.
    pub(crate) fn is_terminal(&self) -> bool {
        match self {
            Output::Inherit(HostStream::Stdout) => io::stdout().is_terminal(),
            Output::Inherit(HostStream::Stderr) => io::stderr().is_terminal(),
            Output::Null | Output::Capture(_) => false,
        }
    }

    /// Writes all of `buf` (stdio writes are never short).
    pub(crate) fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Inherit(HostStream::Stdout) => {
                let mut out = io::stdout().lock();
                out.write_all(buf)?;
                out.flush()?;
            }
            Output::Inherit(HostStream::Stderr) => io::stderr().lock().write_all(buf)?,
            Output::Null => {}
            Output::Capture(b) => b.append(buf),
        }
        Ok(buf.len())
    }
}
