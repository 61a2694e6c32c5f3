//! Poll scaling: a fresh server holds N idle connections (each has completed one echo, so
//! the server has accepted and registered it) while one connection ping-pongs 64 bytes.
//! A runtime whose `poll_oneoff` costs O(N) per call slows down as N grows.
//!
//! For small N every contender's server runs at once and the runs alternate between them
//! (as in [`measure_interleaved`](super::measure_interleaved)); for large N the client's
//! fd budget allows one server at a time.

use std::time::Instant;

use crate::{
    contender::Contender,
    loadgen::{Client, Exchange, Load, open_idle, run_keepalive},
    results::{Row, Workload},
    server::ServerGuard,
    suite::Suite,
    workloads::{echo_contenders, echo_probe, usable},
};

/// Idle connections the harness holds at once when interleaving servers.
const INTERLEAVE_BUDGET: usize = 4096;

/// A server with its idle connections (dropping it closes them and kills the server).
type Held = (ServerGuard, Vec<Client>);

/// The configuration label.
pub fn config(idle: usize) -> String {
    format!("{idle} idle + 1 active")
}

/// Runs the poll-scaling workload.
pub fn run(suite: &mut Suite) {
    let mut contenders: Vec<Contender> = echo_contenders()
        .into_iter()
        .filter(|c| usable(suite, c))
        .collect();
    for idle in suite.settings.poll_idle.clone() {
        let per_group = if idle * contenders.len() <= INTERLEAVE_BUDGET {
            contenders.len().max(1)
        } else {
            1
        };
        let mut rows = Vec::new();
        for group in contenders.chunks(per_group) {
            eprintln!(
                "fdvirt-bench: poll scaling, {idle} idle, {} server(s)",
                group.len()
            );
            rows.extend(measure_group(suite, group, idle));
        }
        // A contender that could not hold N connections cannot hold more: stop it here.
        contenders.retain(|c| {
            !rows
                .iter()
                .any(|r| &r.contender == c && r.values.is_empty() && r.error.is_some())
        });
        suite.rows.extend(rows);
    }
}

/// Starts `group`'s servers, gives each `idle` idle connections, then alternates the
/// active-connection runs between them.
fn measure_group(suite: &Suite, group: &[Contender], idle: usize) -> Vec<Row> {
    let mut live: Vec<(Row, Option<Held>)> = group
        .iter()
        .map(|c| {
            let mut row = Row::new(Workload::Poll, &config(idle), idle as f64, c);
            let server = setup(suite, c, idle).map_err(|e| row.fail(e)).ok();
            (row, server)
        })
        .collect();
    let load = Load {
        conns: 1,
        max_ops: suite.settings.max_ops,
        max_time: suite.settings.run_time,
    };
    let n = live.len();
    for run in 0..suite.settings.runs {
        for k in 0..n {
            let (row, server) = &mut live[(k + run) % n];
            let Some((guard, _idle)) = server else {
                continue;
            };
            if row.error.is_some() {
                continue;
            }
            match run_keepalive(guard.addr(), &load, &Exchange::Echo { size: 64 }) {
                Ok(report) => row.push_run(&report),
                Err(e) => row.fail(format!("{e:#}")),
            }
        }
    }
    live.into_iter()
        .map(|(mut row, server)| {
            if let Some((mut guard, _)) = server
                && let Err(e) = guard.check_alive()
            {
                row.fail(format!("{e:#}"));
            }
            row
        })
        .collect()
}

/// A fresh server holding `idle` idle connections.
fn setup(suite: &Suite, contender: &Contender, idle: usize) -> Result<Held, String> {
    let mut guard = suite.start(contender, &echo_probe())?;
    let deadline = Instant::now() + suite.settings.idle_deadline;
    match open_idle(guard.addr(), idle, &echo_probe(), deadline) {
        Ok(conns) => Ok((guard, conns)),
        Err(e) => {
            let alive = guard
                .check_alive()
                .err()
                .map(|e| format!("; {e:#}"))
                .unwrap_or_default();
            Err(format!("{e:#} ({}){alive}", guard.fd_usage()))
        }
    }
}
