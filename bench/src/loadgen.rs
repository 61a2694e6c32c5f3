//! The in-process load generator: std threads, one blocking socket per connection.
//!
//! Every loop is bounded twice: by an operation count shared by all connections and by a
//! wall-clock deadline; every socket has read/write timeouts ([`IO_TIMEOUT`]), so a server
//! that stops answering ends a run within `max_time + IO_TIMEOUT` with an error, not a hang.
//! Every reply is verified (echo: the exact bytes sent; HTTP: status 200 and the body).

use std::{
    io::{BufReader, Read, Write},
    net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream},
    sync::{
        Barrier, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, anyhow, bail, ensure};
use socket2::{Domain, Protocol, Socket, Type};

use crate::{http, stats::Latencies};

/// Per-socket read/write timeout; a reply slower than this counts as a failure.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// How much load one run applies.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Concurrent connections (keep-alive) or client threads (churn).
    pub conns: usize,
    /// Upper bound on operations, over all connections.
    pub max_ops: u64,
    /// Upper bound on the measured time.
    pub max_time: Duration,
}

/// One request/response exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchange {
    /// Send `size` bytes, expect the same bytes back.
    Echo {
        /// Message size in bytes.
        size: usize,
    },
    /// `GET /`, expect status 200 and, if given, exactly this body (else any non-empty one).
    Http {
        /// Expected body.
        body: Option<Vec<u8>>,
    },
}

/// The outcome of one run.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Operations completed and verified.
    pub ops: u64,
    /// From the moment all connections were ready to the last one finishing.
    pub elapsed: Duration,
    /// Per-operation latency.
    pub latencies: Latencies,
    /// Connections that failed (each stops at its first error).
    pub errors: u64,
    /// The first error seen, for the report.
    pub first_error: Option<String>,
}

impl RunReport {
    /// Completed operations per second.
    pub fn rate(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// A client connection that performs [`Exchange`]s.
#[derive(Debug)]
pub struct Client {
    reader: BufReader<TcpStream>,
    seq: u64,
    /// The last echo message sent (what the reply must equal).
    sent: Vec<u8>,
    scratch: Vec<u8>,
}

impl Client {
    /// Connects (bounded by [`IO_TIMEOUT`]) with TCP_NODELAY and I/O timeouts set.
    ///
    /// # Errors
    /// Fails if the connection cannot be made or configured.
    pub fn connect(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
            .with_context(|| format!("connecting to {addr}"))?;
        Self::from_stream(stream, IO_TIMEOUT)
    }

    /// Connects from `source` (an IP with an ephemeral port) when given, else as
    /// [`Client::connect`].
    ///
    /// # Errors
    /// Fails if the socket cannot be bound or connected.
    pub fn connect_from(addr: SocketAddr, source: Option<IpAddr>) -> Result<Self> {
        let Some(source) = source else {
            return Self::connect(addr);
        };
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket
            .bind(&SocketAddr::new(source, 0).into())
            .with_context(|| format!("binding {source}:0"))?;
        socket
            .connect_timeout(&addr.into(), IO_TIMEOUT)
            .with_context(|| format!("connecting to {addr} from {source}"))?;
        Self::from_stream(socket.into(), IO_TIMEOUT)
    }

    /// Wraps a connected stream, with TCP_NODELAY and `timeout` on reads and writes.
    ///
    /// # Errors
    /// Fails if the socket options cannot be set.
    pub fn from_stream(stream: TcpStream, timeout: Duration) -> Result<Self> {
        let timeout = timeout.max(Duration::from_millis(1));
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Self {
            reader: BufReader::with_capacity(64 * 1024, stream),
            seq: 0,
            sent: Vec::new(),
            scratch: Vec::new(),
        })
    }

    /// Performs one exchange and verifies the reply.
    ///
    /// # Errors
    /// Fails on I/O errors, timeouts, or a wrong reply.
    pub fn exchange(&mut self, exchange: &Exchange) -> Result<()> {
        self.send_only(exchange)?;
        self.receive_only(exchange)
    }

    /// Sends the request half of an exchange (pair with [`Client::receive_only`]).
    ///
    /// # Errors
    /// Fails on write errors or timeouts.
    pub fn send_only(&mut self, exchange: &Exchange) -> Result<()> {
        self.seq += 1;
        match exchange {
            Exchange::Echo { size } => {
                // A per-message pattern (sequence number first) catches replies to the
                // wrong message, not just wrong lengths.
                self.sent.clear();
                self.sent
                    .extend((0..*size).map(|i| (i as u8).wrapping_add(b'a')));
                let tag = self.seq.to_le_bytes();
                let n = tag.len().min(*size);
                self.sent[..n].copy_from_slice(&tag[..n]);
                self.reader.get_mut().write_all(&self.sent)
            }
            Exchange::Http { .. } => http::send_get(self.reader.get_mut()),
        }
        .context("sending")
    }

    /// Reads and verifies the reply to the last [`Client::send_only`].
    ///
    /// # Errors
    /// Fails on read errors, timeouts, or a wrong reply.
    pub fn receive_only(&mut self, exchange: &Exchange) -> Result<()> {
        match exchange {
            Exchange::Echo { .. } => {
                self.scratch.resize(self.sent.len(), 0);
                self.reader
                    .read_exact(&mut self.scratch)
                    .context("reading echo")?;
                ensure!(
                    self.scratch == self.sent,
                    "echo reply differs from the message sent"
                );
            }
            Exchange::Http { body } => {
                let response = http::read_response(&mut self.reader)?;
                ensure!(response.status == 200, "status {}", response.status);
                match body {
                    Some(body) => ensure!(response.body == *body, "unexpected body"),
                    None => ensure!(!response.body.is_empty(), "empty body"),
                }
                ensure!(!response.close, "server closed a keep-alive connection");
            }
        }
        Ok(())
    }

    /// The underlying stream.
    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }
}

