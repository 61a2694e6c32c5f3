//! In-process test servers; each serves until the test's [`Stop`] handle is dropped.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpListener, TcpStream},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    thread,
    time::Duration,
};

/// Stops the server's accept loop when dropped.
pub(crate) struct Stop(Arc<AtomicBool>);

impl Drop for Stop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Binds 127.0.0.1:0 and runs `handle` on a thread per connection; the accept loop polls
/// a stop flag every few milliseconds so it ends when the test drops the [`Stop`].
pub(crate) fn serve(handle: fn(TcpStream)) -> (SocketAddr, Stop) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    thread::spawn(move || {
        while !flag.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((s, _)) => {
                    s.set_nonblocking(false).unwrap();
                    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                    thread::spawn(move || handle(s));
                }
                Err(_) => thread::sleep(Duration::from_millis(2)),
            }
        }
    });
    (addr, Stop(stop))
}

/// Echoes every byte back.
pub(crate) fn echo(mut s: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 || s.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}

/// Echoes, but flips the last byte of every read: a server that answers wrongly.
pub(crate) fn corrupting_echo(mut s: TcpStream) {
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            return;
        }
        buf[n - 1] ^= 0xff;
        if s.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}

/// Minimal keep-alive HTTP server answering every request with `hi` (chunked, to
/// exercise that path of the client).
pub(crate) fn http_chunked(s: TcpStream) {
    let mut reader = BufReader::new(s);
    let mut line = String::new();
    loop {
        // Skip one request: lines up to the blank one.
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => {}
            }
        }
        let reply =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nh\r\n1\r\ni\r\n0\r\n\r\n";
        if reader.get_mut().write_all(reply).is_err() {
            return;
        }
    }
}
