//! AF_UNIX sockets on a temporary directory: bind/listen/accept/connect/send/recv,
//! datagrams, the rules that keep names inside the directory, and the poller.

use std::{
    fs,
    io::{IoSlice, IoSliceMut},
    os::{
        fd::AsFd,
        unix::fs::{FileTypeExt, OpenOptionsExt},
    },
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use crate::{
    AddressFamily, Blocking, Errno, Interest, NetworkPolicy, Poller, RecvFlags, Socket, SocketKind,
    SocketState, UnixName, UnixNameError,
};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("hostsock-unix-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn open(kind: SocketKind) -> Socket {
    // deny_all: the IP policy must not matter for UNIX sockets.
    Socket::open(
        AddressFamily::Unix,
        kind,
        Arc::new(NetworkPolicy::deny_all()),
    )
    .expect("open")
}

fn dir_fd(p: &Path) -> fs::File {
    fs::File::open(p).expect("open dir")
}

/// An `O_PATH` fd of a socket file (a plain open of a socket is `ENXIO`).
fn path_fd(p: &Path) -> fs::File {
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH)
        .open(p)
        .expect("O_PATH open")
}

fn name(s: &str) -> UnixName {
    UnixName::new(s).expect("valid name")
}

fn errno<T: std::fmt::Debug>(r: std::io::Result<T>) -> Errno {
    Errno::from(r.expect_err("expected an error"))
}

/// A datagram socket bound to `n` in `dir`.
fn bound_datagram(dir: &Path, n: &str) -> Socket {
    let mut d = open(SocketKind::Datagram);
    d.bind_unix(dir_fd(dir).as_fd(), &name(n)).expect("bind");
    d
}

fn listener(dir: &Path, n: &str) -> Socket {
    let mut l = open(SocketKind::Stream);
    l.bind_unix(dir_fd(dir).as_fd(), &name(n)).expect("bind");
    l.listen(8).expect("listen");
    l
}

#[test]
fn names_are_single_components() {
    assert_eq!(UnixName::new(""), Err(UnixNameError::Empty));
    assert_eq!(UnixName::new("."), Err(UnixNameError::Dots));
    assert_eq!(UnixName::new(".."), Err(UnixNameError::Dots));
    assert_eq!(UnixName::new("a/b"), Err(UnixNameError::Slash));
    assert_eq!(UnixName::new("a\0b"), Err(UnixNameError::Nul));
    assert_eq!(name("..x").as_os_str(), "..x");
    assert_eq!(Errno::from(UnixNameError::Dots), Errno::Notcapable);
    assert_eq!(Errno::from(UnixNameError::Slash), Errno::Inval);
}

#[test]
fn stream_bind_listen_accept_connect_exchange() {
    let tmp = TempDir::new();
    let mut l = listener(&tmp.0, "srv.sock");
    let file = tmp.0.join("srv.sock");
    assert!(
        fs::symlink_metadata(&file)
            .expect("socket file")
            .file_type()
            .is_socket()
    );
    assert_eq!(l.state(), SocketState::Listening);

    let mut c = open(SocketKind::Stream);
    c.connect_unix(path_fd(&file).as_fd()).expect("connect");
    assert_eq!(c.state(), SocketState::Connected);
    let (mut conn, peer) = l.accept_unix(Blocking::Yes).expect("accept");
    assert_eq!(peer, None, "an unbound client is unnamed");
    assert_eq!(conn.family(), AddressFamily::Unix);

    assert_eq!(c.send(&[IoSlice::new(b"ping")]).expect("send"), 4);
    let mut buf = [0u8; 8];
    let got = conn
        .recv(&mut [IoSliceMut::new(&mut buf)], RecvFlags::default())
        .expect("recv");
    assert_eq!(&buf[..got.bytes], b"ping");
    conn.send(&[IoSlice::new(b"pong!")]).expect("send back");
    let got = c
        .recv(&mut [IoSliceMut::new(&mut buf)], RecvFlags::default())
        .expect("recv back");
    assert_eq!(&buf[..got.bytes], b"pong!");

    // The kernel reports the /proc form the socket was bound with, never a guest path.
    let local = l.unix_local_path().expect("local").expect("named");
    assert!(local.starts_with("/proc/self/fd/"), "{}", local.display());
    assert!(local.ends_with("srv.sock"));
    assert_eq!(c.unix_peer_path().expect("peer"), Some(local));
    assert_eq!(c.unix_local_path().expect("client local"), None);
}

