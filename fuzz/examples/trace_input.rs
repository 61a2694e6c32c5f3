//! Prints the host calls a `hostcalls` input makes and their errnos, to
//! understand a crasher: `cargo run --manifest-path fuzz/Cargo.toml
//! --example trace_input -- <file>`.

fn main() {
    for path in std::env::args_os().skip(1) {
        let Ok(data) = std::fs::read(&path) else {
            eprintln!("cannot read {}", path.to_string_lossy());
            continue;
        };
        println!("{}:", path.to_string_lossy());
        let start = std::time::Instant::now();
        fdvirt_fuzz::hostcalls_observed(&data, &mut |name, errno| {
            let t = start.elapsed().as_millis();
            println!("  {t:>6} ms  {name} = {errno:?}");
        });
    }
}
