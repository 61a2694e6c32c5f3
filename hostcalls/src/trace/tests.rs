//! Trace lines: decoded arguments, outputs, errno names, and which calls may block.

use std::net::{IpAddr, SocketAddr};

use netaddr::{
    Protocol, SocketType,
    addrinfo::{self, AddrInfoEntry, Hints},
    wasmedge,
};

use super::{TraceFilter, decode, describe};
use crate::{
    GuestBuilder, SharedBuffer, Stdio,
    abi::{self, HostCall},
    errno::{Errno, Fault, Trap},
    memory,
};

fn call(name: &str) -> &'static HostCall {
    abi::find("wasi_snapshot_preview1", name).expect("host call exists")
}

fn put32(mem: &mut [u8], at: u32, v: u32) {
    memory::write_u32(mem, at, v).expect("in bounds");
}

fn put64(mem: &mut [u8], at: u32, v: u64) {
    memory::write_u64(mem, at, v).expect("in bounds");
}

/// A `__wasi_address_t` at `at` naming `bytes` copied to `buf`.
fn address(mem: &mut [u8], at: u32, buf: u32, bytes: &[u8]) {
    put32(mem, at, buf);
    put32(mem, at + 4, bytes.len() as u32);
    mem[buf as usize..buf as usize + bytes.len()].copy_from_slice(bytes);
}

fn storage(ip: &str) -> Vec<u8> {
    let ip: IpAddr = ip.parse().expect("ip");
    let mut out = vec![0u8; wasmedge::STORAGE_LEN];
    wasmedge::encode_storage(Some(&ip), &mut out).expect("encode");
    out
}

#[test]
fn errno_results_are_named() {
    let mut mem = vec![0u8; 32];
    mem[16..19].copy_from_slice(b"dir");
    let line = describe(
        call("path_create_directory"),
        &mem,
        &[9, 16, 3],
        &Err(Errno::Badf.into()),
    );
    assert_eq!(
        line,
        r#"path_create_directory(fd=9, path="dir") = EBADF (8)"#
    );
    let again = describe(
        call("fd_read"),
        &mem,
        &[0, 0, 0, 24],
        &Err(Errno::Again.into()),
    );
    assert_eq!(
        again,
        "fd_read(fd=0, iovs=[0 iovecs, 0 bytes]) = EAGAIN (6)"
    );
    let exit = describe(call("proc_exit"), &mem, &[3], &Err(Trap::Exit(3).into()));
    assert_eq!(exit, "proc_exit(rval=3) = ? (exit 3)");
}

#[test]
fn written_data_and_byte_counts_are_shown() {
    let mut cx = GuestBuilder::new()
        .stdout(Stdio::Capture(SharedBuffer::new()))
        .build_ctx()
        .unwrap();
    let mut mem = vec![0u8; 64];
    put32(&mut mem, 0, 32);
    put32(&mut mem, 4, 4);
    mem[32..36].copy_from_slice(b"ping");
    let fd_write = call("fd_write");
    let raw = [1, 0, 1, 48];
    let result = fd_write.invoke(&mut cx, &mut mem, &raw);
    assert_eq!(
        describe(fd_write, &mem, &raw, &result),
        r#"fd_write(fd=1, iovs="ping" (4 bytes)) = 0 [nwritten=4]"#
    );
}

