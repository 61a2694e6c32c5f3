//! Proptest: arbitrary operation plans against `fdtable::model` under every
//! policy, with small ranges, caps and limits so tables fill up.
//!
//! Plans name fds indirectly (`FdRef`): either the i-th open fd, so random
//! policies' sparse fds get removed and renumbered too, or an fd near the
//! policy's range (a few beyond its end, to reach `OutOfRange`).

use fdtable::{
    FD_END, Fd, FdPolicy, FdTable,
    model::{Model, Op, check_step, replay},
};
use proptest::prelude::*;

/// How an operation names an fd.
#[derive(Debug, Clone, Copy)]
enum FdRef {
    /// The i-th open fd (modulo the count), or `Near(i)` when none is open.
    Open(usize),
    /// `base + i` for the case's base fd.
    Near(u32),
    /// Any fd at all, `u32::MAX` and the rest of `[2^31, 2^32)` included.
    Raw(u32),
}

#[derive(Debug, Clone, Copy)]
enum PlanOp {
    Insert,
    InsertAt(FdRef),
    Remove(FdRef),
    Renumber(FdRef, FdRef),
    Get(FdRef),
    VacantDrop,
}

/// One generated case: a policy, a limit, the base fd `Near` counts from.
#[derive(Debug, Clone)]
struct Case {
    policy: FdPolicy,
    limit: usize,
    base: Fd,
}

fn fd_ref() -> impl Strategy<Value = FdRef> {
    prop_oneof![
        8 => (0..64usize).prop_map(FdRef::Open),
        8 => (0..40u32).prop_map(FdRef::Near),
        1 => prop_oneof![Just(u32::MAX), Just(FD_END), any::<u32>()].prop_map(FdRef::Raw),
    ]
}

fn plan_op() -> impl Strategy<Value = PlanOp> {
    prop_oneof![
        4 => Just(PlanOp::Insert),
        1 => fd_ref().prop_map(PlanOp::InsertAt),
        3 => fd_ref().prop_map(PlanOp::Remove),
        1 => (fd_ref(), fd_ref()).prop_map(|(a, b)| PlanOp::Renumber(a, b)),
        1 => fd_ref().prop_map(PlanOp::Get),
        1 => Just(PlanOp::VacantDrop),
    ]
}

fn limit() -> impl Strategy<Value = usize> {
    prop_oneof![Just(usize::MAX), 0..30usize]
}

fn options() -> impl Strategy<Value = (u64, u32, u32)> {
    (any::<u64>(), prop_oneof![Just(0u32), 1..6u32], 0..4u32)
}

/// Lowest-free, with `Near` fds around 0, across the flat part's first
/// growth (64 fds), past its 1024-fd minimum, or at the top of the range
/// (those go to the tree and move into the flat part when it grows).
fn lowest_case() -> impl Strategy<Value = Case> {
    let base = prop_oneof![Just(0), Just(40), Just(1010), Just(FD_END - 40)];
    (options(), limit(), base).prop_map(|((_, quarantine, floor), limit, base)| Case {
        policy: FdPolicy::lowest()
            .with_quarantine(quarantine)
            .with_floor(floor),
        limit,
        base,
    })
}

/// Capped with room for hundreds of fds, for long plans: the tree's
/// leaves (64 fds) split, merge and refill, and its root grows a level.
fn capped_wide_case() -> impl Strategy<Value = Case> {
    (options(), 200..600u32).prop_map(|((seed, quarantine, floor), cap)| Case {
        policy: FdPolicy::capped(cap)
            .with_seed(seed)
            .with_quarantine(quarantine)
            .with_floor(floor),
        limit: usize::MAX,
        base: cap - 20,
    })
}

/// Long plans that mostly insert, then churn.
fn long_plans() -> impl Strategy<Value = Vec<PlanOp>> {
    let op = prop_oneof![
        6 => Just(PlanOp::Insert),
        1 => fd_ref().prop_map(PlanOp::InsertAt),
        3 => fd_ref().prop_map(PlanOp::Remove),
        1 => (fd_ref(), fd_ref()).prop_map(|(a, b)| PlanOp::Renumber(a, b)),
    ];
    prop::collection::vec(op, 300..900)
}

