//! Turning a plan's [`Arg`]s into the raw `u64`s a host-call row takes.
//!
//! Most arguments are plain values, but a random pointer almost never
//! points at a valid path, iovec array or socket address, so the plan can
//! also ask for one: the resolver writes it into a scratch area of guest
//! memory and passes its address, and fills the following `*_len`
//! parameter with its length or count. That lets the fuzzer reach the
//! success paths (open a file, write it, bind and connect a socket) as well
//! as the error paths.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use arbitrary::Arbitrary;
use netaddr::wasmedge::{self, AddressStruct, STORAGE_LEN};
use runtime_glue::{GuestCtx, abi};

/// Strings worth trying: paths in the sandbox, escapes, odd forms, and
/// `getaddrinfo` nodes and services that resolve without DNS.
pub const STRINGS: &[&[u8]] = &[
    b"",
    b".",
    b"..",
    b"f",
    b"d",
    b"d/g",
    b"new",
    b"d/new",
    b"ln",
    b"abs",
    b"abs/passwd",
    b"dl",
    b"dl/g",
    b"../outside/canary",
    b"/etc/passwd",
    b"d/../f",
    b"d/../../outside",
    b"f/",
    b"d/",
    b"a\0b",
    b"./././f",
    b"d/./g/..",
    b"\xff\xfe",
    b"dl/../../outside/canary",
    b"ln/x",
    b"localhost",
    b"127.0.0.1",
    b"::1",
    b"[::1]",
    b"0.0.0.0",
    b"10.0.0.1",
    b"http",
    b"80",
    b"65536",
    b"-1",
];

/// AF_UNIX guest paths for [`Arg::Addr`] (`k >= UNIX_ADDR`): inside the
/// `/sandbox` preopen (new names, existing files, directories, symlinks in
/// and out), relative ones (only a `.` preopen takes them), escapes, odd
/// forms (abstract, empty, unterminated 108 bytes, doubled slashes, a name
/// that only shares a prefix with the preopen), and a host path in `/tmp`
/// that a runtime handing guest paths to the kernel would create. The
/// harness adds one more: the host path of the sandbox's `outside/`.
pub const UNIX_PATHS: &[&[u8]] = &[
    b"/sandbox/s",
    b"/sandbox/t",
    b"/sandbox/d/s",
    b"/sandbox/dl/s",
    b"/sandbox/./d/../s",
    b"s",
    b"./t",
    b"/sandbox/f",
    b"/sandbox/d",
    b"/sandbox",
    b"/sandbox/ln",
    b"/sandbox/abs/s",
    b"/sandbox/../outside/s",
    b"/sandbox/dl/../../outside/s",
    b"/sandbox/d/..",
    b"/sandbox/nodir/s",
    b"//sandbox//./s",
    b"/sandboxx/s",
    b"/tmp/fdvirt-fuzz-escape.sock",
    b"",
    b"\0abstract",
    b"/sandbox/s/",
    b"../s",
    &[b'x'; 108],
];

/// `Arg::Addr(k)` with `k` at or above this is an AF_UNIX address.
pub const UNIX_ADDR: u8 = 0xC0;

/// Bytes of scratch memory per parameter slot.
const SLOT: usize = 256;
/// Scratch area: the top `SCRATCH` bytes of memory (or all of a smaller one).
const SCRATCH: usize = 16 * SLOT;

/// A raw argument.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub(crate) enum Arg {
    /// The i-th open fd, modulo the count.
    Fd(u8),
    /// An offset into memory.
    Ptr(u16),
    /// `memory length - k`: pointers at the end of memory.
    End(u8),
    /// A small number (lengths, counts, flags).
    Small(u8),
    /// Anything.
    Raw(u64),
    /// `STRINGS[k]` written to scratch; the next `*_len` parameter gets its length.
    Str(u8),
    /// An iovec array (1 + k % 3 entries over scratch buffers); the next
    /// `*_len` parameter gets the count.
    Iov(u8),
    /// A WasmEdge address struct for 127.0.0.1 or ::1, V1 octets or V2
    /// storage form (k % 4); from [`UNIX_ADDR`] on, a V2 AF_UNIX storage
    /// naming a path of [`UNIX_PATHS`] or the harness's extra path.
    Addr(u8),
    /// The local port of the i-th bound socket (`Small` when none is).
    Port(u8),
}

