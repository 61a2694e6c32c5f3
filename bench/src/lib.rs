//! `fdvirt-bench`: end-to-end benchmarks of fdvirt serving real guests, side by side with
//! the same servers compiled natively and run by wasmtime (issue 8).
//!
//! One command builds everything, runs the workloads, and writes `BENCHMARKS.md` and SVG
//! plots:
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/targets/bench cargo run --release -p bench -- all --quick
//! ```
//!
//! # Implementation
//! [`tools`] builds the guests (wasm32-wasip1), the native baselines and fdvirt with cargo
//! and locates wasmtime; [`contender`] turns (runtime, program) into a command line;
//! [`server`] owns each child process (killed on drop) and waits, bounded, until it serves;
//! [`loadgen`] drives it from std threads over loopback, every loop bounded by count and
//! time and every reply verified; [`workloads`] are the six measurements; [`results`],
//! [`stats`], [`targets`], [`report`] and [`plot`] turn runs into the report.

pub mod contender;
pub mod drive;
pub mod http;
pub mod loadgen;
pub mod plot;
pub mod report;
pub mod results;
pub mod server;
pub mod slowloris;
pub mod stats;
pub mod suite;
pub mod targets;
pub mod targets_engines;
pub mod tools;
pub mod workloads;

#[cfg(test)]
mod tests;