/// What each worker thread hands back.
#[derive(Debug, Default)]
struct Worker {
    ops: u64,
    latencies_ns: Vec<u64>,
    end: Option<Instant>,
    error: Option<String>,
}

/// Shared bounds and counters of one run.
#[derive(Debug)]
struct Bounds {
    issued: AtomicU64,
    max_ops: u64,
    deadline: Mutex<Option<Instant>>,
}

impl Bounds {
    fn new(load: &Load) -> Self {
        Self {
            issued: AtomicU64::new(0),
            max_ops: load.max_ops,
            deadline: Mutex::new(None),
        }
    }

    /// Claims the next operation; false once either bound is reached.
    fn claim(&self, deadline: Instant) -> bool {
        Instant::now() < deadline && self.issued.fetch_add(1, Ordering::Relaxed) < self.max_ops
    }
}

/// `load.conns` keep-alive connections, each doing exchanges back to back.
///
/// # Errors
/// Fails if a connection cannot be set up; failures during the run are counted instead.
pub fn run_keepalive(addr: SocketAddr, load: &Load, exchange: &Exchange) -> Result<RunReport> {
    ensure!(load.conns > 0, "at least one connection");
    let clients = (0..load.conns)
        .map(|_| Client::connect(addr))
        .collect::<Result<Vec<_>>>()?;
    run_workers(load, clients, |client, bounds, deadline| {
        keepalive_worker(client, exchange, bounds, deadline)
    })
}

fn keepalive_worker(
    mut client: Client,
    exchange: &Exchange,
    bounds: &Bounds,
    deadline: Instant,
) -> Worker {
    let mut w = Worker::default();
    while bounds.claim(deadline) {
        let t = Instant::now();
        if let Err(e) = client.exchange(exchange) {
            w.error = Some(format!("{e:#}"));
            break;
        }
        w.latencies_ns.push(t.elapsed().as_nanos() as u64);
        w.ops += 1;
    }
    w.end = Some(Instant::now());
    w
}

/// Source address of the `n`th churn connection: for a 127.0.0.1 server, one of
/// 127.0.0.2..=127.0.0.251 in turn.
///
/// Every closed connection leaves a TIME_WAIT entry holding its (source, port) pair for
/// 60 s; from a single source address the ~28,000 ephemeral ports run out after a few
/// seconds of churn and connect() itself becomes the bottleneck, capping every server at
/// the same rate. Spreading connections over 250 loopback sources removes that ceiling.
pub fn churn_source(addr: SocketAddr, n: u64) -> Option<IpAddr> {
    match addr.ip() {
        IpAddr::V4(ip) if ip == Ipv4Addr::LOCALHOST => {
            Some(Ipv4Addr::new(127, 0, 0, 2 + (n % 250) as u8).into())
        }
        _ => None,
    }
}

