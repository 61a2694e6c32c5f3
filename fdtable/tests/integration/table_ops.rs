//! Table operations independent of the numbering policy.

use fdtable::{FD_END, FdError, FdPolicy, FdTable};

#[test]
fn insert_at_an_open_fd_is_in_use() {
    let mut table = FdTable::new(FdPolicy::lowest());
    table.insert_at(7, 'a').unwrap();
    assert_eq!(table.insert_at(7, 'b'), Err(FdError::InUse { fd: 7 }));
    assert_eq!(table.get(7), Some(&'a'));
}

#[test]
fn insert_at_outside_the_cap_is_out_of_range() {
    let mut table = FdTable::new(FdPolicy::capped(16));
    assert_eq!(table.insert_at(16, ()), Err(FdError::OutOfRange { fd: 16 }));
    assert_eq!(table.insert_at(15, ()), Ok(()));
    let mut table = FdTable::new(FdPolicy::random());
    assert_eq!(
        table.insert_at(FD_END, ()),
        Err(FdError::OutOfRange { fd: FD_END })
    );
    assert_eq!(table.insert_at(FD_END - 1, ()), Ok(()));
}

#[test]
fn limit_makes_insert_and_insert_at_fail_with_table_full() {
    let mut table = FdTable::with_limit(FdPolicy::lowest(), 2);
    assert_eq!(table.limit(), 2);
    table.insert(()).unwrap();
    table.insert_at(10, ()).unwrap();
    assert_eq!(table.insert(()), Err(FdError::TableFull));
    assert_eq!(table.insert_at(11, ()), Err(FdError::TableFull));
    assert!(table.vacant_fd().is_err());
    table.set_limit(3);
    assert_eq!(table.insert(()), Ok(1));
}

#[test]
fn renumber_closes_target_and_returns_its_entry() {
    let mut table = FdTable::new(FdPolicy::lowest());
    let a = table.insert("a").unwrap();
    let b = table.insert("b").unwrap();
    assert_eq!(table.renumber(a, b), Ok(Some("b")));
    assert_eq!(table.get(b), Some(&"a"));
    assert!(!table.contains(a));
    assert_eq!(table.len(), 1);
    assert_eq!(table.insert("c"), Ok(a));
}

#[test]
fn renumber_to_a_closed_fd_moves_the_entry() {
    let mut table = FdTable::new(FdPolicy::lowest());
    let a = table.insert("a").unwrap();
    assert_eq!(table.renumber(a, 1000), Ok(None));
    assert_eq!(table.iter().collect::<Vec<_>>(), [(1000, &"a")]);
}

#[test]
fn renumber_to_itself_keeps_the_fd_open() {
    let mut table = FdTable::new(FdPolicy::lowest());
    let a = table.insert("a").unwrap();
    assert_eq!(table.renumber(a, a), Ok(None));
    assert_eq!(table.get(a), Some(&"a"));
}

#[test]
fn renumber_errors_change_nothing() {
    let mut table = FdTable::new(FdPolicy::capped(8).with_seed(1));
    table.insert_at(1, "a").unwrap();
    table.insert_at(2, "b").unwrap();
    assert_eq!(table.renumber(3, 1), Err(FdError::BadFd { fd: 3 }));
    assert_eq!(table.renumber(1, 8), Err(FdError::OutOfRange { fd: 8 }));
    assert_eq!(table.renumber(5, 5), Err(FdError::BadFd { fd: 5 }));
    assert_eq!(table.iter().collect::<Vec<_>>(), [(1, &"a"), (2, &"b")]);
}

#[test]
fn iter_is_ascending_across_sparse_fds() {
    let mut table = FdTable::new(FdPolicy::random().with_seed(11));
    let mut fds: Vec<_> = (0..500).map(|i| table.insert(i).unwrap()).collect();
    table.insert_at(0, 9999).unwrap();
    fds.push(0);
    fds.sort();
    let got: Vec<_> = table.iter().map(|(fd, _)| fd).collect();
    assert_eq!(got, fds);
}

#[test]
fn get_mut_changes_the_entry() {
    let mut table = FdTable::new(FdPolicy::lowest());
    let fd = table.insert(1).unwrap();
    *table.get_mut(fd).unwrap() += 1;
    assert_eq!(table.get(fd), Some(&2));
    assert_eq!(table.get_mut(fd + 1), None);
}

#[test]
fn try_remove_of_a_closed_fd_is_none() {
    let mut table = FdTable::<()>::new(FdPolicy::lowest());
    assert_eq!(table.try_remove(3), None);
    assert_eq!(table.try_remove(FD_END + 5), None);
}

#[test]
#[should_panic(expected = "not open")]
fn remove_of_a_closed_fd_panics() {
    let mut table = FdTable::<()>::new(FdPolicy::lowest());
    table.remove(3);
}

#[test]
fn debug_shows_policy_and_entries() {
    let mut table = FdTable::new(FdPolicy::lowest());
    table.insert("x").unwrap();
    let debug = format!("{table:?}");
    assert!(
        debug.contains("Lowest") && debug.contains("0: \"x\""),
        "{debug}"
    );
}

/// Guest input can name any u32: fds at and above 2^31 are never open,
/// under every policy, whatever the table holds (a regression: the fuzz
/// corpus once reached a tree lookup of `u32::MAX`).
#[test]
fn fds_at_or_above_2_pow_31_are_never_open() {
    let policies = [
        FdPolicy::lowest(),
        FdPolicy::random().with_seed(3),
        FdPolicy::capped(300).with_seed(3).with_quarantine(2),
    ];
    for policy in policies {
        let mut table = FdTable::new(policy.clone());
        for i in 0..200u32 {
            table.insert(i).unwrap();
        }
        if policy.end() == FD_END {
            table.insert_at(FD_END - 1, 7).unwrap();
        }
        let fd = table.insert(9).unwrap();
        table.remove(fd); // with a quarantine, leaves a quarantined fd
        let open = table.iter().next().map(|(fd, _)| fd).unwrap_or_default();
        for fd in [FD_END, FD_END + 1, u32::MAX - 1, u32::MAX] {
            assert_eq!(table.get(fd), None, "{policy}");
            assert_eq!(table.get_mut(fd), None);
            assert!(!table.contains(fd));
            assert_eq!(table.try_remove(fd), None);
            assert_eq!(table.renumber(fd, 0), Err(FdError::BadFd { fd }));
            assert_eq!(table.renumber(open, fd), Err(FdError::OutOfRange { fd }));
        }
        assert!(table.len() >= 200);
    }
}
