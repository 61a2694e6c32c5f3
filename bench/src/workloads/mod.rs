//! The workloads. Each starts its contenders one at a time (a [`ServerGuard`] that is
//! dropped, killing the server, before the next starts), measures `runs` times, and
//! appends [`Row`]s to the suite; a contender that cannot start or serve gets rows with
//! the error instead of figures, so the report says "failed to serve" rather than hanging.
//!
//! [`ServerGuard`]: crate::server::ServerGuard

pub mod churn;
pub mod echo;
pub mod hold;
pub mod http;
pub mod memory;
pub mod poll;
pub mod slow;
pub mod startup;

use std::net::SocketAddr;

use crate::{
    contender::{Contender, Program, Runtime},
    loadgen::{Exchange, Load, RunReport},
    results::Row,
    suite::Suite,
};

/// A load function: keep-alive or churn.
pub type Runner = fn(SocketAddr, &Load, &Exchange) -> anyhow::Result<RunReport>;

/// One configuration to measure against a running server.
#[derive(Debug)]
pub struct Case {
    /// The row the runs fill.
    pub row: Row,
    /// Load per run.
    pub load: Load,
    /// Exchange per operation.
    pub exchange: Exchange,
}

/// The small probe every echo server must answer before it counts as serving.
pub fn echo_probe() -> Exchange {
    Exchange::Echo { size: 8 }
}

/// Native, wasmtime and fdvirt running the same echo source, then fdvirt running the
/// wasmedge_wasi_socket echo guest.
pub fn echo_contenders() -> Vec<Contender> {
    vec![
        Contender::new(Runtime::Native, Program::Echo),
        Contender::new(Runtime::Wasmtime { cached: false }, Program::Echo),
        Contender::new(Runtime::fdvirt("lowest"), Program::Echo),
        Contender::new(Runtime::fdvirt("lowest"), Program::WasmedgeEcho),
    ]
}

/// Whether `contender` can run here; notes the reason when it cannot.
pub fn usable(suite: &mut Suite, contender: &Contender) -> bool {
    match suite.available(contender) {
        Ok(()) => true,
        Err(reason) => {
            suite.note(format!("skipped {}: {reason}", contender.label()));
            false
        }
    }
}

/// One contender's server and the cases measured against it.
#[derive(Debug)]
pub struct Entry {
    /// Who serves.
    pub contender: Contender,
    /// The exchange that proves it serves.
    pub probe: Exchange,
    /// What to measure.
    pub cases: Vec<Case>,
}

/// Starts every usable contender's server, then measures round-robin: run 1 of case 1 on
/// each server, run 1 of case 2 on each, ..., then run 2 (starting with the next
/// contender). On a shared, noisy machine this spreads the noise over all contenders
/// instead of penalising whichever ran during a busy minute.
pub fn measure_interleaved(suite: &mut Suite, entries: Vec<Entry>, runner: Runner) {
    let mut live = Vec::new();
    for mut entry in entries {
        if !usable(suite, &entry.contender) {
            continue;
        }
        eprintln!("fdvirt-bench: starting {}", entry.contender.label());
        match suite.start(&entry.contender, &entry.probe) {
            Ok(guard) => live.push((guard, entry)),
            Err(e) => {
                suite.note(crate::report::one_line(&e, 240));
                for case in &mut entry.cases {
                    case.row.fail(e.clone());
                }
                suite.rows.extend(entry.cases.into_iter().map(|c| c.row));
            }
        }
    }
    let cases = live.iter().map(|(_, e)| e.cases.len()).max().unwrap_or(0);
    let n = live.len();
    for run in 0..suite.settings.runs {
        for case in 0..cases {
            for k in 0..n {
                let (guard, entry) = &mut live[(k + run) % n];
                let Some(case) = entry.cases.get_mut(case) else {
                    continue;
                };
                if case.row.error.is_some() {
                    continue;
                }
                match runner(guard.addr(), &case.load, &case.exchange) {
                    Ok(report) => case.row.push_run(&report),
                    Err(e) => case.row.fail(format!("{e:#}")),
                }
            }
        }
    }
    for (mut guard, entry) in live {
        let alive = guard.check_alive().err().map(|e| format!("{e:#}"));
        for mut case in entry.cases {
            if let Some(e) = &alive {
                case.row.fail(e.clone());
            }
            suite.rows.push(case.row);
        }
    }
}

/// Human size: `64 B`, `16 KiB`, `4.5 MiB`.
pub fn size_label(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 && b % 1024 == 0 => format!("{} KiB", b >> 10),
        b if b >= 1 << 10 => format!("{:.0} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}
