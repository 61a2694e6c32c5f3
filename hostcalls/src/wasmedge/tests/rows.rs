//! Every socket row of the host-call table, called with arbitrary arguments over an
//! in-memory guest buffer full of arbitrary bytes: the result is always `Ok` or an errno,
//! never a trap or a panic. The guest's sockets are non-blocking and its network policy
//! denies everything, so no call can block or reach beyond loopback.

use std::sync::Arc;

use hostsock::NetworkPolicy;
use proptest::prelude::*;

use crate::{
    ctx::GuestCtx,
    errno::Fault,
    testutil::{self, Loopback, install},
    wasmedge::HOSTCALLS,
};

/// Calls that could wait or touch the outside world even when every socket is
/// non-blocking: opening fresh (blocking) sockets, resolving names, polling.
const SKIPPED: [&str; 4] = [
    "sock_open",
    "sock_open_v2",
    "sock_getaddrinfo",
    "epoll_oneoff",
];

/// A guest with fds 0..: a listener, a connected pair, a bound UDP socket, all on
/// 127.0.0.1 and non-blocking; everything else denied by policy.
fn guest() -> GuestCtx {
    let mut cx = testutil::guest();
    let mut lo = Loopback::new();
    let (c, s) = lo.pair();
    for sock in [lo.listener, c, s, testutil::udp()] {
        install(&mut cx, sock);
    }
    cx.net.policy = Arc::new(NetworkPolicy::deny_all());
    cx
}

/// Raw i32 arguments biased towards the interesting: open fds, small numbers, pointers
/// near the end of the 64 KiB memory, and arbitrary bits.
fn arg() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..8,
        0u64..0x1_0000,
        0xFF00u64..0x1_0010,
        any::<u32>().prop_map(u64::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_arguments_give_errnos_not_traps(
        row in 0usize..HOSTCALLS.len(),
        args in proptest::collection::vec(arg(), 8),
        fill in any::<u8>(),
        seed in any::<u64>(),
    ) {
        let hc = &HOSTCALLS[row];
        prop_assume!(!SKIPPED.contains(&hc.name));
        let mut cx = guest();
        let mut mem: Vec<u8> = (0..0x1_0000u64)
            .map(|i| (i.wrapping_mul(seed | 1) >> 7) as u8 ^ fill)
            .collect();
        let result = hc.invoke(&mut cx, &mut mem, &args[..hc.params.len()]);
        prop_assert!(
            !matches!(result, Err(Fault::Trap(_))),
            "{} trapped: {:?}", hc.name, result
        );
    }
}
