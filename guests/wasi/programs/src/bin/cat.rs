//! Copies stdin to stdout (tests the embedder's stdin/stdout plumbing).
use std::io::{Read, Write};

fn main() {
    let mut buf = Vec::new();
    if std::io::stdin().read_to_end(&mut buf).is_err() {
        std::process::exit(1);
    }
    println!("read {} bytes", buf.len());
    let _ = std::io::stdout().write_all(&buf);
}
