//! Slow clients ("slowloris"): connections that send a request head that never ends, one
//! byte per second each, so the server holds them all registered and readable now and
//! then, next to the normal load. One thread feeds every connection, spreading the
//! connections' bytes evenly over each second.

use std::{
    io::Write,
    net::{SocketAddr, TcpStream},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    thread::{self, JoinHandle},
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};

use crate::loadgen::IO_TIMEOUT;

/// What each slow connection sends first: a request line and the start of a header whose
/// value then grows by one byte per second, for ever.
const HEAD: &[u8] = b"GET /slow HTTP/1.1\r\nHost: slowloris\r\nX-Slow: ";

/// Running slow clients; dropping it stops the feeding thread and closes them.
#[derive(Debug)]
pub struct Slowloris {
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    feeder: Option<JoinHandle<()>>,
    /// Connections opened.
    pub conns: usize,
}

impl Slowloris {
    /// Opens `n` slow connections to `addr` (bounded by `deadline`), each sending [`HEAD`],
    /// and starts feeding them one byte per connection per second.
    ///
    /// # Errors
    /// Fails if a connection cannot be made before the deadline.
    pub fn start(addr: SocketAddr, n: usize, deadline: Instant) -> Result<Self> {
        let mut socks = Vec::with_capacity(n);
        for i in 0..n {
            if Instant::now() >= deadline {
                bail!("only {i} of {n} slow connections open by the deadline");
            }
            let mut s = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
                .with_context(|| format!("slow connection {i}"))?;
            s.set_write_timeout(Some(Duration::from_millis(100)))?;
            s.set_nodelay(true)?;
            s.write_all(HEAD)
                .with_context(|| format!("slow connection {i}: head"))?;
            socks.push(s);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let feeder = {
            let (stop, sent) = (Arc::clone(&stop), Arc::clone(&sent));
            thread::spawn(move || feed(socks, &stop, &sent))
        };
        Ok(Self {
            stop,
            sent,
            feeder: Some(feeder),
            conns: n,
        })
    }

    /// Header bytes sent so far after the heads (one per connection per second).
    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Drop for Slowloris {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.feeder.take() {
            let _ = t.join();
        }
    }
}

/// Every second, one byte to each connection, the connections spread over the second.
/// A connection the server closed is dropped from the rotation.
fn feed(mut socks: Vec<TcpStream>, stop: &AtomicBool, sent: &AtomicU64) {
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) && !socks.is_empty() {
        let step = Duration::from_secs(1) / socks.len() as u32;
        let mut i = 0;
        while i < socks.len() && !stop.load(Ordering::Relaxed) {
            next += step;
            if let Some(wait) = next.checked_duration_since(Instant::now()) {
                thread::sleep(wait);
            }
            // One byte: written whole or not at all (a full buffer is a timeout).
            match socks[i].write_all(b"a") {
                Ok(()) => {
                    sent.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
                Err(_) => {
                    socks.swap_remove(i);
                }
            }
        }
    }
}
