//! Measured figures: one [`Row`] per (workload, configuration, contender), holding every
//! run's value so the report can show median, min and max and ratios between runtimes.

use crate::{contender::Contender, loadgen::RunReport, stats::Summary};

/// The six workloads of the suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Workload {
    /// Keep-alive echo, 1/16/64 connections, 64 B / 16 KiB.
    Echo,
    /// HTTP keep-alive.
    Http,
    /// Connect, one exchange, close.
    Churn,
    /// One active connection next to N idle ones.
    Poll,
    /// Process start to first served reply.
    Startup,
    /// Peak RSS with idle connections.
    Memory,
    /// Many connections held at once: time to open them all, peak RSS.
    Hold,
    /// HTTP keep-alive next to slow clients (slowloris), against the same load alone.
    Slow,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Self; 8] = [
        Self::Echo,
        Self::Http,
        Self::Churn,
        Self::Poll,
        Self::Startup,
        Self::Memory,
        Self::Hold,
        Self::Slow,
    ];

    /// Section title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Echo => "Echo (keep-alive, messages/s)",
            Self::Http => "HTTP keep-alive (requests/s)",
            Self::Churn => "Accept churn (connections/s)",
            Self::Poll => "Poll scaling (messages/s on the active connection)",
            Self::Startup => "Startup (process start to first served reply, ms)",
            Self::Memory => "Memory (peak RSS, VmHWM, with idle connections, MiB)",
            Self::Hold => "Held connections (time to open all, ms; server peak RSS, MiB)",
            Self::Slow => "Slow clients (HTTP keep-alive requests/s, alone and beside slowloris)",
        }
    }

    /// Whether bigger figures are better (throughput) or worse (time, memory).
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Self::Startup | Self::Memory | Self::Hold)
    }
}

/// One contender's figures for one configuration.
#[derive(Debug, Clone)]
pub struct Row {
    /// Which workload.
    pub workload: Workload,
    /// Configuration, e.g. `64 conns × 64 B`; rows compare within one configuration.
    pub config: String,
    /// Numeric x for plots (connections, idle connections), 0 if none.
    pub x: f64,
    /// Who served.
    pub contender: Contender,
    /// The figure from each run.
    pub values: Vec<f64>,
    /// Median latency of each run, µs.
    pub p50_us: Vec<f64>,
    /// 99th percentile latency of each run, µs.
    pub p99_us: Vec<f64>,
    /// Why figures are missing or suspect.
    pub error: Option<String>,
}

impl Row {
    /// An empty row for `contender` in `config`.
    pub fn new(workload: Workload, config: &str, x: f64, contender: &Contender) -> Self {
        Self {
            workload,
            config: config.to_string(),
            x,
            contender: contender.clone(),
            values: Vec::new(),
            p50_us: Vec::new(),
            p99_us: Vec::new(),
            error: None,
        }
    }

    /// Adds a load run: its rate and latency percentiles; a run with failed connections
    /// keeps its figures but marks the row with the first error.
    pub fn push_run(&mut self, report: &RunReport) {
        self.values.push(report.rate());
        let us = |q| report.latencies.quantile(q).map(|d| d.as_secs_f64() * 1e6);
        if let (Some(p50), Some(p99)) = (us(0.5), us(0.99)) {
            self.p50_us.push(p50);
            self.p99_us.push(p99);
        }
        if report.errors > 0 && self.error.is_none() {
            let first = report.first_error.as_deref().unwrap_or("?");
            self.error = Some(format!("{} connection(s) failed: {first}", report.errors));
        }
    }

    /// Records an error (the first one wins).
    pub fn fail(&mut self, error: impl Into<String>) {
        if self.error.is_none() {
            self.error = Some(error.into());
        }
    }

    /// Median/min/max of the figure.
    pub fn summary(&self) -> Option<Summary> {
        Summary::of(&self.values)
    }
}
