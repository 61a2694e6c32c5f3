//! `cargo +nightly fuzz run netaddr_sa_data`: see `fdvirt_fuzz::netaddr_sa_data`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fdvirt_fuzz::netaddr_sa_data(data));
