//! HTTP keep-alive: native tokio + hyper against the tokio_wasi + hyper_wasi guest, 1 and
//! 64 connections; every response is checked (status 200, the expected body, keep-alive).

use std::net::TcpStream;

use crate::{
    contender::{Contender, Engine, Program, Runtime},
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

/// The contenders: the hyper server natively and under fdvirt on both engines (wasmtime
/// cannot run a WasmEdge-sockets guest); the std HTTP guest under wasmtime and fdvirt on
/// both engines (same engine, our host layer vs wasmtime's WASI); the compute-bound
/// `bench-sha` natively, under wasmtime and under fdvirt on both engines.
pub fn contenders() -> Vec<Contender> {
    let wasmi = Runtime::fdvirt("lowest");
    let wasmtime_engine = Runtime::fdvirt_on(Engine::Wasmtime, "lowest");
    let cli = Runtime::Wasmtime { cached: false };
    vec![
        Contender::new(Runtime::Native, Program::Hello),
        Contender::new(wasmi.clone(), Program::Hello),
        Contender::new(wasmtime_engine.clone(), Program::Hello),
        Contender::new(cli.clone(), Program::StdHttp),
        Contender::new(wasmi.clone(), Program::StdHttp),
        Contender::new(wasmtime_engine.clone(), Program::StdHttp),
        Contender::new(Runtime::Native, Program::Sha),
        Contender::new(cli, Program::Sha),
        Contender::new(wasmi, Program::Sha),
        Contender::new(wasmtime_engine, Program::Sha),
    ]
}

/// The configuration label: rows compare within one server family.
pub fn config(conns: usize, program: Program) -> String {
    let s = if conns == 1 { "" } else { "s" };
    let family = match program {
        Program::StdHttp => "std-http",
        Program::Sha => "sha256 64 KiB/request",
        _ => "hyper",
    };
    format!("{family} · {conns} keep-alive conn{s}")
}

/// Runs the HTTP workload.
pub fn run(suite: &mut Suite) {
    let mut entries = Vec::new();
    for contender in contenders() {
        // The guest's body is learnt from its first response; every later one must match.
        let probe = Exchange::Http { body: None };
        let hello = contender.runtime == Runtime::Native && contender.program == Program::Hello;
        let body = hello.then(|| NATIVE_BODY.to_vec());
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
