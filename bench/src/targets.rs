//! The targets issue 8 sets, checked against the measured rows.

use crate::{
    contender::Runtime,
    results::{Row, Workload},
    stats::fmt_num,
};

/// One target's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What was aimed at.
    pub target: String,
    /// What was measured.
    pub measured: String,
    /// `yes`, `NO` or `not measured`.
    pub verdict: &'static str,
}

fn is_fdvirt(r: &Row) -> bool {
    matches!(r.contender.runtime, Runtime::Fdvirt { .. })
}

/// fdvirt on wasmi: the engine the earlier rounds' memory target was set for (the
/// wasmtime engine's RSS is reported beside it, without a target).
fn is_wasmi(r: &Row) -> bool {
    matches!(
        r.contender.runtime,
        Runtime::Fdvirt {
            engine: crate::contender::Engine::Wasmi,
            ..
        }
    )
}

fn median_where(rows: &[Row], f: impl Fn(&Row) -> bool) -> Option<f64> {
    rows.iter()
        .find(|r| f(r))
        .and_then(Row::summary)
        .map(|s| s.median)
}

/// Each fdvirt row of `workload`/`config` against native: ratio at least `min`.
fn vs_native(rows: &[Row], workload: Workload, config: &str, min: f64, what: &str) -> Vec<Verdict> {
    let native = median_where(rows, |r| {
        r.workload == workload && r.config == config && r.contender.runtime == Runtime::Native
    });
    rows.iter()
        .filter(|r| r.workload == workload && r.config == config && is_fdvirt(r))
        .map(|r| {
            let target = format!(
                "{what}, {}: ≥ {:.0}% of native",
                r.contender.label(),
                min * 100.0
            );
            match (r.summary(), native) {
                (Some(s), Some(n)) if n > 0.0 => {
                    let q = s.median / n;
                    let measured = format!(
                        "{} vs {} ({:.0}%)",
                        fmt_num(s.median),
                        fmt_num(n),
                        q * 100.0
                    );
                    Verdict {
                        target,
                        measured,
                        verdict: if q >= min { "yes" } else { "NO" },
                    }
                }
                _ => not_measured(target),
            }
        })
        .collect()
}

fn not_measured(target: String) -> Verdict {
    Verdict {
        target,
        measured: "-".into(),
        verdict: "not measured",
    }
}

/// Checks every target that has rows (and lists the rest as not measured).
pub fn evaluate(rows: &[Row]) -> Vec<Verdict> {
    let mut out = vs_native(
        rows,
        Workload::Echo,
        &crate::workloads::echo::config(64, 64),
        0.7,
        "echo 64 B × 64 conns",
    );
    out.extend(vs_native(
        rows,
        Workload::Http,
        &crate::workloads::http::config(64, crate::contender::Program::Hello),
        0.5,
        "HTTP keep-alive × 64 conns",
    ));
    let churn = rows
        .iter()
        .find(|r| r.workload == Workload::Churn)
        .map(|r| r.config.clone());
    if let Some(config) = churn {
        out.extend(vs_native(
            rows,
            Workload::Churn,
            &config,
            0.9,
            "accept churn",
        ));
    }
    out.extend(startup(rows));
    out.extend(poll_flat(rows));
    for r in rows
        .iter()
        .filter(|r| r.workload == Workload::Memory && is_wasmi(r))
    {
        let target = format!("RSS {}, {}: < 10 MiB", r.config, r.contender.label());
        out.push(match r.summary() {
            Some(s) => Verdict {
                target,
                measured: format!("{:.1} MiB", s.median),
                verdict: if s.median < 10.0 { "yes" } else { "NO" },
            },
            None => not_measured(target),
        });
    }
    out.extend(hold(rows));
    out.extend(slow(rows));
    out.extend(crate::targets_engines::evaluate(rows));
    if out.is_empty() {
        out.push(not_measured("fdvirt rows (fdvirt did not run)".into()));
    }
    out
}

fn startup(rows: &[Row]) -> Vec<Verdict> {
    let mut out = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.workload == Workload::Startup && is_fdvirt(r))
    {
        if r.config.starts_with("small") {
            let target = format!("startup, {}: < 10 ms", r.contender.label());
            out.push(match r.summary() {
                Some(s) => Verdict {
                    target,
                    measured: format!("{:.1} ms", s.median),
                    verdict: if s.median < 10.0 { "yes" } else { "NO" },
                },
                None => not_measured(target),
            });
        } else if r.config.starts_with("large") {
            let wt = median_where(rows, |w| {
                w.workload == Workload::Startup
                    && w.config == r.config
                    && w.contender.runtime == Runtime::Wasmtime { cached: false }
            });
            let target = format!(
                "startup, {}: well under uncached wasmtime (≤ 50%)",
                r.contender.label()
            );
            out.push(match (r.summary(), wt) {
                (Some(s), Some(w)) if w > 0.0 => Verdict {
                    target,
                    measured: format!("{:.1} ms vs {:.1} ms", s.median, w),
                    verdict: if s.median <= 0.5 * w { "yes" } else { "NO" },
                },
                _ => not_measured(target),
            });
        }
    }
    out
}

