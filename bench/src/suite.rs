//! The suite: settings (quick or full), tools, collected rows, and the helper every
//! workload uses to start a contender's server.

use std::{path::PathBuf, time::Duration};

use crate::{
    contender::Contender,
    loadgen::Exchange,
    results::Row,
    server::{ServerGuard, free_addr},
    tools::Tools,
};

/// Sizes and bounds of a suite run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Repetitions of each measurement (medians over these).
    pub runs: usize,
    /// Time bound of one load run.
    pub run_time: Duration,
    /// Operation bound of one load run.
    pub max_ops: u64,
    /// Idle-connection counts of the poll-scaling workload.
    pub poll_idle: Vec<usize>,
    /// Time bound for opening the idle connections of one poll-scaling step.
    pub idle_deadline: Duration,
    /// Idle connections for the memory workload.
    pub memory_idle: usize,
    /// Time bound for a server to answer its first probe.
    pub serve_timeout: Duration,
    /// Client threads of the accept-churn workload.
    pub churn_clients: usize,
    /// Runs of a startup measurement whose first start took over a second.
    pub slow_runs: usize,
    /// Connections the held-connections workload opens and keeps open.
    pub hold_conns: usize,
    /// Slow clients (one header byte per second each) of the slow-clients workload.
    pub slow_clients: usize,
}

impl Settings {
    /// Small and short: a smoke test of every workload (about 2 minutes).
    pub fn quick() -> Self {
        Self {
            runs: 3,
            run_time: Duration::from_millis(200),
            max_ops: 200_000,
            poll_idle: vec![10, 100, 1000],
            idle_deadline: Duration::from_secs(20),
            memory_idle: 1000,
            serve_timeout: Duration::from_secs(60),
            churn_clients: 4,
            slow_runs: 1,
            hold_conns: 10_000,
            slow_clients: 500,
        }
    }

    /// The full suite (about 10 minutes).
    pub fn full() -> Self {
        Self {
            runs: 5,
            run_time: Duration::from_millis(1000),
            max_ops: 20_000_000,
            poll_idle: vec![10, 100, 1000, 5000, 10_000],
            idle_deadline: Duration::from_secs(60),
            slow_runs: 3,
            ..Self::quick()
        }
    }
}

/// Everything a run of the suite carries.
#[derive(Debug)]
pub struct Suite {
    /// Tools and guests.
    pub tools: Tools,
    /// Bounds.
    pub settings: Settings,
    /// Figures so far.
    pub rows: Vec<Row>,
    /// Remarks for the report (skips, failures).
    pub notes: Vec<String>,
    /// Where server logs go.
    pub log_dir: PathBuf,
}

impl Suite {
    /// A suite with no figures yet; server logs under the target directory.
    pub fn new(tools: Tools, settings: Settings) -> Self {
        let log_dir = tools.target_dir.join("bench-logs");
        let notes = tools.notes.clone();
        Self {
            tools,
            settings,
            rows: Vec::new(),
            notes,
            log_dir,
        }
    }

    /// Starts `contender` on a free loopback port and waits (bounded) until it answers
    /// `probe`.
    ///
    /// # Errors
    /// Why it is not serving: not applicable here, failed to start, or failed to serve.
    pub fn start(&self, contender: &Contender, probe: &Exchange) -> Result<ServerGuard, String> {
        let addr = free_addr().map_err(|e| format!("{e:#}"))?;
        let spec = contender.spec(&self.tools, addr)?;
        let mut guard = ServerGuard::spawn(&spec, &self.log_dir).map_err(|e| format!("{e:#}"))?;
        guard
            .wait_serving(probe, self.settings.serve_timeout)
            .map_err(|e| format!("{e:#}"))?;
        Ok(guard)
    }

    /// Whether `contender` can run at all here (its tools exist), without starting it.
    ///
    /// # Errors
    /// The reason it cannot (tool missing, pairing not applicable).
    pub fn available(&self, contender: &Contender) -> Result<(), String> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 1));
        contender.spec(&self.tools, addr).map(|_| ())
    }

    /// Records a note once.
    pub fn note(&mut self, note: String) {
        if !self.notes.contains(&note) {
            eprintln!("fdvirt-bench: {note}");
            self.notes.push(note);
        }
    }
}
