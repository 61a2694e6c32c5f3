//! Per-call cost of a wasmi host import: `Linker::func_new` + `&[Val]` -> `[u64; 16]`
//! conversion (what runtime-glue's wasmi linker does for every host call) against a typed
//! `Linker::func_wrap` closure, on a guest loop of 5,000,000 calls of a 4-argument import
//! (the shape of `fd_write`). Both closures do the same trivial work on the same raw
//! `u64` arguments, so the difference is the calling convention alone (issue 13).
//!
//! `cargo run --release -p runtime-glue --example wasmi_host_call_cost`
use std::time::Instant;
use wasmi::{Caller, Engine, Linker, Module, Store, Val};

const WAT: &str = r#"(module
  (import "wasi" "f" (func $f (param i32 i32 i32 i32) (result i32)))
  (func (export "run") (param $n i32) (result i32)
    (local $acc i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (i32.add (local.get $acc)
        (call $f (local.get $n) (i32.const 1) (local.get $acc) (i32.const 3))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (local.get $acc)))"#;

fn work(a: &[u64]) -> i32 {
    (a[0] ^ a[1]).wrapping_add(a[2] >> 3).wrapping_add(a[3]) as i32 & 0xffff
}

fn run(typed: bool, n: i32) -> (f64, i32) {
    let engine = Engine::default();
    let module = Module::new(&engine, WAT).expect("module");
    let mut linker = Linker::<()>::new(&engine);
    if typed {
        linker
            .func_wrap(
                "wasi",
                "f",
                |_c: Caller<'_, ()>, a: i32, b: i32, c: i32, d: i32| -> i32 {
                    let raw = [
                        a as u32 as u64,
                        b as u32 as u64,
                        c as u32 as u64,
                        d as u32 as u64,
                    ];
                    work(std::hint::black_box(&raw))
                },
            )
            .unwrap();
    } else {
        let ty = wasmi::FuncType::new([wasmi::ValType::I32; 4], [wasmi::ValType::I32]);
        linker
            .func_new(
                "wasi",
                "f",
                ty,
                |_c: Caller<'_, ()>, args: &[Val], res: &mut [Val]| {
                    let mut raw = [0u64; 16];
                    for (s, v) in raw.iter_mut().zip(args) {
                        *s = match v {
                            Val::I32(x) => u64::from(*x as u32),
                            Val::I64(x) => *x as u64,
                            _ => 0,
                        };
                    }
                    res[0] = Val::I32(work(std::hint::black_box(&raw[..args.len()])));
                    Ok(())
                },
            )
            .unwrap();
    }
    let mut store = Store::new(&engine, ());
    let inst = linker.instantiate_and_start(&mut store, &module).unwrap();
    let f = inst.get_typed_func::<i32, i32>(&store, "run").unwrap();
    f.call(&mut store, 1000).unwrap(); // warm (lazy translation)
    let t = Instant::now();
    let r = f.call(&mut store, n).unwrap();
    (t.elapsed().as_secs_f64() * 1e9 / f64::from(n), r)
}

fn main() {
    let n = 5_000_000;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let (x, rx) = run(false, n);
        let (y, ry) = run(true, n);
        assert_eq!(rx, ry);
        a.push(x);
        b.push(y);
    }
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    println!(
        "func_new + Val: median {:.1} ns/call (min {:.1}, max {:.1})",
        a[3], a[0], a[6]
    );
    println!(
        "typed func_wrap: median {:.1} ns/call (min {:.1}, max {:.1})",
        b[3], b[0], b[6]
    );
}
