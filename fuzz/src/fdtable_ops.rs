//! `fdtable_ops`: an arbitrary policy and operation plan, every step checked
//! against `fdtable::model` (the reference model the proptest suite uses).
//!
//! `fdtable::model::check_step` asserts the result of each operation, the
//! policy's rule (the fd is in range, not open, not quarantined; lowest-free
//! returns the minimum such fd; `TableFull` exactly when the model is full)
//! and the table's whole contents afterwards. On top of that a twin table
//! with the same seeded policy replays the plan and must hold the same fds.

use arbitrary::{Arbitrary, Unstructured};
use fdtable::{
    FD_END, Fd, FdPolicy, FdTable,
    model::{Model, Op, check_step, replay},
};

/// Longest plan run per input, so one input stays well under a millisecond.
const MAX_OPS: usize = 1024;

/// Which policy, with the parameter that makes it fill up.
#[derive(Debug, Arbitrary)]
enum PolicyChoice {
    /// Lowest-free from `floor`.
    Lowest,
    /// Random below a cap (`cap` 0 is clamped to 1 by `FdPolicy::capped`).
    Capped { cap: u16 },
    /// Random over the top `span + 1` fds below 2^31, so it can fill up.
    RandomTop { span: u8 },
    /// Random over `[floor, 2^31)`: full only by the limit.
    RandomWide,
}

/// How an operation names an fd.
#[derive(Debug, Clone, Copy, Arbitrary)]
enum FdRef {
    /// The i-th open fd (modulo the count); `Near(i)` when none is open.
    Open(u16),
    /// `base + i`, near the policy's range.
    Near(u8),
    /// Any fd at all, including `>= 2^31`.
    Raw(u32),
}

#[derive(Debug, Clone, Copy, Arbitrary)]
enum PlanOp {
    Insert,
    InsertAt(FdRef),
    Remove(FdRef),
    Renumber(FdRef, FdRef),
    Get(FdRef),
    VacantDrop,
}

#[derive(Debug, Arbitrary)]
struct Plan {
    policy: PolicyChoice,
    seed: u64,
    quarantine: u8,
    floor: u8,
    /// `None`: no limit; else at most this many open fds.
    limit: Option<u8>,
    ops: Vec<PlanOp>,
}

impl Plan {
    /// The policy, the limit, and the base fd `Near` counts from.
    fn setup(&self) -> (FdPolicy, usize, Fd) {
        let (policy, base) = match self.policy {
            PolicyChoice::Lowest => (FdPolicy::lowest(), 0),
            PolicyChoice::Capped { cap } => (FdPolicy::capped(u32::from(cap)), 0),
            PolicyChoice::RandomTop { span } => (
                FdPolicy::random().with_floor(FD_END - 1 - u32::from(span)),
                FD_END - 256,
            ),
            PolicyChoice::RandomWide => (FdPolicy::random(), 0),
        };
        let floor = match self.policy {
            PolicyChoice::RandomTop { .. } => policy.floor(),
            _ => u32::from(self.floor),
        };
        let policy = policy
            .with_seed(self.seed)
            .with_quarantine(u32::from(self.quarantine % 16))
            .with_floor(floor);
        let limit = self.limit.map_or(usize::MAX, usize::from);
        (policy, limit, base)
    }
}

fn resolve(model: &Model, base: Fd, r: FdRef) -> Fd {
    match r {
        FdRef::Open(i) if !model.open().is_empty() => {
            let i = usize::from(i) % model.open().len();
            model.open().keys().nth(i).copied().unwrap_or(base)
        }
        FdRef::Open(i) => base.wrapping_add(u32::from(i % 256)),
        FdRef::Near(i) => base.wrapping_add(u32::from(i)),
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

/// The fuzz body: decode a [`Plan`] and run it step by step against the
/// model and a same-seed twin.
///
/// # Panics
/// When the table disagrees with the model or a policy rule (the message
/// names the step and the difference), or the twin diverges.
pub fn fdtable_ops(data: &[u8]) {
    let Ok(plan) = Plan::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let (policy, limit, base) = plan.setup();
    let mut table = FdTable::with_limit(policy.clone(), limit);
    let mut twin = FdTable::with_limit(policy.clone(), limit);
    let mut model = Model::new(policy.clone(), limit);
    for (step, &plan_op) in plan.ops.iter().take(MAX_OPS).enumerate() {
        let op = to_op(&model, base, plan_op);
        if let Err(m) = check_step(&mut table, &mut model, op) {
            panic!("fdtable_ops: policy {policy}, limit {limit}, step {step}: {m}");
        }
        let value = model.open().values().copied().max().unwrap_or(0);
        replay(&mut twin, op, value);
        let fds = |t: &FdTable<u64>| t.iter().map(|(fd, _)| fd).collect::<Vec<_>>();
        assert_eq!(
            fds(&table),
            fds(&twin),
            "fdtable_ops: same seed diverged at step {step} ({op:?}), policy {policy}"
        );
    }
}