#[test]
fn std_client_reaches_a_hostsock_listener_and_back() {
    let tmp = TempDir::new();
    let mut l = listener(&tmp.0, "s");
    let mut std_client =
        std::os::unix::net::UnixStream::connect(tmp.0.join("s")).expect("std connect");
    let (mut conn, _) = l.accept_unix(Blocking::Yes).expect("accept");
    std::io::Write::write_all(&mut std_client, b"hello").expect("write");
    let mut buf = [0u8; 5];
    conn.recv(
        &mut [IoSliceMut::new(&mut buf)],
        RecvFlags {
            peek: false,
            waitall: true,
        },
    )
    .expect("recv");
    assert_eq!(&buf, b"hello");

    let std_listener = std::os::unix::net::UnixListener::bind(tmp.0.join("host")).expect("bind");
    let mut c = open(SocketKind::Stream);
    c.connect_unix(path_fd(&tmp.0.join("host")).as_fd())
        .expect("connect to std listener");
    let (mut accepted, _) = std_listener.accept().expect("std accept");
    c.send(&[IoSlice::new(b"hi")]).expect("send");
    let mut two = [0u8; 2];
    std::io::Read::read_exact(&mut accepted, &mut two).expect("read");
    assert_eq!(&two, b"hi");
}

#[test]
fn datagrams_to_a_bound_socket() {
    let tmp = TempDir::new();
    let mut rx = bound_datagram(&tmp.0, "rx");
    let mut tx = open(SocketKind::Datagram);
    let target = path_fd(&tmp.0.join("rx"));
    assert_eq!(
        tx.send_to_unix(&[IoSlice::new(b"dgram")], target.as_fd())
            .expect("send_to"),
        5
    );
    assert_eq!(
        tx.state(),
        SocketState::Fresh,
        "an unnamed sender stays unbound"
    );
    let mut buf = [0u8; 3];
    let (got, from) = rx
        .recv_from(&mut [IoSliceMut::new(&mut buf)], RecvFlags::default())
        .expect("recv_from");
    assert_eq!((got.bytes, got.truncated, from), (3, true, None));
    assert_eq!(&buf, b"dgr");
    // connect sets the default peer.
    tx.connect_unix(target.as_fd()).expect("connect dgram");
    tx.send(&[IoSlice::new(b"x")]).expect("send");
    let got = rx
        .recv(&mut [IoSliceMut::new(&mut buf)], RecvFlags::default())
        .expect("recv");
    assert_eq!(&buf[..got.bytes], b"x");
}

#[test]
fn binding_an_existing_name_or_symlink_is_addrinuse_and_creates_nothing_outside() {
    let tmp = TempDir::new();
    let outside = TempDir::new();
    let _l = listener(&tmp.0, "taken");
    let mut s = open(SocketKind::Stream);
    assert_eq!(
        errno(s.bind_unix(dir_fd(&tmp.0).as_fd(), &name("taken"))),
        Errno::Addrinuse
    );
    let escape = outside.0.join("escaped");
    std::os::unix::fs::symlink(&escape, tmp.0.join("link")).expect("symlink");
    assert_eq!(
        errno(s.bind_unix(dir_fd(&tmp.0).as_fd(), &name("link"))),
        Errno::Addrinuse
    );
    assert!(
        !escape.exists(),
        "bind followed a symlink out of the directory"
    );
    assert_eq!(s.state(), SocketState::Fresh);
}

