//! `cargo +nightly fuzz run netaddr_posix`: see `fdvirt_fuzz::netaddr_posix`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fdvirt_fuzz::netaddr_posix(data));
