//! The lowest-free map's flat part and its boundary with the tree: growth,
//! fds far beyond it, renumbering across it, quarantine, and the stale
//! `full0` bits the insert fast path leaves.

use crate::{FD_END, FdPolicy, FdTable, map::FdMap};

#[test]
fn lowest_fds_stay_in_the_flat_part_as_it_grows() {
    let mut table = FdTable::new(FdPolicy::lowest());
    for fd in 0..5000 {
        assert_eq!(table.insert(fd), Ok(fd));
    }
    assert_eq!(table.map().dense_bound(), 8192);
    assert_eq!(table.map().tree_used(), 0);
    for fd in (0..5000).step_by(7) {
        assert_eq!(table.remove(fd), fd);
    }
    for fd in (0..5000).step_by(7) {
        assert_eq!(table.insert(fd + 1), Ok(fd));
    }
    assert_eq!(table.insert(0), Ok(5000));
}

#[test]
fn insert_at_far_beyond_uses_the_tree_not_a_huge_array() {
    let mut table = FdTable::new(FdPolicy::lowest());
    table.insert_at(FD_END - 1, "far").unwrap();
    table.insert_at(1 << 20, "mid").unwrap();
    assert!(table.map().dense_bound() <= 1024);
    assert_eq!(table.map().tree_used(), 2);
    assert_eq!(table.insert("low"), Ok(0));
    assert_eq!(table.get(FD_END - 1), Some(&"far"));
    let fds: Vec<u32> = table.iter().map(|(fd, _)| fd).collect();
    assert_eq!(fds, [0, 1 << 20, FD_END - 1]);
    assert_eq!(table.remove(FD_END - 1), "far");
    assert_eq!(table.map().tree_used(), 1);
}

#[test]
fn growth_moves_tree_fds_below_the_new_bound_into_the_flat_part() {
    let mut table = FdTable::new(FdPolicy::lowest());
    table.insert_at(1500, u32::MAX).unwrap();
    assert_eq!(table.map().tree_used(), 1);
    for fd in 0..1500 {
        assert_eq!(table.insert(fd), Ok(fd));
    }
    assert!(table.map().dense_bound() >= 2048);
    assert_eq!(table.map().tree_used(), 0);
    assert_eq!(table.get(1500), Some(&u32::MAX));
    assert_eq!(table.insert(0), Ok(1501));
}

#[test]
fn renumber_across_the_boundary_and_back() {
    let mut table = FdTable::new(FdPolicy::lowest());
    for fd in 0..10 {
        table.insert(fd).unwrap();
    }
    let far = FD_END - 1;
    assert_eq!(table.renumber(3, far), Ok(None));
    assert_eq!(table.map().tree_used(), 1);
    assert!(!table.contains(3));
    assert_eq!(table.renumber(5, far), Ok(Some(3)));
    assert_eq!(table.renumber(far, 4), Ok(Some(4)));
    assert_eq!(table.get(4), Some(&5));
    assert_eq!(table.map().tree_used(), 0);
    assert_eq!(table.insert(99), Ok(3));
    assert_eq!(table.insert(99), Ok(5));
}

#[test]
fn quarantined_tree_fd_moves_into_the_flat_part_and_is_released() {
    let mut table = FdTable::new(FdPolicy::lowest().with_quarantine(1600));
    table.insert_at(1500, 0).unwrap();
    assert_eq!(table.remove(1500), 0);
    assert_eq!(table.map().tree_used(), 1);
    for fd in 0..1500 {
        assert_eq!(table.insert(fd), Ok(fd));
    }
    // The growth past 1024 moved the quarantined fd out of the tree.
    assert_eq!(table.map().tree_used(), 0);
    assert!(!table.contains(1500));
    for fd in 1501..=1600 {
        assert_eq!(table.insert(fd), Ok(fd));
    }
    // 1600 allocations since it closed: released, and the lowest free.
    assert_eq!(table.insert(7), Ok(1500));
    assert_eq!(table.get(1500), Some(&7));
}

