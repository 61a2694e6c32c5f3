//! Model test of releasing grown guest memory's zero pages (`zero_pages.rs`, run by the
//! linker before every host call): whatever a guest grows, writes and calls in between,
//! the memory it reads back is exactly what a plain byte-array model holds.
//!
//! Each case compiles its operations into a WAT guest: `memory.grow`, byte stores,
//! `memory.fill` (zeros too, onto pages that may have been released), and host calls
//! (`sched_yield`, each one a reclaim point). The guest ends by writing its whole memory
//! to stdout with `fd_write`, and the test compares that with the model.

use proptest::prelude::*;
use runtime_glue::{GuestBuilder, Run, SharedBuffer, Stdio};

/// One wasm page.
const PAGE: usize = 65536;
/// Initial and maximum memory sizes of the guest, in wasm pages.
const INITIAL: usize = 1;
const MAX: usize = 24;

/// One guest operation.
#[derive(Debug, Clone)]
enum Op {
    /// `memory.grow` by this many pages (refused past [`MAX`], as wasm does).
    Grow(usize),
    /// `i32.store8` at `at % size`.
    Store { at: usize, value: u8 },
    /// `memory.fill` of `len` bytes from `at % size` (clipped to the memory).
    Fill { at: usize, len: usize, value: u8 },
    /// A host call: the linker releases the zero pages grown since the previous one.
    Call,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0usize..=4).prop_map(Op::Grow),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Op::Store { at, value }),
        2 => (any::<usize>(), 0usize..3 * PAGE, prop_oneof![Just(0u8), any::<u8>()])
            .prop_map(|(at, len, value)| Op::Fill { at, len, value }),
        3 => Just(Op::Call),
    ]
}

/// The guest for `ops` and the memory the model predicts it dumps.
fn compile(ops: &[Op]) -> (String, Vec<u8>) {
    let mut model = vec![0u8; INITIAL * PAGE];
    let mut body = String::new();
    for op in ops {
        match *op {
            Op::Grow(n) => {
                body.push_str(&format!("(drop (memory.grow (i32.const {n})))\n"));
                if model.len() / PAGE + n <= MAX {
                    model.resize(model.len() + n * PAGE, 0);
                }
            }
            Op::Store { at, value } => {
                let at = at % model.len();
                body.push_str(&format!(
                    "(i32.store8 (i32.const {at}) (i32.const {value}))\n"
                ));
                model[at] = value;
            }
            Op::Fill { at, len, value } => {
                let at = at % model.len();
                let len = len.min(model.len() - at);
                body.push_str(&format!(
                    "(memory.fill (i32.const {at}) (i32.const {value}) (i32.const {len}))\n"
                ));
                model[at..at + len].fill(value);
            }
            Op::Call => body.push_str("(drop (call $yield))\n"),
        }
    }
    // The dump's iovec {0, size} lands at 0..8 before fd_write gathers the memory.
    model[..4].copy_from_slice(&0u32.to_le_bytes());
    let size = model.len() as u32;
    model[4..8].copy_from_slice(&size.to_le_bytes());
    let wat = format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (memory (export "memory") {INITIAL} {MAX})
  (func (export "_start")
{body}
    (i32.store (i32.const 0) (i32.const 0))
    (i32.store (i32.const 4) (i32.mul (memory.size) (i32.const {PAGE})))
    (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#
    );
    (wat, model)
}

/// What the guest for `ops` dumps, and what the model predicts.
fn run(ops: &[Op]) -> (Vec<u8>, Vec<u8>) {
    let (wat, model) = compile(ops);
    let wasm = wat::parse_str(&wat).expect("generated WAT parses");
    let out = SharedBuffer::new();
    GuestBuilder::new()
        .stdout(Stdio::Capture(out.clone()))
        .stderr(Stdio::Null)
        .run_bytes(&wasm)
        .expect("guest runs");
    (out.contents(), model)
}

/// The first offset where `got` and `want` differ, for a readable failure.
fn first_difference(got: &[u8], want: &[u8]) -> Option<usize> {
    (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i))
}

#[test]
fn writes_to_released_pages_read_back() {
    // Grow and write data into part of the grown memory, release at the call (data
    // pages must stay), then write into the released pages (a zero and a non-zero
    // byte), call again (not rescanned), grow again and release.
    let ops = [
        Op::Grow(3),
        Op::Fill {
            at: 3 * PAGE,
            len: PAGE / 2,
            value: 0x5A,
        },
        Op::Call,
        Op::Store {
            at: 2 * PAGE + 100,
            value: 0xA5,
        },
        Op::Fill {
            at: PAGE,
            len: PAGE,
            value: 0,
        },
        Op::Call,
        Op::Grow(2),
        Op::Store {
            at: 5 * PAGE - 1,
            value: 1,
        },
        Op::Call,
    ];
    let (got, want) = run(&ops);
    assert_eq!(got.len(), 6 * PAGE);
    assert_eq!(first_difference(&got, &want), None);
    assert_eq!(got[2 * PAGE + 100], 0xA5);
    assert!(
        got[3 * PAGE..3 * PAGE + PAGE / 2]
            .iter()
            .all(|&b| b == 0x5A)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn guest_memory_matches_the_model(ops in prop::collection::vec(op(), 0..40)) {
        let (got, want) = run(&ops);
        prop_assert_eq!(got.len(), want.len());
        prop_assert_eq!(first_difference(&got, &want), None);
    }
}
