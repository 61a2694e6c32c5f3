//! The sparse tree against a `BTreeMap`: random inserts, quarantines and
//! removals that split, merge and refill nodes at every level, with fds
//! at the ends of the range, checking structure, rank, select, lowest
//! free and next used after each batch.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{map::Slot, tree::FdTree};

const END: u32 = 1 << 31;

/// The tree and a model of it: fd -> (quarantined, value).
struct Pair {
    tree: FdTree,
    model: BTreeMap<u32, (bool, u32)>,
}

impl Pair {
    fn set(&mut self, fd: u32, slot: Slot) {
        self.tree.set(fd, slot);
        match slot {
            Slot::Free => drop(self.model.remove(&fd)),
            Slot::Open(v) => drop(self.model.insert(fd, (false, v))),
            Slot::Quarantined(t) => drop(self.model.insert(fd, (true, t))),
        }
    }

    /// Structure, contents and every query at some probe points.
    fn verify(&mut self, probes: &[u64]) {
        let entries = self.tree.check();
        let want: Vec<_> = self.model.iter().map(|(&fd, &(q, v))| (fd, q, v)).collect();
        assert_eq!(entries, want);
        let used: Vec<u64> = self.model.keys().map(|&fd| u64::from(fd)).collect();
        for &x in probes {
            let rank = used.partition_point(|&u| u < x) as u64;
            assert_eq!(self.tree.rank_used(x), rank, "rank_used({x})");
            let next = used.get(rank as usize).copied();
            assert_eq!(self.tree.next_used(x), next, "next_used({x})");
            let free = (x..).find(|fd| used.binary_search(fd).is_err());
            assert_eq!(Some(self.tree.first_free(x)), free, "first_free({x})");
            // The free fd `x - rank` is the first free at or above x.
            assert_eq!(Some(self.tree.select_free(x - rank)), free, "select");
        }
    }
}

fn probes(model: &BTreeMap<u32, (bool, u32)>, rng: &mut ChaCha8Rng) -> Vec<u64> {
    let mut p = vec![0, 1, u64::from(END) - 1, u64::from(END), u64::from(END) + 5];
    for &fd in model.keys().step_by(model.len() / 16 + 1) {
        p.extend([
            u64::from(fd),
            u64::from(fd) + 1,
            u64::from(fd.saturating_sub(1)),
        ]);
    }
    p.extend((0..8).map(|_| rng.random_range(0..u64::from(END))));
    p
}

fn run(seed: u64, range: std::ops::Range<u32>, steps: usize, keep: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pair = Pair {
        tree: FdTree::new(),
        model: BTreeMap::new(),
    };
    for step in 0..steps {
        // Grow towards `keep` entries, then hover, then drain at the end.
        let grow = pair.model.len() < keep && step < steps * 3 / 4;
        if rng.random_bool(0.25) {
            // As the random policies do: select a free fd in the range,
            // insert it (through the finger), and often remove it again.
            let (lo, hi) = (u64::from(range.start), u64::from(range.end));
            let free_below = |tree: &FdTree, x| x - tree.rank_used(x);
            let (base, free) = (free_below(&pair.tree, lo), free_below(&pair.tree, hi));
            if free > base {
                let fd = pair.tree.select_free(rng.random_range(base..free)) as u32;
                assert!(range.contains(&fd) && !pair.model.contains_key(&fd));
                pair.set(fd, Slot::Open(step as u32));
                if rng.random_bool(0.5) {
                    assert_eq!(pair.tree.close(fd, None), Some(step as u32));
                    pair.model.remove(&fd);
                }
            }
        } else if grow || (step < steps * 3 / 4 && rng.random_bool(0.5)) {
            let fd = rng.random_range(range.clone());
            let slot = match rng.random_range(0..4) {
                0 => Slot::Quarantined(step as u32),
                _ => Slot::Open(step as u32),
            };
            pair.set(fd, slot);
        } else if let Some(&fd) = pair
            .model
            .keys()
            .nth(rng.random_range(0..pair.model.len().max(1)))
        {
            pair.set(fd, Slot::Free);
        }
        if step % 97 == 0 {
            pair.verify(&probes(&pair.model, &mut rng));
        }
    }
    while let Some((&fd, _)) = pair.model.first_key_value() {
        pair.set(fd, Slot::Free);
    }
    pair.verify(&[0, 7]);
    assert_eq!(pair.tree.heap_bytes(), 0);
}

#[test]
fn tree_matches_a_model_over_the_whole_range() {
    run(1, 0..END, 12_000, 4000);
}

#[test]
fn tree_matches_a_model_on_a_dense_range() {
    // Few fds, many collisions: overwrites, and nodes of consecutive fds.
    run(2, 0..3000, 12_000, 2500);
}