#[test]
fn floor_above_the_flat_part_still_allocates_lowest() {
    let floor = 1 << 30;
    let mut table = FdTable::new(FdPolicy::lowest().with_floor(floor));
    table.insert_at(0, ()).unwrap();
    for i in 0..100 {
        assert_eq!(table.insert(()), Ok(floor + i));
    }
    table.remove(floor + 50);
    assert_eq!(table.insert(()), Ok(floor + 50));
    assert!(table.map().dense_bound() <= 1024);
}

/// Opens `fds` through the fast path, in order, as lowest-free does.
fn claim_all(map: &mut FdMap<u64>, fds: std::ops::Range<u64>) {
    for fd in fds {
        assert_eq!(map.claim(fd, fd), Ok(fd));
    }
}

#[test]
fn search_repairs_full_bits_the_fast_path_left_stale() {
    let mut map = FdMap::new(true);
    map.place(0, 0, 0); // grows the flat part to 64 fds
    map.place(1000, 1000, 0); // and to 1024
    assert_eq!(map.dense_bound(), 1024);
    assert_eq!(map.close(1000, None), Some(1000));
    claim_all(&mut map, 1..256);
    // Words 0..3 are full but were filled by `claim`: the search must
    // not stop at them.
    assert_eq!(map.first_free(0), 256);
    assert_eq!(map.first_free(0), 256);
    assert_eq!(map.close(70, None), Some(70));
    assert_eq!(map.first_free(0), 70);
    assert_eq!(map.first_free(71), 256);
    map.place(70, 70, 0);
    assert_eq!(map.first_free(0), 256);
}

#[test]
fn full_flat_part_continues_in_the_tree() {
    let mut map = FdMap::new(true);
    map.place(1023, 1023, 0);
    assert_eq!(map.dense_bound(), 1024);
    assert_eq!(map.close(1023, None), Some(1023));
    claim_all(&mut map, 0..1024);
    assert_eq!(map.claim(1023, 0), Err(0));
    assert_eq!(map.first_free(0), 1024);
    // 4 x 1024 used fds allow the flat part to double.
    map.place(1024, 1024, 1024);
    assert_eq!(map.dense_bound(), 2048);
    assert_eq!(map.first_free(5), 1025);
    assert_eq!(map.get(1024), Some(&1024));
}

/// Lowest-free against a model (freed fds below the high-water mark) with
/// enough fds that the summary has three levels, so stale marks, repairs
/// and upper-level propagation all happen.
#[test]
fn lowest_matches_a_model_across_summary_levels() {
    use std::collections::BTreeSet;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    let mut table = FdTable::new(FdPolicy::lowest());
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let (mut free, mut high) = (BTreeSet::new(), 300_000u32);
    for fd in 0..high {
        assert_eq!(table.insert(fd), Ok(fd));
    }
    for step in 0..20_000u32 {
        if rng.random_bool(0.5) {
            let fd = rng.random_range(0..high);
            assert_eq!(
                table.try_remove(fd).is_some(),
                free.insert(fd),
                "step {step}"
            );
        } else {
            let want = free.pop_first().unwrap_or_else(|| {
                high += 1;
                high - 1
            });
            assert_eq!(table.insert(step), Ok(want), "step {step}");
        }
    }
    assert_eq!(table.len(), high as usize - free.len());
}

/// Entries live in the flat part's cells or in the slab, and move between
/// them on growth and renumbering: none is lost, duplicated or leaked.
#[test]
fn every_entry_is_dropped_exactly_once() {
    use std::rc::Rc;

    let token = Rc::new(());
    let mut table = FdTable::new(FdPolicy::lowest().with_quarantine(3));
    table.insert_at(1500, Rc::clone(&token)).unwrap(); // tree + slab
    table.insert_at(FD_END - 1, Rc::clone(&token)).unwrap();
    for _ in 0..1400 {
        table.insert(Rc::clone(&token)).unwrap(); // grows over 1500
    }
    assert_eq!(table.map().tree_used(), 1);
    assert_eq!(
        table.renumber(7, FD_END - 1).map(|old| old.is_some()),
        Ok(true)
    );
    assert_eq!(
        table.renumber(FD_END - 1, 9).map(|old| old.is_some()),
        Ok(true)
    );
    drop(table.try_remove(100));
    assert_eq!(Rc::strong_count(&token), 1 + table.len());
    drop(table);
    assert_eq!(Rc::strong_count(&token), 1);
}
