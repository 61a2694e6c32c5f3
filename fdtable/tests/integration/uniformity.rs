//! Chi-square tests that random and capped pick uniformly among the free
//! fds. Fixed seeds make them deterministic; the threshold is the p = 0.001
//! critical value, so a correct implementation passes with any seed 99.9%
//! of the time, while a biased one (e.g. favouring fds next to open ones)
//! fails by a wide margin.

use fdtable::{FD_END, FdPolicy, FdTable};

/// Chi-square critical values at p = 0.001 by degrees of freedom.
fn critical(df: usize) -> f64 {
    match df {
        9 => 27.877,
        15 => 37.697,
        _ => panic!("no critical value for {df} degrees of freedom"),
    }
}

fn chi_square(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / counts.len() as f64;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

/// Opens `open` fds, then draws `draws` times (insert + remove) and counts
/// each free fd's hits; panics if a draw lands on an open fd.
fn draw_counts(policy: FdPolicy, base: u32, range: u32, open: &[u32], draws: usize) -> Vec<u64> {
    let mut table = FdTable::new(policy);
    for &fd in open {
        table.insert_at(base + fd, ()).unwrap();
    }
    let mut counts = vec![0u64; range as usize];
    for _ in 0..draws {
        let fd = table.insert(()).unwrap();
        assert!(!open.contains(&(fd - base)), "drew open fd {fd}");
        counts[(fd - base) as usize] += 1;
        table.remove(fd);
    }
    open.iter()
        .for_each(|&fd| assert_eq!(counts[fd as usize], 0));
    counts
        .into_iter()
        .enumerate()
        .filter(|(fd, _)| !open.contains(&(*fd as u32)))
        .map(|(_, c)| c)
        .collect()
}

const OPEN: [u32; 6] = [0, 3, 4, 9, 14, 15];

#[test]
fn capped_is_uniform_over_the_free_fds() {
    let counts = draw_counts(FdPolicy::capped(16).with_seed(1234), 0, 16, &OPEN, 20_000);
    assert_eq!(counts.len(), 10);
    let chi2 = chi_square(&counts);
    assert!(chi2 < critical(9), "chi2 {chi2} counts {counts:?}");
}

#[test]
fn random_is_uniform_over_the_free_fds_of_a_small_range() {
    let base = FD_END - 16;
    let policy = FdPolicy::random().with_floor(base).with_seed(99);
    let counts = draw_counts(policy, base, 16, &OPEN, 20_000);
    let chi2 = chi_square(&counts);
    assert!(chi2 < critical(9), "chi2 {chi2} counts {counts:?}");
}

#[test]
fn random_is_uniform_over_the_whole_fd_space() {
    let mut table = FdTable::new(FdPolicy::random().with_seed(7));
    let mut counts = [0u64; 16];
    for _ in 0..16_000 {
        let fd = table.insert(()).unwrap();
        counts[(fd >> 27) as usize] += 1;
        table.remove(fd);
    }
    let chi2 = chi_square(&counts);
    assert!(chi2 < critical(15), "chi2 {chi2} counts {counts:?}");
}
