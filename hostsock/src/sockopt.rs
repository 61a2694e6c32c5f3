//! Socket options at `SOL_SOCKET`, numbered as the WasmEdge ABI numbers them (spec §2.2,
//! §6.13/6.14), plus `TCP_NODELAY` as a plain method.
//!
//! Values are typed ([`OptValue`]); turning them into guest bytes (4-byte ints, 8-byte
//! linger, 16-byte timeval) is the glue's job. Receive/send timeouts are stored on the
//! [`Socket`] rather than in the kernel, because host fds are non-blocking and the kernel
//! ignores them there; blocking guest calls honour the stored values.

use std::{io, time::Duration};

use crate::{
    errno::Errno,
    socket::{Socket, SocketKind, einval},
};

/// A `SOL_SOCKET` option, with the WasmEdge `sock_opt_so` numbers as discriminants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum SockOpt {
    /// `SO_REUSEADDR` (bool).
    ReuseAddr = 0,
    /// `SO_TYPE` (read-only; [`OptValue::Type`]).
    Type = 1,
    /// `SO_ERROR` (read-only, clears; [`OptValue::Error`]).
    Error = 2,
    /// `SO_DONTROUTE`: not supported here (`ENOPROTOOPT`).
    DontRoute = 3,
    /// `SO_BROADCAST` (bool).
    Broadcast = 4,
    /// `SO_SNDBUF` (int; Linux reports double the value set).
    SndBuf = 5,
    /// `SO_RCVBUF` (int; Linux reports double the value set).
    RcvBuf = 6,
    /// `SO_KEEPALIVE` (bool).
    KeepAlive = 7,
    /// `SO_OOBINLINE` (bool).
    OobInline = 8,
    /// `SO_LINGER` ([`OptValue::Linger`]).
    Linger = 9,
    /// `SO_RCVLOWAT`: not supported here (`ENOPROTOOPT`).
    RcvLowat = 10,
    /// `SO_RCVTIMEO` ([`OptValue::Timeout`]).
    RcvTimeo = 11,
    /// `SO_SNDTIMEO` ([`OptValue::Timeout`]).
    SndTimeo = 12,
    /// `SO_ACCEPTCONN` (read-only bool).
    AcceptConn = 13,
    /// `SO_BINDTODEVICE` ([`OptValue::Device`]; setting needs `CAP_NET_RAW`).
    BindToDevice = 14,
}

impl TryFrom<u32> for SockOpt {
    type Error = Errno;

    /// The WasmEdge number (0..=14); anything else is `EINVAL` (spec §6.13).
    fn try_from(raw: u32) -> Result<SockOpt, Errno> {
        use SockOpt::*;
        const ALL: [SockOpt; 15] = [
            ReuseAddr,
            Type,
            Error,
            DontRoute,
            Broadcast,
            SndBuf,
            RcvBuf,
            KeepAlive,
            OobInline,
            Linger,
            RcvLowat,
            RcvTimeo,
            SndTimeo,
            AcceptConn,
            BindToDevice,
        ];
        usize::try_from(raw)
            .ok()
            .and_then(|i| ALL.get(i).copied())
            .ok_or(Errno::Inval)
    }
}

/// A typed option value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptValue {
    /// A boolean option (`REUSEADDR`, `BROADCAST`, `KEEPALIVE`, `OOBINLINE`, `ACCEPTCONN`).
    Bool(bool),
    /// An integer option (`SNDBUF`, `RCVBUF`).
    Int(i32),
    /// `SO_LINGER`: `None` = off, `Some(d)` = linger for `d` (`Some(ZERO)` = reset on close).
    Linger(Option<Duration>),
    /// `SO_RCVTIMEO`/`SO_SNDTIMEO`: `None` = wait forever.
    Timeout(Option<Duration>),
    /// `SO_TYPE`.
    Type(SocketKind),
    /// `SO_ERROR`: the pending error as a WASI errno (`None` = no error).
    Error(Option<Errno>),
    /// `SO_BINDTODEVICE`: interface name bytes (empty = not bound).
    Device(Vec<u8>),
}

fn noprotoopt() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOPROTOOPT)
}

fn int(n: usize) -> OptValue {
    OptValue::Int(i32::try_from(n).unwrap_or(i32::MAX))
}

