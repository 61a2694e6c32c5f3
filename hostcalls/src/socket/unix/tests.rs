//! Engine-free tests of AF_UNIX sockets through the WasmEdge host calls: off by default,
//! guest paths resolved through preopens, escapes refused, guest names reported.

use std::{
    os::unix::{fs::FileTypeExt, net::UnixListener, net::UnixStream},
    path::Path,
};

use crate::{
    GuestBuilder, GuestCtx, Stdio, UnixSockets,
    errno::{Errno, Fault},
    types::Rights,
    wasmedge::{
        name::{sock_getlocaladdr, sock_getlocaladdr_v2, sock_getpeeraddr_v2},
        sock::{sock_accept_v2, sock_bind, sock_bind_v2, sock_connect_v2, sock_listen, sock_open},
    },
};

/// Guest memory layout: fd output at 8, port output at 12, the bind/connect address
/// struct at 16 naming 128 bytes at 64, the get*addr struct at 256 naming 128 at 512.
const FD_P: u32 = 8;
const PORT_P: u32 = 12;
const ADDR_P: u32 = 16;
const GET_P: u32 = 256;

struct Guest {
    cx: GuestCtx,
    mem: Vec<u8>,
}

fn guest(preopens: &[(&Path, &str)], unix: UnixSockets) -> Guest {
    let mut b = GuestBuilder::new()
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .unix_sockets(unix);
    for (host, name) in preopens {
        b = b.preopen_dir(host, *name).expect("preopen");
    }
    let mut mem = vec![0u8; 4096];
    mem[16..20].copy_from_slice(&64u32.to_le_bytes());
    mem[20..24].copy_from_slice(&128u32.to_le_bytes());
    mem[256..260].copy_from_slice(&512u32.to_le_bytes());
    mem[260..264].copy_from_slice(&128u32.to_le_bytes());
    Guest {
        cx: b.build_ctx().expect("ctx"),
        mem,
    }
}

fn errno(r: Result<(), Fault>) -> Errno {
    match r {
        Err(Fault::Errno(e)) => e,
        other => panic!("expected an errno, got {other:?}"),
    }
}

impl Guest {
    fn open(&mut self, socktype: u32) -> Result<u32, Fault> {
        sock_open(&mut self.cx, &mut self.mem, 3, socktype, FD_P)?;
        Ok(u32::from_le_bytes(
            self.mem[8..12].try_into().expect("4 bytes"),
        ))
    }

    /// Writes a V2 AF_UNIX storage for `path` at 64.
    fn set_path(&mut self, path: &[u8]) {
        let storage = &mut self.mem[64..192];
        storage.fill(0);
        netaddr::wasmedge::encode_storage_unix_path(path, storage).expect("fits");
    }

    fn bind(&mut self, fd: u32, path: &str) -> Result<(), Fault> {
        self.set_path(path.as_bytes());
        sock_bind_v2(&mut self.cx, &mut self.mem, fd, ADDR_P, 0)
    }

    fn connect(&mut self, fd: u32, path: &str) -> Result<(), Fault> {
        self.set_path(path.as_bytes());
        sock_connect_v2(&mut self.cx, &mut self.mem, fd, ADDR_P, 0)
    }

    fn stream_listener(&mut self, path: &str) -> u32 {
        let fd = self.open(2).expect("open");
        self.bind(fd, path).expect("bind");
        sock_listen(&mut self.cx, &mut self.mem, fd, 8).expect("listen");
        fd
    }

    /// The V2 storage a get*addr call wrote: (family, path, port).
    fn got(&self) -> (u16, Vec<u8>, u32) {
        let s = &self.mem[512..640];
        let family = u16::from_le_bytes([s[0], s[1]]);
        let path = s[2..110].iter().take_while(|&&b| b != 0).copied().collect();
        let port = u32::from_le_bytes(self.mem[12..16].try_into().expect("4 bytes"));
        (family, path, port)
    }

    fn local(&mut self, fd: u32) -> (u16, Vec<u8>, u32) {
        self.mem[512..640].fill(0xAA);
        self.mem[12..16].fill(0xAA);
        sock_getlocaladdr_v2(&mut self.cx, &mut self.mem, fd, GET_P, PORT_P).expect("local");
        self.got()
    }

    fn peer(&mut self, fd: u32) -> Result<(u16, Vec<u8>, u32), Fault> {
        self.mem[512..640].fill(0xAA);
        sock_getpeeraddr_v2(&mut self.cx, &mut self.mem, fd, GET_P, PORT_P)?;
        Ok(self.got())
    }
}

