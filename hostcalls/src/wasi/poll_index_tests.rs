//! `poll_oneoff` after the fd table changed under a remembered fd (the poll index,
//! `fds.rs`): a closed, renumbered, rights-reduced or replaced socket fd must be answered
//! from what the fd is now, never from what the index remembered. Each test first polls
//! the socket fds twice (the first registers them, the second remembers them), then
//! changes the table through the host call a guest would use (or an embedder's
//! `fds_mut`), then polls once more beside a zero clock so the call returns at once.

use std::io::IoSlice;

use hostsock::Socket;

use crate::{
    ctx::GuestCtx,
    descriptor::Descriptor,
    errno::{Errno, code},
    socket::SocketDesc,
    testutil::{self, Loopback, install},
    types::{EVENT_SIZE, Rights, SUBSCRIPTION_SIZE},
    wasi::{fd, fd_stat, poll::poll_oneoff},
};

/// A subscription: fd read on `fd`, or (None) a relative clock of 0 ns.
type Sub = Option<u32>;

/// One reported event: (userdata, errno, nbytes).
type Event = (u64, u16, u64);

const SUBS_AT: u32 = 0;
const EVENTS_AT: u32 = 4096;
const NEVENTS_AT: u32 = 8192;

/// Polls `subs` (userdata = position), returns the events.
fn poll(cx: &mut GuestCtx, subs: &[Sub]) -> Vec<Event> {
    let mut mem = vec![0u8; 16 * 1024];
    for (i, sub) in subs.iter().enumerate() {
        let at = SUBS_AT as usize + i * SUBSCRIPTION_SIZE as usize;
        let s = &mut mem[at..at + SUBSCRIPTION_SIZE as usize];
        s[0..8].copy_from_slice(&(i as u64).to_le_bytes());
        match sub {
            Some(fd) => {
                s[8] = 1; // eventtype::fd_read
                s[16..20].copy_from_slice(&fd.to_le_bytes());
            }
            None => s[8] = 0, // clock 0 (realtime), timeout 0, relative
        }
    }
    let n = subs.len() as u32;
    poll_oneoff(cx, &mut mem, SUBS_AT, EVENTS_AT, n, NEVENTS_AT).expect("poll_oneoff");
    let count = u32::from_le_bytes(mem[NEVENTS_AT as usize..][..4].try_into().unwrap());
    (0..count as usize)
        .map(|i| {
            let e = &mem[EVENTS_AT as usize + i * EVENT_SIZE as usize..];
            (
                u64::from_le_bytes(e[0..8].try_into().unwrap()),
                u16::from_le_bytes(e[8..10].try_into().unwrap()),
                u64::from_le_bytes(e[16..24].try_into().unwrap()),
            )
        })
        .collect()
}

/// The event of subscription `userdata`, if reported.
fn event(events: &[Event], userdata: u64) -> Option<Event> {
    events.iter().copied().find(|e| e.0 == userdata)
}

