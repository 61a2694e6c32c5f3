//! `fdvirt-bench`: builds the guests, fdvirt and the native baselines, runs the workloads of
//! issue 8 against native, wasmtime and fdvirt, and writes BENCHMARKS.md plus SVG plots.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/targets/bench cargo run --release -p bench -- all --quick  # ~2 min
//! CARGO_TARGET_DIR=/work/targets/bench cargo run --release -p bench -- all          # ~10 min
//! ```

use std::{path::PathBuf, time::Instant};

use anyhow::{Context, Result};
use bench::{
    plot, report,
    suite::{Settings, Suite},
    tools::{self, ToolOptions},
    workloads,
};
use clap::{Parser, ValueEnum};

/// Which workloads to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    /// Every workload.
    All,
    /// Keep-alive echo, 1/16/64 connections × 64 B / 16 KiB.
    Echo,
    /// HTTP keep-alive.
    Http,
    /// Accept churn under each fd policy.
    Churn,
    /// Poll scaling with idle connections.
    Poll,
    /// Process start to first reply.
    Startup,
    /// Peak RSS with 1000 idle connections.
    Memory,
    /// 10,000 connections held: time to open all, RSS, every byte verified.
    Hold,
    /// HTTP keep-alive alone and beside 500 slowloris clients.
    Slow,
}

/// End-to-end benchmarks: fdvirt vs native vs wasmtime.
#[derive(Debug, Parser)]
#[command(name = "fdvirt-bench", version)]
struct Args {
    /// Workloads to run.
    #[arg(value_enum, default_values_t = [Which::All])]
    which: Vec<Which>,
    /// Small and short (smoke test, about 2 minutes).
    #[arg(long)]
    quick: bool,
    /// Repetitions per measurement (default: 3 quick, 5 full).
    #[arg(long)]
    runs: Option<usize>,
    /// Use existing builds instead of invoking cargo.
    #[arg(long)]
    no_build: bool,
    /// fdvirt binary to use instead of building it.
    #[arg(long)]
    fdvirt: Option<PathBuf>,
    /// wasmtime binary (default: $WASMTIME, or the one on PATH).
    #[arg(long)]
    wasmtime: Option<PathBuf>,
    /// Report path (default: BENCHMARKS.md at the workspace root).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Instead of the suite: drive a server already running at ADDR (for profiling, e.g.
    /// under `perf record`), with the options below, and print what it measured.
    #[arg(long, value_name = "ADDR")]
    drive: Option<std::net::SocketAddr>,
    /// --drive: concurrent connections (or churn client threads).
    #[arg(long, default_value_t = 1)]
    conns: usize,
    /// --drive: echo message size in bytes; without it, HTTP GET requests.
    #[arg(long, value_name = "BYTES")]
    echo: Option<usize>,
    /// --drive: idle connections to open first.
    #[arg(long, default_value_t = 0)]
    idle: usize,
    /// --drive: slow clients (one header byte per second each) held during the load.
    #[arg(long, default_value_t = 0)]
    slow: usize,
    /// --drive: connect, one exchange, close (accept churn) instead of keep-alive.
    #[arg(long)]
    churn: bool,
    /// --drive: seconds of load.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
}

/// A workload's entry point.
type Step = fn(&mut Suite);

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(addr) = args.drive {
        return drive(&args, addr);
    }
    let started = Instant::now();
    let mut settings = if args.quick {
        Settings::quick()
    } else {
        Settings::full()
    };
    if let Some(runs) = args.runs {
        settings.runs = runs.max(1);
    }
    let opts = ToolOptions {
        no_build: args.no_build,
        fdvirt: args.fdvirt.clone(),
        wasmtime: args.wasmtime.clone(),
    };
    let tools = tools::prepare(&opts).context("preparing servers")?;
    let measuring = Instant::now();
    let load_before = report::load_average();
    let mut suite = Suite::new(tools, settings);
    raise_fd_limit(&mut suite);
    let all = args.which.contains(&Which::All);
    let wants = |w: Which| all || args.which.contains(&w);
    let steps: [(Which, Step); 8] = [
        (Which::Echo, workloads::echo::run),
        (Which::Http, workloads::http::run),
        (Which::Churn, workloads::churn::run),
        (Which::Poll, workloads::poll::run),
        (Which::Startup, workloads::startup::run),
        (Which::Memory, workloads::memory::run),
        (Which::Hold, workloads::hold::run),
        (Which::Slow, workloads::slow::run),
    ];
    for (which, run) in steps {
        if wants(which) {
            run(&mut suite);
        }
    }
    write_outputs(&args, &suite, (started, measuring), load_before)
}

/// `--drive`: one load against a server started by someone else.
fn drive(args: &Args, addr: std::net::SocketAddr) -> Result<()> {
    let _ = rlimit::increase_nofile_limit((args.idle + args.slow) as u64 + 1024);
    bench::drive::run(&bench::drive::Drive {
        addr,
        conns: args.conns.max(1),
        echo_size: args.echo,
        idle: args.idle,
        slow: args.slow,
        churn: args.churn,
        time: std::time::Duration::from_secs_f64(args.seconds.clamp(0.1, 600.0)),
    })
}

/// Poll scaling holds N client sockets here and N in the server, which inherits this
/// limit (one host fd per connection in every runtime measured); the hard limit is
/// raised too when permitted (root).
fn raise_fd_limit(suite: &mut Suite) {
    let max_idle = suite.settings.poll_idle.iter().max().copied().unwrap_or(0) as u64;
    let max_idle = max_idle.max(suite.settings.hold_conns as u64);
    let want = (max_idle + 1024).max(4096);
    if let Ok((_, hard)) = rlimit::getrlimit(rlimit::Resource::NOFILE)
        && hard < want
    {
        // Fails without CAP_SYS_RESOURCE; the soft limit then stops at the hard one.
        let _ = rlimit::setrlimit(rlimit::Resource::NOFILE, want, want);
    }
    let limit = rlimit::increase_nofile_limit(want).unwrap_or(1024);
    if limit < want {
        suite
            .settings
            .poll_idle
            .retain(|&n| n as u64 + 256 <= limit);
        suite.note(format!(
            "RLIMIT_NOFILE is {limit} (wanted {want}): poll scaling limited to {:?}",
            suite.settings.poll_idle
        ));
    }
}

fn write_outputs(
    args: &Args,
    suite: &Suite,
    (started, measuring): (Instant, Instant),
    load_before: String,
) -> Result<()> {
    let root = suite.tools.root.clone();
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join("BENCHMARKS.md"));
    let out_dir = out
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.clone());
    let plot_dir = root.join("bench/plots");
    let plots = plot::write_all(&suite.rows, &plot_dir)?
        .iter()
        .map(|p| relative(p, &out_dir))
        .collect();
    let s = &suite.settings;
    let info = report::RunInfo {
        command: format!(
            "CARGO_TARGET_DIR=/work/targets/bench cargo run --release -p bench -- {}",
            std::env::args().skip(1).collect::<Vec<_>>().join(" ")
        ),
        mode: format!(
            "Mode: {}, {} runs per figure, {} ms per load run",
            if args.quick { "quick" } else { "full" },
            s.runs,
            s.run_time.as_millis()
        ),
        plots,
        wall_s: started.elapsed().as_secs_f64(),
        measure_s: measuring.elapsed().as_secs_f64(),
        load_before,
    };
    std::fs::write(&out, report::render(suite, &info))
        .with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "fdvirt-bench: wrote {} ({} rows)",
        out.display(),
        suite.rows.len()
    );
    Ok(())
}

fn relative(path: &std::path::Path, base: &std::path::Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}
