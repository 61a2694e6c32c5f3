//! `cargo +nightly fuzz run module_load`: see `fdvirt_fuzz::module_load`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fdvirt_fuzz::module_load(data));