#[test]
fn socket_addresses_are_decoded_in_every_wasmedge_layout() {
    let mut mem = vec![0u8; 512];
    // V1: 4 octets; V2: the 128-byte storage, IPv4 and IPv6.
    address(&mut mem, 0, 64, &[127, 0, 0, 1]);
    let v1 = describe(call("sock_connect"), &mem, &[4, 0, 5432], &Ok(()));
    assert_eq!(v1, "sock_connect(fd=4, addr=127.0.0.1:5432) = 0");
    address(&mut mem, 8, 128, &storage("::1"));
    let v2 = describe(call("sock_bind_v2"), &mem, &[3, 8, 80], &Ok(()));
    assert_eq!(v2, "sock_bind_v2(fd=3, addr=[::1]:80) = 0");
    address(&mut mem, 8, 128, &storage("10.1.2.3"));
    let send_to = describe(
        call("sock_send_to_v2"),
        &mem,
        &[5, 300, 0, 8, 53, 0, 400],
        &Err(Errno::Again.into()),
    );
    assert_eq!(
        send_to,
        r#"sock_send_to_v2(fd=5, si_data="" (0 bytes), addr=10.1.2.3:53, si_flags=0) = EAGAIN (6)"#
    );
    // An address the call wrote back: storage + port_p (getpeeraddr_v2), octets + port_p.
    put32(&mut mem, 300, 443);
    address(&mut mem, 16, 128, &storage("::ffff:192.0.2.1"));
    let peer = describe(call("sock_getpeeraddr_v2"), &mem, &[4, 16, 300], &Ok(()));
    assert_eq!(
        peer,
        "sock_getpeeraddr_v2(fd=4) = 0 [addr=[::ffff:192.0.2.1]:443]"
    );
    address(&mut mem, 24, 280, &[192, 168, 7, 9]);
    put32(&mut mem, 304, 4);
    let local = describe(call("sock_getlocaladdr"), &mem, &[4, 24, 304, 300], &Ok(()));
    assert_eq!(local, "sock_getlocaladdr(fd=4) = 0 [addr=192.168.7.9:443]");
}

#[test]
fn accept_and_recv_show_the_new_fd_counts_flags_and_data() {
    let mut mem = vec![0u8; 256];
    put32(&mut mem, 16, 7);
    let accept = describe(call("sock_accept_v2"), &mem, &[3, 4, 16], &Ok(()));
    assert_eq!(accept, "sock_accept_v2(fd=3, flags=NONBLOCK) = 0 [fd=7]");
    // sock_recv_v2(fd, iovs@0 (1 iovec -> buf 64, 16 bytes), flags, datalen@32, roflags@40)
    put32(&mut mem, 0, 64);
    put32(&mut mem, 4, 16);
    mem[64..69].copy_from_slice(b"hello");
    put32(&mut mem, 32, 5);
    put32(&mut mem, 40, 1);
    let recv = describe(call("sock_recv_v2"), &mem, &[7, 0, 1, 0, 32, 40], &Ok(()));
    assert_eq!(
        recv,
        r#"sock_recv_v2(fd=7, ri_data=[1 iovec, 16 bytes], ri_flags=0) = 0 [datalen=5, ro_flags=1, data="hello"]"#
    );
}

#[test]
fn poll_subscriptions_and_returned_events_are_decoded() {
    let mut mem = vec![0u8; 512];
    // subscription 0: clock MONOTONIC 1.5 s relative; 1: fd_read fd 3; 2: fd_write fd 4.
    put64(&mut mem, 0, 10);
    mem[8] = 0;
    put32(&mut mem, 16, 1);
    put64(&mut mem, 24, 1_500_000_000);
    put64(&mut mem, 48, 11);
    mem[56] = 1;
    put32(&mut mem, 64, 3);
    put64(&mut mem, 96, 12);
    mem[104] = 2;
    put32(&mut mem, 112, 4);
    // events at 200: fd_read of 3 with 5 bytes and HANGUP, fd_write of 4 with EBADF.
    put64(&mut mem, 200, 11);
    mem[210] = 1;
    put64(&mut mem, 216, 5);
    put32(&mut mem, 224, 1);
    put64(&mut mem, 232, 12);
    mem[240] = 8; // EBADF
    mem[242] = 2;
    put32(&mut mem, 400, 2);
    let line = describe(call("poll_oneoff"), &mem, &[0, 200, 3, 400], &Ok(()));
    assert_eq!(
        line,
        "poll_oneoff(subs=[{userdata=10, clock MONOTONIC, timeout=1.500000s}, \
         {userdata=11, fd_read, fd=3}, {userdata=12, fd_write, fd=4}]) = 0 [nevents=2, \
         events=[{userdata=11, fd_read, nbytes=5, HANGUP}, \
         {userdata=12, fd_write, nbytes=0, error=EBADF}]]"
    );
}

