//! The compute-bound HTTP protocol (`bench-sha`): every request costs a SHA-256 over
//! [`WORK_BYTES`] bytes (plus the request target) before the reply, the shape of a PHP page
//! or a database query where the guest's own code, not the host calls, dominates. It
//! measures how fast each runtime executes guest code; the echo and hello servers measure
//! its I/O path.
//!
//! Served by the same event loop as the echo server ([`crate::serve`]). SHA-256 is `sha2`
//! with `force-soft`: the portable code natively too, since the wasm guest cannot use the
//! CPU's SHA extensions and the comparison is about executing the same code.

use std::io;

use mio::net::TcpListener;
use sha2::{Digest, Sha256};

use crate::event_loop::{After, Protocol, serve};

/// Bytes hashed per request: ~0.2 ms natively, so compute dominates the request.
pub const WORK_BYTES: usize = 64 * 1024;

/// Unparsed input a connection may hold; no request head of a benchmark client is this
/// long, so more means a broken or hostile peer, which is closed rather than buffered.
pub const MAX_UNPARSED: usize = 64 * 1024;

/// Answers each request head (requests carry no body) with the hex SHA-256 of the work
/// bytes and the request target, over HTTP/1.1 keep-alive.
#[derive(Debug, Clone)]
pub struct Sha {
    /// The bytes every request hashes, made once so a request costs only the hashing.
    work: Vec<u8>,
}

impl Default for Sha {
    fn default() -> Self {
        Self {
            work: (0..WORK_BYTES).map(|i| (i % 251) as u8).collect(),
        }
    }
}

impl Protocol for Sha {
    /// The input after the last complete request head.
    type State = Vec<u8>;

    fn on_input(&mut self, unparsed: &mut Vec<u8>, input: &[u8], output: &mut Vec<u8>) -> After {
        unparsed.extend_from_slice(input);
        while let Some(end) = head_end(unparsed) {
            let digest = hash(&self.work, request_target(&unparsed[..end]));
            unparsed.drain(..end);
            output.extend_from_slice(response(&digest).as_bytes());
        }
        if unparsed.len() > MAX_UNPARSED {
            After::Close
        } else {
            After::Keep
        }
    }
}

/// Runs the SHA server on `listener` forever (until an unrecoverable poll error).
///
/// # Errors
/// As [`serve`].
pub fn serve_sha(listener: TcpListener) -> io::Result<()> {
    serve(listener, Sha::default())
}

/// The end of the first complete request head.
fn head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// The request target (`/path`) of a request head; empty if malformed.
fn request_target(head: &[u8]) -> &[u8] {
    head.split(|&b| b == b' ').nth(1).unwrap_or_default()
}

/// Hex SHA-256 of `work` followed by `target`.
pub fn hash(work: &[u8], target: &[u8]) -> String {
    let mut h = Sha256::new();
    // black_box: the work bytes are a constant pattern; keep the compiler from folding them.
    h.update(std::hint::black_box(work));
    h.update(target);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The keep-alive response carrying `digest` and a newline as its body.
fn response(digest: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: keep-alive\r\n\r\n{digest}\n",
        digest.len() + 1
    )
}
