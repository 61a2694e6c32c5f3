//! A reference model of [`FdTable`] and an operation plan, for property
//! tests and fuzzing (feature `model`).
//!
//! [`Model`] is the obviously-correct version: a `BTreeMap` of open fds and
//! a map of closing ticks, every question answered by a scan. [`check_step`]
//! applies one [`Op`] to a table and the model and fails with a
//! [`Mismatch`] unless the results agree, each policy's rule holds, and the
//! table's contents equal the model's afterwards.
//!
//! ```
//! use fdtable::{FdPolicy, FdTable, model::{Model, Op, check_step}};
//! let policy = FdPolicy::capped(8).with_seed(1).with_quarantine(2);
//! let mut table = FdTable::with_limit(policy.clone(), 6);
//! let mut model = Model::new(policy, 6);
//! for op in [Op::Insert, Op::Insert, Op::Remove { fd: 3 }, Op::Renumber { from: 0, to: 9 }] {
//!     check_step(&mut table, &mut model, op)?;
//! }
//! # Ok::<(), fdtable::model::Mismatch>(())
//! ```

use std::{collections::BTreeMap, fmt};

use crate::{Fd, FdError, FdPolicy, FdTable, PolicyKind};

/// One table operation. Values inserted are numbered by the model, so every
/// entry is distinct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// [`FdTable::insert`].
    Insert,
    /// [`FdTable::insert_at`].
    InsertAt {
        /// Target fd.
        fd: Fd,
    },
    /// [`FdTable::try_remove`].
    Remove {
        /// Fd to close.
        fd: Fd,
    },
    /// [`FdTable::renumber`].
    Renumber {
        /// Fd to move.
        from: Fd,
        /// Destination fd.
        to: Fd,
    },
    /// [`FdTable::get`], [`FdTable::get_mut`] and [`FdTable::contains`].
    Get {
        /// Fd to look up.
        fd: Fd,
    },
    /// [`FdTable::vacant_fd`], then drop the handle without inserting.
    VacantDrop,
}

/// The check that failed, and on which operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The operation being checked.
    pub op: Op,
    /// What differed.
    pub detail: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.op, self.detail)
    }
}

impl std::error::Error for Mismatch {}

/// The reference model: open fds in a `BTreeMap`, closing ticks per fd.
#[derive(Debug, Clone)]
pub struct Model {
    policy: FdPolicy,
    limit: usize,
    open: BTreeMap<Fd, u64>,
    /// Allocation tick at which each closed fd closed (latest close).
    closed_at: BTreeMap<Fd, u64>,
    allocs: u64,
    next_value: u64,
}

impl Model {
    /// An empty model of `FdTable::with_limit(policy, limit)`.
    pub fn new(policy: FdPolicy, limit: usize) -> Self {
        Self {
            policy,
            limit,
            open: BTreeMap::new(),
            closed_at: BTreeMap::new(),
            allocs: 0,
            next_value: 0,
        }
    }

    /// The open fds and their values.
    pub fn open(&self) -> &BTreeMap<Fd, u64> {
        &self.open
    }

    /// Whether `fd` was closed fewer than `quarantine` allocations ago.
    pub fn is_quarantined(&self, fd: Fd) -> bool {
        let delay = u64::from(self.policy.quarantine());
        self.closed_at
            .get(&fd)
            .is_some_and(|&t| self.allocs - t < delay)
    }

    /// Whether the policy may hand out `fd` now.
    pub fn is_available(&self, fd: Fd) -> bool {
        fd >= self.policy.floor()
            && fd < self.policy.end()
            && !self.open.contains_key(&fd)
            && !self.is_quarantined(fd)
    }

    /// How many fds the policy may hand out now (ignoring the limit).
    pub fn available(&self) -> u64 {
        let (floor, end) = (self.policy.floor(), self.policy.end());
        if floor >= end {
            return 0;
        }
        let in_range = |fd: &Fd| (floor..end).contains(fd);
        let open = self.open.keys().filter(|fd| in_range(fd)).count() as u64;
        let quarantined = (self.closed_at.keys())
            .filter(|fd| in_range(fd) && !self.open.contains_key(fd) && self.is_quarantined(**fd))
            .count() as u64;
        u64::from(end - floor) - open - quarantined
    }

    /// Whether `insert` must fail with `TableFull`.
    pub fn is_full(&self) -> bool {
        self.open.len() >= self.limit || self.available() == 0
    }

    /// The fd lowest-free must return: the minimum available fd.
    pub fn lowest(&self) -> Option<Fd> {
        (self.policy.floor()..self.policy.end()).find(|&fd| self.is_available(fd))
    }

    fn take_value(&mut self) -> u64 {
        self.next_value += 1;
        self.next_value
    }

    fn close(&mut self, fd: Fd) {
        self.closed_at.insert(fd, self.allocs);
    }

    fn place(&mut self, fd: Fd, value: u64) {
        self.closed_at.remove(&fd);
        self.open.insert(fd, value);
    }
}

fn fail<T>(op: Op, detail: impl Into<String>) -> Result<T, Mismatch> {
    Err(Mismatch {
        op,
        detail: detail.into(),
    })
}

