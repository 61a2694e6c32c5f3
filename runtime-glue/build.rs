//! Links the `fdvirt` binary with packed relative relocations (`DT_RELR`) on Linux/glibc.
//!
//! Why: the binary is position independent (ASLR), and the dynamic loader applies its
//! ~25,000 relative relocations at every start. As a classic `.rela.dyn` table (24 bytes
//! each, ~600 KB) the loader reads all of it page by page: measured, that was a quarter of
//! the CPU time of starting `fdvirt` and ~450 KB of its resident memory. Packed (`.relr.dyn`)
//! the same relocations take ~6 KB. Needs glibc 2.36+ at run time and lld (Rust's default
//! linker on x86_64 Linux) or GNU ld 2.38+; an older GNU ld ignores the option with a
//! warning and links as before.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
