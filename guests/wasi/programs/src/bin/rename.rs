//! `rename DIR`: renames a file, a directory, and a file over an existing one.
use std::fs;
use wasi_guests::{check, dir_arg};

fn main() {
    let dir = dir_arg();
    check("write old", fs::write(dir.join("old.txt"), b"payload"));
    check("rename", fs::rename(dir.join("old.txt"), dir.join("new.txt")));
    println!("old exists: {}", dir.join("old.txt").exists());
    println!("new: {:?}", check("read new", fs::read_to_string(dir.join("new.txt"))));

    check("write other", fs::write(dir.join("other.txt"), b"other"));
    check("rename over", fs::rename(dir.join("other.txt"), dir.join("new.txt")));
    println!("after replace: {:?}", check("read", fs::read_to_string(dir.join("new.txt"))));

    check("mkdir", fs::create_dir(dir.join("d1")));
    check("write in d1", fs::write(dir.join("d1/f"), b"inside"));
    check("rename dir", fs::rename(dir.join("d1"), dir.join("d2")));
    println!("d2/f: {:?}", check("read d2/f", fs::read_to_string(dir.join("d2/f"))));
    println!("rename missing fails: {}", fs::rename(dir.join("nope"), dir.join("x")).is_err());
}