/// Raw argument bits for `hc` (i32s zero-extended, as wasmi passes them);
/// `extra_path` is the AF_UNIX path after [`UNIX_PATHS`].
pub(crate) fn resolve_args(
    cx: &GuestCtx,
    mem: &mut [u8],
    hc: &abi::HostCall,
    args: &[Arg],
    extra_path: &[u8],
) -> Vec<u64> {
    let open: Vec<u32> = cx.fds().iter().map(|(fd, _)| fd).collect();
    let ports = runtime_glue::fuzzing::local_ports(cx);
    let scratch = mem.len().saturating_sub(SCRATCH);
    let mut raw = Vec::with_capacity(hc.params.len());
    let mut len_for_next: Option<u64> = None;
    for (i, kind) in hc.params.iter().enumerate() {
        let arg = args.get(i).copied().unwrap_or(Arg::Small(0));
        let slot = scratch + i * SLOT;
        let is_len = hc.param_names[i].ends_with("_len");
        let v = match (len_for_next.take(), arg) {
            (Some(len), _) if is_len => len,
            (_, Arg::Fd(k)) if !open.is_empty() => u64::from(open[usize::from(k) % open.len()]),
            (_, Arg::Fd(k) | Arg::Small(k)) => u64::from(k),
            (_, Arg::Port(k)) => ports
                .get(usize::from(k) % ports.len().max(1))
                .map_or(u64::from(k), |&p| u64::from(p)),
            (_, Arg::Ptr(p)) => u64::from(p),
            (_, Arg::End(k)) => (mem.len() as u64).wrapping_sub(u64::from(k)),
            (_, Arg::Raw(v)) => v,
            (_, Arg::Str(k)) => {
                let s = STRINGS[usize::from(k) % STRINGS.len()];
                len_for_next = Some(put(mem, slot, s).map_or(0, |()| s.len() as u64));
                slot as u64
            }
            (_, Arg::Iov(k)) => {
                len_for_next = Some(put_iovecs(mem, slot, k));
                slot as u64
            }
            (_, Arg::Addr(k)) if k >= UNIX_ADDR => {
                let i = usize::from(k - UNIX_ADDR) % (UNIX_PATHS.len() + 1);
                put_unix_address(mem, slot, UNIX_PATHS.get(i).copied().unwrap_or(extra_path));
                slot as u64
            }
            (_, Arg::Addr(k)) => {
                put_address(mem, slot, k);
                slot as u64
            }
        };
        // Rows take only i32 and i64; `ValKind` also names the kinds a module's imports
        // may have, passed through whole here.
        raw.push(match kind {
            abi::ValKind::I32 => v & 0xffff_ffff,
            _ => v,
        });
    }
    raw
}

/// Writes `bytes` at `at` if they fit entirely.
fn put(mem: &mut [u8], at: usize, bytes: &[u8]) -> Option<()> {
    mem.get_mut(at..at.checked_add(bytes.len())?)?
        .copy_from_slice(bytes);
    Some(())
}

/// `n` iovecs at `at` over buffers in the slots above it; returns `n`
/// (0 when they do not fit).
fn put_iovecs(mem: &mut [u8], at: usize, k: u8) -> u64 {
    let n = 1 + usize::from(k % 3);
    let bufs = at + SLOT / 2;
    let len = 8 + u32::from(k / 3) * 37;
    for i in 0..n {
        let mut iov = [0u8; 8];
        let buf = bufs + i * SLOT;
        iov[..4].copy_from_slice(&(buf as u32).to_le_bytes());
        iov[4..].copy_from_slice(&len.to_le_bytes());
        if put(mem, at + i * 8, &iov).is_none() {
            return 0;
        }
    }
    n as u64
}

/// An address struct at `at` naming a 128-byte AF_UNIX storage right
/// after it (family 3, `path`, a NUL if it fits; the rest zero).
fn put_unix_address(mem: &mut [u8], at: usize, path: &[u8]) {
    let buf = at + 8;
    let mut bytes = [0u8; STORAGE_LEN];
    let path = &path[..path.len().min(wasmedge::UNIX_PATH_LEN)];
    if wasmedge::encode_storage_unix_path(path, &mut bytes).is_err() {
        return;
    }
    put_header(mem, at, buf, STORAGE_LEN);
    let _ = put(mem, buf, &bytes);
}

/// The 8-byte address struct `{buf, buf_len}` at `at`.
fn put_header(mem: &mut [u8], at: usize, buf: usize, len: usize) {
    let mut head = [0u8; 8];
    let header = AddressStruct {
        buf: buf as u32,
        buf_len: len as u32,
    };
    if header.encode(&mut head).is_ok() {
        let _ = put(mem, at, &head);
    }
}

/// An address struct at `at` and its bytes right after it.
fn put_address(mem: &mut [u8], at: usize, k: u8) {
    let ip = if k.is_multiple_of(2) {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        IpAddr::V6(Ipv6Addr::LOCALHOST)
    };
    let buf = at + 8;
    let mut bytes = [0u8; STORAGE_LEN];
    let len = if k % 4 < 2 {
        wasmedge::encode_octets(&ip, &mut bytes).unwrap_or(0)
    } else {
        wasmedge::encode_storage(Some(&ip), &mut bytes).map_or(0, |()| STORAGE_LEN)
    };
    put_header(mem, at, buf, len);
    let _ = put(mem, buf, &bytes[..len]);
}
