//! Slow clients (issue 16): HTTP keep-alive throughput with 64 connections, alone and next
//! to `slow_clients` slowloris connections (a request head that never ends, one byte per
//! second each), on the same server, run after run alternately. The figure that matters
//! is each server's loaded rate over its own unloaded rate (the bar: at least 70%
//! under fdvirt). Servers: the hyper guest and the tokio HTTP server (`tokio-http`, on a
//! pre-opened listener), each with its native twin.

use std::{
    thread,
    time::{Duration, Instant},
};

use crate::{
    contender::{Contender, Program, Runtime},
    loadgen::{Exchange, Load, run_keepalive},
    results::{Row, Workload},
    slowloris::Slowloris,
    suite::Suite,
    workloads::usable,
};

/// Keep-alive connections of the measured load.
pub const CONNS: usize = 64;

/// How long the slow clients trickle before a loaded run starts (every one has sent
/// bytes after its head, so the server has read from each), and how long their closing
/// is given before the next run alone.
pub const SETTLE: Duration = Duration::from_millis(1500);

fn contenders() -> Vec<Contender> {
    let mut out = Vec::new();
    for program in [Program::Hello, Program::TokioHttp] {
        out.push(Contender::new(Runtime::Native, program));
        out.push(Contender::new(Runtime::fdvirt("lowest"), program));
    }
    out
}

/// The (alone, beside slowloris) configuration labels of `program`.
pub fn configs(program: Program, slow: usize) -> (String, String) {
    let family = match program {
        Program::TokioHttp => "tokio-http",
        _ => "hyper",
    };
    let alone = format!("{family} · {CONNS} keep-alive conns");
    let loaded = format!("{alone} + {slow} slowloris");
    (alone, loaded)
}

/// Runs the slow-clients workload.
pub fn run(suite: &mut Suite) {
    let slow = suite.settings.slow_clients;
    for contender in contenders() {
        if !usable(suite, &contender) {
            continue;
        }
        eprintln!("fdvirt-bench: slow clients, {}", contender.label());
        let (alone_cfg, loaded_cfg) = configs(contender.program, slow);
        let mut alone = Row::new(Workload::Slow, &alone_cfg, 0.0, &contender);
        let mut loaded = Row::new(Workload::Slow, &loaded_cfg, slow as f64, &contender);
        if let Err(e) = measure(suite, &contender, slow, (&mut alone, &mut loaded)) {
            alone.fail(e.clone());
            loaded.fail(e);
        }
        suite.rows.push(alone);
        suite.rows.push(loaded);
    }
}

/// Alternates runs alone and beside `slow` fresh slow clients on one server.
fn measure(
    suite: &Suite,
    contender: &Contender,
    slow: usize,
    (alone, loaded): (&mut Row, &mut Row),
) -> Result<(), String> {
    let probe = Exchange::Http { body: None };
    let mut guard = suite.start(contender, &probe)?;
    let load = Load {
        conns: CONNS,
        max_ops: suite.settings.max_ops,
        max_time: suite.settings.run_time,
    };
    let err = |e: anyhow::Error| format!("{e:#}");
    // Warm-up, not recorded: wasmi translates each guest function on its first call, so
    // the first run of a fresh server would count translation against the alone rate.
    run_keepalive(guard.addr(), &load, &probe).map_err(err)?;
    for _ in 0..suite.settings.runs {
        alone.push_run(&run_keepalive(guard.addr(), &load, &probe).map_err(err)?);
        let deadline = Instant::now() + suite.settings.idle_deadline;
        let clients = Slowloris::start(guard.addr(), slow, deadline).map_err(err)?;
        thread::sleep(SETTLE);
        loaded.push_run(&run_keepalive(guard.addr(), &load, &probe).map_err(err)?);
        // Closing 500 connections is a burst of work too: let it pass before the next
        // run alone, which would otherwise measure the teardown.
        drop(clients);
        thread::sleep(SETTLE);
    }
    guard.check_alive().map_err(err)
}
