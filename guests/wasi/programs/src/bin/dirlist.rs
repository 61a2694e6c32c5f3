//! `dirlist DIR`: creates files and a subdirectory, then lists them sorted with their types.
use std::fs;
use wasi_guests::{check, dir_arg};

fn main() {
    let dir = dir_arg().join("list");
    check("mkdir", fs::create_dir(&dir));
    for name in ["b.txt", "a.txt", "c.txt"] {
        check("write", fs::write(dir.join(name), name.as_bytes()));
    }
    check("mkdir d", fs::create_dir(dir.join("d")));
    let mut entries: Vec<(String, &str, u64)> = check("read_dir", fs::read_dir(&dir))
        .map(|e| {
            let e = check("entry", e);
            let ft = check("file_type", e.file_type());
            let kind = if ft.is_dir() { "dir" } else if ft.is_file() { "file" } else { "other" };
            let len = if ft.is_file() { check("meta", e.metadata()).len() } else { 0 };
            (e.file_name().to_string_lossy().into_owned(), kind, len)
        })
        .collect();
    entries.sort();
    println!("entries={}", entries.len());
    for (name, kind, len) in entries {
        println!("{name} {kind} {len}");
    }
}
