//! `cargo +nightly fuzz run hostcalls`: see `fdvirt_fuzz::hostcalls`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fdvirt_fuzz::hostcalls(data));