fn poll_flat(rows: &[Row]) -> Vec<Verdict> {
    let mut labels: Vec<String> = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.workload == Workload::Poll && is_fdvirt(r))
    {
        if !labels.contains(&r.contender.label()) {
            labels.push(r.contender.label());
        }
    }
    labels
        .into_iter()
        .map(|label| poll_verdict(rows, &label))
        .collect()
}

/// One contender's poll-scaling verdict: the largest N against N = 10; an N that failed
/// (the server could not hold the connections) is a miss, reported with the largest N
/// that worked.
fn poll_verdict(rows: &[Row], label: &str) -> Verdict {
    let mine: Vec<&Row> = rows
        .iter()
        .filter(|r| r.workload == Workload::Poll && r.contender.label() == label)
        .collect();
    let at = |n: f64| mine.iter().find(|r| r.x == n).and_then(|r| r.summary());
    let top = mine.iter().map(|r| r.x).fold(0.0, f64::max);
    let worked = mine
        .iter()
        .filter(|r| r.summary().is_some())
        .map(|r| r.x)
        .fold(0.0, f64::max);
    let target = format!("poll scaling, {label}: N={} ≥ 80% of N=10", fmt_num(top));
    let (Some(low), Some(high)) = (at(10.0), at(worked)) else {
        return not_measured(target);
    };
    if worked <= 10.0 || low.median <= 0.0 {
        return not_measured(target);
    }
    let q = high.median / low.median;
    let mut measured = format!(
        "N={}: {} vs {} ({:.0}%)",
        fmt_num(worked),
        fmt_num(high.median),
        fmt_num(low.median),
        q * 100.0
    );
    if worked < top {
        measured = format!("failed at N={}; {measured}", fmt_num(top));
    }
    let met = worked == top && q >= 0.8;
    Verdict {
        target,
        measured,
        verdict: if met { "yes" } else { "NO" },
    }
}

/// Issue 16, held connections: every byte back (a row without error), open time at most
/// 1.5x the native twin's (on each engine), peak RSS at most 40 MiB (on wasmi, the default
/// engine the target was set for; the wasmtime engine's RSS is reported without one).
fn hold(rows: &[Row]) -> Vec<Verdict> {
    let mut out = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.workload == Workload::Hold && is_fdvirt(r))
    {
        let label = r.contender.label();
        let measured = r.summary().filter(|_| r.error.is_none());
        if r.config.ends_with("open all, ms") {
            let native = median_where(rows, |n| {
                n.workload == Workload::Hold
                    && n.config == r.config
                    && n.contender.runtime == Runtime::Native
            });
            let target = format!("{}, {label}: ≤ 1.5× native", r.config);
            out.push(match (measured, native) {
                (Some(s), Some(n)) if n > 0.0 => Verdict {
                    target,
                    measured: format!(
                        "{} ms vs {} ms ({:.2}×)",
                        fmt_num(s.median),
                        fmt_num(n),
                        s.median / n
                    ),
                    verdict: if s.median <= 1.5 * n { "yes" } else { "NO" },
                },
                _ => not_measured(target),
            });
        } else if is_wasmi(r) {
            let target = format!("{}, {label}: ≤ 40 MiB", r.config);
            out.push(match measured {
                Some(s) => Verdict {
                    target,
                    measured: format!("{:.1} MiB", s.median),
                    verdict: if s.median <= 40.0 { "yes" } else { "NO" },
                },
                None => not_measured(target),
            });
        }
    }
    out
}

/// Issue 16, slow clients: each fdvirt server beside slowloris keeps at least 70% of its
/// own rate alone.
fn slow(rows: &[Row]) -> Vec<Verdict> {
    let mut out = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.workload == Workload::Slow && is_fdvirt(r) && r.x > 0.0)
    {
        let alone = median_where(rows, |a| {
            a.workload == Workload::Slow && a.x == 0.0 && a.contender == r.contender
        });
        let target = format!("{}, {}: ≥ 70% of alone", r.config, r.contender.label());
        out.push(match (r.summary().filter(|_| r.error.is_none()), alone) {
            (Some(s), Some(a)) if a > 0.0 => {
                let q = s.median / a;
                Verdict {
                    target,
                    measured: format!(
                        "{} vs {} ({:.0}%)",
                        fmt_num(s.median),
                        fmt_num(a),
                        q * 100.0
                    ),
                    verdict: if q >= 0.7 { "yes" } else { "NO" },
                }
            }
            _ => not_measured(target),
        });
    }
    out
}
