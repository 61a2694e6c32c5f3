//! Startup: process start to the first served reply (the harness polls connect + one
//! exchange every millisecond), for a small guest, a several-MB guest and the HTTP guest.
//! Every run is a fresh process; wasmtime's cached variant gets one unmeasured warm-up
//! start that fills its cache.

use std::fs;

use crate::{
    contender::{Contender, Engine, Program, Runtime},
    loadgen::Exchange,
    results::{Row, Workload},
    suite::Suite,
    workloads::{echo_probe, size_label, usable},
};

/// A start slower than this (ms) limits its row to `Settings::slow_runs` runs.
const SLOW_START_MS: f64 = 1000.0;

/// (contender, configuration, probe) of every startup row.
fn plan(suite: &Suite) -> Vec<(Contender, String, Exchange)> {
    let size = |p: &std::path::Path| {
        fs::metadata(p)
            .map(|m| size_label(m.len()))
            .unwrap_or_default()
    };
    let small = format!("small guest ({})", size(&suite.tools.echo_wasm));
    let large = format!("large guest ({})", size(&suite.tools.echo_big_wasm));
    let http = "HTTP hello".to_string();
    let wasmtimes = [
        Runtime::Wasmtime { cached: false },
        Runtime::Wasmtime { cached: true },
    ];
    let mut plan = vec![(
        Contender::new(Runtime::Native, Program::Echo),
        small.clone(),
    )];
    for (program, config) in [(Program::Echo, &small), (Program::EchoBig, &large)] {
        for runtime in wasmtimes.iter().cloned().chain([Runtime::fdvirt("lowest")]) {
            plan.push((Contender::new(runtime, program), config.clone()));
        }
    }
    let wasmtime_engine = Runtime::fdvirt_on(Engine::Wasmtime, "lowest");
    plan.push((
        Contender::new(wasmtime_engine.clone(), Program::Echo),
        small.clone(),
    ));
    plan.push((
        Contender::new(Runtime::fdvirt("lowest"), Program::WasmedgeEcho),
        small,
    ));
    plan.push((
        Contender::new(Runtime::Native, Program::Hello),
        http.clone(),
    ));
    plan.push((
        Contender::new(Runtime::fdvirt("lowest"), Program::Hello),
        http.clone(),
    ));
    plan.push((Contender::new(wasmtime_engine, Program::Hello), http));
    plan.into_iter()
        .map(|(c, config)| {
            let probe = if c.program == Program::Hello {
                Exchange::Http { body: None }
            } else {
                echo_probe()
            };
            (c, config, probe)
        })
        .collect()
}

/// Whether `runtime` compiles through wasmtime's on-disk cache, so its figures are
/// for a warm cache.
fn warm_cache(runtime: &Runtime) -> bool {
    matches!(
        runtime,
        Runtime::Wasmtime { cached: true }
            | Runtime::Fdvirt {
                engine: Engine::Wasmtime,
                ..
            }
    )
}

/// Runs the startup workload.
pub fn run(suite: &mut Suite) {
    for (contender, config, probe) in plan(suite) {
        if !usable(suite, &contender) {
            continue;
        }
        eprintln!("fdvirt-bench: startup, {}", contender.label());
        let mut row = Row::new(Workload::Startup, &config, 0.0, &contender);
        // Warm wasmtime's cache (the CLI's, and fdvirt's wasmtime engine's: the same
        // on-disk cache) with one unmeasured start.
        if warm_cache(&contender.runtime)
            && let Err(e) = suite.start(&contender, &probe)
        {
            row.fail(e);
        }
        for run in 0..suite.settings.runs {
            // Starts that take seconds (wasmtime compiling the large guest) get fewer runs.
            let slow = row.values.iter().any(|&ms| ms > SLOW_START_MS);
            if row.error.is_some() || (slow && run >= suite.settings.slow_runs) {
                break;
            }
            match suite
                .start(&contender, &probe)
                .and_then(|g| g.started_to_served().ok_or_else(|| "no time".into()))
            {
                Ok(time) => row.values.push(time.as_secs_f64() * 1e3),
                Err(e) => row.fail(e),
            }
        }
        suite.rows.push(row);
    }
}
