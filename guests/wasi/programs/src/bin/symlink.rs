//! `symlink DIR`: creates a relative symlink, reads it and through it, then checks that
//! links and paths pointing outside the preopened DIR are refused.
use std::fs;
use wasi_guests::{check, dir_arg};

#[allow(deprecated)] // std::fs::soft_link is the only stable symlink API on wasip1
fn symlink(target: &str, link: &std::path::Path) -> std::io::Result<()> {
    fs::soft_link(target, link)
}

fn main() {
    let dir = dir_arg();
    check("write target", fs::write(dir.join("target.txt"), b"through the link"));
    check("symlink", symlink("target.txt", &dir.join("link")));
    println!("read_link: {:?}", check("read_link", fs::read_link(dir.join("link"))));
    println!("via link: {:?}", check("read", fs::read_to_string(dir.join("link"))));
    let meta = check("symlink_metadata", fs::symlink_metadata(dir.join("link")));
    println!("is_symlink={}", meta.file_type().is_symlink());

    // Escapes: each must fail, whichever step refuses (creation or use).
    let up = symlink("../../../../etc/passwd", &dir.join("up"))
        .and_then(|()| fs::read_to_string(dir.join("up")));
    println!("escape via ../ link refused: {}", up.is_err());
    let abs = symlink("/etc/passwd", &dir.join("abs")).and_then(|()| fs::read_to_string(dir.join("abs")));
    println!("escape via absolute link refused: {}", abs.is_err());
    let dotdot = fs::read_to_string(dir.join("../etc/passwd"));
    println!("escape via ../ path refused: {}", dotdot.is_err());
    println!("absolute outside path refused: {}", fs::read_to_string("/etc/passwd").is_err());
}
