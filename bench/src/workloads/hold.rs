//! Held connections (issue 16): a fresh server opens `hold_conns` connections, each
//! completing one 64-byte echo as it opens, all kept open; then every held connection
//! echoes once more. Measured: the time to open them all (first connect to last verified
//! echo), the server's peak RSS, and the bytes echoed and verified (every byte must come
//! back, else the row fails). Echo servers only, each beside its native twin: the mio
//! `bench-echo` (one source, pre-opened listener under fdvirt) and tokio's echo example
//! (`tokio-echo`, tokio_wasi on the WasmEdge ABI under fdvirt). fdvirt runs with default
//! settings (no `--max-fds`, the guest's fd limit follows the host), on both engines.

use std::time::Instant;

use crate::{
    contender::{Contender, Engine, Program, Runtime},
    loadgen::{Exchange, open_idle},
    results::{Row, Workload},
    suite::Suite,
    workloads::usable,
};

/// Bytes per echo.
const SIZE: usize = 64;

/// Native twin first, then fdvirt on each engine (wasmi, the default, then
/// `--engine wasmtime`), per server: the open-time target is a question of the engine
/// too (the guest's O(N) subscription rebuild per turn runs interpreted on wasmi).
fn contenders() -> Vec<Contender> {
    let mut out = Vec::new();
    for program in [Program::Echo, Program::TokioEcho] {
        out.push(Contender::new(Runtime::Native, program));
        out.push(Contender::new(Runtime::fdvirt("lowest"), program));
        out.push(Contender::new(
            Runtime::fdvirt_on(Engine::Wasmtime, "lowest"),
            program,
        ));
    }
    out
}

/// The two configuration labels (open time, RSS) of `program` with `n` connections.
pub fn configs(program: Program, n: usize) -> (String, String) {
    let family = match program {
        Program::TokioEcho => "tokio echo",
        _ => "mio echo",
    };
    let bytes = 2 * n * SIZE;
    let held = format!(
        "{family} · {} conns held, {} B echoed and verified",
        crate::stats::fmt_num(n as f64),
        crate::stats::fmt_num(bytes as f64)
    );
    (
        format!("{held} · open all, ms"),
        format!("{held} · peak RSS, MiB"),
    )
}

/// Runs the held-connections workload. Contenders take turns run by run (as in the other
/// workloads), so a busy minute on the shared machine hits all of them; a contender whose
/// run fails stops there, with its error in both rows.
pub fn run(suite: &mut Suite) {
    let n = suite.settings.hold_conns;
    let mut rows: Vec<(Contender, Row, Row)> = Vec::new();
    for contender in contenders() {
        if !usable(suite, &contender) {
            continue;
        }
        let (time_cfg, rss_cfg) = configs(contender.program, n);
        let time = Row::new(Workload::Hold, &time_cfg, n as f64, &contender);
        let rss = Row::new(Workload::Hold, &rss_cfg, n as f64, &contender);
        rows.push((contender, time, rss));
    }
    for run in 0..suite.settings.runs.min(3) {
        for (contender, time, rss) in rows.iter_mut().filter(|(_, t, _)| t.error.is_none()) {
            eprintln!(
                "fdvirt-bench: hold {n}, {} (run {})",
                contender.label(),
                run + 1
            );
            match hold_once(suite, contender, n) {
                Ok((ms, mib)) => {
                    time.values.push(ms);
                    rss.values.push(mib);
                }
                Err(e) => {
                    time.fail(e.clone());
                    rss.fail(e);
                }
            }
        }
    }
    for (_, time, rss) in rows {
        suite.rows.push(time);
        suite.rows.push(rss);
    }
}

/// One fresh server: opens `n` connections (each verified), echoes once more on every one
/// of them while all are held, and returns (open time in ms, peak RSS in MiB).
fn hold_once(suite: &Suite, contender: &Contender, n: usize) -> Result<(f64, f64), String> {
    let probe = Exchange::Echo { size: SIZE };
    let mut guard = suite.start(contender, &probe)?;
    let err = |e: anyhow::Error| format!("{e:#}");
    let deadline = Instant::now() + suite.settings.idle_deadline;
    let started = Instant::now();
    let mut conns = open_idle(guard.addr(), n, &probe, deadline).map_err(err)?;
    let open_ms = started.elapsed().as_secs_f64() * 1e3;
    for (i, c) in conns.iter_mut().enumerate() {
        c.exchange(&probe)
            .map_err(|e| format!("held connection {i}, second echo: {e:#}"))?;
    }
    let kib = guard.peak_rss_kib().map_err(err)?;
    guard.check_alive().map_err(err)?;
    Ok((open_ms, kib as f64 / 1024.0))
}