impl Socket {
    /// Reads an option. Reading [`SockOpt::Error`] clears it (and completes a pending
    /// connect's state, see [`Socket::take_error`]).
    ///
    /// # Errors
    /// `ENOPROTOOPT` for `DONTROUTE`/`RCVLOWAT`; host errors.
    pub fn getsockopt(&mut self, opt: SockOpt) -> io::Result<OptValue> {
        let s = &self.inner;
        Ok(match opt {
            SockOpt::ReuseAddr => OptValue::Bool(s.reuse_address()?),
            SockOpt::Type => OptValue::Type(self.kind()),
            SockOpt::Error => OptValue::Error(self.take_error()?.map(Errno::from)),
            SockOpt::Broadcast => OptValue::Bool(s.broadcast()?),
            SockOpt::SndBuf => int(s.send_buffer_size()?),
            SockOpt::RcvBuf => int(s.recv_buffer_size()?),
            SockOpt::KeepAlive => OptValue::Bool(s.keepalive()?),
            SockOpt::OobInline => OptValue::Bool(s.out_of_band_inline()?),
            SockOpt::Linger => OptValue::Linger(s.linger()?),
            SockOpt::RcvTimeo => OptValue::Timeout(self.rcv_timeout),
            SockOpt::SndTimeo => OptValue::Timeout(self.snd_timeout),
            SockOpt::AcceptConn => OptValue::Bool(s.is_listener()?),
            SockOpt::BindToDevice => OptValue::Device(s.device()?.unwrap_or_default()),
            SockOpt::DontRoute | SockOpt::RcvLowat => return Err(noprotoopt()),
        })
    }

    /// Sets an option. A zero timeout means "no timeout", as for `SO_RCVTIMEO` in Linux.
    ///
    /// # Errors
    /// `EINVAL` when the value's type does not fit the option or a size is negative;
    /// `ENOPROTOOPT` for read-only options and `DONTROUTE`/`RCVLOWAT`; host errors
    /// (`EPERM` for `BINDTODEVICE` without privilege).
    pub fn setsockopt(&mut self, opt: SockOpt, value: OptValue) -> io::Result<()> {
        let s = &self.inner;
        match (opt, value) {
            (SockOpt::ReuseAddr, OptValue::Bool(b)) => s.set_reuse_address(b),
            (SockOpt::Broadcast, OptValue::Bool(b)) => s.set_broadcast(b),
            (SockOpt::KeepAlive, OptValue::Bool(b)) => s.set_keepalive(b),
            (SockOpt::OobInline, OptValue::Bool(b)) => s.set_out_of_band_inline(b),
            (SockOpt::SndBuf, OptValue::Int(n)) => {
                s.set_send_buffer_size(usize::try_from(n).map_err(|_| einval())?)
            }
            (SockOpt::RcvBuf, OptValue::Int(n)) => {
                s.set_recv_buffer_size(usize::try_from(n).map_err(|_| einval())?)
            }
            (SockOpt::Linger, OptValue::Linger(l)) => s.set_linger(l),
            (SockOpt::RcvTimeo, OptValue::Timeout(t)) => {
                self.rcv_timeout = t.filter(|d| !d.is_zero());
                Ok(())
            }
            (SockOpt::SndTimeo, OptValue::Timeout(t)) => {
                self.snd_timeout = t.filter(|d| !d.is_zero());
                Ok(())
            }
            (SockOpt::BindToDevice, OptValue::Device(name)) => {
                s.bind_device((!name.is_empty()).then_some(&name[..]))
            }
            (
                SockOpt::Type
                | SockOpt::Error
                | SockOpt::AcceptConn
                | SockOpt::DontRoute
                | SockOpt::RcvLowat,
                _,
            ) => Err(noprotoopt()),
            _ => Err(einval()),
        }
    }

    /// Whether `TCP_NODELAY` is on (stream sockets; on by default).
    ///
    /// # Errors
    /// Host errors (`EOPNOTSUPP` on UDP).
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Turns `TCP_NODELAY` on or off.
    ///
    /// # Errors
    /// Host errors (`EOPNOTSUPP` on UDP).
    pub fn set_nodelay(&mut self, on: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(on)
    }
}
