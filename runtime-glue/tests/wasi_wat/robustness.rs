//! Every host call, fed random and boundary arguments over a random guest
//! memory, returns an errno (or, for `proc_exit`, an exit) and never panics.

use proptest::{
    prelude::*,
    test_runner::{Config, TestRunner},
};
use runtime_glue::{
    Fault, GuestBuilder, SharedBuffer, Stdio, Trap,
    abi::{self, HostCall, ValKind},
};

const MEM: usize = 4096;

/// Values that sit on the edges of the checks: 0, fds around the table,
/// the end of memory, and wrap-around.
fn arg(kind: ValKind) -> BoxedStrategy<u64> {
    match kind {
        ValKind::I32 => prop_oneof![
            Just(0u64),
            0u64..8,
            Just(MEM as u64 - 1),
            Just(MEM as u64),
            Just(MEM as u64 - 8),
            Just(u64::from(u32::MAX)),
            Just(u64::from(u32::MAX - 3)),
            0u64..(MEM as u64),
            any::<u32>().prop_map(u64::from),
        ]
        .boxed(),
        ValKind::I64 => prop_oneof![
            Just(0u64),
            Just(u64::MAX),
            Just(i64::MAX as u64),
            0u64..64,
            any::<u64>()
        ]
        .boxed(),
        // Rows take only i32 and i64.
        other => panic!("no host call takes a {other} argument"),
    }
}

/// `MEM` pseudo-random bytes from `seed`.
fn noise(seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..MEM)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn exercise(hc: &'static HostCall, zero_memory: bool) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), b"contents").unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let args: Vec<_> = hc.params.iter().map(|k| arg(*k)).collect();
    let mem = if zero_memory {
        Just(vec![0u8; MEM]).boxed()
    } else {
        // A seed expanded by xorshift: cheap, and still arbitrary bytes.
        any::<u64>().prop_map(noise).boxed()
    };
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&(args, mem), |(raw, mut mem)| {
        let mut cx = GuestBuilder::new()
            .stdin(Stdio::Null)
            .stdout(Stdio::Capture(SharedBuffer::new()))
            .stderr(Stdio::Capture(SharedBuffer::new()))
            .preopen_dir(dir.path(), "/d")
            .unwrap()
            .build_ctx()
            .unwrap();
        match hc.invoke(&mut cx, &mut mem, &raw) {
            Ok(()) | Err(Fault::Errno(_)) => {}
            Err(Fault::Trap(Trap::Exit(_))) => prop_assert_eq!(hc.name, "proc_exit"),
            Err(other) => prop_assert!(false, "{} trapped: {other:?}", hc.name),
        }
        prop_assert_eq!(mem.len(), MEM);
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{}: {e}", hc.name);
    }
}

#[test]
fn no_host_call_panics_on_hostile_arguments() {
    for hc in abi::hostcalls().filter(|h| h.module == "wasi_snapshot_preview1") {
        // Random subscriptions could ask poll_oneoff to sleep for years;
        // over zeroed memory every clock subscription has timeout 0.
        exercise(hc, hc.name == "poll_oneoff");
    }
}
