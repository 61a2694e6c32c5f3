//! `cargo +nightly fuzz run netaddr_wasmedge`: see `fdvirt_fuzz::netaddr_wasmedge`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fdvirt_fuzz::netaddr_wasmedge(data));
