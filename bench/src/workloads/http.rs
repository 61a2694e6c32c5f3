//! HTTP keep-alive: native tokio + hyper against the tokio_wasi + hyper_wasi guest, 1 and
//! 64 connections; every response is checked (status 200, the expected body, keep-alive).

use std::net::TcpStream;

use crate::{
    contender::{Contender, Program, Runtime},
    http as client,
    loadgen::{Exchange, IO_TIMEOUT, Load, run_keepalive},
    results::{Row, Workload},
    suite::Suite,
    workloads::{Case, Entry, measure_interleaved},
};

/// Connection counts measured (64 is the target; 1 shows per-request latency).
pub const CONNS: [usize; 2] = [1, 64];

/// The body the native hello server sends: byte-for-byte the hyper guest's, so both
/// sides move the same bytes.
pub const NATIVE_BODY: &[u8] = b"Hello from hyper_wasi\n";

/// The contenders: the hyper server natively and under fdvirt (wasmtime cannot run a
/// WasmEdge-sockets guest), and the std HTTP guest under wasmtime and fdvirt.
pub fn contenders() -> Vec<Contender> {
    vec![
        Contender::new(Runtime::Native, Program::Hello),
        Contender::new(Runtime::fdvirt("lowest"), Program::Hello),
        Contender::new(Runtime::Wasmtime { cached: false }, Program::StdHttp),
        Contender::new(Runtime::fdvirt("lowest"), Program::StdHttp),
    ]
}

/// The configuration label: rows compare within one server family.
pub fn config(conns: usize, program: Program) -> String {
    let s = if conns == 1 { "" } else { "s" };
    let family = if program == Program::StdHttp {
        "std-http"
    } else {
        "hyper"
    };
    format!("{family} · {conns} keep-alive conn{s}")
}

/// Runs the HTTP workload.
pub fn run(suite: &mut Suite) {
    let mut entries = Vec::new();
    for contender in contenders() {
        // The guest's body is learnt from its first response; every later one must match.
        let probe = Exchange::Http { body: None };
        let body = (contender.runtime == Runtime::Native).then(|| NATIVE_BODY.to_vec());
        let cases = CONNS
            .iter()
            .map(|&conns| Case {
                row: Row::new(
                    Workload::Http,
                    &config(conns, contender.program),
                    conns as f64,
                    &contender,
                ),
                load: Load {
                    conns,
                    max_ops: suite.settings.max_ops,
                    max_time: suite.settings.run_time,
                },
                exchange: Exchange::Http { body: body.clone() },
            })
            .collect();
        entries.push(Entry {
            contender,
            probe,
            cases,
        });
    }
    measure_interleaved(suite, entries, |addr, load, exchange| {
        let exchange = match exchange {
            Exchange::Http { body: None } => Exchange::Http {
                body: Some(fetch_body(addr)?),
            },
            other => other.clone(),
        };
        run_keepalive(addr, load, &exchange)
    });
}

/// One GET on a fresh connection; the body of a 200 response.
fn fetch_body(addr: std::net::SocketAddr) -> anyhow::Result<Vec<u8>> {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    let mut reader = std::io::BufReader::new(stream);
    client::send_get(reader.get_mut())?;
    let response = client::read_response(&mut reader)?;
    anyhow::ensure!(response.status == 200, "status {}", response.status);
    Ok(response.body)
}
