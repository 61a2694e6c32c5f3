//! Guest memory stays exactly what the guest wrote across host calls, also after fdvirt
//! releases the all-zero pages of newly grown memory (`zero_pages`).

use runtime_glue::GuestBuilder;

use crate::util::{module, run_with};

/// Grows memory by 256 pages (16 MiB), writes markers into a few of them, calls the host
/// (which releases the untouched zero pages), then checks every marker and that sampled
/// untouched bytes read zero; exits with the number of mismatches.
#[test]
fn grown_memory_reads_back_after_host_calls() {
    let wasm = module(
        "(func $check (param $addr i32) (param $want i32) (result i32)
           (i32.ne (i32.load (local.get $addr)) (local.get $want)))",
        "(local $base i32) (local $bad i32) (local $i i32)
         (local.set $base (i32.mul (memory.grow (i32.const 256)) (i32.const 65536)))
         (if (i32.lt_s (local.get $base) (i32.const 0)) (then (call $exit (i32.const 99))))
         (i32.store (i32.add (local.get $base) (i32.const 12)) (i32.const 0x1234))
         (i32.store (i32.add (local.get $base) (i32.const 8388608)) (i32.const 77))
         (drop (call $sched_yield))
         ;; markers intact
         (local.set $bad (call $check (i32.add (local.get $base) (i32.const 12)) (i32.const 0x1234)))
         (local.set $bad (i32.add (local.get $bad)
           (call $check (i32.add (local.get $base) (i32.const 8388608)) (i32.const 77))))
         ;; every 4 KiB step of the grown region outside the markers reads zero
         (local.set $i (i32.const 4096))
         (block $done (loop $next
           (br_if $done (i32.ge_u (local.get $i) (i32.const 16777216)))
           (if (i32.ne (local.get $i) (i32.const 8388608)) (then
             (local.set $bad (i32.add (local.get $bad)
               (call $check (i32.add (local.get $base) (local.get $i)) (i32.const 0))))))
           (local.set $i (i32.add (local.get $i) (i32.const 4096)))
           (br $next)))
         ;; released pages are writable again, and the next host call keeps the write
         (i32.store (i32.add (local.get $base) (i32.const 65536)) (i32.const 5))
         (drop (call $sched_yield))
         (local.set $bad (i32.add (local.get $bad)
           (call $check (i32.add (local.get $base) (i32.const 65536)) (i32.const 5))))
         (call $exit (local.get $bad))",
    );
    assert_eq!(run_with(GuestBuilder::new(), &wasm).unwrap().code, 0);
}
