//! Unit tests of the harness itself: its input taming and that its checks
//! fire. (Target bodies are exercised by `tests/replay.rs`.)

use runtime_glue::{abi, fuzzing::FdRights};

use crate::{
    hostcall_checks::check_rights,
    hostcalls::{offline_lookup, tame_poll},
};

fn clock_sub(timeout: u64, abstime: bool) -> [u8; 48] {
    let mut s = [0u8; 48];
    s[8] = 0; // clock
    s[16..20].copy_from_slice(&1u32.to_le_bytes());
    s[24..32].copy_from_slice(&timeout.to_le_bytes());
    s[40] = u8::from(abstime);
    s
}

fn fd_sub(fd: u32) -> [u8; 48] {
    let mut s = [0u8; 48];
    s[8] = 1; // fd_read
    s[16..20].copy_from_slice(&fd.to_le_bytes());
    s
}

fn rights(fd: u32, kind: &'static str, base: u64) -> FdRights {
    FdRights {
        fd,
        kind,
        base,
        inheriting: 0,
        flags: 0,
    }
}

#[test]
fn tame_poll_caps_clocks_and_makes_them_relative() {
    let mut mem = vec![0u8; 256];
    mem[16..64].copy_from_slice(&clock_sub(u64::MAX, true));
    tame_poll(&mut mem, &[16, 128, 1, 200], &[]);
    let timeout = u64::from_le_bytes(mem[40..48].try_into().unwrap());
    assert!(timeout < 1_000_000, "timeout {timeout}");
    assert_eq!(mem[16 + 40] & 1, 0, "abstime cleared");
}

#[test]
fn tame_poll_adds_a_clock_to_socket_only_waits() {
    let mut mem = vec![0u8; 256];
    mem[0..48].copy_from_slice(&fd_sub(7));
    mem[48..96].copy_from_slice(&fd_sub(8));
    let fds = [rights(7, "socket", 0), rights(8, "file", 0)];
    tame_poll(&mut mem, &[0, 128, 2, 200], &fds);
    assert_eq!(mem[8], 1, "first subscription kept");
    assert_eq!(mem[48 + 8], 0, "last subscription became a clock");
    // Files only: left alone (files are always ready).
    let mut mem2 = vec![0u8; 96];
    mem2[0..48].copy_from_slice(&fd_sub(8));
    tame_poll(&mut mem2, &[0, 0, 1, 0], &fds);
    assert_eq!(mem2[8], 1);
}

#[test]
fn tame_poll_ignores_out_of_bounds_subscriptions() {
    let mut mem = vec![0xAAu8; 40];
    tame_poll(&mut mem, &[30, 0, 5, 0], &[]);
    tame_poll(
        &mut mem,
        &[u64::from(u32::MAX), 0, u64::from(u32::MAX), 0],
        &[],
    );
    assert!(mem.iter().all(|&b| b == 0xAA));
}

#[test]
fn only_dns_free_lookups_are_offline() {
    let mem = b"localhost\0example.com[::1]10.1.2.3".to_vec();
    assert!(offline_lookup(&mem, &[0, 10]));
    assert!(!offline_lookup(&mem, &[10, 11]));
    assert!(offline_lookup(&mem, &[21, 5]));
    assert!(offline_lookup(&mem, &[26, 8]));
    assert!(offline_lookup(&mem, &[0, 0]));
    assert!(offline_lookup(&mem, &[30, 100]), "EFAULT before any lookup");
}

#[test]
fn rights_checks_accept_shrinking() {
    let hc = abi::find("wasi_snapshot_preview1", "fd_fdstat_set_rights").unwrap();
    check_rights(
        hc,
        &[3, 1, 0],
        true,
        &[rights(3, "dir", 3)],
        &[rights(3, "dir", 1)],
    );
}

#[test]
#[should_panic(expected = "grew the rights")]
fn rights_checks_catch_growth() {
    let hc = abi::find("wasi_snapshot_preview1", "fd_fdstat_set_rights").unwrap();
    check_rights(
        hc,
        &[3, 7, 0],
        true,
        &[rights(3, "dir", 3)],
        &[rights(3, "dir", 7)],
    );
}

