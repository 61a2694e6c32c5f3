//! Hostcall plans for AF_UNIX sockets: streams, datagrams, relative
//! paths under a second preopen, escapes, and the default denial.

use crate::plans::{A, Plan};

/// AF_UNIX open flags: allowed.
const UNIX: u8 = fdvirt_fuzz::HOSTCALL_ALLOW_UNIX;
/// AF_UNIX allowed and `root/d` preopened as `.` (fd 4; later fds shift).
const UNIX_REL: u8 = UNIX | fdvirt_fuzz::HOSTCALL_DOT_PREOPEN;

fn unix(path: &'static str) -> A {
    A::Unix(Some(path))
}

/// `sock_bind_v2`/`sock_connect_v2` arguments: socket `fd`, AF_UNIX `path`.
fn unix_at(fd: u8, path: &'static str) -> [A; 3] {
    [A::Fd(fd), unix(path), A::Small(0)]
}

/// `poll_oneoff` (or `epoll_oneoff`) over `n` records at 3000.
fn poll(plan: Plan, name: &str, n: u8) -> Plan {
    plan.call(
        name,
        &[A::Ptr(3000), A::Ptr(3400), A::Small(n), A::Ptr(3800)],
    )
}

/// `sock_recv_from_v2(fd, ..)` reporting the sender into an AF_UNIX storage.
fn recv_from_v2(fd: u8) -> [A; 8] {
    [
        A::Fd(fd),
        A::Iov(1),
        A::Small(0),
        unix("/sandbox/s"),
        A::Small(0),
        A::Ptr(150),
        A::Ptr(154),
        A::Ptr(158),
    ]
}

/// AF_UNIX streams: listen on `/sandbox/s` (fd 4), connect (fd 5), poll
/// both with duplicated subscriptions (`EXIST`), accept (fd 6), send,
/// `epoll_oneoff`, receive, names; then escapes refused from fd 7.
pub(crate) fn unix_stream_plan() -> Vec<u8> {
    let open = [A::Small(3), A::Small(2), A::Ptr(100)];
    let plan = Plan::with_options(&[], UNIX)
        .call("sock_open_v2", &open)
        .call("sock_bind_v2", &unix_at(4, "/sandbox/s"))
        .call("sock_listen_v2", &[A::Fd(4), A::Small(8)])
        .call("sock_open_v2", &open)
        .call("sock_connect_v2", &unix_at(5, "/sandbox/s"))
        .subs(
            3000,
            &[(1, 4, 1), (1, 4, 2), (2, 5, 3), (2, 5, 4), (0, 0, 1)],
        );
    let plan = poll(plan, "poll_oneoff", 5)
        .call("sock_accept_v2", &[A::Fd(4), A::Small(0), A::Ptr(108)])
        .call(
            "sock_send_v2",
            &[A::Fd(5), A::Iov(0), A::Small(0), A::Small(0), A::Ptr(112)],
        )
        .subs(3000, &[(1, 6, 1), (1, 6, 2), (2, 5, 3), (1, 4, 4)]);
    let plan = poll(plan, "epoll_oneoff", 4)
        .call("sock_recv_from_v2", &recv_from_v2(6))
        .call(
            "sock_getlocaladdr_v2",
            &[A::Fd(6), unix("/sandbox/t"), A::Ptr(124)],
        )
        .call(
            "sock_getpeeraddr_v2",
            &[A::Fd(5), unix("/sandbox/t"), A::Ptr(124)],
        )
        .call(
            "sock_getlocaladdr_v2",
            &[A::Fd(4), unix("/sandbox/t"), A::Ptr(124)],
        )
        .call(
            "sock_getlocaladdr",
            &[A::Fd(4), A::Addr(1), A::Ptr(128), A::Ptr(132)],
        )
        .call("fd_write", &[A::Fd(6), A::Iov(0), A::Small(0), A::Ptr(200)])
        .call("fd_read", &[A::Fd(5), A::Iov(0), A::Small(0), A::Ptr(200)])
        .call("sock_open_v2", &open);
    let escapes = [
        unix("/sandbox/../outside/s"),
        A::Unix(None),
        unix("/sandbox/ln"),
        unix("/sandbox/abs/s"),
        unix("/tmp/fdvirt-fuzz-escape.sock"),
        unix("\0abstract"),
        unix("/sandbox/d/.."),
    ];
    let mut plan = plan;
    for e in escapes {
        plan = plan
            .call("sock_bind_v2", &[A::Fd(7), e, A::Small(0)])
            .call("sock_connect_v2", &[A::Fd(7), e, A::Small(0)]);
    }
    plan.call("sock_connect_v2", &unix_at(7, "/sandbox/f"))
        .call("sock_bind_v2", &unix_at(7, "/sandbox/s"))
        .call("sock_bind_v2", &unix_at(7, "/sandbox/dl/s"))
        .call("sock_shutdown", &[A::Fd(5), A::Small(3)])
        .call("fd_close", &[A::Fd(6)])
        .bytes()
}