fn expect_eq<V: PartialEq + fmt::Debug>(
    op: Op,
    what: &str,
    got: V,
    want: V,
) -> Result<(), Mismatch> {
    if got == want {
        Ok(())
    } else {
        fail(
            op,
            format!("{what}: table gave {got:?}, model expects {want:?}"),
        )
    }
}

/// Checks an fd the policy handed out against the model's rules.
fn check_chosen(model: &Model, op: Op, got: Result<Fd, FdError>) -> Result<Option<Fd>, Mismatch> {
    if model.is_full() {
        expect_eq(op, "insert when full", got, Err(FdError::TableFull))?;
        return Ok(None);
    }
    let fd = match got {
        Ok(fd) => fd,
        Err(e) => return fail(op, format!("{e:?} but {} fds available", model.available())),
    };
    if !model.is_available(fd) {
        return fail(op, format!("fd {fd} is open, quarantined or out of range"));
    }
    if model.policy.kind() == PolicyKind::Lowest {
        expect_eq(op, "lowest-free fd", Some(fd), model.lowest())?;
    }
    Ok(Some(fd))
}

/// Applies `op` to `twin` without checks, storing `value` where it inserts.
///
/// The same-seed determinism check runs a plan on a checked table and, in
/// lockstep, on a twin with the same seeded policy through this; both must
/// end up holding the same fds.
pub fn replay(twin: &mut FdTable<u64>, op: Op, value: u64) {
    match op {
        Op::Insert => drop(twin.insert(value)),
        Op::VacantDrop => drop(twin.vacant_fd()),
        Op::InsertAt { fd } => drop(twin.insert_at(fd, value)),
        Op::Remove { fd } => drop(twin.try_remove(fd)),
        Op::Renumber { from, to } => drop(twin.renumber(from, to)),
        Op::Get { fd } => drop(twin.get(fd)),
    }
}

/// Applies `op` to `table` and `model` and checks they agree, including
/// each policy rule and, afterwards, that the table's contents (iterated in
/// ascending order) and length equal the model's.
///
/// # Errors
/// A [`Mismatch`] naming the operation and the first difference found.
pub fn check_step(table: &mut FdTable<u64>, model: &mut Model, op: Op) -> Result<(), Mismatch> {
    match op {
        Op::Insert => {
            let value = model.take_value();
            if let Some(fd) = check_chosen(model, op, table.insert(value))? {
                model.place(fd, value);
                model.allocs += 1;
            }
        }
        Op::VacantDrop => {
            let got = table.vacant_fd().map(|vacant| vacant.fd());
            if let Some(fd) = check_chosen(model, op, got)? {
                expect_eq(op, "dropped vacant fd is open", table.contains(fd), false)?;
            }
        }
        Op::InsertAt { fd } => {
            let value = model.take_value();
            let want = if fd >= model.policy.end() {
                Err(FdError::OutOfRange { fd })
            } else if model.open.contains_key(&fd) {
                Err(FdError::InUse { fd })
            } else if model.open.len() >= model.limit {
                Err(FdError::TableFull)
            } else {
                model.place(fd, value);
                Ok(())
            };
            expect_eq(op, "insert_at", table.insert_at(fd, value), want)?;
        }
        Op::Remove { fd } => {
            let want = model.open.remove(&fd);
            if want.is_some() {
                model.close(fd);
            }
            expect_eq(op, "try_remove", table.try_remove(fd), want)?;
        }
        Op::Renumber { from, to } => {
            let want = model_renumber(model, from, to);
            expect_eq(op, "renumber", table.renumber(from, to), want)?;
        }
        Op::Get { fd } => {
            let want = model.open.get(&fd).copied();
            expect_eq(op, "get", table.get(fd).copied(), want)?;
            expect_eq(op, "get_mut", table.get_mut(fd).map(|v| *v), want)?;
            expect_eq(op, "contains", table.contains(fd), want.is_some())?;
        }
    }
    check_contents(table, model, op)
}

fn model_renumber(model: &mut Model, from: Fd, to: Fd) -> Result<Option<u64>, FdError> {
    if !model.open.contains_key(&from) {
        return Err(FdError::BadFd { fd: from });
    }
    if to >= model.policy.end() {
        return Err(FdError::OutOfRange { fd: to });
    }
    if from == to {
        return Ok(None);
    }
    let old = model.open.remove(&to);
    if let Some(value) = model.open.remove(&from) {
        model.place(to, value);
        model.close(from);
    }
    Ok(old)
}

/// Checks that the table holds exactly the model's fds and values.
fn check_contents(table: &FdTable<u64>, model: &Model, op: Op) -> Result<(), Mismatch> {
    expect_eq(op, "len", table.len(), model.open.len())?;
    let got = table.iter().map(|(fd, v)| (fd, *v));
    if !got.eq(model.open.iter().map(|(fd, v)| (*fd, *v))) {
        let got: Vec<_> = table.iter().collect();
        return fail(op, format!("contents {got:?}, model {:?}", model.open));
    }
    Ok(())
}
