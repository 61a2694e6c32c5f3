//! `errors DIR`: provokes filesystem errors and prints each one's `ErrorKind` and raw errno,
//! so the runtime's errno choices can be compared with another runtime's.
use std::{fs, io, path::Path};
use wasi_guests::{check, dir_arg};

fn show(label: &str, r: io::Result<impl Sized>) {
    match r {
        Ok(_) => println!("{label}: ok"),
        Err(e) => println!("{label}: {:?} errno={:?}", e.kind(), e.raw_os_error()),
    }
}

fn main() {
    let dir = dir_arg();
    let d = |p: &str| dir.join(p);
    check("setup file", fs::write(d("file"), b"x"));
    check("setup dir", fs::create_dir(d("dir")));
    check("setup dir/inner", fs::write(d("dir/inner"), b"y"));

    show("open missing", fs::File::open(d("missing")));
    show("create_dir existing", fs::create_dir(d("dir")));
    show("create_new existing", fs::OpenOptions::new().write(true).create_new(true).open(d("file")));
    show("remove_dir non-empty", fs::remove_dir(d("dir")));
    show("remove_file on dir", fs::remove_file(d("dir")));
    show("remove_dir on file", fs::remove_dir(d("file")));
    show("read_dir on file", fs::read_dir(d("file")));
    show("open file as dir path", fs::File::open(d("file/child")));
    show("write-open a dir", fs::OpenOptions::new().write(true).open(d("dir")));
    show("rename missing", fs::rename(d("missing"), d("other")));
    show("rename dir over file", fs::rename(d("dir"), d("file")));
    show("read_link on file", fs::read_link(d("file")));
    show("metadata missing", fs::metadata(d("missing")));
    show("outside preopen", fs::File::open(Path::new("/elsewhere/x")));
    show("dot-dot escape", fs::File::open(d("../../x")));
    let ro = check("open ro", fs::File::open(d("file")));
    show("write to read-only fd", io::Write::write(&mut &ro, b"z"));
    show("set_len on read-only fd", ro.set_len(0));
}
