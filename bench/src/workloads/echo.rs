//! Echo: 1, 16 and 64 keep-alive connections × 64 B and 16 KiB messages.

use crate::{
    loadgen::{Exchange, Load, run_keepalive},
    results::{Row, Workload},
    suite::Suite,
    workloads::{Case, Entry, echo_contenders, echo_probe, measure_interleaved, size_label},
};

/// Concurrent connections measured.
pub const CONNS: [usize; 3] = [1, 16, 64];
/// Message sizes measured.
pub const SIZES: [usize; 2] = [64, 16 * 1024];

/// The configuration label shared by every contender.
pub fn config(conns: usize, size: usize) -> String {
    let s = if conns == 1 { "" } else { "s" };
    format!("{conns} conn{s} × {}", size_label(size as u64))
}

/// Runs the echo workload.
pub fn run(suite: &mut Suite) {
    let mut entries = Vec::new();
    for contender in echo_contenders() {
        let mut cases = Vec::new();
        for size in SIZES {
            for conns in CONNS {
                cases.push(Case {
                    row: Row::new(
                        Workload::Echo,
                        &config(conns, size),
                        conns as f64,
                        &contender,
                    ),
                    load: Load {
                        conns,
                        max_ops: suite.settings.max_ops,
                        max_time: suite.settings.run_time,
                    },
                    exchange: Exchange::Echo { size },
                });
            }
        }
        entries.push(Entry {
            contender,
            probe: echo_probe(),
            cases,
        });
    }
    measure_interleaved(suite, entries, run_keepalive);
}
