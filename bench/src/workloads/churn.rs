//! Accept churn: client threads each loop connect, one 64-byte echo, close. Every
//! connection allocates and releases a guest fd, so fdvirt runs under each fd policy.

use crate::{
    contender::{Contender, Program, Runtime},
    loadgen::{Exchange, Load, run_churn},
    results::{Row, Workload},
    suite::Suite,
    workloads::{Case, Entry, echo_probe, measure_interleaved},
};

/// The fd policies compared.
pub const POLICIES: [&str; 3] = ["lowest", "random", "capped:1024"];

/// Native and wasmtime once, fdvirt under every policy, for both echo guests.
pub fn contenders() -> Vec<Contender> {
    let mut all = vec![
        Contender::new(Runtime::Native, Program::Echo),
        Contender::new(Runtime::Wasmtime { cached: false }, Program::Echo),
    ];
    for program in [Program::Echo, Program::WasmedgeEcho] {
        all.extend(
            POLICIES
                .iter()
                .map(|p| Contender::new(Runtime::fdvirt(p), program)),
        );
    }
    all
}

/// Runs the accept-churn workload.
pub fn run(suite: &mut Suite) {
    let clients = suite.settings.churn_clients;
    let config = format!("{clients} clients · connect, 64 B echo, close");
    let mut entries = Vec::new();
    for contender in contenders() {
        let case = Case {
            row: Row::new(Workload::Churn, &config, clients as f64, &contender),
            load: Load {
                conns: clients,
                max_ops: suite.settings.max_ops,
                max_time: suite.settings.run_time,
            },
            exchange: Exchange::Echo { size: 64 },
        };
        entries.push(Entry {
            contender,
            probe: echo_probe(),
            cases: vec![case],
        });
    }
    measure_interleaved(suite, entries, run_churn);
}
