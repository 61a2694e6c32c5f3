//! Embedding fdvirt's host layer in a plain wasmi program, with a store type of your own.
//!
//! ```sh
//! cargo run -p hostcalls --example wasmi_embed -- server.wasm 127.0.0.1:8000
//! ```
//!
//! Runs `MODULE.wasm` with the host's stdio; with a second argument, a listening socket on
//! that address is pre-opened as fd 3 (Wasmtime's `--tcplisten`), which Rust `std` servers
//! built for `wasm32-wasip1` accept on. Without arguments it runs a tiny built-in module.
//! The whole engine binding is [`link`]: one host function per import, each calling the
//! row [`abi::resolve`] picks with the guest's memory and the projected [`GuestCtx`].

use hostcalls::{
    GuestBuilder, GuestCtx,
    abi::{self, HostCall, Signature, ValKind},
    errno::{Fault, Trap},
};
use wasmi::{Caller, Engine, Extern, ExternType, FuncType, Linker, Module, Store, Val, ValType};

/// The embedder's own store data; fdvirt's state is one field of it.
struct App {
    requests_seen: u64,
    guest: GuestCtx,
}

/// `proc_exit` unwinding out of the guest.
#[derive(Debug)]
struct Exit(i32);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0)
    }
}

impl wasmi::errors::HostError for Exit {}

fn kind(t: &ValType) -> ValKind {
    match t {
        ValType::I32 => ValKind::I32,
        ValType::I64 => ValKind::I64,
        _ => ValKind::OtherRef,
    }
}

fn wasm_type(k: ValKind) -> ValType {
    match k {
        ValKind::I64 => ValType::I64,
        _ => ValType::I32,
    }
}

fn call(
    hc: &'static HostCall,
    mut caller: Caller<'_, App>,
    args: &[Val],
    out: &mut [Val],
) -> Result<(), wasmi::Error> {
    let raw: Vec<u64> = args
        .iter()
        .map(|v| match v {
            Val::I64(x) => *x as u64,
            Val::I32(x) => u64::from(*x as u32),
            _ => 0,
        })
        .collect();
    let memory = caller.get_export("memory").and_then(Extern::into_memory);
    let result = match memory {
        Some(mem) => {
            let (bytes, app) = mem.data_and_store_mut(&mut caller);
            app.requests_seen += 1;
            hc.invoke(&mut app.guest, bytes, &raw)
        }
        None => hc.invoke(&mut caller.data_mut().guest, &mut [], &raw),
    };
    match result {
        Err(Fault::Trap(Trap::Exit(code))) => Err(wasmi::Error::host(Exit(code))),
        Err(Fault::Trap(t)) => Err(wasmi::Error::new(t.to_string())),
        other => {
            if let (Some(slot), Some(errno)) = (out.first_mut(), abi::errno_value(&other)) {
                *slot = Val::I32(errno);
            }
            Ok(())
        }
    }
}

/// Defines every function `module` imports that fdvirt provides.
fn link(linker: &mut Linker<App>, module: &Module) -> Result<(), Box<dyn std::error::Error>> {
    for import in module.imports() {
        let ExternType::Func(ty) = import.ty() else {
            continue;
        };
        let sig = Signature {
            params: ty.params().iter().map(kind).collect(),
            results: ty.results().iter().map(kind).collect(),
        };
        let Some(hc) = abi::resolve(import.module(), import.name(), &sig.params, &sig.results)
        else {
            return Err(
                format!("cannot satisfy {}.{} {sig}", import.module(), import.name()).into(),
            );
        };
        let row = FuncType::new(
            hc.params.iter().copied().map(wasm_type),
            hc.results().iter().copied().map(wasm_type),
        );
        linker.func_new(import.module(), import.name(), row, move |c, a, r| {
            call(hc, c, a, r)
        })?;
    }
    Ok(())
}

const BUILT_IN: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from a wasmi embedder\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 28))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut argv = std::env::args().skip(1);
    let (name, wasm) = match argv.next() {
        Some(path) => (path.clone(), std::fs::read(&path)?),
        None => ("built-in.wasm".to_owned(), wat::parse_str(BUILT_IN)?),
    };
    let mut config = GuestBuilder::new().args([name]);
    if let Some(addr) = argv.next() {
        config = config.tcplisten(addr.parse()?);
    }
    let engine = Engine::default();
    let module = Module::new(&engine, &wasm)?;
    let mut linker = Linker::new(&engine);
    link(&mut linker, &module)?;
    let app = App {
        requests_seen: 0,
        guest: config.build_ctx()?,
    };
    let mut store = Store::new(&engine, app);
    let instance = linker.instantiate_and_start(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&store, "_start")?;
    let code = match start.call(&mut store, ()) {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<Exit>() {
            Some(Exit(code)) => *code,
            None => return Err(e.into()),
        },
    };
    eprintln!(
        "guest exited with {code} after {} host calls",
        store.data().requests_seen
    );
    std::process::exit(code)
}
