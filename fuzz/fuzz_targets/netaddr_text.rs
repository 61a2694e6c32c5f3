//! `cargo +nightly fuzz run netaddr_text`: see `fdvirt_fuzz::netaddr_text`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fdvirt_fuzz::netaddr_text(data));
