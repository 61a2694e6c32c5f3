//! AF_UNIX sockets for guests: off by default, and sandboxed like `path_open`.
//!
//! WasmEdge offers AF_UNIX (`sock_open(3, ..)`) only with `--allow-af-unix` and otherwise
//! says `ENOSYS`; fdvirt does the same ([`UnixSockets`], `fdvirt run --allow-af-unix`).
//! WasmEdge then hands the guest's `sun_path` to the host kernel as is, which lets a
//! guest bind or connect anywhere on the host. fdvirt never does: a guest path (from the
//! 128-byte V2 address storage, `sun_path` at bytes 2..110) is resolved through the
//! guest's preopened directories, and only fds opened inside them reach the kernel
//! (`hostsock`'s `/proc/self/fd/<fd>` mechanism, see `hostsock::Socket::bind_unix`).
//!
//! # Resolving a guest path
//!
//! * The path is split into components; empty and `.` components are dropped.
//! * An **absolute** path is matched against the preopens with absolute names, a
//!   **relative** one against those with relative names (`.` matches every relative
//!   path); the preopen whose name has the most leading components in common wins
//!   (whole components, so `/data2/s` is not inside `/data`). No match: `ENOTCAPABLE`.
//!   `..` is not folded before matching (wasi-libc does not either), so with preopens
//!   `/srv` and `/srv/in`, `/srv/in/../x` is resolved beneath `/srv/in` and refused.
//! * The rest is resolved by cap-std beneath that preopen, so `..` above it, absolute
//!   symlinks and symlinks leading out of it are `ENOTCAPABLE`; symlinks that stay
//!   inside are followed.
//! * **bind** opens the parent directory that way and creates the final component in
//!   it. It needs the preopen's `PATH_CREATE_FILE` right (`ENOTCAPABLE` without). The
//!   final component must be a name: a path ending in `..` (or naming the preopen
//!   itself) is `ENOTCAPABLE`. An existing entry, a symlink included, is `EADDRINUSE`
//!   as on Linux (a final symlink is never followed by bind, so nothing is created
//!   outside).
//! * **connect** and datagram **send_to** open the socket file itself (`O_PATH`,
//!   following symlinks beneath the preopen) and need no right beyond the preopen.
//! * Abstract addresses (a leading NUL, or an empty path) are host-wide and outside
//!   every directory: `ENOTCAPABLE`.
//!
//! # Names the guest sees
//!
//! The kernel only knows the `/proc/self/fd/...` names, so the guest-visible names are
//! kept here ([`UnixNames`]): `getlocaladdr` reports the guest path the socket was bound
//! to (an accepted socket: its listener's), `getpeeraddr` the guest path it connected
//! to; anything else (an unbound socket, a client that never bound, a host peer) is
//! reported unnamed: family 3 with an empty path, as Linux reports unnamed sockets. A
//! receive (`sock_recv_from_v2`) names the guest path the socket connected to, else
//! unnamed: a datagram sender's host name (a `/proc/self/fd/...` string of whichever
//! process sent it) is never shown. Ports are written as 0 (WasmEdge leaves garbage).
//! The 4/16-byte V1 forms cannot carry a path: `get*addr` gives `ENOMEM`, as the spec
//! gives for WasmEdge (§6.15), and `recv_from` leaves the buffer alone.
//!
//! The network policy (`--allow-bind`/`--allow-connect`) is about IP addresses and does
//! not apply; the preopens are the policy. Closing a bound socket leaves its file in
//! place (POSIX); the guest unlinks it with `path_unlink_file`.

use std::{
    ffi::OsStr,
    io::IoSlice,
    os::{fd::AsFd, unix::ffi::OsStrExt},
};

use cap_std::fs::{Dir, File, OpenOptions, OpenOptionsExt};
use fdtable::Fd;
use hostsock::{AddressFamily, UnixName};

