//! `cargo +nightly fuzz run netaddr_addrinfo`: see `fdvirt_fuzz::netaddr_addrinfo`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fdvirt_fuzz::netaddr_addrinfo(data));
