//! Property test: the persistent poller against a reference model.
//!
//! Operations insert and remove (drop) UDP sockets, queue or drain a datagram, and wait over a
//! subset of keys with a zero timeout. The model (a `BTreeMap` key -> "has data") says
//! which subscribed keys must be readable; oneshot re-arming, interest changes and
//! events for unsubscribed keys must never make the poller disagree with it.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::IoSliceMut,
    net::{IpAddr, Ipv4Addr, UdpSocket},
    time::Duration,
};

use hostsock::{Blocking, Interest, Poller, RecvFlags, Socket};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Insert,
    Remove(usize),
    Send(usize),
    Drain(usize),
    /// Wait over the keys whose index bit is set (indices modulo the live count);
    /// `both` also subscribes to writability.
    Wait {
        mask: u16,
        both: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Insert),
        1 => any::<usize>().prop_map(Op::Remove),
        3 => any::<usize>().prop_map(Op::Send),
        2 => any::<usize>().prop_map(Op::Drain),
        4 => (any::<u16>(), any::<bool>()).prop_map(|(mask, both)| Op::Wait { mask, both }),
    ]
}

struct World {
    poller: Poller,
    sockets: BTreeMap<usize, Socket>,
    model: BTreeMap<usize, bool>,
    sender: UdpSocket,
}

impl World {
    fn pick(&self, i: usize) -> Option<usize> {
        let n = self.model.len();
        (n > 0).then(|| *self.model.keys().nth(i % n).unwrap_or(&0))
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Insert => {
                let mut s = crate::util::udp(IpAddr::V4(Ipv4Addr::LOCALHOST));
                s.set_blocking(Blocking::No);
                let key = self.poller.insert(&mut s).unwrap();
                assert!(
                    self.model.insert(key, false).is_none(),
                    "key {key} reused while live"
                );
                self.sockets.insert(key, s);
            }
            Op::Remove(i) => {
                if let Some(k) = self.pick(i) {
                    // Dropping the socket is what unregisters it.
                    self.model.remove(&k);
                    self.sockets.remove(&k);
                }
            }
            Op::Send(i) => {
                if let Some(k) = self.pick(i) {
                    let to = self.sockets[&k].local_addr().unwrap();
                    self.sender.send_to(b"d", to).unwrap();
                    self.model.insert(k, true);
                }
            }
            Op::Drain(i) => {
                if let Some(k) = self.pick(i) {
                    let mut buf = [0u8; 8];
                    let s = self.sockets.get_mut(&k).unwrap();
                    while s
                        .recv(&mut [IoSliceMut::new(&mut buf)], RecvFlags::default())
                        .is_ok()
                    {}
                    self.model.insert(k, false);
                }
            }
            Op::Wait { mask, both } => self.check_wait(mask, both),
        }
    }

    fn check_wait(&mut self, mask: u16, both: bool) {
        let keys: Vec<usize> = self.model.keys().copied().collect();
        let interest = if both {
            Interest::BOTH
        } else {
            Interest::READABLE
        };
        let subs: Vec<(usize, Interest)> = keys
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << (i % 16)) != 0)
            .map(|(_, k)| (*k, interest))
            .collect();
        let by_sock: Vec<(&Socket, Interest)> =
            subs.iter().map(|(k, i)| (&self.sockets[k], *i)).collect();
        // Loopback delivery is synchronous, so a zero timeout sees every queued datagram.
        let ready = self.poller.wait(&by_sock, Some(Duration::ZERO)).unwrap();
        let got: BTreeSet<usize> = ready.iter().filter(|r| r.readable).map(|r| r.key).collect();
        let want: BTreeSet<usize> = subs
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| self.model[k])
            .collect();
        assert_eq!(got, want, "readable keys");
        for r in &ready {
            assert!(
                subs.iter().any(|(k, _)| *k == r.key),
                "unsubscribed key {} reported",
                r.key
            );
            assert_eq!(
                r.writable, both,
                "UDP is always writable; reported only if asked"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn poller_agrees_with_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mut w = World {
            poller: Poller::new().unwrap(),
            sockets: BTreeMap::new(),
            model: BTreeMap::new(),
            sender: UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap(),
        };
        for op in &ops {
            w.apply(op);
        }
        prop_assert_eq!(w.poller.len(), w.model.len());
    }
}