use crate::{
    ctx::GuestCtx,
    descriptor::{Descriptor, DirDesc},
    errno::{Errno, Fault},
    socket::SocketDesc,
    types::Rights,
    wasi::path::dir_entry,
    wasmedge::socket_mut,
};

/// Whether guests may create AF_UNIX sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnixSockets {
    /// `sock_open(3, ..)` is `ENOSYS`, as WasmEdge without `--allow-af-unix` (default).
    #[default]
    Deny,
    /// AF_UNIX sockets are available, with paths confined to the preopens.
    Allow,
}

/// The guest paths a UNIX socket was bound and connected to, as the guest gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UnixNames {
    /// Guest path of `bind` (of the listener, for an accepted socket).
    pub(crate) local: Option<Vec<u8>>,
    /// Guest path of `connect`.
    pub(crate) peer: Option<Vec<u8>>,
}

/// `path` split into components, without empty and `.` ones.
fn components(path: &[u8]) -> Vec<&[u8]> {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .collect()
}

/// The preopen `path` lies in (longest whole-component match of the same kind,
/// absolute or relative) and the components after its name.
fn preopen_of<'p>(cx: &GuestCtx, path: &'p [u8]) -> Result<(Fd, Vec<&'p [u8]>), Errno> {
    let absolute = path.first() == Some(&b'/');
    let comps = components(path);
    let mut best: Option<(Fd, usize)> = None;
    for (fd, entry) in cx.fds.iter() {
        let Descriptor::Dir(DirDesc {
            preopen: Some(name),
            ..
        }) = &entry.desc
        else {
            continue;
        };
        if name.starts_with('/') != absolute {
            continue;
        }
        let prefix = components(name.as_bytes());
        let inside = comps.get(..prefix.len()) == Some(&prefix[..]);
        if inside && best.is_none_or(|(_, len)| prefix.len() > len) {
            best = Some((fd, prefix.len()));
        }
    }
    let (fd, len) = best.ok_or(Errno::Notcapable)?;
    Ok((fd, comps.get(len..).unwrap_or_default().to_vec()))
}

/// The guest path as one relative host path (components joined by `/`), `.` if none.
fn joined(comps: &[&[u8]]) -> Vec<u8> {
    if comps.is_empty() {
        return b".".to_vec();
    }
    comps.join(&b'/')
}

/// Refuses abstract (leading NUL) and empty addresses.
fn check_path(path: &[u8]) -> Result<(), Errno> {
    match path.first() {
        None | Some(0) => Err(Errno::Notcapable),
        Some(_) => Ok(()),
    }
}

/// The directory a socket is to be bound in and its name there, for a bind of the guest
/// path `path`; the preopen must grant `PATH_CREATE_FILE`.
///
/// # Errors
///
/// `ENOTCAPABLE` (outside every preopen, escapes, missing right, abstract, no name),
/// `ENOENT`/`ENOTDIR` for a missing parent, other host errors.
pub(crate) fn bind_target(cx: &GuestCtx, path: &[u8]) -> Result<(Dir, UnixName), Errno> {
    check_path(path)?;
    let (fd, rest) = preopen_of(cx, path)?;
    let (_, preopen) = dir_entry(cx, fd, Rights::PATH_CREATE_FILE)?;
    let (last, parent) = rest.split_last().ok_or(Errno::Notcapable)?;
    let name = UnixName::new(OsStr::from_bytes(last))?;
    let dir = preopen
        .open_dir(OsStr::from_bytes(&joined(parent)))
        .map_err(|e| crate::errno::from_io(&e))?;
    Ok((dir, name))
}

