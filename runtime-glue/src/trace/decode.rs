//! Decoding one host call's arguments and outputs for a trace line.
//!
//! Guest memory is hostile and the call may have failed half-way: every read here is
//! bounds-checked and a value that cannot be read is shown raw (or left out), never a
//! panic. Byte layouts are those the calls themselves use (`types.rs`, `netaddr`).

use std::fmt::Write as _;

use netaddr::{addrinfo, wasmedge};

use crate::{
    abi::{HostCall, ValKind},
    ctx::GuestCtx,
    errno::{self, Fault, Trap},
    memory,
    types::{EVENT_SIZE, SUBSCRIPTION_SIZE, fdflags},
};

/// Most bytes of transferred data a line shows.
const PREVIEW: usize = 48;
/// Most bytes of a path or name a line shows.
const MAX_STRING: usize = 256;
/// Most poll subscriptions, events or resolved addresses a line lists.
const MAX_ITEMS: usize = 8;

/// Output pointers holding a plain number: parameter name, label, width in bytes.
const OUTPUTS: &[(&str, &str, u8)] = &[
    ("opened_fd", "fd", 4),
    ("ro_fd_p", "fd", 4),
    ("nread", "nread", 4),
    ("nwritten", "nwritten", 4),
    ("bufused", "bufused", 4),
    ("nevents", "nevents", 4),
    ("argc", "argc", 4),
    ("argv_buf_size", "argv_buf_size", 4),
    ("environc", "environc", 4),
    ("environ_buf_size", "environ_buf_size", 4),
    ("ro_datalen_p", "datalen", 4),
    ("so_datalen_p", "datalen", 4),
    ("ro_flags_p", "ro_flags", 2),
    ("res_len_p", "res_len", 4),
    ("flag_size_p", "optlen", 4),
    ("newoffset", "offset", 8),
    ("position", "offset", 8),
    ("time", "time", 8),
    ("resolution", "resolution", 8),
];

/// Other parameters that only point at outputs (shown after the call, or not at all).
const HIDDEN: &[&str] = &[
    "port_p",
    "addr_type_p",
    "events",
    "res_p",
    "stat",
    "prestat",
    "argv",
    "argv_buf",
    "environ",
    "environ_buf",
];

/// One call's raw arguments by name.
struct Args<'a> {
    call: &'a HostCall,
    raw: &'a [u64],
}

impl Args<'_> {
    fn get(&self, name: &str) -> Option<u32> {
        let i = self.call.param_names.iter().position(|n| *n == name)?;
        Some(*self.raw.get(i)? as u32)
    }

    fn is_v2(&self) -> bool {
        self.call.name.ends_with("_v2")
    }
}

/// Whether the call can wait (see the module docs of `trace`), judged before it runs.
pub(super) fn may_block(call: &HostCall, cx: &GuestCtx, mem: &[u8], raw: &[u64]) -> bool {
    let args = Args { call, raw };
    let name = call.name;
    let waits_on_fd = |socket_only: bool| {
        let Some(entry) = args.get("fd").and_then(|fd| cx.fds().get(fd)) else {
            return false;
        };
        let streamy = matches!(entry.kind(), "socket") || (!socket_only && entry.kind() == "stdin");
        streamy && entry.flags & fdflags::NONBLOCK == 0
    };
    match name {
        "poll_oneoff" | "epoll_oneoff" => !has_zero_timeout(mem, &args),
        "sock_getaddrinfo" => true,
        "fd_read" | "fd_write" | "fd_pread" | "fd_pwrite" => waits_on_fd(false),
        n if ["sock_accept", "sock_recv", "sock_send", "sock_connect"]
            .iter()
            .any(|p| n.starts_with(p)) =>
        {
            waits_on_fd(true)
        }
        _ => false,
    }
}

