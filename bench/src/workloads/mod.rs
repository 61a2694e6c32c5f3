//! The six workloads. Each starts its contenders one at a time (a [`ServerGuard`] that is
//! dropped, killing the server, before the next starts), measures `runs` times, and
//! appends [`Row`]s to the suite; a contender that cannot start or serve gets rows with
//! the error instead of figures, so the report says "failed to serve" rather than hanging.
//!
//! [`ServerGuard`]: crate::server::ServerGuard

pub mod churn;
pub mod echo;
pub mod http;
pub mod memory;
pub mod poll;
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

/// Starts `contender` once and measures every case `runs` times with `runner`.
pub fn measure(
    suite: &mut Suite,
    contender: &Contender,
    probe: &Exchange,
    cases: Vec<Case>,
    runner: Runner,
) {
    if !usable(suite, contender) {
        return;
    }
    eprintln!("fdvirt-bench: {}", contender.label());
    let mut rows = Vec::with_capacity(cases.len());
    match suite.start(contender, probe) {
        Err(e) => {
            suite.note(e.lines().next().unwrap_or_default().to_string());
            for mut case in cases {
                case.row.fail(e.clone());
                rows.push(case.row);
            }
        }
        Ok(mut guard) => {
            for mut case in cases {
                for _ in 0..suite.settings.runs {
                    match runner(guard.addr(), &case.load, &case.exchange) {
                        Ok(report) => case.row.push_run(&report),
                        Err(e) => {
                            case.row.fail(format!("{e:#}"));
                            break;
                        }
                    }
                }
                if let Err(e) = guard.check_alive() {
                    case.row.fail(format!("{e:#}"));
                }
                rows.push(case.row);
            }
        }
    }
    suite.rows.extend(rows);
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
