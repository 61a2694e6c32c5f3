//! Memory: peak RSS (`VmHWM` of /proc/PID/status) of a fresh server after it has accepted
//! `memory_idle` connections (each completed one exchange) and served one more.

use std::time::Instant;

use crate::{
    contender::{Contender, Engine, Program, Runtime},
    loadgen::{Client, Exchange, open_idle},
    results::{Row, Workload},
    suite::Suite,
    workloads::{echo_contenders, echo_probe, usable},
};

/// Runs the memory workload.
pub fn run(suite: &mut Suite) {
    let idle = suite.settings.memory_idle;
    let http = Exchange::Http { body: None };
    // fdvirt's wasmtime engine beside wasmi: what the JIT costs in memory.
    let wasmtime_engine = Runtime::fdvirt_on(Engine::Wasmtime, "lowest");
    let mut plan: Vec<(Contender, Exchange, String)> = echo_contenders()
        .into_iter()
        .chain([Contender::new(wasmtime_engine.clone(), Program::Echo)])
        .map(|c| (c, echo_probe(), format!("{idle} idle conns · echo")))
        .collect();
    for runtime in [Runtime::Native, Runtime::fdvirt("lowest"), wasmtime_engine] {
        let config = format!("{idle} idle conns · HTTP");
        plan.push((
            Contender::new(runtime, Program::Hello),
            http.clone(),
            config,
        ));
    }
    for (contender, probe, config) in plan {
        if !usable(suite, &contender) {
            continue;
        }
        eprintln!("fdvirt-bench: memory, {}", contender.label());
        let mut row = Row::new(Workload::Memory, &config, idle as f64, &contender);
        for _ in 0..suite.settings.runs.min(3) {
            match peak_rss_mib(suite, &contender, &probe, idle) {
                Ok(mib) => row.values.push(mib),
                Err(e) => {
                    row.fail(e);
                    break;
                }
            }
        }
        suite.rows.push(row);
    }
}

fn peak_rss_mib(
    suite: &Suite,
    contender: &Contender,
    probe: &Exchange,
    idle: usize,
) -> Result<f64, String> {
    let guard = suite.start(contender, probe)?;
    let deadline = Instant::now() + suite.settings.idle_deadline;
    let err = |e: anyhow::Error| format!("{e:#}");
    let _conns = open_idle(guard.addr(), idle, probe, deadline).map_err(err)?;
    Client::connect(guard.addr())
        .and_then(|mut c| c.exchange(probe))
        .map_err(err)?;
    let kib = guard.peak_rss_kib().map_err(err)?;
    Ok(kib as f64 / 1024.0)
}
