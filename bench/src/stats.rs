//! Latency percentiles of one run and median/min/max over repeated runs.

use std::time::Duration;

/// Latencies of one run, in nanoseconds, sorted on construction.
#[derive(Debug, Clone, Default)]
pub struct Latencies {
    sorted_ns: Vec<u64>,
}

impl Latencies {
    /// Sorts `samples_ns` (one entry per completed operation).
    pub fn new(mut samples_ns: Vec<u64>) -> Self {
        samples_ns.sort_unstable();
        Self {
            sorted_ns: samples_ns,
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.sorted_ns.len()
    }

    /// Whether no operation completed.
    pub fn is_empty(&self) -> bool {
        self.sorted_ns.is_empty()
    }

    /// The `q`-quantile (0.0..=1.0, nearest rank), or `None` without samples.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        let last = self.sorted_ns.len().checked_sub(1)?;
        // Nearest-rank: index = ceil(q * n) - 1, clamped into the sample range.
        let rank = (q.clamp(0.0, 1.0) * self.sorted_ns.len() as f64).ceil() as usize;
        let index = rank.saturating_sub(1).min(last);
        Some(Duration::from_nanos(self.sorted_ns[index]))
    }
}

/// Median, minimum and maximum of one figure over repeated runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Median (mean of the middle two for an even count).
    pub median: f64,
    /// Smallest run.
    pub min: f64,
    /// Largest run.
    pub max: f64,
}

impl Summary {
    /// Summarises `values`; `None` when empty or when any value is NaN.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() || values.iter().any(|v| v.is_nan()) {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Some(Self {
            median,
            min: v[0],
            max: v[n - 1],
        })
    }
}

/// Formats a rate or count with thousands separators (`12,345`), or 3 significant
/// digits below 100.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_string();
    }
    if x.abs() < 100.0 {
        return format!("{x:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string();
    }
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}