#[test]
#[should_panic(expected = "fd_renumber changed rights")]
fn rights_checks_catch_renumber_changing_rights() {
    let hc = abi::find("wasi_snapshot_preview1", "fd_renumber").unwrap();
    let before = [rights(4, "file", 1), rights(5, "file", 2)];
    check_rights(hc, &[4, 5], true, &before, &[rights(5, "file", 2)]);
}

#[test]
fn every_target_is_listed_once() {
    let mut names: Vec<&str> = crate::TARGETS.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), crate::TARGETS.len());
    assert!(crate::target("hostcalls").is_some());
    assert!(crate::target("nope").is_none());
}

/// The scratch-memory arguments reach success paths: `path_open` of a
/// sandbox file through `Arg::Str`, then `fd_write` through `Arg::Iov`.
#[test]
fn scratch_args_open_and_write_a_file() {
    use crate::guest_args::{Arg, resolve_args};
    let dir = tempfile::tempdir().unwrap();
    let mut cx = runtime_glue::GuestBuilder::new()
        .stdout(runtime_glue::Stdio::Null)
        .preopen_dir(dir.path(), "/sandbox")
        .unwrap()
        .build_ctx()
        .unwrap();
    let mut mem = vec![0u8; 65536];
    let open = abi::find("wasi_snapshot_preview1", "path_open").unwrap();
    let args = [
        Arg::Fd(3),
        Arg::Small(0),
        Arg::Str(6), // "new"
        Arg::Small(0),
        Arg::Small(1), // O_CREAT
        Arg::Raw(u64::MAX),
        Arg::Raw(u64::MAX),
        Arg::Small(0),
        Arg::Ptr(100),
    ];
    let raw = resolve_args(&cx, &mut mem, open, &args, b"");
    assert_eq!(raw[3], 3, "path_len filled in");
    open.invoke(&mut cx, &mut mem, &raw).unwrap();
    let fd = u32::from_le_bytes(mem[100..104].try_into().unwrap());
    let write = abi::find("wasi_snapshot_preview1", "fd_write").unwrap();
    let fd_index = cx.fds().iter().position(|(f, _)| f == fd).unwrap() as u8;
    let raw = resolve_args(
        &cx,
        &mut mem,
        write,
        &[Arg::Fd(fd_index), Arg::Iov(0), Arg::Small(9), Arg::Ptr(200)],
        b"",
    );
    assert_eq!(raw[2], 1, "iovs_len filled in");
    write.invoke(&mut cx, &mut mem, &raw).unwrap();
    assert_eq!(std::fs::metadata(dir.path().join("new")).unwrap().len(), 8);
}

/// `Arg::Addr` from `UNIX_ADDR` on names AF_UNIX paths: a bind inside the
/// preopen creates the socket there; the harness's host path outside the
/// sandbox (the extra path) is refused and creates nothing.
#[test]
fn unix_addr_args_bind_inside_and_never_outside() {
    use crate::guest_args::{Arg, UNIX_ADDR, UNIX_PATHS, resolve_args};
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let extra = outside.path().join("s");
    let mut cx = runtime_glue::GuestBuilder::new()
        .stdout(runtime_glue::Stdio::Null)
        .unix_sockets(runtime_glue::UnixSockets::Allow)
        .preopen_dir(dir.path(), "/sandbox")
        .unwrap()
        .build_ctx()
        .unwrap();
    let mut mem = vec![0u8; 65536];
    let open = abi::find("wasi_snapshot_preview1", "sock_open").unwrap();
    let bind = abi::find("wasi_snapshot_preview1", "sock_bind_v2").unwrap();
    let extra_bytes = extra.as_os_str().as_encoded_bytes();
    let mut bind_to = |k: u8, mem: &mut Vec<u8>| {
        let raw = resolve_args(
            &cx,
            mem,
            open,
            &[Arg::Small(3), Arg::Small(2), Arg::Ptr(100)],
            b"",
        );
        open.invoke(&mut cx, mem, &raw).unwrap();
        let fd = u32::from_le_bytes(mem[100..104].try_into().unwrap());
        let index = cx.fds().iter().position(|(f, _)| f == fd).unwrap() as u8;
        let args = [Arg::Fd(index), Arg::Addr(k), Arg::Small(0)];
        let raw = resolve_args(&cx, mem, bind, &args, extra_bytes);
        bind.invoke(&mut cx, mem, &raw)
    };
    assert_eq!(UNIX_PATHS[0], b"/sandbox/s");
    bind_to(UNIX_ADDR, &mut mem).unwrap();
    let meta = std::fs::symlink_metadata(dir.path().join("s")).unwrap();
    assert!(meta.file_type().is_socket());
    let extra_k = UNIX_ADDR + UNIX_PATHS.len() as u8;
    assert!(bind_to(extra_k, &mut mem).is_err());
    assert!(!extra.exists(), "a guest path reached the host outside");
}

