//! `sock_getsockopt` / `sock_setsockopt` (spec §6.13, §6.14): level 0 (SOL_SOCKET) and
//! the WasmEdge option numbers 0–14. Payloads are decoded and encoded explicitly, never
//! copied as raw host bytes (spec §9):
//!
//! | option | guest bytes |
//! |---|---|
//! | booleans, SNDBUF, RCVBUF, TYPE (1 DGRAM / 2 STREAM), ERROR (WASI errno) | 4-byte LE int |
//! | LINGER | 8 bytes: i32 `l_onoff`, i32 `l_linger` (seconds) |
//! | RCVTIMEO, SNDTIMEO | 16 bytes: i64 `tv_sec`, i64 `tv_usec` (wasm32 wasi-libc `timeval`) |
//! | BINDTODEVICE | interface name bytes |

use std::time::Duration;

use hostsock::{OptValue, SockOpt, SocketKind};

use crate::{
    ctx::GuestCtx,
    errno::{Errno, Fault},
    memory,
    wasmedge::socket_mut,
};

/// Validates level and name (spec §6.13: level must be 0, name 0–14).
pub(super) fn option(level: u32, name: u32) -> Result<SockOpt, Errno> {
    if level != 0 {
        return Err(Errno::Inval);
    }
    SockOpt::try_from(name)
}

/// The guest bytes of a value.
pub(super) fn encode(v: &OptValue) -> Vec<u8> {
    let int = |i: i32| i.to_le_bytes().to_vec();
    match v {
        OptValue::Bool(b) => int(i32::from(*b)),
        OptValue::Int(i) => int(*i),
        OptValue::Type(SocketKind::Datagram) => int(1),
        OptValue::Type(SocketKind::Stream) => int(2),
        OptValue::Error(e) => int(e.map_or(0, |e| i32::from(e.raw()))),
        OptValue::Linger(l) => {
            let secs = l.map_or(0, |d| i32::try_from(d.as_secs()).unwrap_or(i32::MAX));
            [i32::from(l.is_some()).to_le_bytes(), secs.to_le_bytes()].concat()
        }
        OptValue::Timeout(t) => {
            let t = t.unwrap_or_default();
            let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
            [
                secs.to_le_bytes(),
                i64::from(t.subsec_micros()).to_le_bytes(),
            ]
            .concat()
        }
        OptValue::Device(name) => name.clone(),
    }
}

/// A 4-byte LE int from the front of `b`.
fn int(b: &[u8]) -> Result<i32, Errno> {
    let a: [u8; 4] = b
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or(Errno::Inval)?;
    Ok(i32::from_le_bytes(a))
}

/// A value from guest bytes for `opt`.
pub(super) fn decode(opt: SockOpt, b: &[u8]) -> Result<OptValue, Errno> {
    Ok(match opt {
        SockOpt::SndBuf | SockOpt::RcvBuf => OptValue::Int(int(b)?),
        SockOpt::Linger => {
            let on = int(b)?;
            let secs = int(b.get(4..).ok_or(Errno::Inval)?)?;
            let secs = u64::try_from(secs).map_err(|_| Errno::Inval)?;
            OptValue::Linger((on != 0).then(|| Duration::from_secs(secs)))
        }
        SockOpt::RcvTimeo | SockOpt::SndTimeo => {
            let sec: [u8; 8] = b
                .get(..8)
                .and_then(|s| s.try_into().ok())
                .ok_or(Errno::Inval)?;
            let usec: [u8; 8] = b
                .get(8..16)
                .and_then(|s| s.try_into().ok())
                .ok_or(Errno::Inval)?;
            let sec = u64::try_from(i64::from_le_bytes(sec)).map_err(|_| Errno::Inval)?;
            let usec = u64::try_from(i64::from_le_bytes(usec)).map_err(|_| Errno::Inval)?;
            if usec >= 1_000_000 {
                return Err(Errno::Dom);
            }
            let d = Duration::from_secs(sec) + Duration::from_micros(usec);
            OptValue::Timeout((!d.is_zero()).then_some(d))
        }
        SockOpt::BindToDevice => {
            let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
            OptValue::Device(b[..end].to_vec())
        }
        _ => OptValue::Bool(int(b)? != 0),
    })
}

/// `sock_getsockopt(fd, level, name, flag_p, flag_size_p)`: `*flag_size_p` is the
/// buffer's capacity on entry and the bytes written on return.
///
/// # Errors
///
/// `EINVAL` (level, name, `SO_ERROR` with < 4 bytes), `EFAULT`, `EBADF`, `ENOTSOCK`,
/// `ENOPROTOOPT` (DONTROUTE, RCVLOWAT).
pub(crate) fn sock_getsockopt(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    level: u32,
    name: u32,
    flag_p: u32,
    flag_size_p: u32,
) -> Result<(), Fault> {
    let opt = option(level, name)?;
    let cap = memory::read_u32(mem, flag_size_p)?;
    memory::slice(mem, flag_p, cap)?;
    if opt == SockOpt::Error && cap < 4 {
        return Err(Errno::Inval.into());
    }
    let value = socket_mut(cx, fd)?.sock.getsockopt(opt)?;
    let bytes = encode(&value);
    let n = bytes.len().min(cap as usize);
    memory::write_bytes(mem, flag_p, &bytes[..n])?;
    memory::write_u32(mem, flag_size_p, n as u32)?;
    Ok(())
}

/// `sock_setsockopt(fd, level, name, flag_p, flag_size)`: the size is passed by value.
///
/// # Errors
///
/// `EINVAL` (level, name, short or malformed payload), `EDOM` (`tv_usec` out of range),
/// `EFAULT`, `EBADF`, `ENOTSOCK`, `ENOPROTOOPT` (read-only options), `EPERM`.
pub(crate) fn sock_setsockopt(
    cx: &mut GuestCtx,
    mem: &mut [u8],
    fd: u32,
    level: u32,
    name: u32,
    flag_p: u32,
    flag_size: u32,
) -> Result<(), Fault> {
    let opt = option(level, name)?;
    let bytes = memory::slice(mem, flag_p, flag_size)?;
    let sock = &mut socket_mut(cx, fd)?.sock;
    let value = decode(opt, bytes)?;
    sock.setsockopt(opt, value)?;
    Ok(())
}
