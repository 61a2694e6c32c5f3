//! Hand-written `hostcalls` plans, encoded in the byte format `arbitrary`
//! decodes them from, so the seed corpus starts on the success paths
//! (files opened, written, read; sockets bound, connected, accepted) that
//! random bytes reach only rarely.
//!
//! The format mirrors `fuzz/src/hostcalls.rs`: `Setup` (derived: policy
//! enum, seed, quarantine, max_fds, memory size byte, stdin and image as
//! `Vec<u8>`), then steps (a byte below 192 = call, then the row as a byte
//! and the args as a `Vec<Arg>`). Integers are little-endian, a derived
//! enum's variant is a `u32` scaled by the variant count, and a `Vec` is
//! `1, element` repeated then `0`.

use fdvirt_fuzz::HOSTCALL_UNIX_ADDR as UNIX_ADDR;
use runtime_glue::abi;

/// An argument, as `fuzz/src/guest_args.rs` declares them (same order).
#[derive(Debug, Clone, Copy)]
pub(crate) enum A {
    Fd(u8),
    Ptr(u16),
    Small(u8),
    Raw(u64),
    Str(&'static str),
    Iov(u8),
    Addr(u8),
    /// `Addr` of an AF_UNIX path from `HOSTCALL_UNIX_PATHS` (`None`: the
    /// harness's host path outside the sandbox).
    Unix(Option<&'static str>),
    Port(u8),
}

/// Variant index and count of `Arg` in `guest_args.rs`.
const ARG_VARIANTS: u64 = 9;

#[derive(Debug, Default)]
pub(crate) struct Plan(Vec<u8>);

fn variant(out: &mut Vec<u8>, v: u64, n: u64) {
    let x = (((2 * v + 1) << 32) / (2 * n)) as u32;
    out.extend(x.to_le_bytes());
}

fn vec_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        out.extend([1, b]);
    }
    out.push(0);
}

impl Plan {
    /// Lowest-free policy, 64 fds, one page of memory holding `image`.
    pub(crate) fn new(image: &[u8]) -> Plan {
        Plan::with_options(image, 0)
    }

    /// [`Plan::new`] with option bits in the `quarantine` byte
    /// (`HOSTCALL_ALLOW_UNIX`, `HOSTCALL_DOT_PREOPEN`).
    pub(crate) fn with_options(image: &[u8], options: u8) -> Plan {
        let mut out = Vec::new();
        variant(&mut out, 0, 3); // PolicyChoice::Lowest
        out.extend(0u64.to_le_bytes()); // seed
        out.push(options); // quarantine: options, quarantine 0
        out.push(59); // max_fds: 59 % 60 + 5 = 64
        out.push(0); // MemSize::Page
        vec_bytes(&mut out, b"stdin data");
        vec_bytes(&mut out, image);
        Plan(out)
    }

    /// Appends a call to the row named `name` (skipped if there is none).
    pub(crate) fn call(mut self, name: &str, args: &[A]) -> Plan {
        let Some(row) = abi::hostcalls().position(|h| h.name == name) else {
            eprintln!("no host call {name}");
            return self;
        };
        let out = &mut self.0;
        out.push(0); // Step::Call
        out.push(row as u8);
        for &a in args {
            out.push(1);
            encode(out, a);
        }
        out.push(0);
        self
    }

    /// Appends subscription records `(tag, fd index, userdata)` at `at`.
    pub(crate) fn subs(mut self, at: u16, subs: &[(u8, u8, u8)]) -> Plan {
        let out = &mut self.0;
        out.push(255); // Step::PutSubs
        out.extend(at.to_le_bytes());
        for &(tag, fd, userdata) in subs {
            out.extend([1, tag, fd, userdata]);
        }
        out.push(0);
        self
    }

    pub(crate) fn bytes(self) -> Vec<u8> {
        self.0
    }
}

fn encode(out: &mut Vec<u8>, a: A) {
    let strings = fdvirt_fuzz::HOSTCALL_STRINGS;
    let (v, payload): (u64, Vec<u8>) = match a {
        A::Fd(k) => (0, vec![k]),
        A::Ptr(p) => (1, p.to_le_bytes().to_vec()),
        A::Small(k) => (3, vec![k]),
        A::Raw(x) => (4, x.to_le_bytes().to_vec()),
        A::Str(s) => {
            let k = strings.iter().position(|t| *t == s.as_bytes()).unwrap_or(0);
            (5, vec![k as u8])
        }
        A::Iov(k) => (6, vec![k]),
        A::Addr(k) => (7, vec![k]),
        A::Unix(path) => {
            let paths = fdvirt_fuzz::HOSTCALL_UNIX_PATHS;
            let k = path
                .and_then(|p| paths.iter().position(|t| *t == p.as_bytes()))
                .unwrap_or(paths.len());
            (7, vec![UNIX_ADDR + k as u8])
        }
        A::Port(k) => (8, vec![k]),
    };
    variant(out, v, ARG_VARIANTS);
    out.extend(payload);
}
