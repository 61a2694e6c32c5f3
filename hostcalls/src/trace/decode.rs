//! Decoding one host call's arguments and outputs for a trace line.
//!
//! Guest memory is hostile and the call may have failed half-way: every read here is
//! bounds-checked and a value that cannot be read is shown raw (or left out), never a
//! panic. Byte layouts are those the calls themselves use (`types.rs`, `netaddr`).

use std::fmt::Write as _;

use super::{
    net::{
        SO_NAMES, family, hints, input_address, option_value, output_address, resolved, small,
        socktype,
    },
    poll::{events, has_zero_timeout, subscriptions},
};
use crate::{
    abi::{HostCall, ValKind},
    ctx::GuestCtx,
    errno::{self, Fault, Trap},
    memory,
    types::fdflags,
};

/// Most bytes of transferred data a line shows.
const PREVIEW: usize = 48;
/// Most bytes of a path or name a line shows.
const MAX_STRING: usize = 256;
/// Most poll subscriptions, events or resolved addresses a line lists.
pub(super) const MAX_ITEMS: usize = 8;

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
pub(super) struct Args<'a> {
    call: &'a HostCall,
    raw: &'a [u64],
}

impl Args<'_> {
    pub(super) fn get(&self, name: &str) -> Option<u32> {
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
        // Only the host's own stdin can wait (embedder bytes or /dev/null-like never do).
        let host_stdin = matches!(
            &entry.desc,
            crate::descriptor::Descriptor::Stdin(crate::stdio::Input::Inherit)
        );
        let streamy = entry.kind() == "socket" || (!socket_only && host_stdin);
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

/// The argument list, decoded where the parameter's name says what it is.
pub(super) fn inputs(call: &HostCall, mem: &[u8], raw: &[u64]) -> String {
    let args = Args { call, raw };
    let names = call.param_names;
    let mut out = Vec::new();
    let mut i = 0;
    while i < names.len() {
        let p = Param {
            name: names[i],
            v: raw.get(i).copied().unwrap_or(0),
            next: names.get(i + 1).copied().unwrap_or(""),
            next_v: raw.get(i + 1).copied().unwrap_or(0) as u32,
            wide: call.params.get(i) == Some(&ValKind::I64),
        };
        i += 1;
        if HIDDEN.contains(&p.name) || OUTPUTS.iter().any(|(n, _, _)| *n == p.name) {
            continue;
        }
        match pointer_arg(&args, mem, &p) {
            Some(Shown::Skip) => {}
            Some(Shown::One(text)) => out.push(text),
            Some(Shown::Pair(text)) => {
                out.push(text);
                i += 1;
            }
            None => out.push(scalar_arg(call.name, &p)),
        }
    }
    out.join(", ")
}

/// One parameter and the one after it (lengths and ports follow their pointer).
struct Param<'a> {
    name: &'a str,
    v: u64,
    next: &'a str,
    next_v: u32,
    /// An `i64` parameter.
    wide: bool,
}

/// What a pointer parameter shows.
enum Shown {
    /// Nothing (an output, or a count shown with its array).
    Skip,
    /// This text.
    One(String),
    /// This text, which also covers the next parameter.
    Pair(String),
}

/// A parameter that points at guest memory, decoded; `None` for a plain value.
fn pointer_arg(args: &Args<'_>, mem: &[u8], p: &Param<'_>) -> Option<Shown> {
    let v32 = p.v as u32;
    let pair = |text: String| Some(Shown::Pair(text));
    match (args.call.name, p.name) {
        ("fd_prestat_dir_name", "path")
        | ("random_get" | "path_readlink" | "fd_readdir", "buf")
        | ("sock_getsockopt", "flag_p")
        | (_, "nsubscriptions") => Some(Shown::Skip),
        (_, n) if is_string(n, p.next) => pair(format!(
            "{}={}",
            n.trim_end_matches("_p"),
            string(mem, v32, p.next_v)
        )),
        ("fd_write" | "fd_pwrite", "iovs") | (_, "si_data_p") => pair(format!(
            "{}={}",
            data_label(p.name),
            sent(mem, v32, p.next_v)
        )),
        (_, "iovs" | "ri_data_p") => pair(format!(
            "{}={}",
            data_label(p.name),
            buffers(mem, v32, p.next_v)
        )),
        (_, "addr_p") if p.next == "port" => pair(format!(
            "addr={}",
            input_address(mem, v32, p.next_v, args.is_v2())
        )),
        (_, "addr_p") => Some(Shown::Skip),
        ("sock_setsockopt", "flag_p") => {
            pair(format!("optval={}", option_value(mem, v32, p.next_v)))
        }
        (_, "subs") => {
            let n = args.get("nsubscriptions").unwrap_or(0);
            Some(Shown::One(format!("subs={}", subscriptions(mem, v32, n))))
        }
        (_, "hints_p") => Some(Shown::One(format!("hints={}", hints(mem, v32)))),
        _ => None,
    }
}

