//! `bigfile DIR [LEN]`: writes LEN bytes (default 3 MiB) in odd-sized chunks, reads them
//! back in other chunk sizes and checks a checksum; then seeks past the end and writes (a
//! hole reads as zeros); sets and reads back the modification time.
use std::{
    fs::{self, File, FileTimes, OpenOptions},
    io::{Read, Seek, SeekFrom, Write},
    time::{Duration, UNIX_EPOCH},
};
use wasi_guests::{check, dir_arg};

fn byte(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 7)) as u8
}

fn main() {
    let path = dir_arg().join("big.bin");
    let len_arg = std::env::args().nth(2).and_then(|s| s.parse().ok());
    let len: usize = len_arg.unwrap_or(3 << 20);
    let data: Vec<u8> = (0..len).map(byte).collect();
    let mut f = check("create", File::create(&path));
    for chunk in data.chunks(16_381) {
        check("write", f.write_all(chunk));
    }
    drop(f);
    let mut f = check("open", File::open(&path));
    let (mut back, mut buf) = (Vec::with_capacity(len), vec![0u8; 10_000]);
    loop {
        let n = check("read", f.read(&mut buf));
        if n == 0 {
            break;
        }
        back.extend_from_slice(&buf[..n]);
    }
    println!("len={} equal={}", back.len(), back == data);
    let sum: u64 = back.iter().map(|&b| u64::from(b)).sum();
    println!("sum={sum}");

    let mut f = check("open rw", OpenOptions::new().read(true).write(true).open(&path));
    check("seek past end", f.seek(SeekFrom::Start((len + 4096) as u64)));
    check("write after hole", f.write_all(b"END"));
    let mut hole = [0xAAu8; 16];
    check("seek hole", f.seek(SeekFrom::Start(len as u64 + 100)));
    check("read hole", f.read_exact(&mut hole));
    println!("size={} hole zero={}", check("meta", f.metadata()).len(), hole.iter().all(|&b| b == 0));

    let when = UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    check("set_times", f.set_times(FileTimes::new().set_modified(when)));
    drop(f);
    let modified = check("modified", check("meta", fs::metadata(&path)).modified());
    println!("mtime={:?}", modified.duration_since(UNIX_EPOCH).map(|d| d.as_secs()));
}
