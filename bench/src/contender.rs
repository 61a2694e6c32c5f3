//! Who serves: a runtime (native, wasmtime, fdvirt under an fd policy) running a server
//! program, turned into a command line for a given listening address.

use std::{ffi::OsString, net::SocketAddr, path::Path};

use crate::{server::ServerSpec, tools::Tools};

/// The runtime column of every table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// The server compiled for the host.
    Native,
    /// The wasmtime CLI; `cached: false` passes `-C cache=n` (compile on every start).
    Wasmtime {
        /// Whether wasmtime's compiled-module cache is on.
        cached: bool,
    },
    /// fdvirt under an fd policy (`lowest`, `random`, `capped:1024`) on one engine.
    Fdvirt {
        /// The `--fd-policy` value.
        policy: String,
        /// The `--engine` value.
        engine: Engine,
    },
}

/// fdvirt's execution engine (`fdvirt run --engine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// The wasmi interpreter (fdvirt's default).
    Wasmi,
    /// wasmtime (Cranelift), with its on-disk compile cache.
    Wasmtime,
}

impl Engine {
    /// The `--engine` argument.
    pub fn arg(self) -> &'static str {
        match self {
            Self::Wasmi => "wasmi",
            Self::Wasmtime => "wasmtime",
        }
    }
}

impl Runtime {
    /// fdvirt under `policy` on wasmi (the default engine).
    pub fn fdvirt(policy: &str) -> Self {
        Self::fdvirt_on(Engine::Wasmi, policy)
    }

    /// fdvirt under `policy` on `engine`.
    pub fn fdvirt_on(engine: Engine, policy: &str) -> Self {
        Self::Fdvirt {
            policy: policy.to_string(),
            engine,
        }
    }

    /// Short name for tables.
    pub fn label(&self) -> String {
        match self {
            Self::Native => "native".into(),
            Self::Wasmtime { cached: false } => "wasmtime".into(),
            Self::Wasmtime { cached: true } => "wasmtime (cached)".into(),
            // wasmi keeps the label of the rounds before the wasmtime engine existed.
            Self::Fdvirt {
                policy,
                engine: Engine::Wasmi,
            } => format!("fdvirt ({policy})"),
            Self::Fdvirt {
                policy,
                engine: Engine::Wasmtime,
            } => format!("fdvirt --engine wasmtime ({policy})"),
        }
    }
}

/// The server program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// guests/native `bench-echo` (native binary or wasm guest on a pre-opened listener).
    Echo,
    /// `bench-echo-big.wasm` (wasm only).
    EchoBig,
    /// guests/sockets `wasmedge-echo.wasm` (binds its own socket: WasmEdge ABI, fdvirt only).
    WasmedgeEcho,
    /// HTTP hello: native tokio + hyper, or the tokio_wasi + hyper_wasi guest (fdvirt only).
    Hello,
    /// guests/sockets `std-http.wasm`: Rust std keep-alive HTTP server on a pre-opened
    /// listener (`poll_oneoff`); wasmtime and fdvirt.
    StdHttp,
    /// tokio's echo example: `tokio-echo.wasm` (tokio_wasi, binds its own socket,
    /// fdvirt only) and the same source built natively with tokio.
    TokioEcho,
    /// A tokio HTTP server without hyper: `tokio-http.wasm` on a pre-opened listener
    /// (tokio_wasi, fdvirt only) and the same source built natively with tokio.
    TokioHttp,
    /// guests/native `bench-sha`: compute-bound HTTP (SHA-256 of 64 KiB per request), one
    /// mio source natively and as a wasm guest on a pre-opened listener.
    Sha,
}

impl Program {
    /// Whether the guest takes its listener pre-opened (`--tcplisten`) rather than binding.
    pub fn preopened(self) -> bool {
        matches!(
            self,
            Self::Echo | Self::EchoBig | Self::StdHttp | Self::TokioHttp | Self::Sha
        )
    }

    /// Whether the guest needs the WasmEdge socket calls (so wasmtime cannot run it).
    pub fn wasmedge_abi(self) -> bool {
        matches!(
            self,
            Self::WasmedgeEcho | Self::Hello | Self::TokioEcho | Self::TokioHttp
        )
    }
}

impl Program {
    /// Short name for tables.
    pub fn label(self, runtime: &Runtime) -> &'static str {
        match (self, runtime) {
            (Self::Echo, Runtime::Native) => "bench-echo",
            (Self::Echo, _) => "bench-echo.wasm",
            (Self::EchoBig, _) => "bench-echo-big.wasm",
            (Self::WasmedgeEcho, _) => "wasmedge-echo.wasm",
            (Self::Hello, Runtime::Native) => "bench-hello (tokio+hyper)",
            (Self::Hello, _) => "hyper guest (tokio_wasi+hyper_wasi)",
            (Self::StdHttp, _) => "std-http.wasm (Rust std)",
            (Self::TokioEcho, Runtime::Native) => "tokio-echo (tokio)",
            (Self::TokioEcho, _) => "tokio-echo.wasm (tokio_wasi)",
            (Self::TokioHttp, Runtime::Native) => "tokio-http (tokio)",
            (Self::TokioHttp, _) => "tokio-http.wasm (tokio_wasi)",
            (Self::Sha, Runtime::Native) => "bench-sha",
            (Self::Sha, _) => "bench-sha.wasm",
        }
    }
}

