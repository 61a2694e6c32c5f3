//! `fds DIR N`: opens N files, prints the fd of each, closes every other one, opens N/2
//! more and prints those fds too. Tests check the numbers against the fd policy.
use std::{fs::File, os::fd::AsRawFd};
use wasi_guests::{check, dir_arg};

fn main() {
    let dir = dir_arg();
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(8);
    let mut files: Vec<Option<File>> = Vec::new();
    for i in 0..n {
        let f = check("create", File::create(dir.join(format!("f{i}"))));
        println!("open f{i} fd={}", f.as_raw_fd());
        files.push(Some(f));
    }
    for slot in files.iter_mut().step_by(2) {
        if let Some(f) = slot.take() {
            println!("close fd={}", f.as_raw_fd());
        }
    }
    for i in 0..n / 2 {
        let f = check("reopen", File::open(dir.join(format!("f{i}"))));
        println!("reopen f{i} fd={}", f.as_raw_fd());
        files.push(Some(f));
    }
}