/// The socket file at guest path `path`, opened `O_PATH` beneath its preopen (symlinks
/// inside followed), for a connect or a datagram send.
///
/// # Errors
///
/// `ENOTCAPABLE` (outside every preopen, escapes, abstract), `ENOENT`, other host errors.
pub(crate) fn connect_target(cx: &GuestCtx, path: &[u8]) -> Result<File, Errno> {
    check_path(path)?;
    let (fd, rest) = preopen_of(cx, path)?;
    if rest.last() == Some(&&b".."[..]) {
        return Err(Errno::Notcapable);
    }
    let mut opts = OpenOptions::new();
    opts.read(true)
        .custom_flags(rustix::fs::OFlags::PATH.bits() as i32);
    dir_entry(cx, fd, Rights::NONE)?
        .1
        .open_with(OsStr::from_bytes(&joined(&rest)), &opts)
        .map_err(|e| crate::errno::from_io(&e))
}

/// The AF_UNIX socket behind guest `fd`.
///
/// # Errors
///
/// `EBADF`, `ENOTSOCK`, and `EAFNOSUPPORT` for an IP socket (Linux's answer to an
/// AF_UNIX address on an AF_INET socket).
pub(crate) fn unix_socket(cx: &mut GuestCtx, fd: u32) -> Result<&mut SocketDesc, Errno> {
    let desc = socket_mut(cx, fd)?;
    if desc.sock.family() != AddressFamily::Unix {
        return Err(Errno::Afnosupport);
    }
    Ok(desc)
}

/// `sock_bind_v2` with an AF_UNIX guest path: resolve, bind, remember the guest path.
///
/// # Errors
///
/// `EBADF`, `ENOTSOCK`, `EAFNOSUPPORT`, then as [`bind_target`], then the bind's
/// (`EADDRINUSE`, `EINVAL` when already bound, `ENAMETOOLONG`).
pub(crate) fn bind(cx: &mut GuestCtx, fd: u32, path: &[u8]) -> Result<(), Fault> {
    unix_socket(cx, fd)?;
    let (dir, name) = bind_target(cx, path)?;
    let desc = unix_socket(cx, fd)?;
    desc.sock.bind_unix(dir.as_fd(), &name)?;
    desc.names.local = Some(path.to_vec());
    Ok(())
}

/// `sock_connect_v2` with an AF_UNIX guest path: resolve, connect, remember the path.
///
/// # Errors
///
/// `EBADF`, `ENOTSOCK`, `EAFNOSUPPORT`, then as [`connect_target`], then the connect's
/// (`ECONNREFUSED`, `EPROTOTYPE`, `EAGAIN`, `EISCONN`).
pub(crate) fn connect(cx: &mut GuestCtx, fd: u32, path: &[u8]) -> Result<(), Fault> {
    unix_socket(cx, fd)?;
    let target = connect_target(cx, path)?;
    let desc = unix_socket(cx, fd)?;
    desc.sock.connect_unix(target.as_fd())?;
    desc.names.peer = Some(path.to_vec());
    Ok(())
}

/// `sock_send_to_v2` with an AF_UNIX guest path: one datagram to the socket file there.
///
/// # Errors
///
/// As [`connect`], plus the send's (`EAGAIN`, `EMSGSIZE`, `EPROTOTYPE`).
pub(crate) fn send_to(
    cx: &mut GuestCtx,
    fd: u32,
    path: &[u8],
    data: &[u8],
) -> Result<usize, Fault> {
    unix_socket(cx, fd)?;
    let target = connect_target(cx, path)?;
    let sent = unix_socket(cx, fd)?
        .sock
        .send_to_unix(&[IoSlice::new(data)], target.as_fd())?;
    Ok(sent)
}

/// The sender a receive on `fd` reports to the guest when `fd` is an AF_UNIX socket: the
/// guest path it connected to, else empty (unnamed; a sender's host path is never shown).
/// `None` for IP sockets and bad fds.
pub(crate) fn sender_name(cx: &mut GuestCtx, fd: u32) -> Option<Vec<u8>> {
    let desc = unix_socket(cx, fd).ok()?;
    Some(desc.names.peer.clone().unwrap_or_default())
}

#[cfg(test)]
mod tests;
