//! `exit N`: prints a line, then exits with code N through proc_exit.
use std::io::Write;

fn main() {
    let code: i32 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    println!("exiting with {code}");
    eprintln!("stderr line");
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