#[test]
fn af_unix_is_enosys_unless_allowed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut g = guest(&[(tmp.path(), "/data")], UnixSockets::Deny);
    assert_eq!(errno(g.open(2).map(drop)), Errno::Nosys);
    // Checked before the socket type, as WasmEdge (spec §6.1).
    assert_eq!(errno(g.open(9).map(drop)), Errno::Nosys);
    let mut g = guest(&[(tmp.path(), "/data")], UnixSockets::Allow);
    assert_eq!(errno(g.open(9).map(drop)), Errno::Inval);
    assert!(g.open(2).is_ok() && g.open(1).is_ok());
}

#[test]
fn bind_creates_the_socket_in_the_preopen_and_reports_the_guest_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join("run")).expect("mkdir");
    let mut g = guest(&[(tmp.path(), "/data")], UnixSockets::Allow);
    let fd = g.stream_listener("/data/run/app.sock");
    let host = tmp.path().join("run/app.sock");
    assert!(
        std::fs::symlink_metadata(&host)
            .expect("created")
            .file_type()
            .is_socket()
    );
    assert_eq!(g.local(fd), (3, b"/data/run/app.sock".to_vec(), 0));
    // The V1 forms cannot carry a path (spec §6.15).
    g.mem[256..264].copy_from_slice(&[0, 2, 0, 0, 16, 0, 0, 0]);
    let v1 = sock_getlocaladdr(&mut g.cx, &mut g.mem, fd, GET_P, 0, PORT_P);
    assert_eq!(errno(v1), Errno::Nomem);
    g.mem[260..264].copy_from_slice(&128u32.to_le_bytes());
    // A host client reaches it; the accepted socket has the listener's name and an
    // unnamed peer.
    let _client = UnixStream::connect(&host).expect("host connect");
    sock_accept_v2(&mut g.cx, &mut g.mem, fd, 0, FD_P).expect("accept");
    let conn = u32::from_le_bytes(g.mem[8..12].try_into().expect("4 bytes"));
    assert_eq!(g.local(conn), (3, b"/data/run/app.sock".to_vec(), 0));
    assert_eq!(g.peer(conn).expect("peer"), (3, Vec::new(), 0));
    assert_eq!(errno(g.peer(fd).map(drop)), Errno::Notconn);
}

#[test]
fn connect_reaches_a_host_listener_and_reports_the_guest_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = UnixListener::bind(tmp.path().join("h.sock")).expect("host listener");
    let mut g = guest(&[(tmp.path(), ".")], UnixSockets::Allow);
    let fd = g.open(2).expect("open");
    assert_eq!(g.local(fd), (3, Vec::new(), 0), "unbound: unnamed");
    assert_eq!(errno(g.peer(fd).map(drop)), Errno::Notconn);
    g.connect(fd, "./h.sock")
        .expect("relative path through the `.` preopen");
    assert!(host.accept().is_ok());
    assert_eq!(g.peer(fd).expect("peer"), (3, b"./h.sock".to_vec(), 0));
    let missing = g.open(2).expect("open");
    assert_eq!(errno(g.connect(missing, "nope.sock")), Errno::Noent);
}

#[test]
fn the_longest_preopen_prefix_wins_on_whole_components() {
    let outer = tempfile::tempdir().expect("tempdir");
    let inner = tempfile::tempdir().expect("tempdir");
    let mut g = guest(
        &[(outer.path(), "/srv"), (inner.path(), "/srv/inner/")],
        UnixSockets::Allow,
    );
    let a = g.open(2).expect("open");
    g.bind(a, "/srv/inner/s").expect("bind");
    assert!(inner.path().join("s").exists() && !outer.path().join("inner").exists());
    let b = g.open(2).expect("open");
    g.bind(b, "//srv/./t").expect("bind");
    assert!(outer.path().join("t").exists());
    let c = g.open(2).expect("open");
    assert_eq!(errno(g.bind(c, "/srvx/u")), Errno::Notcapable);
    assert_eq!(
        errno(g.bind(c, "rel")),
        Errno::Notcapable,
        "no relative preopen"
    );
    assert_eq!(
        errno(g.bind(c, "/srv")),
        Errno::Notcapable,
        "names the preopen itself"
    );
}

