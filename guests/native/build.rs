//! Generates the code that makes `bench-echo-big` a several-MB module: many distinct
//! functions reachable through a table, so neither the compiler nor wasm-opt can drop them.
//! The startup benchmark compares how runtimes cope with a large module (wasmtime compiles
//! all of it ahead of time; an interpreter with lazy translation need not).

use std::{env, fmt::Write as _, fs, path::PathBuf};

/// Function count; about 120 bytes of wasm each, so 40,000 give ~5 MB.
const FUNCTIONS: u64 = 40_000;

fn main() {
    let mut code = String::new();
    for i in 0..FUNCTIONS {
        let k = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let _ = writeln!(
            code,
            "#[inline(never)] fn f{i}(mut x: u64) -> u64 {{
    x = x.wrapping_mul({k}) ^ {a}; x = x.rotate_left({r1});
    if x & 1 == 0 {{ x = x.wrapping_add({b}); }} else {{ x ^= {c}; }}
    x = x.wrapping_mul({d}).rotate_right({r2}) ^ (x >> {r3});
    if x % {m} == 0 {{ x = x.wrapping_sub({a}); }}
    x.wrapping_add({i})
}}",
            a = k >> 3,
            b = k >> 7,
            c = k >> 11,
            d = (k >> 13) | 1,
            m = (i % 97) + 3,
            r1 = i % 61 + 1,
            r2 = i % 59 + 1,
            r3 = i % 31 + 1,
        );
    }
    let names: Vec<String> = (0..FUNCTIONS).map(|i| format!("f{i}")).collect();
    let _ = writeln!(
        code,
        "/// Every generated function; indexing it at run time keeps all of them.\n\
         pub static TABLE: [fn(u64) -> u64; {FUNCTIONS}] = [{}];",
        names.join(", ")
    );
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("big.rs");
    if let Err(e) = fs::write(&out, code) {
        panic!("writing {}: {e}", out.display());
    }
    println!("cargo::rerun-if-changed=build.rs");
}
