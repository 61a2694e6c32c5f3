//! `bigdir DIR N [BUF]`: creates N files with long names, then lists them twice: with std's
//! `read_dir`, and with raw `fd_readdir` calls into a BUF-byte buffer (default 200) so that
//! most entries straddle a buffer refill and the cookie protocol is exercised. Every entry
//! must come back exactly once either way.
use std::{collections::BTreeSet, fs, os::fd::AsRawFd};
use wasi_guests::{check, dir_arg};

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn fd_readdir(fd: i32, buf: *mut u8, len: usize, cookie: u64, used: *mut usize) -> u16;
}

/// Lists `fd` with raw fd_readdir calls into a `buf_len`-byte buffer; returns the names
/// (without `.` and `..`) and the number of calls made.
fn raw_list(fd: i32, buf_len: usize) -> Result<(Vec<String>, usize), u16> {
    let (mut names, mut calls, mut cookie) = (Vec::new(), 0, 0u64);
    let mut buf = vec![0u8; buf_len];
    loop {
        let mut used = 0usize;
        // SAFETY: `buf` is writable for `buf.len()` bytes and `used` is a valid out-pointer.
        let errno = unsafe { fd_readdir(fd, buf.as_mut_ptr(), buf.len(), cookie, &mut used) };
        calls += 1;
        if errno != 0 {
            return Err(errno);
        }
        let mut off = 0;
        let mut progressed = false;
        while off + 24 <= used {
            let next = u64::from_le_bytes(buf[off..off + 8].try_into().unwrap_or_default());
            let namlen = u32::from_le_bytes(buf[off + 16..off + 20].try_into().unwrap_or_default()) as usize;
            if off + 24 + namlen > used {
                break; // truncated: ask again from this entry's cookie
            }
            let name = String::from_utf8_lossy(&buf[off + 24..off + 24 + namlen]).into_owned();
            if name != "." && name != ".." {
                names.push(name);
            }
            cookie = next;
            off += 24 + namlen;
            progressed = true;
        }
        if used < buf.len() {
            return Ok((names, calls));
        }
        if !progressed {
            return Err(u16::MAX); // an entry larger than the buffer
        }
    }
}

fn main() {
    let dir = dir_arg().join("many");
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let buf_len: usize = std::env::args().nth(3).and_then(|s| s.parse().ok()).unwrap_or(200);
    check("mkdir", fs::create_dir(&dir));
    for i in 0..n {
        check("create", fs::write(dir.join(format!("entry-with-a-fairly-long-name-{i:05}")), b""));
    }
    let std_names: BTreeSet<_> =
        check("read_dir", fs::read_dir(&dir)).map(|e| check("entry", e).file_name()).collect();
    println!("created={n} std distinct={}", std_names.len());

    let handle = check("open dir", fs::File::open(&dir));
    match raw_list(handle.as_raw_fd(), buf_len) {
        Ok((names, calls)) => {
            let distinct: BTreeSet<&String> = names.iter().collect();
            println!("raw listed={} distinct={} refilled={}", names.len(), distinct.len(), calls > 2);
        }
        Err(errno) => println!("raw fd_readdir failed errno={errno}"),
    }
}