/// A relative clock subscription with timeout 0 makes `poll_oneoff` return at once.
fn has_zero_timeout(mem: &[u8], args: &Args<'_>) -> bool {
    let (Some(subs), Some(n)) = (args.get("subs"), args.get("nsubscriptions")) else {
        return false;
    };
    (0..n.min(4096)).any(|i| {
        let at = subs.wrapping_add(i.wrapping_mul(SUBSCRIPTION_SIZE));
        let tag = memory::slice(mem, at.wrapping_add(8), 1).ok().map(|b| b[0]);
        let timeout = memory::read_u64(mem, at.wrapping_add(24)).ok();
        let flags = memory::read_u32(mem, at.wrapping_add(40))
            .ok()
            .map(|f| f & 1);
        tag == Some(0) && timeout == Some(0) && flags == Some(0)
    })
}

/// The argument list, decoded where the parameter's name says what it is.
pub(super) fn inputs(call: &HostCall, mem: &[u8], raw: &[u64]) -> String {
    let args = Args { call, raw };
    let names = call.param_names;
    let mut out = Vec::new();
    let mut i = 0;
    while i < names.len() {
        let (name, v) = (names[i], raw.get(i).copied().unwrap_or(0));
        let next = names.get(i + 1).copied().unwrap_or("");
        let v32 = v as u32;
        let next_v = raw.get(i + 1).copied().unwrap_or(0) as u32;
        i += 1;
        if HIDDEN.contains(&name) || OUTPUTS.iter().any(|(n, _, _)| *n == name) {
            continue;
        }
        let shown = match (call.name, name) {
            ("fd_prestat_dir_name", "path")
            | ("random_get" | "path_readlink" | "fd_readdir", "buf") => {
                continue;
            }
            (_, n) if is_string(n, next) => {
                i += 1;
                format!("{}={}", n.trim_end_matches("_p"), string(mem, v32, next_v))
            }
            ("fd_write" | "fd_pwrite", "iovs") | (_, "si_data_p") => {
                i += 1;
                format!("{}={}", data_label(name), sent(mem, v32, next_v))
            }
            (_, "iovs" | "ri_data_p") => {
                i += 1;
                format!("{}={}", data_label(name), buffers(mem, v32, next_v))
            }
            (_, "addr_p") if next == "port" => {
                i += 1;
                format!("addr={}", input_address(mem, v32, next_v, args.is_v2()))
            }
            (_, "addr_p") | ("sock_getsockopt", "flag_p") => continue,
            (_, "subs") => {
                let n = args.get("nsubscriptions").unwrap_or(0);
                format!("subs={}", subscriptions(mem, v32, n))
            }
            (_, "nsubscriptions") => continue,
            (_, "hints_p") => format!("hints={}", hints(mem, v32)),
            ("sock_open" | "sock_open_v2", "af") => format!("af={}", small(v32, family)),
            ("sock_open" | "sock_open_v2", "socktype") => {
                format!("socktype={}", small(v32, socktype))
            }
            ("sock_getsockopt" | "sock_setsockopt", "level") => {
                format!(
                    "level={}",
                    if v32 == 0 {
                        "SOL_SOCKET".to_owned()
                    } else {
                        v32.to_string()
                    }
                )
            }
            ("sock_getsockopt" | "sock_setsockopt", "name") => {
                format!("name={}", pick(v32, &SO_NAMES))
            }
            ("sock_setsockopt", "flag_p") => {
                i += 1;
                format!("optval={}", option_value(mem, v32, next_v))
            }
            (_, "whence") => format!("whence={}", pick(v32, &["SET", "CUR", "END"])),
            (_, "how") => format!("how={}", pick(v32, &["0", "RD", "WR", "RDWR"])),
            (_, "id") => format!(
                "id={}",
                pick(
                    v32,
                    &["REALTIME", "MONOTONIC", "PROCESS_CPUTIME", "THREAD_CPUTIME"]
                )
            ),
            ("path_open", "oflags") => {
                format!(
                    "oflags={}",
                    bits(v32, &["CREAT", "DIRECTORY", "EXCL", "TRUNC"])
                )
            }
            (_, "fdflags") | ("fd_fdstat_set_flags" | "sock_accept_v2", "flags") => {
                format!(
                    "{name}={}",
                    bits(v32, &["APPEND", "DSYNC", "NONBLOCK", "RSYNC", "SYNC"])
                )
            }
            (_, "dirflags" | "old_flags")
            | ("path_filestat_get" | "path_filestat_set_times", "flags") => {
                format!("{name}={}", bits(v32, &["SYMLINK_FOLLOW"]))
            }
            (_, n) if n.starts_with("fs_rights") || n == "base" || n == "inheriting" => {
                format!("{n}={v:#x}")
            }
            (_, n) => match call.params.get(i - 1) {
                Some(ValKind::I64) => format!("{n}={}", v as i64),
                _ => format!("{n}={}", v32 as i32),
            },
        };
        out.push(shown);
    }
    out.join(", ")
}

