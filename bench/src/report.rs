//! BENCHMARKS.md: machine, command, targets, one table per workload, plots, notes.

use std::{fmt::Write as _, fs, process::Command};

use crate::{
    contender::{Engine, Runtime},
    results::{Row, Workload},
    stats::{Summary, fmt_num},
    suite::Suite,
    targets,
};

/// Everything the report states about how it was produced.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// The command that produced it.
    pub command: String,
    /// Mode name (quick / full) and bounds.
    pub mode: String,
    /// Plot files, relative to the report.
    pub plots: Vec<String>,
    /// Wall time of the whole suite, builds included, seconds.
    pub wall_s: f64,
    /// Wall time of the measurements alone, seconds.
    pub measure_s: f64,
    /// 1-minute load average when measuring started (other processes share the CPUs).
    pub load_before: String,
}

/// Renders the report.
pub fn render(suite: &Suite, info: &RunInfo) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# fdvirt benchmarks\n");
    let _ = writeln!(
        md,
        "fdvirt serving real guests, side by side with the same servers compiled natively and \
         run by wasmtime, on one machine in one run (issue 8). Produced by `bench` \
         (`fdvirt-bench`); regenerate with:\n\n```sh\n{}\n```\n",
        info.command
    );
    let _ = writeln!(
        md,
        "{}; measuring took {:.0} s ({:.0} s with builds).\n",
        info.mode, info.measure_s, info.wall_s
    );
    machine(&mut md, suite, info);
    let _ = writeln!(md, "## Targets (issues 8 and 16)\n");
    let _ = writeln!(md, "| target | measured | met? |\n|---|---|---|");
    for t in targets::evaluate(&suite.rows) {
        let _ = writeln!(md, "| {} | {} | {} |", t.target, t.measured, t.verdict);
    }
    md.push('\n');
    for workload in Workload::ALL {
        table(&mut md, &suite.rows, workload);
        for plot in info.plots.iter().filter(|p| plot_belongs(p, workload)) {
            let _ = writeln!(md, "![{plot}]({plot})\n");
        }
    }
    method(&mut md);
    // Hand-written findings (profiles, causes) live next to the harness and are copied in,
    // so regenerating the tables never loses them.
    let analysis = suite.tools.root.join("bench/analysis.md");
    if let Ok(text) = fs::read_to_string(&analysis) {
        md.push_str(text.trim_end());
        md.push_str("\n\n");
    }
    if !suite.notes.is_empty() {
        let _ = writeln!(md, "## Notes from this run\n");
        for n in &suite.notes {
            let _ = writeln!(md, "- {}", one_line(n, 300));
        }
    }
    md
}

fn plot_belongs(plot: &str, workload: Workload) -> bool {
    match workload {
        Workload::Echo => plot.contains("echo-"),
        Workload::Poll => plot.contains("poll-"),
        _ => false,
    }
}

fn machine(md: &mut String, suite: &Suite, info: &RunInfo) {
    let model = cpu_model();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib =
        crate::server::proc_status_kib(&meminfo, "MemTotal").map_or(0.0, |k| k as f64 / 1048576.0);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = output("rustc", &["--version"]);
    let commit = commit(&suite.tools.root);
    let _ = writeln!(md, "## Machine\n");
    let _ = writeln!(md, "- CPU: {model}, {cpus} CPUs (nproc)");
    let _ = writeln!(md, "- Memory: {mem_gib:.1} GiB; Linux {}", kernel.trim());
    let _ = writeln!(
        md,
        "- {rustc}; {}",
        suite
            .tools
            .wasmtime_version
            .as_deref()
            .unwrap_or("wasmtime: not available")
    );
    let _ = writeln!(
        md,
        "- Commit: {commit}; all traffic on 127.0.0.1; client and server share the CPUs"
    );
    let _ = writeln!(
        md,
        "- 1-minute load average: {} at the start, {} at the end of measuring \
         (above the CPU count means other processes competed for the CPUs)",
        info.load_before,
        load_average()
    );
    let _ = writeln!(
        md,
        "- Harness niceness (inherited by the servers): {}",
        niceness()
    );
    md.push('\n');
}

/// `HEAD`'s short hash, plus a warning when the code under test (the runtime crates and
/// guests, which the harness builds from the working tree) has uncommitted changes.
fn commit(root: &std::path::Path) -> String {
    let root = root.to_string_lossy();
    let head = output("git", &["-C", &root, "rev-parse", "--short", "HEAD"]);
    let dirs = ["runtime-glue", "hostsock", "fdtable", "netaddr", "guests"];
    let mut args = vec![
        "-C",
        &*root,
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
    ];
    args.extend(dirs);
    let dirty = Command::new("git")
        .args(&args)
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    if dirty {
        format!("{head} (built from the working tree, with uncommitted changes)")
    } else {
        head
    }
}

/// The CPU model name from /proc/cpuinfo.
fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// This process's nice value (field 19 of /proc/self/stat; the command name before it
/// may contain spaces, so count from the closing parenthesis).
fn niceness() -> String {
    fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_string();
            rest.split_whitespace().nth(16).map(str::to_string)
        })
        .unwrap_or_else(|| "?".into())
}

/// The 1-minute load average from /proc/loadavg.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("{cmd}: unknown"))
}