/// A guest holding two connected loopback sockets: `(fd with 5 bytes to read, idle fd,
/// the idle one's peer)`. The peers stay with the caller so no hang-up is reported.
fn guest() -> (GuestCtx, u32, u32, Vec<Socket>) {
    let mut cx = testutil::guest();
    let mut lo = Loopback::new();
    let (mut c1, s1) = lo.pair();
    let (c2, s2) = lo.pair();
    assert_eq!(c1.send(&[IoSlice::new(b"hello")]).expect("send"), 5);
    let readable = install(&mut cx, s1);
    let idle = install(&mut cx, s2);
    // Wait (bounded) until the 5 bytes arrived, so every poll below sees them.
    for _ in 0..200 {
        if poll(&mut cx, &[Some(readable), None])
            .iter()
            .any(|e| e.0 == 0)
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for _ in 0..2 {
        let evs = poll(&mut cx, &[Some(readable), Some(idle), None]);
        assert_eq!(event(&evs, 0), Some((0, 0, 5)), "{evs:?}");
        assert_eq!(event(&evs, 1), None, "the idle socket is pending: {evs:?}");
    }
    (cx, readable, idle, vec![c1, c2, lo.listener])
}

#[test]
fn a_closed_fd_is_ebadf_not_the_remembered_socket() {
    let (mut cx, readable, idle, _peers) = guest();
    fd::fd_close(&mut cx, &mut [], idle).expect("close");
    let evs = poll(&mut cx, &[Some(readable), Some(idle), None]);
    assert_eq!(event(&evs, 1), Some((1, code(Errno::Badf), 0)), "{evs:?}");
    assert_eq!(event(&evs, 0), Some((0, 0, 5)), "{evs:?}");
}

#[test]
fn a_renumbered_fd_answers_for_the_socket_it_now_holds() {
    let (mut cx, readable, idle, _peers) = guest();
    // `idle` now holds the readable socket; `readable` is closed.
    fd::fd_renumber(&mut cx, &mut [], readable, idle).expect("renumber");
    let evs = poll(&mut cx, &[Some(readable), Some(idle), None]);
    assert_eq!(event(&evs, 0), Some((0, code(Errno::Badf), 0)), "{evs:?}");
    assert_eq!(event(&evs, 1), Some((1, 0, 5)), "{evs:?}");
}

#[test]
fn a_renumbered_away_fd_is_ebadf_not_the_socket_that_moved() {
    let (mut cx, readable, idle, _peers) = guest();
    // The idle socket moves onto `readable`, keeping its poller key; `idle` is closed.
    // `idle` is subscribed first: were it still remembered, it would claim the moved
    // socket's poller slot before `readable` does.
    fd::fd_renumber(&mut cx, &mut [], idle, readable).expect("renumber");
    let evs = poll(&mut cx, &[Some(idle), Some(readable), None]);
    assert_eq!(event(&evs, 0), Some((0, code(Errno::Badf), 0)), "{evs:?}");
    assert_eq!(
        event(&evs, 1),
        None,
        "the moved idle socket is pending: {evs:?}"
    );
}

#[test]
fn a_socket_that_lost_the_poll_right_is_notcapable() {
    let (mut cx, _readable, idle, _peers) = guest();
    let fewer = Rights(SocketDesc::rights().0 & !Rights::POLL_FD_READWRITE.0);
    fd_stat::fd_fdstat_set_rights(&mut cx, &mut [], idle, fewer.0, fewer.0).expect("rights");
    assert_poll_is_notcapable(&mut cx, idle);
}

#[test]
fn rights_dropped_through_an_embedders_mutable_entry_are_seen() {
    let (mut cx, _readable, idle, _peers) = guest();
    let entry = cx.fds_mut().get_mut(idle).expect("open");
    entry.base = Rights(entry.base.0 & !Rights::POLL_FD_READWRITE.0);
    assert_poll_is_notcapable(&mut cx, idle);
}

/// Polling `fd` alone answers ENOTCAPABLE (it lost `POLL_FD_READWRITE`), not the socket
/// the index may still remember.
#[track_caller]
fn assert_poll_is_notcapable(cx: &mut GuestCtx, fd: u32) {
    let evs = poll(cx, &[Some(fd), None]);
    assert_eq!(
        event(&evs, 0),
        Some((0, code(Errno::Notcapable), 0)),
        "{evs:?}"
    );
}

#[test]
fn a_descriptor_replaced_in_place_answers_for_the_new_socket() {
    let (mut cx, readable, idle, _peers) = guest();
    // Move the readable socket into the idle fd's entry, in place: `idle`'s old socket
    // (and its poller key) goes, `readable` keeps a fresh unconnected socket.
    let moved = std::mem::replace(
        &mut cx.fds.get_mut(readable).expect("open").desc,
        Descriptor::Socket(SocketDesc::new(testutil::tcp())),
    );
    let old = std::mem::replace(&mut cx.fds.get_mut(idle).expect("open").desc, moved);
    drop(old);
    let evs = poll(&mut cx, &[Some(idle), None]);
    assert_eq!(event(&evs, 0), Some((0, 0, 5)), "{evs:?}");
}