fn capped_case() -> impl Strategy<Value = Case> {
    (options(), limit(), prop_oneof![1..32u32, 60..300u32]).prop_map(
        |((seed, quarantine, floor), limit, cap)| Case {
            policy: FdPolicy::capped(cap)
                .with_seed(seed)
                .with_quarantine(quarantine)
                .with_floor(floor),
            limit,
            base: 0,
        },
    )
}

/// Random confined to the top `span` fds below 2^31, so it can fill up.
fn random_top_case() -> impl Strategy<Value = Case> {
    (options(), limit(), 1..32u32).prop_map(|((seed, quarantine, _), limit, span)| Case {
        policy: FdPolicy::random()
            .with_seed(seed)
            .with_quarantine(quarantine)
            .with_floor(FD_END - span),
        limit,
        base: FD_END - 32,
    })
}

/// Random over the whole space: full only by the limit.
fn random_wide_case() -> impl Strategy<Value = Case> {
    (options(), limit()).prop_map(|((seed, quarantine, floor), limit)| Case {
        policy: FdPolicy::random()
            .with_seed(seed)
            .with_quarantine(quarantine)
            .with_floor(floor),
        limit,
        base: 0,
    })
}

fn resolve(model: &Model, base: Fd, r: FdRef) -> Fd {
    match r {
        FdRef::Open(i) if !model.open().is_empty() => *model
            .open()
            .keys()
            .nth(i % model.open().len())
            .unwrap_or(&base),
        FdRef::Open(i) => base.wrapping_add(i as u32),
        FdRef::Near(i) => base.wrapping_add(i),
        FdRef::Raw(fd) => fd,
    }
}

fn to_op(model: &Model, base: Fd, op: PlanOp) -> Op {
    let fd = |r| resolve(model, base, r);
    match op {
        PlanOp::Insert => Op::Insert,
        PlanOp::VacantDrop => Op::VacantDrop,
        PlanOp::InsertAt(r) => Op::InsertAt { fd: fd(r) },
        PlanOp::Remove(r) => Op::Remove { fd: fd(r) },
        PlanOp::Get(r) => Op::Get { fd: fd(r) },
        PlanOp::Renumber(a, b) => Op::Renumber {
            from: fd(a),
            to: fd(b),
        },
    }
}

/// Runs the plan on a checked table and, in lockstep, on a twin table with
/// the same (seeded) policy, which must end up with the same fds.
fn run(case: &Case, plan: &[PlanOp]) -> Result<(), TestCaseError> {
    let mut table = FdTable::with_limit(case.policy.clone(), case.limit);
    let mut twin = FdTable::with_limit(case.policy.clone(), case.limit);
    let mut model = Model::new(case.policy.clone(), case.limit);
    for (step, &plan_op) in plan.iter().enumerate() {
        let op = to_op(&model, case.base, plan_op);
        check_step(&mut table, &mut model, op)
            .map_err(|m| TestCaseError::fail(format!("step {step}: {m}")))?;
        // check_step numbers values 1, 2, ...; only inserts consume one.
        let value = model.open().values().copied().max().unwrap_or(0);
        replay(&mut twin, op, value);
        let fds = |t: &FdTable<u64>| t.iter().map(|(fd, _)| fd).collect::<Vec<_>>();
        prop_assert_eq!(
            fds(&table),
            fds(&twin),
            "same seed diverged at step {}",
            step
        );
    }
    Ok(())
}

fn plans() -> impl Strategy<Value = Vec<PlanOp>> {
    prop::collection::vec(plan_op(), 1..120)
}

/// 200 cases per policy by default; `PROPTEST_CASES=N` runs more.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn lowest_matches_model(case in lowest_case(), plan in plans()) {
        run(&case, &plan)?;
    }

    #[test]
    fn capped_matches_model(case in capped_case(), plan in plans()) {
        run(&case, &plan)?;
    }

    #[test]
    fn random_in_a_small_top_range_matches_model(case in random_top_case(), plan in plans()) {
        run(&case, &plan)?;
    }

    #[test]
    fn random_over_the_whole_space_matches_model(case in random_wide_case(), plan in plans()) {
        run(&case, &plan)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases() / 8))]

    #[test]
    fn capped_with_hundreds_of_fds_matches_model(case in capped_wide_case(), plan in long_plans()) {
        run(&case, &plan)?;
    }

    #[test]
    fn lowest_with_hundreds_of_fds_matches_model(case in lowest_case(), plan in long_plans()) {
        run(&case, &plan)?;
    }
}