/// `0 [outputs]`, `EAGAIN (6)`, or `? (exit 3)`.
pub(super) fn outcome(
    call: &HostCall,
    mem: &[u8],
    raw: &[u64],
    result: &Result<(), Fault>,
) -> String {
    match result {
        Ok(()) => {
            let outs = outputs(call, mem, raw);
            if outs.is_empty() {
                "0".to_owned()
            } else {
                format!("0 [{}]", outs.join(", "))
            }
        }
        Err(Fault::Errno(e)) => format!("E{} ({})", e.name(), errno::code(*e)),
        Err(Fault::Trap(Trap::Exit(code))) => format!("? (exit {code})"),
        Err(Fault::Trap(Trap::Host(message))) => format!("? (trap: {message})"),
    }
}

/// Everything a successful call stored through its output pointers.
fn outputs(call: &HostCall, mem: &[u8], raw: &[u64]) -> Vec<String> {
    let args = Args { call, raw };
    let mut out = Vec::new();
    for (name, label, width) in OUTPUTS {
        let Some(ptr) = args.get(name) else { continue };
        let value = match width {
            8 => memory::read_u64(mem, ptr).ok(),
            2 => memory::slice(mem, ptr, 2)
                .ok()
                .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]]))),
            _ => memory::read_u32(mem, ptr).ok().map(u64::from),
        };
        if let Some(v) = value {
            out.push(format!("{label}={v}"));
        }
    }
    let done = ["nread", "ro_datalen_p"]
        .iter()
        .find_map(|n| args.get(n))
        .and_then(|p| memory::read_u32(mem, p).ok());
    if let (Some(n), Some(iovs), Some(count)) = (
        done,
        args.get("iovs").or(args.get("ri_data_p")),
        args.get("iovs_len").or(args.get("ri_data_len")),
    ) {
        out.push(format!("data={}", preview(mem, iovs, count, n as usize)));
    }
    if let Some(addr_p) = args.get("addr_p").filter(|_| args.get("port").is_none()) {
        out.push(format!("addr={}", output_address(mem, &args, addr_p)));
    }
    match call.name {
        "poll_oneoff" | "epoll_oneoff" => {
            if let (Some(ev), Some(n)) = (args.get("events"), args.get("nevents")) {
                let n = memory::read_u32(mem, n).unwrap_or(0);
                out.push(format!("events={}", events(mem, ev, n)));
            }
        }
        "sock_getaddrinfo" => out.push(format!("res={}", resolved(mem, &args))),
        "fd_prestat_dir_name" => {
            if let (Some(p), Some(n)) = (args.get("path"), args.get("path_len")) {
                out.push(format!("path={}", string(mem, p, n)));
            }
        }
        "sock_getsockopt" => {
            if let Some(v) = args
                .get("flag_p")
                .and_then(|p| memory::read_u32(mem, p).ok())
            {
                out.push(format!("optval={}", v as i32));
            }
        }
        _ => {}
    }
    out
}

/// A `path`-like pointer followed by its length (`path, path_len`, `node_p, node_len`).
fn is_string(name: &str, next: &str) -> bool {
    let stem = name.trim_end_matches("_p");
    (name.ends_with("path") || name == "node_p" || name == "service_p")
        && next.strip_suffix("_len") == Some(stem)
}

fn data_label(param: &str) -> &str {
    match param {
        "si_data_p" => "si_data",
        "ri_data_p" => "ri_data",
        other => other,
    }
}