#[test]
fn escapes_are_notcapable_and_create_nothing_outside() {
    let root = tempfile::tempdir().expect("tempdir");
    let (inside, outside) = (root.path().join("in"), root.path().join("out"));
    std::fs::create_dir_all(&inside).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    let target = UnixListener::bind(outside.join("t.sock")).expect("outside listener");
    std::os::unix::fs::symlink(&outside, inside.join("dirlink")).expect("symlink");
    std::os::unix::fs::symlink(outside.join("t.sock"), inside.join("socklink")).expect("symlink");
    std::os::unix::fs::symlink("../out/new.sock", inside.join("newlink")).expect("symlink");
    let mut g = guest(&[(&inside, "/sandbox")], UnixSockets::Allow);
    let fd = g.open(2).expect("open");
    let out = root.path().display().to_string();
    for path in [
        "/sandbox/../out/a.sock".to_string(),
        "/sandbox/..".to_string(),
        format!("{out}/out/b.sock"),
        "/sandbox/dirlink/c.sock".to_string(),
    ] {
        assert_eq!(errno(g.bind(fd, &path)), Errno::Notcapable, "bind {path}");
    }
    // bind never follows a final symlink: the name is taken.
    assert_eq!(errno(g.bind(fd, "/sandbox/newlink")), Errno::Addrinuse);
    for path in [
        "/sandbox/socklink",
        "/sandbox/dirlink/t.sock",
        "/sandbox/../out/t.sock",
    ] {
        assert_eq!(
            errno(g.connect(fd, path)),
            Errno::Notcapable,
            "connect {path}"
        );
    }
    let mut names: Vec<_> = std::fs::read_dir(&outside)
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["t.sock"],
        "something was created outside the preopen"
    );
    target.set_nonblocking(true).expect("nonblocking");
    assert!(target.accept().is_err(), "a connect got out");
    // Abstract and empty addresses are host-wide: refused.
    g.set_path(b"\0abstract");
    let r = sock_bind_v2(&mut g.cx, &mut g.mem, fd, ADDR_P, 0);
    assert_eq!(errno(r), Errno::Notcapable);
    g.set_path(b"");
    let r = sock_connect_v2(&mut g.cx, &mut g.mem, fd, ADDR_P, 0);
    assert_eq!(errno(r), Errno::Notcapable);
    // Still usable for a legitimate bind.
    g.bind(fd, "/sandbox/ok.sock").expect("bind inside");
}

#[test]
fn bind_needs_the_create_file_right_and_connect_does_not() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let host = UnixListener::bind(tmp.path().join("h")).expect("listener");
    let mut g = guest(&[(tmp.path(), "/d")], UnixSockets::Allow);
    let pre =
        g.cx.fds()
            .iter()
            .find(|(_, e)| e.kind() == "dir")
            .map(|(fd, _)| fd)
            .expect("preopen fd");
    let entry = g.cx.fds_mut().get_mut(pre).expect("entry");
    entry.base = Rights(entry.base.0 & !Rights::PATH_CREATE_FILE.0);
    let fd = g.open(2).expect("open");
    assert_eq!(errno(g.bind(fd, "/d/s")), Errno::Notcapable);
    assert!(!tmp.path().join("s").exists());
    g.connect(fd, "/d/h").expect("connect needs no right");
    assert!(host.accept().is_ok());
}

#[test]
fn families_do_not_mix() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut g = guest(&[(tmp.path(), "/d")], UnixSockets::Allow);
    sock_open(&mut g.cx, &mut g.mem, 1, 2, FD_P).expect("ipv4 socket");
    let ip = u32::from_le_bytes(g.mem[8..12].try_into().expect("4 bytes"));
    assert_eq!(errno(g.bind(ip, "/d/x")), Errno::Afnosupport);
    assert!(!tmp.path().join("x").exists());
    let unix = g.open(2).expect("open");
    g.mem[64..68].copy_from_slice(&[127, 0, 0, 1]);
    g.mem[20..24].copy_from_slice(&4u32.to_le_bytes());
    let r = sock_bind(&mut g.cx, &mut g.mem, unix, ADDR_P, 0);
    assert_eq!(errno(r), Errno::Afnosupport);
    // An AF_UNIX storage through the V1 call is not an address V1 knows.
    g.mem[20..24].copy_from_slice(&128u32.to_le_bytes());
    g.set_path(b"/d/y");
    let r = sock_bind(&mut g.cx, &mut g.mem, unix, ADDR_P, 0);
    assert_eq!(errno(r), Errno::Inval);
    // Unbound AF_UNIX sockets do not listen (no autobind to the abstract namespace).
    assert_eq!(
        errno(sock_listen(&mut g.cx, &mut g.mem, unix, 4)),
        Errno::Inval
    );
}

