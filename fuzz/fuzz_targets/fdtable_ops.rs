//! `cargo +nightly fuzz run fdtable_ops`: see `fdvirt_fuzz::fdtable_ops`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fdvirt_fuzz::fdtable_ops(data));
