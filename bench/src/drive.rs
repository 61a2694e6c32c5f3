//! `fdvirt-bench --drive ADDR`: applies one workload's load to a server someone else
//! started (e.g. under `perf record`), for profiling; prints the rate and latencies.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use anyhow::Result;

use crate::{
    loadgen::{Exchange, Load, open_idle, run_churn, run_keepalive},
    slowloris::Slowloris,
    stats::fmt_num,
};

/// What to drive.
#[derive(Debug, Clone)]
pub struct Drive {
    /// The server.
    pub addr: SocketAddr,
    /// Concurrent connections (keep-alive) or client threads (churn).
    pub conns: usize,
    /// Echo message size; `None` for HTTP GET.
    pub echo_size: Option<usize>,
    /// Idle connections opened first (poll scaling).
    pub idle: usize,
    /// Slow clients (one header byte per second each) held during the load.
    pub slow: usize,
    /// Connect, one exchange, close, instead of keep-alive.
    pub churn: bool,
    /// How long to apply load.
    pub time: Duration,
}

/// Runs the load once and prints what it measured.
///
/// # Errors
/// Fails if the idle connections or the load's connections cannot be set up.
pub fn run(d: &Drive) -> Result<()> {
    let exchange = match d.echo_size {
        Some(size) => Exchange::Echo { size },
        None => Exchange::Http { body: None },
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let opening = Instant::now();
    let _idle = open_idle(d.addr, d.idle, &exchange, deadline)?;
    if d.idle > 0 {
        // The held-connections figure (issue 16), for profiling a server under that load.
        let ms = opening.elapsed().as_secs_f64() * 1e3;
        println!("opened {} idle connections in {ms:.0} ms", d.idle);
    }
    let _slow = match d.slow {
        0 => None,
        n => Some(Slowloris::start(d.addr, n, deadline)?),
    };
    if d.slow > 0 {
        // Let the server take every slow connection in before measuring.
        std::thread::sleep(crate::workloads::slow::SETTLE);
    }
    let load = Load {
        conns: d.conns,
        max_ops: u64::MAX,
        max_time: d.time,
    };
    let report = if d.churn {
        run_churn(d.addr, &load, &exchange)?
    } else {
        run_keepalive(d.addr, &load, &exchange)?
    };
    let us = |q| {
        report
            .latencies
            .quantile(q)
            .map_or(0.0, |t| t.as_secs_f64() * 1e6)
    };
    println!(
        "{} ops in {:.2} s: {}/s, p50 {:.1} µs, p99 {:.1} µs, {} failed connection(s){}",
        report.ops,
        report.elapsed.as_secs_f64(),
        fmt_num(report.rate()),
        us(0.5),
        us(0.99),
        report.errors,
        report
            .first_error
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    Ok(())
}
