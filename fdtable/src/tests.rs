//! Unit tests of the internals: the sparse tree, the quarantine ring and
//! policy parsing. Table-level behaviour is in `tests/integration`.

mod dense_map;

use crate::{
    FdError, FdPolicy, FdTable, PolicyParseError, map::Slot, quarantine::Quarantine, tree::FdTree,
};

mod tree;

fn used(map: &mut FdTree, fds: impl IntoIterator<Item = u32>) {
    for fd in fds {
        map.set(fd, Slot::Open(fd));
    }
}

#[test]
fn first_free_skips_full_words_and_subtrees() {
    let mut map = FdTree::new();
    used(&mut map, 0..5000);
    assert_eq!(map.first_free(0), 5000);
    map.set(64, Slot::Free);
    assert_eq!(map.first_free(0), 64);
    assert_eq!(map.first_free(65), 5000);
    assert_eq!(map.first_free(6000), 6000);
}

#[test]
fn first_free_past_a_full_span_is_the_span_end() {
    let mut map = FdTree::new();
    used(&mut map, 0..4096);
    assert_eq!(map.first_free(0), 4096);
    assert_eq!(map.first_free(100), 4096);
}

#[test]
fn sparse_fds_near_2_pow_31_share_one_leaf() {
    let mut map = FdTree::new();
    let fds = [(1 << 31) - 1, (1 << 30) + 7, 3];
    used(&mut map, fds);
    // Memory follows the number of fds, not their values.
    let debug = format!("{map:?}");
    assert!(debug.contains("height: 0, leaves: 1, inners: 0"), "{debug}");
    for fd in fds {
        assert_eq!(map.key(fd), Some(fd));
    }
    assert_eq!(map.key((1 << 31) - 2), None);
}

#[test]
fn clearing_everything_frees_all_nodes() {
    let mut map = FdTree::new();
    let mut fds = vec![0, 70, 5000, 1 << 20, (1 << 31) - 1];
    fds.extend((0..3000).map(|i| i * 7919 + 11));
    used(&mut map, fds.iter().copied());
    assert!(format!("{map:?}").contains("height: 2"), "{map:?}");
    for fd in fds {
        map.set(fd, Slot::Free);
    }
    assert_eq!(map.used(), 0);
    // No node survives, and the arenas are released.
    let debug = format!("{map:?}");
    assert!(
        debug.contains("leaves: 0, inners: 0, allocated: 0"),
        "{debug}"
    );
    assert_eq!(map.heap_bytes(), 0);
    assert_eq!(map.next_used(0), None);
    assert_eq!(map.first_free(0), 0);
}

#[test]
fn rank_and_select_agree_with_a_scan() {
    let mut map = FdTree::new();
    let fds: Vec<u32> = (0..300).map(|i| i * 37 % 5000).collect();
    used(&mut map, fds.iter().copied());
    let is_used = |fd: u64| fds.contains(&(fd as u32));
    let free: Vec<u64> = (0..6000).filter(|&fd| !is_used(fd)).collect();
    for (k, &fd) in free.iter().enumerate().step_by(7) {
        assert_eq!(map.select_free(k as u64), fd, "k={k}");
    }
    for x in (0..6000).step_by(13) {
        let want = (0..x).filter(|&fd| is_used(fd)).count() as u64;
        assert_eq!(map.rank_used(x), want, "x={x}");
    }
}

#[test]
fn next_used_walks_used_fds_in_order() {
    let mut map = FdTree::new();
    let fds = [5, 63, 64, 4095, 4096, 300_000, (1 << 31) - 1];
    used(&mut map, fds);
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(fd) = map.next_used(at) {
        found.push(fd as u32);
        at = fd + 1;
    }
    assert_eq!(found, fds);
}

#[test]
fn quarantine_releases_after_delay_allocations() {
    let mut q = Quarantine::new(2);
    assert_eq!(Quarantine::new(0).now(), None);
    let tick = q.now().unwrap();
    q.close(9);
    assert_eq!(q.pop_due(), None);
    q.tick();
    assert_eq!(q.pop_due(), None);
    q.tick();
    assert_eq!(q.pop_due(), Some((9, tick)));
    assert_eq!(q.pop_due(), None);
}

#[test]
fn policy_strings_round_trip() {
    for s in [
        "lowest",
        "random",
        "capped:1024",
        "random,seed=42",
        "capped:1024,seed=7,quarantine=16",
        "lowest,quarantine=4",
        "lowest,floor=3",
    ] {
        let policy: FdPolicy = s.parse().unwrap();
        assert_eq!(policy.to_string(), s);
    }
    assert_eq!("capped".parse(), Ok(FdPolicy::capped(1024)));
    assert_eq!(
        "lowest,floor=3,quarantine=2"
            .parse::<FdPolicy>()
            .unwrap()
            .to_string(),
        "lowest,quarantine=2,floor=3"
    );
}

#[test]
fn policy_parse_errors_name_the_problem() {
    let err = |s: &str| s.parse::<FdPolicy>().unwrap_err();
    assert!(matches!(
        err("fifo"),
        PolicyParseError::UnknownPolicy { .. }
    ));
    assert!(matches!(
        err("random:5"),
        PolicyParseError::UnknownPolicy { .. }
    ));
    assert!(matches!(
        err("capped:0"),
        PolicyParseError::BadNumber { key: "cap", .. }
    ));
    assert!(matches!(
        err("capped:x"),
        PolicyParseError::BadNumber { key: "cap", .. }
    ));
    assert!(matches!(
        err("random,seed=-1"),
        PolicyParseError::BadNumber { key: "seed", .. }
    ));
    assert!(matches!(
        err("random,colour=red"),
        PolicyParseError::UnknownOption { .. }
    ));
    assert!(matches!(
        err("random,seed"),
        PolicyParseError::UnknownOption { .. }
    ));
    assert_eq!(
        err("random,seed=1,seed=2"),
        PolicyParseError::DuplicateOption { key: "seed" }
    );
}

#[test]
fn stale_quarantine_entry_does_not_free_a_reclosed_fd() {
    let mut table = FdTable::new(FdPolicy::lowest().with_quarantine(2));
    assert_eq!(table.insert('a'), Ok(0));
    table.remove(0); // quarantined after 1 allocation
    table.insert_at(0, 'b').unwrap(); // taken back explicitly
    assert_eq!(table.insert('c'), Ok(1));
    table.remove(0); // re-quarantined after 2 allocations
    assert_eq!(table.insert('d'), Ok(2));
    // The first entry is due now but stale: fd 0 waits for its second close.
    assert_eq!(table.insert('e'), Ok(3));
    assert_eq!(table.insert('f'), Ok(0));
    assert_eq!(
        table.insert_at(1 << 31, 'g'),
        Err(FdError::OutOfRange { fd: 1 << 31 })
    );
}

#[test]
fn random_churn_reuses_nodes_instead_of_growing() {
    let mut map = FdTree::new();
    let mut live = std::collections::VecDeque::new();
    let mut x = 12_345u64;
    for _ in 0..20_000 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let fd = (x >> 33) as u32; // below 2^31
        map.set(fd, Slot::Open(0));
        live.push_back(fd);
        if live.len() > 10 {
            let old = live.pop_front().unwrap();
            map.set(old, Slot::Free);
        }
    }
    // 11 live fds fit in one leaf, however many fds came and went.
    let debug = format!("{map:?}");
    assert!(
        debug.contains("leaves: 1, inners: 0, allocated: 1"),
        "{debug}"
    );
}