#[test]
fn datagrams_between_guest_sockets_by_guest_path() {
    use crate::wasmedge::io::{sock_recv_from_v2, sock_send_to_v2};
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut g = guest(&[(tmp.path(), "/d")], UnixSockets::Allow);
    let rx = g.open(1).expect("open dgram");
    g.bind(rx, "/d/rx").expect("bind");
    let tx = g.open(1).expect("open dgram");
    // Payload "hello" at 1024, its ciovec at 1040, outputs at 1100.., storage at 64.
    g.mem[1024..1029].copy_from_slice(b"hello");
    g.mem[1040..1044].copy_from_slice(&1024u32.to_le_bytes());
    g.mem[1044..1048].copy_from_slice(&5u32.to_le_bytes());
    g.set_path(b"/d/rx");
    sock_send_to_v2(&mut g.cx, &mut g.mem, tx, 1040, 1, ADDR_P, 0, 0, 1100).expect("send_to");
    assert_eq!(g.mem[1100..1104], 5u32.to_le_bytes());
    // Receive into 2048 (iovec at 1048) with the sender into the storage at 512.
    g.mem[1048..1052].copy_from_slice(&2048u32.to_le_bytes());
    g.mem[1052..1056].copy_from_slice(&64u32.to_le_bytes());
    g.mem[512..640].fill(0xAA);
    let r = sock_recv_from_v2(
        &mut g.cx, &mut g.mem, rx, 1048, 1, GET_P, 0, PORT_P, 1104, 1108,
    );
    r.expect("recv_from");
    assert_eq!(&g.mem[2048..2053], b"hello");
    assert_eq!(g.got(), (3, Vec::new(), 0), "an unbound sender is unnamed");
    // A sender outside the preopens is refused before anything is sent.
    g.set_path(b"/elsewhere/rx");
    let r = sock_send_to_v2(&mut g.cx, &mut g.mem, tx, 1040, 1, ADDR_P, 0, 0, 1100);
    assert_eq!(errno(r), Errno::Notcapable);
    // A connected datagram socket's receives name the guest path it connected to.
    g.connect(rx, "/d/rx").expect("connect to itself");
    g.set_path(b"/d/rx");
    sock_send_to_v2(&mut g.cx, &mut g.mem, rx, 1040, 1, ADDR_P, 0, 0, 1100).expect("send_to self");
    let r = sock_recv_from_v2(
        &mut g.cx, &mut g.mem, rx, 1048, 1, GET_P, 0, PORT_P, 1104, 1108,
    );
    r.expect("recv_from");
    assert_eq!(g.got(), (3, b"/d/rx".to_vec(), 0));
}

#[test]
fn poll_oneoff_reports_unix_sockets_through_the_shared_poller() {
    use crate::wasi::poll::poll_oneoff;
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut g = guest(&[(tmp.path(), "/d")], UnixSockets::Allow);
    let l = g.stream_listener("/d/p.sock");
    // Subscriptions at 1024 (48 bytes each): fd_read on the listener (userdata 7) and a
    // 5 s relative clock (userdata 9); events at 2048 (32 bytes each); count at 1200.
    let sub = |mem: &mut [u8], at: usize, userdata: u64, tag: u8| {
        mem[at..at + 48].fill(0);
        mem[at..at + 8].copy_from_slice(&userdata.to_le_bytes());
        mem[at + 8] = tag;
    };
    sub(&mut g.mem, 1024, 7, 1);
    g.mem[1040..1044].copy_from_slice(&l.to_le_bytes());
    sub(&mut g.mem, 1072, 9, 0);
    g.mem[1096..1104].copy_from_slice(&5_000_000_000u64.to_le_bytes());
    let host = UnixStream::connect(tmp.path().join("p.sock")).expect("host connect");
    poll_oneoff(&mut g.cx, &mut g.mem, 1024, 2048, 2, 1200).expect("poll");
    assert_eq!(g.mem[1200..1204], 1u32.to_le_bytes(), "one event");
    assert_eq!(
        g.mem[2048..2056],
        7u64.to_le_bytes(),
        "the listener, not the clock"
    );
    assert_eq!((g.mem[2056], g.mem[2058]), (0, 1), "no error, FD_READ");
    // The accepted connection polls readable once the host writes.
    sock_accept_v2(&mut g.cx, &mut g.mem, l, 0, FD_P).expect("accept");
    let conn = u32::from_le_bytes(g.mem[8..12].try_into().expect("4 bytes"));
    std::io::Write::write_all(&mut &host, b"xyz").expect("host write");
    g.mem[1040..1044].copy_from_slice(&conn.to_le_bytes());
    poll_oneoff(&mut g.cx, &mut g.mem, 1024, 2048, 2, 1200).expect("poll");
    assert_eq!(g.mem[2048..2056], 7u64.to_le_bytes());
    assert_eq!(
        g.mem[2064..2072],
        3u64.to_le_bytes(),
        "nbytes = the 3 queued bytes"
    );
}
