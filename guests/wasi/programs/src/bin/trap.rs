//! Prints a line, then executes `unreachable` inside a function with a stable name,
//! so a runtime's trap message can name it (`fdvirt_guest_boom`).
use std::io::Write;

#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn fdvirt_guest_boom(x: u32) -> u32 {
    if x != 12345 {
        core::arch::wasm32::unreachable()
    }
    x
}

fn main() {
    println!("about to trap");
    let _ = std::io::stdout().flush();
    let n = std::env::args().count() as u32;
    println!("{}", fdvirt_guest_boom(n));
}