/// A runtime running a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contender {
    /// The runtime.
    pub runtime: Runtime,
    /// The program.
    pub program: Program,
}

impl Contender {
    /// Builds the contender.
    pub fn new(runtime: Runtime, program: Program) -> Self {
        Self { runtime, program }
    }

    /// `runtime · program`, the row label.
    pub fn label(&self) -> String {
        format!(
            "{} · {}",
            self.runtime.label(),
            self.program.label(&self.runtime)
        )
    }

    /// The command line serving on `addr`, or why this pairing cannot run here.
    ///
    /// # Errors
    /// A human-readable reason (tool missing, or the pairing does not apply).
    pub fn spec(&self, tools: &Tools, addr: SocketAddr) -> Result<ServerSpec, String> {
        let (program, args) = self.command(tools, addr)?;
        Ok(ServerSpec {
            label: self.label(),
            program: program.to_path_buf(),
            args,
            addr,
        })
    }

    fn command<'t>(
        &self,
        tools: &'t Tools,
        addr: SocketAddr,
    ) -> Result<(&'t Path, Vec<OsString>), String> {
        let wasm = self.wasm(tools)?;
        let listen = addr.to_string();
        match &self.runtime {
            Runtime::Native => {
                let bin = match self.program {
                    Program::Echo => &tools.native_echo,
                    Program::Hello => &tools.native_hello,
                    // tokio's echo example takes the address as its only argument.
                    Program::TokioEcho => return Ok((&tools.native_tokio_echo, os(&[&listen]))),
                    Program::TokioHttp => &tools.native_tokio_http,
                    Program::Sha => &tools.native_sha,
                    _ => return Err("no native build of this program".into()),
                };
                Ok((bin, os(&["--listen", &listen])))
            }
            Runtime::Wasmtime { cached } => {
                let bin = tools.wasmtime.as_deref().ok_or("wasmtime not available")?;
                if !self.program.preopened() || self.program.wasmedge_abi() {
                    return Err("needs WasmEdge sockets; wasmtime only pre-opens listeners".into());
                }
                let cache = if *cached { "cache=y" } else { "cache=n" };
                let tcp = format!("tcplisten={listen}");
                let mut args = os(&["run", "-C", cache, "-S", "preview2=n", "-S", &tcp]);
                args.push(wasm.into());
                Ok((bin, args))
            }
            Runtime::Fdvirt { policy, engine } => {
                let bin = match engine {
                    Engine::Wasmi => tools.fdvirt.as_deref(),
                    Engine::Wasmtime => tools.fdvirt_wasmtime.as_deref(),
                }
                .ok_or("fdvirt not available")?;
                // No --max-fds: the guest's default fd limit follows the host's
                // RLIMIT_NOFILE (the harness raises it for 10,000 connections). The engine
                // is always explicit, so $FDVIRT_ENGINE cannot change a row.
                let mut args = os(&["run", "--engine", engine.arg(), "--fd-policy", policy]);
                if self.program.preopened() {
                    args.extend(os(&["--tcplisten", &listen]));
                }
                args.push(wasm.into());
                if matches!(
                    self.program,
                    Program::WasmedgeEcho | Program::Hello | Program::TokioEcho
                ) {
                    args.push(listen.into());
                }
                Ok((bin, args))
            }
        }
    }

    /// The wasm module (or, natively, an unused placeholder).
    fn wasm<'t>(&self, tools: &'t Tools) -> Result<&'t Path, String> {
        match self.program {
            Program::Echo => Ok(&tools.echo_wasm),
            Program::EchoBig => Ok(&tools.echo_big_wasm),
            Program::Sha => Ok(&tools.sha_wasm),
            Program::WasmedgeEcho => tools
                .wasmedge_echo
                .as_deref()
                .ok_or_else(|| "wasmedge-echo.wasm not built".into()),
            Program::Hello if self.runtime == Runtime::Native => Ok(&tools.native_hello),
            Program::TokioEcho | Program::TokioHttp if self.runtime == Runtime::Native => {
                Ok(&tools.native_tokio_echo)
            }
            Program::TokioEcho => tools
                .tokio_echo_wasm
                .as_deref()
                .ok_or_else(|| "tokio-echo.wasm not built".into()),
            Program::TokioHttp => tools
                .tokio_http_wasm
                .as_deref()
                .ok_or_else(|| "tokio-http.wasm not built".into()),
            Program::StdHttp => tools
                .std_http
                .as_deref()
                .ok_or_else(|| "std-http.wasm not built".into()),
            Program::Hello => tools
                .hyper_wasm
                .as_deref()
                .ok_or_else(|| "hyper guest not built".into()),
        }
    }
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}