/// A quoted guest string, `NULL` for a null pointer, or `0xPTR` if unreadable.
fn string(mem: &[u8], ptr: u32, len: u32) -> String {
    if ptr == 0 && len == 0 {
        return "NULL".to_owned();
    }
    match memory::slice(mem, ptr, len) {
        Ok(b) if b.len() > MAX_STRING => {
            let shown = String::from_utf8_lossy(&b[..MAX_STRING]);
            format!("{shown:?}... ({len} bytes)")
        }
        Ok(b) => format!("{:?}", String::from_utf8_lossy(b)),
        Err(_) => format!("{ptr:#x} (unreadable, {len} bytes)"),
    }
}

/// Data about to be sent or written: `"preview"... (N bytes)`.
fn sent(mem: &[u8], iovs: u32, count: u32) -> String {
    match memory::iovecs(mem, iovs, count) {
        Ok(v) => format!(
            "{} ({} bytes)",
            preview(mem, iovs, count, v.total()),
            v.total()
        ),
        Err(_) => format!("{iovs:#x} (bad iovecs)"),
    }
}

/// Buffers about to be filled: `[K iovecs, N bytes]`.
fn buffers(mem: &[u8], iovs: u32, count: u32) -> String {
    match memory::iovecs(mem, iovs, count) {
        Ok(v) => format!("[{count} iovec{}, {} bytes]", plural(count), v.total()),
        Err(_) => format!("{iovs:#x} (bad iovecs)"),
    }
}

/// The first `n` bytes across the iovecs, quoted and cut at [`PREVIEW`].
fn preview(mem: &[u8], iovs: u32, count: u32, n: usize) -> String {
    let Ok(v) = memory::iovecs(mem, iovs, count) else {
        return "?".to_owned();
    };
    let data = v.gather(mem);
    let shown = &data[..n.min(data.len()).min(PREVIEW)];
    let more = if n > PREVIEW { "..." } else { "" };
    format!("{:?}{more}", String::from_utf8_lossy(shown))
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `names[v]`, or the number.
fn pick(v: u32, names: &[&str]) -> String {
    names
        .get(v as usize)
        .map_or_else(|| v.to_string(), |s| (*s).to_owned())
}

/// `A|B`, `0`, or `A|0x40` for unknown bits.
fn bits(v: u32, names: &[&str]) -> String {
    if v == 0 {
        return "0".to_owned();
    }
    let mut parts: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| v & (1 << i) != 0)
        .map(|(_, n)| (*n).to_owned())
        .collect();
    let unknown = v & !((1u32 << names.len()) - 1);
    if unknown != 0 {
        parts.push(format!("{unknown:#x}"));
    }
    parts.join("|")
}

/// A bind/connect/send_to address: the `__wasi_address_t` at `addr_p` and the port.
fn input_address(mem: &[u8], addr_p: u32, port: u32, v2: bool) -> String {
    let generation = if v2 {
        wasmedge::Generation::V2
    } else {
        wasmedge::Generation::V1
    };
    match crate::wasmedge::addr::read_guest_address(mem, addr_p, port, generation) {
        Ok(crate::wasmedge::addr::GuestAddr::Ip(a)) => a.to_string(),
        Ok(crate::wasmedge::addr::GuestAddr::Unix(path)) => {
            format!("unix:{:?}", String::from_utf8_lossy(&path))
        }
        Err(e) => format!("{addr_p:#x} (undecodable: E{})", e.name()),
    }
}

/// An address a call wrote back: octets (4/16 bytes) or the 128-byte storage, with the
/// port from `port_p` when the call has one.
fn output_address(mem: &[u8], args: &Args<'_>, addr_p: u32) -> String {
    let Ok(s) = crate::wasmedge::addr::address_struct(mem, addr_p) else {
        return format!("{addr_p:#x} (unreadable)");
    };
    let Ok(bytes) = memory::slice(mem, s.buf, s.buf_len) else {
        return format!("{addr_p:#x} (unreadable)");
    };
    if let Ok(path) = wasmedge::decode_storage_unix_path(bytes) {
        return format!("unix:{:?}", String::from_utf8_lossy(path));
    }
    let ip = wasmedge::decode_storage_ip(bytes).or_else(|_| wasmedge::decode_octets(bytes));
    let port = args
        .get("port_p")
        .and_then(|p| memory::read_u32(mem, p).ok());
    match (ip, port) {
        (Ok(ip), Some(port)) => wasmedge::with_port(ip, port as u16).to_string(),
        (Ok(ip), None) => ip.to_string(),
        (Err(_), _) => format!("{} bytes, not an address", bytes.len()),
    }
}