#[test]
fn closing_a_bound_socket_keeps_its_file() {
    let tmp = TempDir::new();
    drop(listener(&tmp.0, "kept"));
    assert!(tmp.0.join("kept").exists());
    let mut again = open(SocketKind::Stream);
    assert_eq!(
        errno(again.bind_unix(dir_fd(&tmp.0).as_fd(), &name("kept"))),
        Errno::Addrinuse
    );
}

#[test]
fn connect_errors_are_the_kernels() {
    let tmp = TempDir::new();
    fs::write(tmp.0.join("plain"), b"not a socket").expect("write");
    let mut c = open(SocketKind::Stream);
    assert_eq!(
        errno(c.connect_unix(path_fd(&tmp.0.join("plain")).as_fd())),
        Errno::Connrefused
    );
    // A socket file nobody listens on any more.
    drop(listener(&tmp.0, "stale"));
    assert_eq!(
        errno(c.connect_unix(path_fd(&tmp.0.join("stale")).as_fd())),
        Errno::Connrefused
    );
    // Stream to datagram.
    let _dg = bound_datagram(&tmp.0, "dg");
    assert_eq!(
        errno(c.connect_unix(path_fd(&tmp.0.join("dg")).as_fd())),
        Errno::Prototype
    );
}

#[test]
fn state_and_family_rules() {
    let tmp = TempDir::new();
    let mut fresh = open(SocketKind::Stream);
    assert_eq!(
        errno(fresh.listen(4)),
        Errno::Inval,
        "no autobind into the abstract namespace"
    );
    assert_eq!(
        errno(fresh.bind("127.0.0.1:0".parse().expect("addr"))),
        Errno::Afnosupport
    );
    assert_eq!(errno(fresh.accept(Blocking::No)), Errno::Afnosupport);
    let mut l = listener(&tmp.0, "l");
    assert_eq!(
        errno(l.bind_unix(dir_fd(&tmp.0).as_fd(), &name("other"))),
        Errno::Inval
    );
    assert_eq!(
        errno(l.connect_unix(path_fd(&tmp.0.join("l")).as_fd())),
        Errno::Inval
    );
    l.set_blocking(Blocking::No);
    assert_eq!(errno(l.accept_unix(Blocking::No)), Errno::Again);
    let mut ip = Socket::open(
        AddressFamily::Ipv4,
        SocketKind::Stream,
        Arc::new(NetworkPolicy::allow_all()),
    )
    .expect("ip socket");
    assert_eq!(
        errno(ip.bind_unix(dir_fd(&tmp.0).as_fd(), &name("ip"))),
        Errno::Afnosupport
    );
    assert_eq!(errno(ip.unix_local_path()), Errno::Afnosupport);
    assert!(!tmp.0.join("ip").exists());
    assert_eq!(errno(fresh.unix_peer_path()), Errno::Notconn);
}

/// Found by the `hostcalls` fuzzer (`fuzz/regressions/hostcalls/unix-accept-spin`):
/// Linux lets an AF_UNIX listener be shut down; it then polls readable while `accept4`
/// says `EAGAIN`, and a guest-blocking accept spun on that for ever, past any timeout.
#[test]
fn blocking_accept_on_a_listener_shut_down_for_reading_is_einval() {
    let tmp = TempDir::new();
    let mut l = listener(&tmp.0, "l");
    l.shutdown(std::net::Shutdown::Read).expect("shutdown");
    assert_eq!(l.blocking(), Blocking::Yes);
    // In a thread, so a regression fails the test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(Errno::from(
            l.accept_unix(Blocking::Yes).expect_err("no peer"),
        ));
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(Errno::Inval));
}

