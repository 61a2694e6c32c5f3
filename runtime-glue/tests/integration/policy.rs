//! The same guest (`fds DIR N`: open N files, close every other one, open N/2 again) under
//! each fd policy, through the `fdvirt` binary: the numbers it sees follow the policy.

use crate::util::{GUEST_DIR, Run, fdvirt_run, sandbox, wasi_guest};

/// The fds the guest printed, in order: (opened, closed, reopened).
fn fds(r: &Run) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let (mut open, mut close, mut reopen) = (vec![], vec![], vec![]);
    for line in r.stdout.lines() {
        let Some((head, fd)) = line.rsplit_once("fd=") else {
            continue;
        };
        let fd: u32 = fd.parse().expect("fd number");
        match head.split_whitespace().next() {
            Some("open") => open.push(fd),
            Some("close") => close.push(fd),
            Some("reopen") => reopen.push(fd),
            _ => panic!("unexpected line {line:?}"),
        }
    }
    (open, close, reopen)
}

fn run_fds(policy: &str, n: usize) -> Run {
    let dir = sandbox();
    let r = fdvirt_run(
        &["--fd-policy", policy],
        dir.path(),
        &wasi_guest("fds"),
        &[GUEST_DIR, &n.to_string()],
    );
    assert_eq!(r.code, Some(0), "{policy}: {r:?}");
    r
}

#[test]
fn lowest_gives_posix_numbers_and_reuses_the_lowest_free() {
    let (open, close, reopen) = fds(&run_fds("lowest", 6));
    // 0-2 stdio, 3 the preopen.
    assert_eq!(open, vec![4, 5, 6, 7, 8, 9]);
    assert_eq!(close, vec![4, 6, 8]);
    assert_eq!(
        reopen,
        vec![4, 6, 8],
        "POSIX: always the lowest free number"
    );
}

#[test]
fn capped_keeps_every_fd_below_the_cap() {
    let (open, _, reopen) = fds(&run_fds("capped:64,seed=1", 40));
    let all: Vec<u32> = open.iter().chain(&reopen).copied().collect();
    assert!(all.iter().all(|&fd| (4..64).contains(&fd)), "{all:?}");
    let mut distinct = open.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 40, "open fds are distinct");
    assert_ne!(
        open,
        (4..44).collect::<Vec<u32>>(),
        "capped is random within the cap, not sequential"
    );
}

#[test]
fn random_with_a_seed_is_reproducible_and_spread() {
    let a = run_fds("random,seed=42", 16);
    let b = run_fds("random,seed=42", 16);
    assert_eq!(a.stdout, b.stdout, "same seed, same numbers");
    let c = run_fds("random,seed=43", 16);
    assert_ne!(a.stdout, c.stdout, "another seed, other numbers");
    let (open, _, _) = fds(&a);
    assert!(open.iter().all(|&fd| fd < 1 << 31), "{open:?}");
    let above_cap = open.iter().filter(|&&fd| fd >= 1 << 20).count();
    assert!(
        above_cap >= 14,
        "uniform over [0, 2^31): almost all far above 2^20: {open:?}"
    );
}

#[test]
fn max_fds_limits_open_files() {
    let dir = sandbox();
    // 3 stdio + 1 preopen + 4 files = 8.
    let r = fdvirt_run(
        &["--max-fds", "8"],
        dir.path(),
        &wasi_guest("fds"),
        &[GUEST_DIR, "10"],
    );
    assert_eq!(r.code, Some(1), "{r:?}");
    let (open, _, _) = fds(&Run {
        stdout: r.stdout.replace("create: error\n", ""),
        ..r.clone()
    });
    assert_eq!(open, vec![4, 5, 6, 7]);
    assert!(r.stdout.ends_with("create: error\n"), "{}", r.stdout);
}

/// The fds `FdTable` itself hands out for the `fds` guest's sequence of operations (stdio
/// and the preopen installed at 0..=3, then `n` opens, every other one closed, `n/2` opens)
/// under a deterministic policy: what the guest must see if the runtime allocates through
/// the table faithfully (same choices, same quarantine clock).
fn model(policy: &str, n: usize) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let policy: fdtable::FdPolicy = policy.parse().expect("policy parses");
    let mut table = fdtable::FdTable::new(policy);
    for fd in 0..=3 {
        table.insert_at(fd, ()).expect("initial fds");
    }
    let open: Vec<u32> = (0..n).map(|_| table.insert(()).expect("open")).collect();
    let close: Vec<u32> = open.iter().step_by(2).copied().collect();
    for &fd in &close {
        table.remove(fd);
    }
    let reopen = (0..n / 2)
        .map(|_| table.insert(()).expect("reopen"))
        .collect();
    (open, close, reopen)
}

/// Found with this test: under `quarantine=N` the guest never got a closed fd back, because
/// `path_open` reserved its number with `vacant_fd()`, dropped the reservation and installed
/// with `insert_at`, which does not advance the quarantine clock (only `insert` /
/// `VacantFd::insert` do).
#[test]
fn deterministic_policies_match_the_fd_table_exactly() {
    for policy in [
        "lowest",
        "lowest,floor=10",
        "lowest,quarantine=2",
        "lowest,quarantine=5",
    ] {
        let seen = fds(&run_fds(policy, 12));
        assert_eq!(
            seen,
            model(policy, 12),
            "policy {policy}: guest-visible fds vs FdTable"
        );
    }
}

/// capped:24 leaves 20 fds (4..24) for files: 16 opened, 8 closed, 8 reopened only fits if
/// the quarantine releases closed fds after 3 allocations; reopens must avoid the closed
/// fds until then.
#[test]
fn quarantine_delays_reuse_but_releases_under_a_cap() {
    let (open, close, reopen) = fds(&run_fds("capped:24,seed=5,quarantine=3", 16));
    assert_eq!((open.len(), close.len(), reopen.len()), (16, 8, 8));
    assert!(
        open.iter().chain(&reopen).all(|fd| (4..24).contains(fd)),
        "{open:?} {reopen:?}"
    );
    assert!(
        reopen[..3].iter().all(|fd| !close.contains(fd)),
        "reused within the quarantine: {reopen:?} {close:?}"
    );
}