#[test]
fn tree_matches_a_model_at_the_top_of_the_range() {
    run(3, END - 5000..END, 12_000, 4000);
}

#[test]
fn close_frees_or_quarantines_only_open_fds() {
    let mut tree = FdTree::new();
    tree.set(END - 1, Slot::Open(7));
    tree.set(5, Slot::Quarantined(3));
    assert_eq!(tree.close(5, None), None);
    assert_eq!(tree.close(6, None), None);
    assert_eq!(tree.close(END - 1, Some(9)), Some(7));
    assert_eq!(tree.slot(END - 1), Slot::Quarantined(9));
    assert_eq!(tree.close(END - 1, Some(10)), None);
    tree.set(END - 1, Slot::Open(8));
    assert_eq!(tree.close(END - 1, None), Some(8));
    assert_eq!(tree.slot(END - 1), Slot::Free);
    assert_eq!(tree.used(), 1);
}

/// Ascending and descending fills split and merge at the edges of nodes,
/// where `first` updates and the root's growth and shrinking happen.
#[test]
fn sequential_fill_and_drain_keep_the_structure() {
    for descending in [false, true] {
        let mut tree = FdTree::new();
        let n = 70_000u32;
        let fd = |i: u32| if descending { END - 1 - i * 3 } else { i * 3 };
        for i in 0..n {
            tree.set(fd(i), Slot::Open(i));
        }
        assert_eq!(tree.check().len(), n as usize);
        assert_eq!(tree.select_free(0), if descending { 0 } else { 1 });
        for i in (0..n).filter(|i| i % 4 != 0) {
            tree.set(fd(i), Slot::Free);
        }
        assert_eq!(tree.check().len(), n as usize / 4);
        for i in (0..n).step_by(4) {
            assert_eq!(tree.close(fd(i), None), Some(i));
        }
        assert_eq!(tree.check().len(), 0);
    }
}

/// The figure the tree exists for: random fds over the whole range cost
/// bytes per fd, not a bitmap path each (the radix tree it replaced spent
/// ~1,100-2,600 bytes per fd here).
#[test]
fn random_fds_over_2_pow_31_cost_a_few_bytes_each() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut tree = FdTree::new();
    for n in [10_000u64, 100_000] {
        while tree.used() < n {
            tree.set(rng.random_range(0..END), Slot::Open(0));
        }
        let per_fd = tree.heap_bytes() as u64 / n;
        // Entries are 8 bytes; leaves are >= 1/4 (typically ~2/3) full,
        // and the arena may have up to 2x spare capacity.
        assert!(per_fd <= 40, "{per_fd} bytes per fd at {n} fds");
    }
}

/// Fds at and above 2^31 are never held; asking about them (guest input
/// can name any u32) answers "free" without touching the nodes.
#[test]
fn fds_at_or_above_2_pow_31_are_never_found() {
    let mut tree = FdTree::new();
    for fd in (0..200).chain([END - 1]) {
        tree.set(fd, Slot::Open(fd));
    }
    tree.select_free(5); // a valid finger over the last leaf's range
    for fd in [END, END + 1, u32::MAX - 1, u32::MAX] {
        assert_eq!(tree.slot(fd), Slot::Free);
        assert_eq!(tree.close(fd, None), None);
        assert_eq!(tree.close(fd, Some(1)), None);
        tree.set(fd & (END - 1), Slot::Free); // the wrapped fd, for contrast
    }
    assert_eq!(tree.slot(END - 1), Slot::Free);
    assert_eq!(tree.check().len(), 198);
}

/// The finger's position hint goes stale when an edit in the same leaf
/// shifts entries; it must be checked, not trusted.
#[test]
fn a_stale_position_hint_is_not_trusted() {
    let mut tree = FdTree::new();
    for fd in (0..80).step_by(2) {
        tree.set(fd, Slot::Open(fd));
    }
    let fd = tree.select_free(20) as u32; // the 21st free fd: 41
    assert_eq!(fd, 41);
    tree.set(fd, Slot::Open(1000)); // through the finger; hint: index 21
    assert_eq!(tree.close(10, None), Some(10)); // shifts 41 to index 20
    assert_eq!(tree.close(fd, None), Some(1000)); // hint stale: index 21 is 44
    assert_eq!(tree.slot(44), Slot::Open(44));
    let fd = tree.select_free(20) as u32; // now 39: hint index 19
    assert_eq!(fd, 39);
    tree.set(3, Slot::Open(3)); // 39 would now go at index 20
    tree.set(fd, Slot::Open(2000));
    assert_eq!(tree.slot(38), Slot::Open(38));
    assert_eq!(tree.slot(40), Slot::Open(40));
    assert_eq!(tree.close(fd, None), Some(2000));
    tree.set(3, Slot::Free);
    assert_eq!(tree.check().len(), 39);
}