/// One workload's table; ratios compare medians within a configuration.
fn table(md: &mut String, rows: &[Row], workload: Workload) {
    let rows = ordered(rows, workload);
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(md, "## {}\n", workload.title());
    let latency = rows.iter().any(|r| !r.p50_us.is_empty());
    let lat_head = if latency { " p50 µs | p99 µs |" } else { "" };
    let lat_rule = if latency { "---:|---:|" } else { "" };
    let _ = writeln!(
        md,
        "| configuration | runtime · server | median | min | max |{lat_head} ÷ native | ÷ wasmtime |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|{lat_rule}---:|---:|");
    let mut failures = Vec::new();
    for row in &rows {
        let line = row_line(&rows, row, latency, &mut failures);
        let _ = writeln!(md, "{line}");
    }
    md.push('\n');
    for (i, e) in failures.iter().enumerate() {
        let _ = writeln!(md, "[{}] {e}\n", i + 1);
    }
}

/// `workload`'s rows: configurations in the order first measured; within one, native,
/// then wasmtime, then fdvirt (a stable sort, so fdvirt rows keep policy order).
fn ordered(rows: &[Row], workload: Workload) -> Vec<&Row> {
    let mut rows: Vec<&Row> = rows.iter().filter(|r| r.workload == workload).collect();
    let mut configs: Vec<&str> = Vec::new();
    for r in &rows {
        if !configs.contains(&r.config.as_str()) {
            configs.push(&r.config);
        }
    }
    let rank = |r: &Row| match r.contender.runtime {
        Runtime::Native => 0,
        Runtime::Wasmtime { cached: false } => 1,
        Runtime::Wasmtime { cached: true } => 2,
        Runtime::Fdvirt {
            engine: Engine::Wasmi,
            ..
        } => 3,
        Runtime::Fdvirt {
            engine: Engine::Wasmtime,
            ..
        } => 4,
    };
    rows.sort_by_key(|r| (configs.iter().position(|c| *c == r.config), rank(r)));
    rows
}

/// One table line; a row's error becomes a footnote mark (identical errors share one).
fn row_line(rows: &[&Row], row: &Row, latency: bool, failures: &mut Vec<String>) -> String {
    let cells = match row.summary() {
        Some(s) => format!(
            "{} | {} | {}",
            fmt_num(s.median),
            fmt_num(s.min),
            fmt_num(s.max)
        ),
        None => "failed | | ".to_string(),
    };
    let lat = if latency {
        format!(" {} | {} |", median_of(&row.p50_us), median_of(&row.p99_us))
    } else {
        String::new()
    };
    let mark = match &row.error {
        Some(e) => {
            let short = one_line(e, 400);
            let n = match failures.iter().position(|f| *f == short) {
                Some(i) => i + 1,
                None => {
                    failures.push(short);
                    failures.len()
                }
            };
            format!(" [{n}]")
        }
        None => String::new(),
    };
    format!(
        "| {} | {}{mark} | {cells} |{lat} {} | {} |",
        row.config,
        row.contender.label(),
        ratio(rows, row, |r| r == &Runtime::Native),
        ratio(rows, row, |r| r == &Runtime::Wasmtime { cached: false }),
    )
}

fn median_of(values: &[f64]) -> String {
    Summary::of(values).map_or_else(|| "-".into(), |s| fmt_num(s.median))
}

/// This row's median over the median of the `base` runtime's row in the same configuration.
fn ratio(rows: &[&Row], row: &Row, base: impl Fn(&Runtime) -> bool) -> String {
    let base_row = rows
        .iter()
        .find(|r| r.config == row.config && base(&r.contender.runtime));
    match (row.summary(), base_row.and_then(|r| r.summary())) {
        (Some(a), Some(b)) if b.median > 0.0 => format!("{:.2}×", a.median / b.median),
        _ => "-".into(),
    }
}

/// The first line of `s`, cut to `max` characters.
pub fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

fn method(md: &mut String) {
    md.push_str(
        "## Method\n\n\
         - Servers: `guests/native` `bench-echo` is one mio echo server compiled for the host \
         (epoll) and for wasm32-wasip1 (`poll_oneoff`), run natively, by `wasmtime run -S \
         preview2=n -S tcplisten=ADDR` and by `fdvirt run --tcplisten ADDR`; `bench-echo-big` \
         adds ~40,000 generated functions (the large startup guest). `wasmedge-echo` and the \
         hyper guest come from guests/sockets and use the WasmEdge socket ABI (fdvirt only); \
         the native HTTP baseline is `bench-hello` (current-thread tokio + hyper 0.14). \
         `tokio-echo` (tokio's echo example) and `tokio-http` (a tokio HTTP server without \
         hyper, on a pre-opened listener under fdvirt) are guests/sockets sources built for \
         tokio_wasi and, as their native twins, for tokio (guests/native).\n\
         - Load: an in-process Rust client (bench/src/loadgen.rs), one blocking socket per \
         connection on its own thread, TCP_NODELAY; every reply verified; every run bounded \
         by an operation count and a time limit, every socket by a 5 s timeout.\n\
         - Figures: the median of the runs, with min and max; latency columns are the median \
         over runs of each run's p50/p99. `÷ native` and `÷ wasmtime` divide medians in the \
         same configuration (for startup and memory, lower is better).\n\
         - Each server is a child process killed and reaped when its measurement ends (also \
         on errors); a server that exits or does not answer within the start timeout is \
         reported as failed to serve.\n\n",
    );
}