/// `PutSubs` records name open fds by index (duplicates come from equal
/// indices) and clocks carry a timeout.
#[test]
fn put_subs_writes_records_naming_open_fds() {
    let cx = runtime_glue::GuestBuilder::new()
        .stdout(runtime_glue::Stdio::Null)
        .build_ctx()
        .unwrap();
    let open: Vec<u32> = cx.fds().iter().map(|(fd, _)| fd).collect();
    let mut mem = vec![0u8; 4096];
    let subs = [
        crate::hostcalls::Sub {
            tag: 1,
            fd: 1,
            userdata: 9,
        },
        crate::hostcalls::Sub {
            tag: 4,
            fd: 1,
            userdata: 0,
        },
        crate::hostcalls::Sub {
            tag: 0,
            fd: 0,
            userdata: 5,
        },
    ];
    crate::hostcalls::put_subs(&cx, &mut mem, 100, &subs);
    let rec = |i: usize| &mem[100 + 48 * i..148 + 48 * i];
    assert_eq!(rec(0)[0], 9, "userdata");
    assert_eq!((rec(0)[8], rec(1)[8], rec(2)[8]), (1, 1, 0), "tags mod 3");
    let fd = |r: &[u8]| u32::from_le_bytes(r[16..20].try_into().unwrap());
    assert_eq!(fd(rec(0)), open[1]);
    assert_eq!(fd(rec(0)), fd(rec(1)), "same index, same fd");
    let timeout = u64::from_le_bytes(rec(2)[24..32].try_into().unwrap());
    assert_eq!(timeout, 5000);
}

/// Memory holding `nevents` at 0 and events from 8, as a poll leaves it.
fn poll_result(events: &[(u64, u16, u8)]) -> Vec<u8> {
    let mut mem = vec![0u8; 8 + 32 * events.len()];
    mem[..4].copy_from_slice(&(events.len() as u32).to_le_bytes());
    for (i, &(userdata, error, kind)) in events.iter().enumerate() {
        let ev = &mut mem[8 + 32 * i..];
        ev[..8].copy_from_slice(&userdata.to_le_bytes());
        ev[8..10].copy_from_slice(&error.to_le_bytes());
        ev[10] = kind;
    }
    mem
}

#[test]
fn poll_event_checks_accept_events_answering_subscriptions() {
    use crate::hostcall_checks::check_poll_events;
    let subs = [(7, 1), (7, 1), (9, 0)];
    let mem = poll_result(&[(7, 20, 1), (7, 0, 1)]); // a duplicate's EXIST
    check_poll_events("poll_oneoff", &[100, 8, 3, 0], &mem, &subs);
}

#[test]
#[should_panic(expected = "answers no subscription")]
fn poll_event_checks_catch_an_event_answered_twice() {
    use crate::hostcall_checks::check_poll_events;
    let mem = poll_result(&[(7, 0, 1), (7, 0, 1)]);
    check_poll_events("poll_oneoff", &[100, 8, 2, 0], &mem, &[(7, 1), (8, 1)]);
}

#[test]
#[should_panic(expected = "reported 0 events")]
fn poll_event_checks_catch_success_without_events() {
    use crate::hostcall_checks::check_poll_events;
    let mem = poll_result(&[]);
    check_poll_events("epoll_oneoff", &[100, 8, 1, 0], &mem, &[(1, 0)]);
}

#[test]
fn poll_event_checks_skip_overlapping_outputs() {
    use crate::hostcall_checks::check_poll_events;
    // nevents written over event 0's userdata.
    let mut mem = poll_result(&[(7, 0, 1)]);
    mem[8..12].copy_from_slice(&1u32.to_le_bytes());
    check_poll_events("poll_oneoff", &[100, 8, 1, 8], &mem, &[(7, 1)]);
}