/// Two AF_UNIX datagram sockets: fd 4 bound to `/sandbox/t`, fd 5 unbound.
fn dgram_pair() -> Plan {
    let open = [A::Small(3), A::Small(1), A::Ptr(100)];
    Plan::with_options(&[], UNIX)
        .call("sock_open_v2", &open)
        .call("sock_bind_v2", &unix_at(4, "/sandbox/t"))
        .call("sock_open_v2", &open)
}

/// `sock_send_to_v2` arguments: fd 5 sends iovec 0 to `/sandbox/t`.
fn dgram_send_to() -> [A; 7] {
    [
        A::Fd(5),
        A::Iov(0),
        A::Small(0),
        unix("/sandbox/t"),
        A::Small(0),
        A::Small(0),
        A::Ptr(112),
    ]
}

/// AF_UNIX datagrams: bind `/sandbox/t` (fd 4), send to it by path from
/// fd 5, receive with the sender's name, then connect, send, receive.
pub(crate) fn unix_dgram_plan() -> Vec<u8> {
    let send_to = dgram_send_to();
    let plan = dgram_pair()
        .call("sock_send_to_v2", &send_to)
        .subs(3000, &[(1, 4, 1), (1, 4, 2), (2, 5, 3)]);
    poll(plan, "poll_oneoff", 3)
        .call("sock_recv_from_v2", &recv_from_v2(4))
        .call("sock_connect_v2", &unix_at(5, "/sandbox/t"))
        .call(
            "sock_send_v2",
            &[A::Fd(5), A::Iov(2), A::Small(0), A::Small(0), A::Ptr(112)],
        )
        .call("sock_recv_from_v2", &recv_from_v2(4))
        .call(
            "sock_getpeeraddr_v2",
            &[A::Fd(5), unix("/sandbox/s"), A::Ptr(124)],
        )
        .call("sock_bind_v2", &unix_at(5, "/sandbox/d/s"))
        .call("sock_send_to_v2", &send_to)
        .call("sock_recv_from_v2", &recv_from_v2(4))
        .bytes()
}

/// Twelve datagrams by path to a receiver that reads none: Linux queues 10
/// (`net.unix.max_dgram_qlen`), then a blocking send must time out with
/// `EAGAIN` (it once spun for ever: the unconnected sender polls writable).
pub(crate) fn unix_dgram_full_plan() -> Vec<u8> {
    let send_to = dgram_send_to();
    let mut plan = dgram_pair();
    for _ in 0..12 {
        plan = plan.call("sock_send_to_v2", &send_to);
    }
    plan.call("fd_fdstat_set_flags", &[A::Fd(5), A::Small(4)])
        .call("sock_send_to_v2", &send_to)
        .bytes()
}

/// Two preopens (`/sandbox` fd 3, `.` = `root/d` fd 4): relative paths
/// bind in `root/d` (fd 5, connected from fd 6); then fd 3 loses
/// `PATH_CREATE_FILE` and a bind under it is refused; an IP socket given a
/// unix path (`EAFNOSUPPORT`).
pub(crate) fn unix_relative_plan() -> Vec<u8> {
    let open = [A::Small(3), A::Small(2), A::Ptr(100)];
    let plan = Plan::with_options(&[], UNIX_REL)
        .call("sock_open_v2", &open)
        .call("sock_bind_v2", &unix_at(5, "s"))
        .call("sock_listen_v2", &[A::Fd(5), A::Small(1)])
        .call("sock_open_v2", &open)
        .call("sock_connect_v2", &unix_at(6, "s"))
        .call("sock_connect_v2", &unix_at(6, "/sandbox/d/s"))
        .call("sock_open_v2", &open)
        .call("sock_connect_v2", &unix_at(7, "/sandbox/d/s"))
        .subs(3000, &[(1, 5, 1), (2, 6, 2), (2, 7, 3), (2, 7, 4)]);
    poll(plan, "epoll_oneoff", 4)
        .call("sock_bind_v2", &unix_at(7, "../s"))
        .call(
            "fd_fdstat_set_rights",
            &[A::Fd(3), A::Small(0), A::Small(0)],
        )
        .call("sock_open_v2", &open)
        .call("sock_bind_v2", &unix_at(8, "/sandbox/t"))
        .call("sock_bind_v2", &unix_at(8, "./t"))
        .call("sock_open_v2", &[A::Small(1), A::Small(2), A::Ptr(100)])
        .call("sock_bind_v2", &unix_at(9, "/sandbox/s"))
        .bytes()
}

/// AF_UNIX denied (the default): `sock_open(3, ..)` is `ENOSYS`, and an IP
/// socket given a unix path says `EAFNOSUPPORT`.
pub(crate) fn unix_denied_plan() -> Vec<u8> {
    Plan::new(&[])
        .call("sock_open_v2", &[A::Small(3), A::Small(2), A::Ptr(100)])
        .call("sock_open", &[A::Small(3), A::Small(1), A::Ptr(100)])
        .call("sock_open_v2", &[A::Small(1), A::Small(2), A::Ptr(100)])
        .call("sock_bind_v2", &unix_at(4, "/sandbox/s"))
        .call("sock_connect_v2", &unix_at(4, "/sandbox/s"))
        .bytes()
}
