//! Poll scaling: a fresh server holds N idle connections (each has completed one echo, so
//! the server has accepted and registered it) while one connection ping-pongs 64 bytes.
//! A runtime whose `poll_oneoff` costs O(N) per call slows down as N grows.

use std::time::Instant;

use crate::{
    loadgen::{Exchange, Load, open_idle, run_keepalive},
    results::{Row, Workload},
    suite::Suite,
    workloads::{echo_contenders, echo_probe, usable},
};

/// The configuration label.
pub fn config(idle: usize) -> String {
    format!("{idle} idle + 1 active")
}

/// Runs the poll-scaling workload.
pub fn run(suite: &mut Suite) {
    for contender in echo_contenders() {
        if !usable(suite, &contender) {
            continue;
        }
        for idle in suite.settings.poll_idle.clone() {
            eprintln!(
                "fdvirt-bench: poll scaling, {} with {idle} idle",
                contender.label()
            );
            let mut row = Row::new(Workload::Poll, &config(idle), idle as f64, &contender);
            if let Err(e) = measure_step(suite, &mut row, idle) {
                row.fail(e);
            }
            let failed = row.error.is_some() && row.values.is_empty();
            suite.rows.push(row);
            if failed {
                // A bigger N cannot do better; say so once instead of waiting again.
                break;
            }
        }
    }
}

fn measure_step(suite: &Suite, row: &mut Row, idle: usize) -> Result<(), String> {
    let mut guard = suite.start(&row.contender, &echo_probe())?;
    let deadline = Instant::now() + suite.settings.idle_deadline;
    let exchange = Exchange::Echo { size: 64 };
    let _idle = open_idle(guard.addr(), idle, &echo_probe(), deadline).map_err(|e| {
        let alive = guard
            .check_alive()
            .err()
            .map(|e| format!("; {e:#}"))
            .unwrap_or_default();
        format!("{e:#} ({}){alive}", guard.fd_usage())
    })?;
    let load = Load {
        conns: 1,
        max_ops: suite.settings.max_ops,
        max_time: suite.settings.run_time,
    };
    for _ in 0..suite.settings.runs {
        let report = run_keepalive(guard.addr(), &load, &exchange).map_err(|e| format!("{e:#}"))?;
        row.push_run(&report);
    }
    guard.check_alive().map_err(|e| format!("{e:#}"))
}
