//! Issue 13's targets for the two engines, checked against the measured rows: the
//! wasmtime engine against native (hyper, compute), against the `wasmtime` CLI on the
//! same guest (our host layer vs wasmtime's WASI), and both engines' warm startup.

use crate::{
    contender::{Engine, Program, Runtime},
    results::{Row, Workload},
    stats::fmt_num,
    targets::Verdict,
    workloads::http,
};

fn on(r: &Row, engine: Engine) -> bool {
    matches!(&r.contender.runtime, Runtime::Fdvirt { engine: e, .. } if *e == engine)
}

fn median(rows: &[Row], f: impl Fn(&Row) -> bool) -> Option<f64> {
    rows.iter()
        .find(|r| f(r))
        .and_then(Row::summary)
        .map(|s| s.median)
}

/// `ours / base >= min` as a verdict (throughput: higher is better).
fn ratio(target: String, ours: Option<f64>, base: Option<f64>, min: f64) -> Verdict {
    match (ours, base) {
        (Some(o), Some(b)) if b > 0.0 => Verdict {
            target,
            measured: format!("{} vs {} ({:.2}×)", fmt_num(o), fmt_num(b), o / b),
            verdict: if o / b >= min { "yes" } else { "NO" },
        },
        _ => Verdict {
            target,
            measured: "-".into(),
            verdict: "not measured",
        },
    }
}

/// Every issue-13 target that has rows.
pub fn evaluate(rows: &[Row]) -> Vec<Verdict> {
    let mut out = Vec::new();
    let http_rate = |config: &str, f: &dyn Fn(&Row) -> bool| {
        median(rows, |r| {
            r.workload == Workload::Http && r.config == config && f(r)
        })
    };
    for (program, min) in [(Program::Hello, 0.8), (Program::Sha, 0.7)] {
        let config = http::config(64, program);
        let ours = http_rate(&config, &|r| on(r, Engine::Wasmtime));
        if ours.is_none() {
            continue;
        }
        let native = http_rate(&config, &|r| r.contender.runtime == Runtime::Native);
        let target = format!(
            "{config}, fdvirt --engine wasmtime: ≥ {:.0}% of native",
            min * 100.0
        );
        out.push(ratio(target, ours, native, min));
    }
    let config = http::config(64, Program::StdHttp);
    let ours = http_rate(&config, &|r| on(r, Engine::Wasmtime));
    if ours.is_some() {
        let cli = http_rate(&config, &|r| {
            matches!(r.contender.runtime, Runtime::Wasmtime { .. })
        });
        let target = format!("{config}, fdvirt --engine wasmtime: ≥ 1.0× `wasmtime run`");
        out.push(ratio(target, ours, cli, 1.0));
    }
    for (engine, max) in [(Engine::Wasmtime, 10.0), (Engine::Wasmi, 5.0)] {
        let Some(ms) = median(rows, |r| {
            r.workload == Workload::Startup && r.config.starts_with("small") && on(r, engine)
        }) else {
            continue;
        };
        let warm = if engine == Engine::Wasmtime {
            " (warm cache)"
        } else {
            ""
        };
        out.push(Verdict {
            target: format!(
                "startup, small guest, fdvirt --engine {}{warm}: ≤ {max} ms",
                engine.arg()
            ),
            measured: format!("{ms:.1} ms"),
            verdict: if ms <= max { "yes" } else { "NO" },
        });
    }
    out
}
