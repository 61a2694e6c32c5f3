//! Command-line interface: argument types (`args`), subcommands (`run`, `inspect`), and the
//! exit-code convention (`exit`).
//!
//! New subcommands (e.g. the sockets `demo`) add a variant to [`Command`] and a file here;
//! new `run` options add fields to [`args::RunArgs`] and are applied in
//! [`run::configure`].

pub(crate) mod args;
mod demo;
pub(crate) mod exit;
mod inspect;
pub(crate) mod net;
mod run;
#[cfg(test)]
mod tests;

use clap::{Parser, Subcommand};

/// Run and inspect WebAssembly (WASI preview1 / WasmEdge sockets) guests on wasmi,
/// with kernel-like, configurable fd numbering.
#[derive(Debug, Parser)]
#[command(name = "fdvirt", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a WASI preview1 module (its `_start`).
    Run(args::RunArgs),
    /// Show a module's imports (by ABI family), exports, memories, and results-only
    /// call_indirect mismatches.
    Inspect(args::InspectArgs),
    /// Serve the built-in guest HTTP server (no wasm toolchain needed) on
    /// 127.0.0.1:8080 (`--port` to change).
    Demo(demo::DemoArgs),
}

/// Parses the command line, runs the subcommand, and returns the process exit code.
pub(crate) fn main() -> i32 {
    let cli = Cli::parse_from(demo::bare_run_as_demo(std::env::args_os()));
    net::raise_fd_limit();
    let outcome = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Inspect(args) => inspect::inspect(&args),
        Command::Demo(args) => demo::demo(args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("fdvirt: error: {}", error_chain(&err));
            exit::STARTUP_FAILURE
        }
    }
}

/// The error and its causes joined by `: `, skipping a cause whose text an outer message
/// already includes (library errors often print their source in their own message too).
pub(crate) fn error_chain(err: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}