/// A blocking datagram `send_to` a receiver whose queue is full (Linux allows
/// `net.unix.max_dgram_qlen` unread datagrams, 10 by default) waits for room until the
/// send timeout, then says `EAGAIN`; it must not spin past the timeout, although the
/// unconnected sender polls writable the whole time.
#[test]
fn blocking_send_to_a_full_datagram_queue_times_out() {
    let tmp = TempDir::new();
    let rx = bound_datagram(&tmp.0, "rx");
    let mut tx = open(SocketKind::Datagram);
    tx.setsockopt(
        crate::SockOpt::SndTimeo,
        crate::OptValue::Timeout(Some(Duration::from_millis(50))),
    )
    .expect("SO_SNDTIMEO");
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let target = path_fd(&tmp.0.join("rx"));
        let mut last = Ok(0);
        for _ in 0..1000 {
            last = tx.send_to_unix(&[IoSlice::new(b"d")], target.as_fd());
            if last.is_err() {
                break;
            }
        }
        let _ = done.send(last.map_err(Errno::from));
        drop(rx);
    });
    assert_eq!(
        result.recv_timeout(Duration::from_secs(5)),
        Ok(Err(Errno::Again))
    );
}

#[test]
fn overlong_names_are_nametoolong() {
    let tmp = TempDir::new();
    let mut s = open(SocketKind::Stream);
    let long = "n".repeat(100);
    assert_eq!(
        errno(s.bind_unix(dir_fd(&tmp.0).as_fd(), &name(&long))),
        Errno::Nametoolong
    );
}

#[test]
fn poller_reports_a_pending_unix_connection_and_data() {
    let tmp = TempDir::new();
    let mut l = listener(&tmp.0, "p");
    let mut poller = Poller::new().expect("poller");
    let key = poller.insert(&mut l).expect("register");
    let wait = Some(Duration::from_millis(100));
    assert!(
        poller
            .wait(&[(&l, Interest::READABLE)], wait)
            .expect("wait")
            .is_empty()
    );
    let mut c = open(SocketKind::Stream);
    c.connect_unix(path_fd(&tmp.0.join("p")).as_fd())
        .expect("connect");
    let ready = poller
        .wait(&[(&l, Interest::READABLE)], Some(Duration::from_secs(5)))
        .expect("wait");
    assert_eq!(
        (ready.len(), ready[0].key, ready[0].readable),
        (1, key, true)
    );
    let (mut conn, _) = l.accept_unix(Blocking::No).expect("accept");
    let ckey = poller.insert(&mut conn).expect("register conn");
    c.send(&[IoSlice::new(b"abc")]).expect("send");
    let ready = poller
        .wait(&[(&conn, Interest::READABLE)], Some(Duration::from_secs(5)))
        .expect("wait");
    assert_eq!((ready[0].key, ready[0].readable), (ckey, true));
    assert_eq!(conn.nread().expect("FIONREAD"), 3);
}

#[test]
fn connect_to_a_full_backlog_is_eagain_and_blocking_mode_waits_up_to_the_send_timeout() {
    use crate::{OptValue, SockOpt};
    use std::time::Instant;
    let tmp = TempDir::new();
    let mut l = open(SocketKind::Stream);
    l.bind_unix(dir_fd(&tmp.0).as_fd(), &name("full"))
        .expect("bind");
    l.listen(0).expect("listen"); // Linux queues one connection beyond backlog 0
    let target = path_fd(&tmp.0.join("full"));
    let mut first = open(SocketKind::Stream);
    first
        .connect_unix(target.as_fd())
        .expect("first connect is queued");
    let mut nb = open(SocketKind::Stream);
    nb.set_blocking(Blocking::No);
    assert_eq!(errno(nb.connect_unix(target.as_fd())), Errno::Again);
    let mut blocking = open(SocketKind::Stream);
    let timeout = Duration::from_millis(150);
    blocking
        .setsockopt(SockOpt::SndTimeo, OptValue::Timeout(Some(timeout)))
        .expect("SO_SNDTIMEO");
    let start = Instant::now();
    assert_eq!(errno(blocking.connect_unix(target.as_fd())), Errno::Again);
    let waited = start.elapsed();
    assert!(
        waited >= timeout && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert_eq!(blocking.state(), SocketState::Fresh);
    // Once the listener accepts, the queue has room again.
    let _accepted = l.accept_unix(Blocking::Yes).expect("accept");
    blocking.connect_unix(target.as_fd()).expect("room now");
    assert_eq!(blocking.state(), SocketState::Connected);
}