#[test]
fn getaddrinfo_shows_node_service_hints_and_the_addresses_returned() {
    let mut mem = vec![0u8; 4096];
    mem[0..9].copy_from_slice(b"localhost");
    mem[16..18].copy_from_slice(b"80");
    let hints = Hints {
        flags: 0x1 | 0x8,
        family: 2,
        socktype: 2,
        protocol: 0,
    };
    addrinfo::write_hints(&mut mem, 0, 32, &hints).expect("hints");
    let entries: Vec<AddrInfoEntry<'_>> = ["[::1]:80", "127.0.0.1:80"]
        .iter()
        .map(|a| AddrInfoEntry {
            flags: 0,
            socktype: SocketType::Stream,
            protocol: Protocol::Tcp,
            addr: a.parse::<SocketAddr>().expect("addr"),
            canonname: None,
        })
        .collect();
    let laid = addrinfo::lay_out(&mut mem, 0, 1024, &entries).expect("chain");
    put32(&mut mem, 100, laid.first);
    put32(&mut mem, 104, 2);
    let raw = [0, 9, 16, 2, 32, 100, 8, 104];
    let line = describe(call("sock_getaddrinfo"), &mem, &raw, &Ok(()));
    assert_eq!(
        line,
        r#"sock_getaddrinfo(node="localhost", service="80", hints={flags=AI_PASSIVE|AI_NUMERICSERV, family=INET6, socktype=STREAM, protocol=0}, max_res_len=8) = 0 [res_len=2, res=[[::1]:80 STREAM, 127.0.0.1:80 STREAM]]"#
    );
    let null = describe(
        call("sock_getaddrinfo"),
        &mem,
        &[0, 0, 16, 2, 0, 100, 8, 104],
        &Err(Errno::Inval.into()),
    );
    assert!(
        null.starts_with(r#"sock_getaddrinfo(node=NULL, service="80", hints=NULL"#),
        "{null}"
    );
}

#[test]
fn hostile_pointers_are_shown_not_followed() {
    let mem = vec![0u8; 16];
    let line = describe(
        call("path_open"),
        &mem,
        &[3, 1, 0xffff_fff0, 64, 0b1001, u64::MAX, 0, 4, 0xffff_ffff],
        &Err(Errno::Fault.into()),
    );
    assert_eq!(
        line,
        "path_open(fd=3, dirflags=SYMLINK_FOLLOW, path=0xfffffff0 (unreadable, 64 bytes), \
         oflags=CREAT|TRUNC, fs_rights_base=0xffffffffffffffff, fs_rights_inheriting=0x0, \
         fdflags=NONBLOCK) = EFAULT (21)"
    );
    let mut big = vec![b'a'; 4096];
    big[..4].copy_from_slice(b"long");
    let long = describe(call("path_unlink_file"), &big, &[3, 0, 4000], &Ok(()));
    assert!(
        long.ends_with(r#"aaa"... (4000 bytes)) = 0"#) && long.len() < 320,
        "{long}"
    );
    let poll = describe(call("poll_oneoff"), &mem, &[0xffff_0000, 0, 2, 0], &Ok(()));
    assert_eq!(poll, "poll_oneoff(subs=[?, ?]) = 0 [nevents=0, events=[]]");
}

#[test]
fn blocking_calls_are_told_apart() {
    let cx = GuestBuilder::new().build_ctx().unwrap();
    let mut mem = vec![0u8; 128];
    // One relative clock subscription of 0 s: poll_oneoff returns at once.
    mem[8] = 0;
    let zero = decode::may_block(call("poll_oneoff"), &cx, &mem, &[0, 64, 1, 120]);
    put64(&mut mem, 24, 1);
    let waits = decode::may_block(call("poll_oneoff"), &cx, &mem, &[0, 64, 1, 120]);
    assert!(!zero && waits);
    assert!(
        decode::may_block(call("fd_read"), &cx, &mem, &[0, 0, 0, 0]),
        "host stdin"
    );
    let bytes = GuestBuilder::new()
        .stdin(Stdio::Bytes(b"x".to_vec()))
        .build_ctx()
        .unwrap();
    assert!(
        !decode::may_block(call("fd_read"), &bytes, &mem, &[0, 0, 0, 0]),
        "embedder's bytes never wait"
    );
    assert!(
        !decode::may_block(call("fd_write"), &cx, &mem, &[1, 0, 0, 0]),
        "stdout"
    );
    assert!(
        !decode::may_block(call("sock_accept_v2"), &cx, &mem, &[9, 0, 0]),
        "no fd 9"
    );
    assert!(decode::may_block(
        call("sock_getaddrinfo"),
        &cx,
        &mem,
        &[0; 8]
    ));
}

#[test]
fn filters_name_families_and_calls() {
    let f: TraceFilter = "sock,poll".parse().expect("classes");
    assert!(f.matches("sock_accept_v2") && f.matches("epoll_oneoff"));
    assert!(!f.matches("fd_write") && !f.matches("path_open"));
    let g: TraceFilter = "file,sock_accept".parse().expect("classes");
    assert!(g.matches("fd_write") && g.matches("path_open") && g.matches("sock_accept"));
    assert!(!g.matches("sock_accept_v2") && !g.matches("clock_time_get"));
    assert!(TraceFilter::all().matches("random_get"));
    let err = "sock,nope".parse::<TraceFilter>().expect_err("unknown");
    assert_eq!(err.word, "nope");
}

#[test]
fn trap_results_are_marked() {
    let line = describe(
        call("fd_close"),
        &[],
        &[5],
        &Err(Fault::Trap(Trap::Host("boom".into()))),
    );
    assert_eq!(line, "fd_close(fd=5) = ? (trap: boom)");
}

#[test]
fn socket_and_option_numbers_are_named() {
    let mut mem = vec![0u8; 64];
    put32(&mut mem, 8, 3);
    let open = describe(call("sock_open"), &mem, &[2, 2, 8], &Ok(()));
    assert_eq!(open, "sock_open(af=INET6, socktype=STREAM) = 0 [fd=3]");
    put32(&mut mem, 16, 1);
    let set = describe(call("sock_setsockopt"), &mem, &[3, 0, 0, 16, 4], &Ok(()));
    assert_eq!(
        set,
        "sock_setsockopt(fd=3, level=SOL_SOCKET, name=SO_REUSEADDR, optval=1) = 0"
    );
    let get = describe(call("sock_getsockopt"), &mem, &[3, 0, 2, 16, 24], &Ok(()));
    assert_eq!(
        get,
        "sock_getsockopt(fd=3, level=SOL_SOCKET, name=SO_ERROR) = 0 [optlen=0, optval=1]"
    );
    let odd = describe(
        call("sock_open_v2"),
        &mem,
        &[300, 9, 8],
        &Err(Errno::Inval.into()),
    );
    assert_eq!(odd, "sock_open_v2(af=300, socktype=9) = EINVAL (28)");
}

#[test]
fn stat_outputs_are_decoded() {
    let mut mem = vec![0u8; 128];
    mem[0] = 6;
    mem[2] = 4;
    put64(&mut mem, 8, 0x3f);
    let fdstat = describe(call("fd_fdstat_get"), &mem, &[4, 0], &Ok(()));
    assert_eq!(
        fdstat,
        "fd_fdstat_get(fd=4) = 0 [stat={filetype=SOCKET_STREAM, flags=NONBLOCK, rights=0x3f}]"
    );
    mem[32 + 16] = 4;
    put64(&mut mem, 32 + 32, 12);
    let filestat = describe(call("fd_filestat_get"), &mem, &[5, 32], &Ok(()));
    assert_eq!(
        filestat,
        "fd_filestat_get(fd=5) = 0 [stat={filetype=REGULAR_FILE, size=12}]"
    );
    put32(&mut mem, 100, 5);
    let prestat = describe(call("fd_prestat_get"), &mem, &[3, 96], &Ok(()));
    assert_eq!(
        prestat,
        "fd_prestat_get(fd=3) = 0 [prestat={dir, name_len=5}]"
    );
}
