//! Calls `random_get` directly and checks the bytes look random.
#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn random_get(buf: *mut u8, len: usize) -> u16;
}

fn fill(buf: &mut [u8]) -> u16 {
    // SAFETY: `buf` is a valid, writable region of exactly `buf.len()` bytes.
    unsafe { random_get(buf.as_mut_ptr(), buf.len()) }
}

fn main() {
    let mut a = [0u8; 64];
    let mut b = [0u8; 64];
    let (ea, eb) = (fill(&mut a), fill(&mut b));
    println!("errno={ea},{eb}");
    println!("not all zero: {}", a.iter().any(|&x| x != 0));
    println!("two draws differ: {}", a != b);
    let distinct = a.iter().collect::<std::collections::BTreeSet<_>>().len();
    println!("at least 32 distinct bytes of 64: {}", distinct >= 32);
    println!("empty draw errno={}", fill(&mut []));
}