/// `[{userdata=1, fd_read, fd=3}, {userdata=2, clock MONOTONIC, timeout=1.000000s}]`.
fn subscriptions(mem: &[u8], subs: u32, n: u32) -> String {
    let mut items = Vec::new();
    for i in 0..n.min(MAX_ITEMS as u32) {
        let at = subs.wrapping_add(i.wrapping_mul(SUBSCRIPTION_SIZE));
        items.push(subscription(mem, at).unwrap_or_else(|| "?".to_owned()));
    }
    list(items, n)
}

fn subscription(mem: &[u8], at: u32) -> Option<String> {
    let userdata = memory::read_u64(mem, at).ok()?;
    let tag = memory::slice(mem, at.wrapping_add(8), 1).ok()?[0];
    let u = at.wrapping_add(16);
    Some(match tag {
        0 => {
            let id = memory::read_u32(mem, u).ok()?;
            let timeout = memory::read_u64(mem, u.wrapping_add(8)).ok()?;
            let flags = memory::read_u32(mem, u.wrapping_add(24)).ok()? & 0xffff;
            let clock = pick(
                id,
                &["REALTIME", "MONOTONIC", "PROCESS_CPUTIME", "THREAD_CPUTIME"],
            );
            let kind = if flags & 1 != 0 {
                "deadline"
            } else {
                "timeout"
            };
            let secs = timeout as f64 / 1e9;
            format!("{{userdata={userdata}, clock {clock}, {kind}={secs:.6}s}}")
        }
        1 | 2 => {
            let fd = memory::read_u32(mem, u).ok()?;
            let kind = if tag == 1 { "fd_read" } else { "fd_write" };
            format!("{{userdata={userdata}, {kind}, fd={fd}}}")
        }
        other => format!("{{userdata={userdata}, tag={other}}}"),
    })
}

/// `[{userdata=1, fd_read, nbytes=5}, {userdata=2, clock}]` for the events written.
fn events(mem: &[u8], at: u32, n: u32) -> String {
    let mut items = Vec::new();
    for i in 0..n.min(MAX_ITEMS as u32) {
        let e = at.wrapping_add(i.wrapping_mul(EVENT_SIZE));
        items.push(event(mem, e).unwrap_or_else(|| "?".to_owned()));
    }
    list(items, n)
}

fn event(mem: &[u8], at: u32) -> Option<String> {
    let userdata = memory::read_u64(mem, at).ok()?;
    let head = memory::slice(mem, at.wrapping_add(8), 3).ok()?;
    let error = u16::from_le_bytes([head[0], head[1]]);
    let mut s = format!("{{userdata={userdata}, ");
    match head[2] {
        0 => s.push_str("clock"),
        t @ (1 | 2) => {
            let nbytes = memory::read_u64(mem, at.wrapping_add(16)).ok()?;
            let flags = memory::read_u32(mem, at.wrapping_add(24)).ok()? & 0xffff;
            let kind = if t == 1 { "fd_read" } else { "fd_write" };
            let _ = write!(s, "{kind}, nbytes={nbytes}");
            if flags & 1 != 0 {
                s.push_str(", HANGUP");
            }
        }
        t => {
            let _ = write!(s, "type={t}");
        }
    }
    if error != 0 {
        let name = errno::Errno::from_u16(error)
            .map_or_else(|| error.to_string(), |e| format!("E{}", e.name()));
        let _ = write!(s, ", error={name}");
    }
    s.push('}');
    Some(s)
}

/// WasmEdge `sock_opt_so` numbers 0..=14 (`hostsock::SockOpt`).
const SO_NAMES: [&str; 15] = [
    "SO_REUSEADDR",
    "SO_TYPE",
    "SO_ERROR",
    "SO_DONTROUTE",
    "SO_BROADCAST",
    "SO_SNDBUF",
    "SO_RCVBUF",
    "SO_KEEPALIVE",
    "SO_OOBINLINE",
    "SO_LINGER",
    "SO_RCVLOWAT",
    "SO_RCVTIMEO",
    "SO_SNDTIMEO",
    "SO_ACCEPTCONN",
    "SO_BINDTODEVICE",
];

