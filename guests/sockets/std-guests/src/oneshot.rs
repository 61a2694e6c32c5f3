//! Serving a fixed number of requests, one connection at a time, with nothing but the
//! raw standard calls: the body of the `accept-legacy` and `accept-std` guests, which
//! differ only in the `sock_accept` signature they import.

use crate::poll::{EAGAIN, wait_readable};
use crate::{http, raw};

/// Accepts `count` connections on `listen_fd` with `accept`, reads one HTTP request from
/// each, answers it with `body` and closes it. A failed connection is reported on stderr
/// and still counts, so the guest always ends.
///
/// # Errors
/// The errno of a failed `accept` (the listener itself is unusable then). `AGAIN` from a
/// non-blocking listener or connection is not an error: the guest waits in `poll_oneoff`.
pub fn serve(
    listen_fd: u32,
    count: usize,
    body: &str,
    mut accept: impl FnMut(u32) -> Result<u32, i32>,
) -> Result<(), i32> {
    for i in 0..count {
        let fd = loop {
            match accept(listen_fd) {
                Err(EAGAIN) => wait_readable(listen_fd)?,
                other => break other?,
            }
        };
        println!("request {}: accepted fd {fd}", i + 1);
        if let Err(errno) = answer(fd, body) {
            eprintln!("connection fd {fd}: errno {errno}");
        }
        raw::close(fd);
    }
    Ok(())
}

/// Reads until one request is complete (or EOF), then sends the response.
fn answer(fd: u32, body: &str) -> Result<(), i32> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while http::request_end(&request).is_none() {
        let n = match raw::recv(fd, &mut buf) {
            Err(EAGAIN) => {
                wait_readable(fd)?;
                continue;
            }
            other => other?,
        };
        if n == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..n]);
    }
    raw::send_all(fd, http::response(body, true).as_bytes())?;
    // SAFETY: plain host call with integer arguments; the result does not matter here
    // (the peer may already have closed).
    let _ = unsafe { raw::sock_shutdown(fd, 2) };
    Ok(())
}
