//! Each policy's numbering rule on hand-picked cases.

use fdtable::{FD_END, FdError, FdPolicy, FdTable};

#[test]
fn lowest_returns_lowest_free_at_or_above_floor() {
    let mut table = FdTable::new(FdPolicy::lowest().with_floor(3));
    table.insert_at(0, 'i').unwrap();
    table.insert_at(4, 'x').unwrap();
    assert_eq!(table.insert('a'), Ok(3));
    assert_eq!(table.insert('b'), Ok(5));
    table.remove(3);
    assert_eq!(table.insert('c'), Ok(3));
    assert_eq!(table.insert('d'), Ok(6));
}

#[test]
fn lowest_reuses_a_hole_far_below_many_open_fds() {
    let mut table = FdTable::new(FdPolicy::lowest());
    for i in 0..100_000 {
        assert_eq!(table.insert(i), Ok(i));
    }
    table.remove(70_000);
    table.remove(12);
    assert_eq!(table.insert(0), Ok(12));
    assert_eq!(table.insert(0), Ok(70_000));
    assert_eq!(table.insert(0), Ok(100_000));
}

#[test]
fn capped_never_reaches_the_cap_and_fills_every_fd_below_it() {
    let mut table = FdTable::new(FdPolicy::capped(1024).with_seed(3));
    let mut seen = vec![false; 1024];
    for _ in 0..1024 {
        let fd = table.insert(()).unwrap();
        assert!(fd < 1024);
        assert!(
            !std::mem::replace(&mut seen[fd as usize], true),
            "fd {fd} twice"
        );
    }
    assert_eq!(table.insert(()), Err(FdError::TableFull));
    table.remove(517);
    assert_eq!(table.insert(()), Ok(517));
}

#[test]
fn capped_respects_floor() {
    let mut table = FdTable::new(FdPolicy::capped(8).with_floor(5).with_seed(1));
    let mut fds: Vec<_> = (0..3).map(|_| table.insert(()).unwrap()).collect();
    fds.sort();
    assert_eq!(fds, [5, 6, 7]);
    assert_eq!(table.insert(()), Err(FdError::TableFull));
}

#[test]
fn random_stays_below_2_pow_31() {
    let mut table = FdTable::new(FdPolicy::random());
    for _ in 0..1000 {
        assert!(table.insert(()).unwrap() < FD_END);
    }
    assert_eq!(table.len(), 1000);
}

#[test]
fn random_repeats_exactly_for_the_same_seed() {
    let run = |seed| {
        let mut table = FdTable::new(FdPolicy::random().with_seed(seed));
        let mut fds = Vec::new();
        for i in 0..200 {
            let fd = table.insert(i).unwrap();
            fds.push(fd);
            if i % 3 == 0 {
                table.remove(fd);
            }
        }
        fds
    };
    assert_eq!(run(42), run(42));
    assert_ne!(run(42), run(43));
}

#[test]
fn random_fills_a_tiny_range_at_the_top_of_the_fd_space() {
    let mut table = FdTable::new(FdPolicy::random().with_floor(FD_END - 3).with_seed(9));
    let mut fds: Vec<_> = (0..3).map(|_| table.insert(()).unwrap()).collect();
    fds.sort();
    assert_eq!(fds, [FD_END - 3, FD_END - 2, FD_END - 1]);
    assert_eq!(table.insert(()), Err(FdError::TableFull));
}

#[test]
fn quarantine_delays_reuse_for_n_allocations() {
    let mut table = FdTable::new(FdPolicy::lowest().with_quarantine(3));
    let fd = table.insert(()).unwrap();
    table.remove(fd);
    for expected in 1..=3 {
        assert_eq!(table.insert(()), Ok(expected));
    }
    assert_eq!(table.insert(()), Ok(fd));
}

#[test]
fn quarantined_fds_make_a_small_range_full_without_being_open() {
    let mut table = FdTable::new(FdPolicy::capped(2).with_quarantine(5).with_seed(0));
    let a = table.insert(()).unwrap();
    let b = table.insert(()).unwrap();
    table.remove(a);
    table.remove(b);
    assert!(table.is_empty());
    assert_eq!(table.insert(()), Err(FdError::TableFull));
    // An explicit insert_at may still take a quarantined fd.
    assert_eq!(table.insert_at(a, ()), Ok(()));
}

#[test]
fn random_with_quarantine_never_returns_a_just_closed_fd() {
    let mut table = FdTable::new(FdPolicy::capped(8).with_quarantine(4).with_seed(5));
    let mut closed: Vec<(u32, usize)> = Vec::new();
    for step in 0..500 {
        let fd = table.insert(()).unwrap();
        if let Some(&(_, at)) = closed.iter().rev().find(|(c, _)| *c == fd) {
            assert!(
                step - at >= 4,
                "fd {fd} reused after {} allocations",
                step - at
            );
        }
        table.remove(fd);
        closed.push((fd, step + 1));
    }
}

#[test]
fn vacant_fd_drop_leaves_the_fd_free() {
    let mut table = FdTable::new(FdPolicy::lowest());
    let fd = table.vacant_fd().unwrap().fd();
    assert!(!table.contains(fd));
    let vacant = table.vacant_fd().unwrap();
    assert_eq!(vacant.fd(), fd);
    assert_eq!(vacant.insert("x"), fd);
    assert_eq!(table.get(fd), Some(&"x"));
}
