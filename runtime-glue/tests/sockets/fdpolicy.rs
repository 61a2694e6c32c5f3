//! Socket fds live in the same fd table as files: under every policy the numbers a guest
//! gets from `sock_open` are exactly what an `fdtable::FdTable` with that policy hands
//! out, through opens, closes and reopens (capped never reaches its cap, random spreads
//! over [0, 2^31)).

use crate::util::engine;
use fdtable::{FdPolicy, FdTable};
use runtime_glue::{GuestBuilder, Run, SharedBuffer, Stdio};

/// Opens 12 sockets (fds stored at 0x1000..), closes every other one, opens 6 more
/// (stored after them), and writes all 18 u32s to stdout.
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "sock_open" (func $open (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (local $i i32)
    (loop $a
      (if (call $open (i32.const 1) (i32.const 2) (i32.add (i32.const 0x1000) (i32.shl (local.get $i) (i32.const 2))))
        (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $a (i32.lt_u (local.get $i) (i32.const 12))))
    (local.set $i (i32.const 0))
    (loop $c
      (if (call $close (i32.load (i32.add (i32.const 0x1000) (i32.shl (local.get $i) (i32.const 2)))))
        (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br_if $c (i32.lt_u (local.get $i) (i32.const 12))))
    (local.set $i (i32.const 12))
    (loop $r
      (if (call $open (i32.const 2) (i32.const 1) (i32.add (i32.const 0x1000) (i32.shl (local.get $i) (i32.const 2))))
        (then unreachable))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $r (i32.lt_u (local.get $i) (i32.const 18))))
    (i32.store (i32.const 0x800) (i32.const 0x1000))
    (i32.store (i32.const 0x804) (i32.const 72))
    (drop (call $write (i32.const 1) (i32.const 0x800) (i32.const 1) (i32.const 0x810)))))"#;

fn guest_fds(policy: &str) -> Vec<u32> {
    let out = SharedBuffer::new();
    let wasm = wat::parse_str(GUEST).expect("wat");
    let status = GuestBuilder::new()
        .fd_policy(policy.parse().expect("policy"))
        .stdout(Stdio::Capture(out.clone()))
        .run_bytes_on(engine(), &wasm)
        .expect("runs");
    assert_eq!(status.code, 0);
    out.contents()
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn model(policy: &str) -> Vec<u32> {
    let policy: FdPolicy = policy.parse().expect("policy");
    let mut table = FdTable::with_limit(policy, runtime_glue::default_max_fds());
    for fd in 0..3 {
        table.insert_at(fd, ()).expect("stdio");
    }
    let mut fds: Vec<u32> = (0..12).map(|_| table.insert(()).expect("open")).collect();
    for fd in fds.iter().step_by(2) {
        table.remove(*fd);
    }
    fds.extend((0..6).map(|_| table.insert(()).expect("reopen")));
    fds
}

#[test]
fn socket_fds_follow_the_fd_policy_exactly() {
    for policy in [
        "lowest",
        "lowest,floor=10",
        "capped:64,seed=1",
        "random,seed=42",
        "capped:32,seed=5,quarantine=8",
    ] {
        let seen = guest_fds(policy);
        assert_eq!(seen, model(policy), "policy {policy}");
    }
}

#[test]
fn capped_sockets_stay_below_the_cap_and_random_ones_spread() {
    assert!(guest_fds("capped:1024,seed=9").iter().all(|&fd| fd < 1024));
    let random = guest_fds("random,seed=9");
    assert!(
        random.iter().filter(|&&fd| fd >= 1024).count() >= 16,
        "{random:?}"
    );
    assert!(random.iter().all(|&fd| fd < 1 << 31));
}
