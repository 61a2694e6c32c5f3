//! `fileio DIR`: write, read, append, seek, metadata, truncate and remove a file in DIR.
use std::{
    fs::{self, OpenOptions},
    io::{Read, Seek, SeekFrom, Write},
};
use wasi_guests::{check, dir_arg};

fn main() {
    let dir = dir_arg();
    let path = dir.join("hello.txt");
    check("write", fs::write(&path, b"hello\n"));
    println!("read: {:?}", check("read", fs::read_to_string(&path)));

    let mut f = check("open append", OpenOptions::new().append(true).open(&path));
    check("append", f.write_all(b"world\n"));
    drop(f);
    println!("after append: {:?}", check("read", fs::read_to_string(&path)));

    let mut f = check("open rw", OpenOptions::new().read(true).write(true).open(&path));
    let pos = check("seek", f.seek(SeekFrom::Start(6)));
    let mut rest = String::new();
    check("read rest", f.read_to_string(&mut rest));
    println!("seek {pos} then read: {rest:?}");
    let end = check("seek end", f.seek(SeekFrom::End(-3)));
    println!("seek end-3 = {end}");
    check("overwrite", f.write_all(b"LD"));
    let meta = check("metadata", f.metadata());
    println!("len={} is_file={} is_dir={}", meta.len(), meta.is_file(), meta.is_dir());
    check("set_len", f.set_len(5));
    check("sync", f.sync_all());
    drop(f);
    println!("after truncate: {:?}", check("read", fs::read_to_string(&path)));

    let sub = dir.join("sub/deeper");
    check("create_dir_all", fs::create_dir_all(&sub));
    check("write nested", fs::write(sub.join("n.txt"), b"nested"));
    println!("nested: {:?}", check("read nested", fs::read_to_string(sub.join("n.txt"))));
    check("remove_file", fs::remove_file(sub.join("n.txt")));
    check("remove_dir", fs::remove_dir(&sub));
    println!("nested exists after remove: {}", sub.exists());
    check("remove hello", fs::remove_file(&path));
    println!("hello exists after remove: {}", path.exists());
    println!("missing file open: {}", fs::File::open(dir.join("nope")).is_err());
}
