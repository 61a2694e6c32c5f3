//! [`Fds`] against a model: after any sequence of fd-table changes (opens through both
//! insert paths, closes, renumbers, rights dropped and descriptors replaced through a
//! mutable entry), the poll index holds nothing the table does not back, and every fd's
//! poll key is what the model says. Real sockets, registered in a real poller, so a
//! closed socket's key is freed and reused by later registrations, as in a guest.

use std::collections::HashMap;

use fdtable::{Fd, FdPolicy, FdTable};
use proptest::prelude::*;

use super::Fds;
use crate::{
    descriptor::{Descriptor, FdEntry},
    socket::{NetState, SocketDesc},
    testutil,
    types::Rights,
};

/// fds the operations name: every fd `capped:64` hands out, and some it cannot.
const FDS: u32 = 72;

#[derive(Debug, Clone)]
enum Op {
    /// A new socket fd, registered in the poller or not; through `insert`, or through
    /// `vacant_fd` (committed, or dropped without installing).
    Open {
        registered: bool,
        vacant: Option<bool>,
    },
    Close(Fd),
    Renumber(Fd, Fd),
    /// Drops `POLL_FD_READWRITE` through [`Fds::get_mut`].
    DropPollRight(Fd),
    /// Replaces the descriptor in place through [`Fds::get_mut`] with a fresh socket.
    Replace {
        fd: Fd,
        registered: bool,
    },
    /// [`Fds::get_mut`] without a change.
    Touch(Fd),
}

fn op() -> impl Strategy<Value = Op> {
    let fd = || 0..FDS;
    prop_oneof![
        3 => (any::<bool>(), proptest::option::of(any::<bool>()))
            .prop_map(|(registered, vacant)| Op::Open { registered, vacant }),
        2 => fd().prop_map(Op::Close),
        2 => (fd(), fd()).prop_map(|(a, b)| Op::Renumber(a, b)),
        1 => fd().prop_map(Op::DropPollRight),
        1 => (fd(), any::<bool>()).prop_map(|(fd, registered)| Op::Replace { fd, registered }),
        1 => fd().prop_map(Op::Touch),
    ]
}

fn policy() -> impl Strategy<Value = FdPolicy> {
    prop_oneof![
        Just(FdPolicy::lowest()),
        Just(FdPolicy::lowest().with_quarantine(3)),
        any::<u64>().prop_map(|seed| FdPolicy::capped(64).with_seed(seed)),
    ]
}

/// A socket entry with every socket right, registered in `net`'s poller when asked;
/// with the key it got.
fn socket(net: &mut NetState, registered: bool) -> (FdEntry, Option<usize>) {
    let mut sock = testutil::tcp();
    let key = registered.then(|| {
        net.poller()
            .expect("poller")
            .insert(&mut sock)
            .expect("add")
    });
    let rights = SocketDesc::rights();
    let entry = FdEntry::new(Descriptor::Socket(SocketDesc::new(sock)), rights, rights);
    (entry, key)
}

/// The model of one open fd: its socket's poller key, and whether it keeps the poll
/// right.
#[derive(Debug, Clone, Copy)]
struct Open {
    key: Option<usize>,
    pollable: bool,
}

impl Open {
    fn new(key: Option<usize>) -> Self {
        Open {
            key,
            pollable: true,
        }
    }

    /// The poll key the fd should answer.
    fn expected(self) -> Option<usize> {
        self.key.filter(|_| self.pollable)
    }
}

/// Applies `op` to `fds` and to `model`.
fn apply(fds: &mut Fds, net: &mut NetState, model: &mut HashMap<Fd, Open>, op: Op) {
    match op {
        Op::Open { registered, vacant } => {
            let (entry, key) = socket(net, registered);
            let fd = match vacant {
                None => fds.insert(entry).ok(),
                Some(commit) => match fds.vacant_fd() {
                    Ok(v) if commit => Some(v.insert(entry)),
                    _ => None,
                },
            };
            if let Some(fd) = fd {
                let twice = model.insert(fd, Open::new(key));
                assert!(twice.is_none(), "fd {fd} handed out twice");
            }
        }
        Op::Close(fd) => {
            assert_eq!(fds.try_remove(fd).is_some(), model.remove(&fd).is_some());
        }
        Op::Renumber(from, to) => {
            let ok = fds.renumber(from, to).is_ok();
            assert_eq!(ok, model.contains_key(&from) && to < fds.policy().end());
            if ok
                && from != to
                && let Some(moved) = model.remove(&from)
            {
                model.insert(to, moved);
            }
        }
        Op::DropPollRight(fd) => {
            if let Some(entry) = fds.get_mut(fd) {
                entry.base = Rights(entry.base.0 & !Rights::POLL_FD_READWRITE.0);
            }
            if let Some(open) = model.get_mut(&fd) {
                open.pollable = false;
            }
        }
        Op::Replace { fd, registered } => {
            if fds.contains(fd) {
                let (new, key) = socket(net, registered);
                if let Some(entry) = fds.get_mut(fd) {
                    // The old socket drops here: its poller key is freed for reuse.
                    entry.desc = new.desc;
                }
                // The rights stay the entry's.
                if let Some(open) = model.get_mut(&fd) {
                    open.key = key;
                }
            }
        }
        Op::Touch(fd) => {
            fds.get_mut(fd);
        }
    }
}

proptest! {
    #[test]
    fn the_index_never_outlives_what_the_table_says(
        policy in policy(),
        ops in proptest::collection::vec(op(), 1..48),
    ) {
        let mut fds = Fds::new(FdTable::new(policy));
        let mut net = NetState::default();
        let mut model: HashMap<Fd, Open> = HashMap::new();
        for op in ops {
            apply(&mut fds, &mut net, &mut model, op.clone());
            for fd in 0..FDS {
                let expected = model.get(&fd).and_then(|open| open.expected());
                // What the index holds right after the change, read raw (not through
                // `poll_key`, whose debug check would also catch it): nothing, or the
                // truth.
                let raw = fds.index.get(fd);
                prop_assert!(
                    raw.is_none() || raw == expected,
                    "after {:?}: index says fd {} -> {:?}, table says {:?}",
                    op, fd, raw, expected
                );
                prop_assert_eq!(fds.contains(fd), model.contains_key(&fd));
                // A poll of every fd: answers the model, and refills the index.
                prop_assert_eq!(fds.poll_key(fd), expected, "fd {} after {:?}", fd, op);
            }
        }
    }
}