/// A plain value, by name where the name says what it means.
fn scalar_arg(call: &str, p: &Param<'_>) -> String {
    let (name, v32) = (p.name, p.v as u32);
    let value = match (call, name) {
        ("sock_open" | "sock_open_v2", "af") => small(v32, family),
        ("sock_open" | "sock_open_v2", "socktype") => small(v32, socktype),
        ("sock_getsockopt" | "sock_setsockopt", "level") if v32 == 0 => "SOL_SOCKET".to_owned(),
        ("sock_getsockopt" | "sock_setsockopt", "name") => pick(v32, &SO_NAMES),
        (_, "whence") => pick(v32, &["SET", "CUR", "END"]),
        (_, "how") => pick(v32, &["0", "RD", "WR", "RDWR"]),
        (_, "id") => pick(
            v32,
            &["REALTIME", "MONOTONIC", "PROCESS_CPUTIME", "THREAD_CPUTIME"],
        ),
        ("path_open", "oflags") => bits(v32, &["CREAT", "DIRECTORY", "EXCL", "TRUNC"]),
        (_, "fdflags") | ("fd_fdstat_set_flags" | "sock_accept_v2", "flags") => {
            bits(v32, &["APPEND", "DSYNC", "NONBLOCK", "RSYNC", "SYNC"])
        }
        (_, "dirflags" | "old_flags")
        | ("path_filestat_get" | "path_filestat_set_times", "flags") => {
            bits(v32, &["SYMLINK_FOLLOW"])
        }
        (_, n) if n.starts_with("fs_rights") || n == "base" || n == "inheriting" => {
            format!("{:#x}", p.v)
        }
        _ if p.wide => (p.v as i64).to_string(),
        _ => (v32 as i32).to_string(),
    };
    format!("{name}={value}")
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
    out.extend(call_outputs(call.name, mem, &args));
    out
}

/// The outputs only one call (family) has: events, resolved addresses, stat structs.
fn call_outputs(call: &str, mem: &[u8], args: &Args<'_>) -> Option<String> {
    let u32_at = |name: &str, offset: u32| {
        args.get(name)
            .and_then(|p| memory::read_u32(mem, p.wrapping_add(offset)).ok())
    };
    match call {
        "poll_oneoff" | "epoll_oneoff" => {
            let n = u32_at("nevents", 0).unwrap_or(0);
            Some(format!("events={}", events(mem, args.get("events")?, n)))
        }
        "sock_getaddrinfo" => Some(format!("res={}", resolved(mem, args))),
        "fd_prestat_dir_name" => {
            let (p, n) = (args.get("path")?, args.get("path_len")?);
            Some(format!("path={}", string(mem, p, n)))
        }
        "fd_fdstat_get" => fdstat(mem, args.get("stat")?),
        "fd_filestat_get" | "path_filestat_get" => filestat(mem, args.get("stat")?),
        "fd_prestat_get" => Some(format!(
            "prestat={{dir, name_len={}}}",
            u32_at("prestat", 4)?
        )),
        "sock_getsockopt" => Some(format!("optval={}", u32_at("flag_p", 0)? as i32)),
        _ => None,
    }
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

/// `filetype` names, by value.
const FILETYPES: [&str; 8] = [
    "UNKNOWN",
    "BLOCK_DEVICE",
    "CHARACTER_DEVICE",
    "DIRECTORY",
    "REGULAR_FILE",
    "SOCKET_DGRAM",
    "SOCKET_STREAM",
    "SYMBOLIC_LINK",
];

/// `stat={filetype=SOCKET_STREAM, flags=NONBLOCK, rights=0x...}` from an `fdstat`.
fn fdstat(mem: &[u8], at: u32) -> Option<String> {
    let head = memory::slice(mem, at, 4).ok()?;
    let flags = u32::from(u16::from_le_bytes([head[2], head[3]]));
    let rights = memory::read_u64(mem, at.wrapping_add(8)).ok()?;
    Some(format!(
        "stat={{filetype={}, flags={}, rights={rights:#x}}}",
        pick(u32::from(head[0]), &FILETYPES),
        bits(flags, &["APPEND", "DSYNC", "NONBLOCK", "RSYNC", "SYNC"])
    ))
}

/// `stat={filetype=REGULAR_FILE, size=12}` from a `filestat`.
fn filestat(mem: &[u8], at: u32) -> Option<String> {
    let filetype = memory::slice(mem, at.wrapping_add(16), 1).ok()?[0];
    let size = memory::read_u64(mem, at.wrapping_add(32)).ok()?;
    Some(format!(
        "stat={{filetype={}, size={size}}}",
        pick(u32::from(filetype), &FILETYPES)
    ))
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
pub(super) fn pick(v: u32, names: &[&str]) -> String {
    names
        .get(v as usize)
        .map_or_else(|| v.to_string(), |s| (*s).to_owned())
}

/// `A|B`, `0`, or `A|0x40` for unknown bits.
pub(super) fn bits(v: u32, names: &[&str]) -> String {
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

/// `[a, b, +N more]`.
pub(super) fn list(items: Vec<String>, total: u32) -> String {
    let more = (total as usize).saturating_sub(items.len());
    let mut s = format!("[{}", items.join(", "));
    if more > 0 {
        let _ = write!(s, ", +{more} more");
    }
    s.push(']');
    s
}