/// A `u8`-sized enum argument through `name`, or the number when it does not fit.
fn small(v: u32, name: fn(u8) -> String) -> String {
    u8::try_from(v).map_or_else(|_| v.to_string(), name)
}

/// A `setsockopt` value: the int for a 4-byte value, else its size.
fn option_value(mem: &[u8], ptr: u32, len: u32) -> String {
    match (len, memory::read_u32(mem, ptr)) {
        (4, Ok(v)) => (v as i32).to_string(),
        _ => format!("[{len} bytes]"),
    }
}

/// WasmEdge `aiflags` bit names, bit 0 first (`netaddr::aiflags`).
const AI_FLAGS: [&str; 7] = [
    "AI_PASSIVE",
    "AI_CANONNAME",
    "AI_NUMERICHOST",
    "AI_NUMERICSERV",
    "AI_V4MAPPED",
    "AI_ALL",
    "AI_ADDRCONFIG",
];

/// `INET`, `INET6`, `UNIX`, `UNSPEC` for a WasmEdge family number, else the number.
fn family(raw: u8) -> String {
    match netaddr::AddressFamily::from_wasmedge(u32::from(raw)) {
        Ok(netaddr::AddressFamily::Ipv4) => "INET".to_owned(),
        Ok(netaddr::AddressFamily::Ipv6) => "INET6".to_owned(),
        Ok(netaddr::AddressFamily::Unix) => "UNIX".to_owned(),
        Ok(_) => "UNSPEC".to_owned(),
        Err(_) => raw.to_string(),
    }
}

/// `STREAM`, `DGRAM`, `ANY` for a WasmEdge socket type number, else the number.
fn socktype(raw: u8) -> String {
    match netaddr::SocketType::from_wasmedge(u32::from(raw)) {
        Ok(netaddr::SocketType::Stream) => "STREAM".to_owned(),
        Ok(netaddr::SocketType::Dgram) => "DGRAM".to_owned(),
        Ok(netaddr::SocketType::Any) => "ANY".to_owned(),
        Err(_) => raw.to_string(),
    }
}

/// `{flags=AI_PASSIVE, family=INET, socktype=STREAM, protocol=0}` or `NULL`.
fn hints(mem: &[u8], at: u32) -> String {
    if at == 0 {
        return "NULL".to_owned();
    }
    match addrinfo::read_hints(mem, 0, at) {
        Ok(h) => format!(
            "{{flags={}, family={}, socktype={}, protocol={}}}",
            bits(u32::from(h.flags), &AI_FLAGS),
            family(h.family),
            socktype(h.socktype),
            h.protocol
        ),
        Err(_) => format!("{at:#x} (unreadable)"),
    }
}

/// The addresses `sock_getaddrinfo` filled in: `[127.0.0.1:80 STREAM, [::1]:80 STREAM]`.
fn resolved(mem: &[u8], args: &Args<'_>) -> String {
    let (Some(res_p), Some(len_p)) = (args.get("res_p"), args.get("res_len_p")) else {
        return "?".to_owned();
    };
    let (Ok(first), Ok(count)) = (memory::read_u32(mem, res_p), memory::read_u32(mem, len_p))
    else {
        return "?".to_owned();
    };
    match addrinfo::read_results(mem, 0, first, count.min(MAX_ITEMS as u32)) {
        Ok(results) => list(
            results
                .iter()
                .map(|r| match &r.addr {
                    Ok(a) => format!("{a} {}", socktype(r.socktype)),
                    Err(_) => format!("? (family {})", family(r.family)),
                })
                .collect(),
            count,
        ),
        Err(_) => "(unreadable)".to_owned(),
    }
}

/// `[a, b, +N more]`.
fn list(items: Vec<String>, total: u32) -> String {
    let more = (total as usize).saturating_sub(items.len());
    let mut s = format!("[{}", items.join(", "));
    if more > 0 {
        let _ = write!(s, ", +{more} more");
    }
    s.push(']');
    s
}
