//! Replays a `hostcalls` corpus and prints, per host call, how often it ran
//! and how often it succeeded: which parts of the host-call surface the
//! fuzzer actually reached.
//!
//! `cargo run --release --manifest-path fuzz/Cargo.toml --example hostcall_coverage -- <dir>...`
//! (default: `fuzz/corpus/hostcalls`).

use std::{collections::BTreeMap, fs, path::PathBuf};

fn main() {
    let mut dirs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        dirs.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/hostcalls"));
    }
    let mut stats: BTreeMap<&'static str, (u64, u64, BTreeMap<i32, u64>)> =
        runtime_glue::abi::hostcalls()
            .map(|h| (h.name, (0, 0, BTreeMap::new())))
            .collect();
    let mut inputs = 0;
    for dir in dirs {
        let Ok(entries) = fs::read_dir(&dir) else {
            eprintln!("{}: not a directory", dir.display());
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let Ok(data) = fs::read(entry.path()) else {
                continue;
            };
            inputs += 1;
            fdvirt_fuzz::hostcalls_observed(&data, &mut |name, errno| {
                let s = stats.entry(name).or_default();
                s.0 += 1;
                if errno == Some(0) {
                    s.1 += 1;
                }
                *s.2.entry(errno.unwrap_or(-1)).or_default() += 1;
            });
        }
    }
    println!("{inputs} inputs; {} host calls", stats.len());
    println!("{:<24} {:>8} {:>8}  errnos", "call", "calls", "ok");
    for (name, (calls, ok, errnos)) in &stats {
        let errnos: Vec<String> = errnos.keys().map(ToString::to_string).collect();
        println!("{name:<24} {calls:>8} {ok:>8}  {}", errnos.join(","));
    }
    let never_ok = stats.values().filter(|s| s.1 == 0).count();
    println!("{never_ok} calls never succeeded");
}