/// Accept churn: `load.conns` threads each loop connect, one exchange, close (a normal
/// close, from rotating loopback sources: see [`churn_source`]).
///
/// # Errors
/// Fails only on a bad load; per-connection failures are counted.
pub fn run_churn(addr: SocketAddr, load: &Load, exchange: &Exchange) -> Result<RunReport> {
    ensure!(load.conns > 0, "at least one client thread");
    let counter = AtomicU64::new(0);
    run_workers(load, vec![(); load.conns], |(), bounds, deadline| {
        let mut w = Worker::default();
        while bounds.claim(deadline) {
            let t = Instant::now();
            let source = churn_source(addr, counter.fetch_add(1, Ordering::Relaxed));
            let result = Client::connect_from(addr, source).and_then(|mut c| c.exchange(exchange));
            if let Err(e) = result {
                w.error = Some(format!("{e:#}"));
                break;
            }
            w.latencies_ns.push(t.elapsed().as_nanos() as u64);
            w.ops += 1;
        }
        w.end = Some(Instant::now());
        w
    })
}

/// Runs one worker per item on its own thread, started together, and merges the results.
fn run_workers<T, F>(load: &Load, items: Vec<T>, work: F) -> Result<RunReport>
where
    T: Send,
    F: Fn(T, &Bounds, Instant) -> Worker + Sync,
{
    let bounds = Bounds::new(load);
    let barrier = Barrier::new(items.len() + 1);
    let workers = thread::scope(|s| {
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| {
                let (bounds, barrier, work) = (&bounds, &barrier, &work);
                s.spawn(move || {
                    barrier.wait();
                    let deadline = bounds.deadline.lock().ok().and_then(|d| *d);
                    work(item, bounds, deadline.unwrap_or_else(Instant::now))
                })
            })
            .collect();
        let start = Instant::now();
        if let Ok(mut d) = bounds.deadline.lock() {
            *d = Some(start + load.max_time);
        }
        barrier.wait();
        let done: Vec<Worker> = handles.into_iter().filter_map(|h| h.join().ok()).collect();
        (start, done)
    });
    merge(workers.0, workers.1, load.conns)
}

fn merge(start: Instant, workers: Vec<Worker>, expected: usize) -> Result<RunReport> {
    if workers.len() != expected {
        bail!(
            "{} of {expected} load threads panicked",
            expected - workers.len()
        );
    }
    let end = workers.iter().filter_map(|w| w.end).max().unwrap_or(start);
    let first_error = workers.iter().find_map(|w| w.error.clone());
    let errors = workers.iter().filter(|w| w.error.is_some()).count() as u64;
    let ops = workers.iter().map(|w| w.ops).sum();
    let latencies = Latencies::new(workers.into_iter().flat_map(|w| w.latencies_ns).collect());
    Ok(RunReport {
        ops,
        elapsed: end.duration_since(start),
        latencies,
        errors,
        first_error,
    })
}

/// Opens `n` connections that each complete one exchange (so the server has accepted and
/// registered them) and then stay idle; works in batches so a server with an O(n) poll
/// still gets through setup. Bounded by `deadline`.
///
/// # Errors
/// Fails if a connection or its first exchange fails, or at the deadline.
pub fn open_idle(
    addr: SocketAddr,
    n: usize,
    exchange: &Exchange,
    deadline: Instant,
) -> Result<Vec<Client>> {
    const BATCH: usize = 128;
    let mut open: Vec<Client> = Vec::with_capacity(n);
    while open.len() < n {
        if Instant::now() >= deadline {
            bail!(
                "only {} of {n} idle connections open by the deadline",
                open.len()
            );
        }
        let batch = BATCH.min(n - open.len());
        let mut fresh = (0..batch)
            .map(|_| Client::connect(addr))
            .collect::<Result<Vec<_>>>()
            .with_context(|| format!("opening idle connection {}", open.len()))?;
        for c in &mut fresh {
            c.send_only(exchange)?;
        }
        for c in &mut fresh {
            c.receive_only(exchange)
                .map_err(|e| anyhow!("idle connection {}: {e:#}", open.len()))?;
        }
        open.append(&mut fresh);
    }
    Ok(open)
}
