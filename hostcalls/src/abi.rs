//! The declarative host-call table: one [`HostCall`] row per imported
//! function, with its module, name, signature and implementation.
//!
//! The same rows drive linker registration (`linker.rs`), the startup check
//! that every import can be satisfied, `--trace` logging (`trace.rs`), and `inspect`'s
//! report. Rows are declared next to their implementations with the
//! `host_table!` macro, one table per family file, and listed in
//! [`FAMILIES`].
//!
//! This module does not depend on wasmi: arguments arrive as raw `u64`s
//! (i32 zero-extended), so a row can be invoked in tests with a plain byte
//! buffer as guest memory.

use std::fmt;

use crate::{ctx::GuestCtx, errno::Fault};

/// A wasm value type, as it appears in function signatures. Host calls only take and
/// return `i32` and `i64`; the other kinds let a module's imports (and `inspect`'s view
/// of a whole module) be described in the same terms, so an import of a type no row has
/// is an ordinary mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValKind {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `v128`.
    V128,
    /// `funcref`.
    FuncRef,
    /// `externref`.
    ExternRef,
    /// Any other reference type (GC proposal).
    OtherRef,
}

impl fmt::Display for ValKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValKind::I32 => "i32",
            ValKind::I64 => "i64",
            ValKind::F32 => "f32",
            ValKind::F64 => "f64",
            ValKind::V128 => "v128",
            ValKind::FuncRef => "funcref",
            ValKind::ExternRef => "externref",
            ValKind::OtherRef => "ref",
        })
    }
}

/// A function signature: `(i32, i64) -> i32` when displayed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Signature {
    /// Parameter types in order.
    pub params: Vec<ValKind>,
    /// Result types in order.
    pub results: Vec<ValKind>,
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&signature_text(&self.params, &self.results))
    }
}

/// What a host call returns to the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returns {
    /// One `i32` errno (0 = success); the usual WASI convention.
    Errno,
    /// Nothing (`proc_exit`, which never returns normally).
    Nothing,
}

/// The implementation shim: raw arguments in, errno out.
pub type Shim = fn(&mut GuestCtx, &mut [u8], &[u64]) -> Result<(), Fault>;

/// One host function the runtime provides.
#[derive(Debug)]
pub struct HostCall {
    /// Import module (`wasi_snapshot_preview1`, `wasi_snapshot_preview1` sockets, ...).
    pub module: &'static str,
    /// Function name, exactly as imported.
    pub name: &'static str,
    /// Parameter names, for tracing.
    pub param_names: &'static [&'static str],
    /// Parameter types.
    pub params: &'static [ValKind],
    /// Result convention.
    pub returns: Returns,
    /// The implementation.
    pub shim: Shim,
}

/// A Rust type that a raw wasm argument decodes into.
pub trait AbiArg: Sized {
    /// The wasm type carrying it.
    const KIND: ValKind;
    /// Decodes from the raw bits (an i32 arrives zero-extended).
    fn from_raw(raw: u64) -> Self;
}

impl AbiArg for u32 {
    const KIND: ValKind = ValKind::I32;
    fn from_raw(raw: u64) -> Self {
        raw as u32
    }
}

impl AbiArg for i32 {
    const KIND: ValKind = ValKind::I32;
    fn from_raw(raw: u64) -> Self {
        raw as u32 as i32
    }
}

impl AbiArg for u64 {
    const KIND: ValKind = ValKind::I64;
    fn from_raw(raw: u64) -> Self {
        raw
    }
}

impl AbiArg for i64 {
    const KIND: ValKind = ValKind::I64;
    fn from_raw(raw: u64) -> Self {
        raw as i64
    }
}

/// Declares a family's host-call table.
///
/// ```text
/// host_table! {
///     pub(crate) static HOSTCALLS in "wasi_snapshot_preview1" = [
///         fd_close(fd: u32) -> errno,
///         proc_exit(rval: u32) -> nothing,
///     ];
/// }
/// ```
///
/// Each `name` must be a function in scope with the signature
/// `fn(&mut GuestCtx, &mut [u8], args...) -> Result<(), Fault>`.
macro_rules! host_table {
    (
        $vis:vis static $table:ident in $module:literal = [
            $( $name:ident ( $( $arg:ident : $ty:ty ),* $(,)? ) -> $ret:ident ),* $(,)?
        ];
    ) => {
        /// This family's rows of the host-call table.
        $vis static $table: &[$crate::abi::HostCall] = &[
            $(
                $crate::abi::HostCall {
                    module: $module,
                    name: stringify!($name),
                    param_names: &[$(stringify!($arg)),*],
                    params: &[$(<$ty as $crate::abi::AbiArg>::KIND),*],
                    returns: $crate::abi::host_table!(@returns $ret),
                    shim: |cx, mem, raw| {
                        #[allow(unused_mut, unused_variables)]
                        let mut it = raw.iter().copied();
                        $(
                            let $arg = <$ty as $crate::abi::AbiArg>::from_raw(
                                it.next().unwrap_or(0),
                            );
                        )*
                        $name(cx, mem, $($arg),*)
                    },
                },
            )*
        ];
    };
    (@returns errno) => { $crate::abi::Returns::Errno };
    (@returns nothing) => { $crate::abi::Returns::Nothing };
}
pub(crate) use host_table;

/// Every family's table. A new family (e.g. WasmEdge sockets) adds its
/// `HOSTCALLS` here.
pub static FAMILIES: &[&[HostCall]] = &[
    crate::wasi::args::HOSTCALLS,
    crate::wasi::clock::HOSTCALLS,
    crate::wasi::fd::HOSTCALLS,
    crate::wasi::fd_dir::HOSTCALLS,
    crate::wasi::fd_stat::HOSTCALLS,
    crate::wasi::path::HOSTCALLS,
    crate::wasi::path_open::HOSTCALLS,
    crate::wasi::poll::HOSTCALLS,
    crate::wasi::proc::HOSTCALLS,
    crate::wasmedge::HOSTCALLS,
];

/// Every host call the runtime provides.
pub fn hostcalls() -> impl Iterator<Item = &'static HostCall> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// The row an import of `module`.`name` with this signature binds to (WasmEdge's rule,
/// `shared/spec/wasmedge-socket-abi.md` §4.2): the row of the same name when the
/// signatures match; otherwise, for the eleven WasmEdge socket names that have a `_v2`
/// twin, that twin when *its* signature matches (so a 3-arg `sock_accept` import gets
/// `sock_accept_v2`, an 8-arg `sock_recv_from` gets `sock_recv_from_v2`).
pub fn resolve(
    module: &str,
    name: &str,
    params: &[ValKind],
    results: &[ValKind],
) -> Option<&'static HostCall> {
    let fits = |h: &&'static HostCall| h.params == params && h.results() == results;
    find(module, name).filter(fits).or_else(|| {
        let v2 = crate::wasmedge::v2_redirect(name)?;
        find(module, v2).filter(fits)
    })
}

/// The row for `module`.`name`, if the runtime provides it.
pub fn find(module: &str, name: &str) -> Option<&'static HostCall> {
    hostcalls().find(|h| h.module == module && h.name == name)
}

impl HostCall {
    /// The result types (`[i32]` or `[]`).
    pub fn results(&self) -> &'static [ValKind] {
        match self.returns {
            Returns::Errno => &[ValKind::I32],
            Returns::Nothing => &[],
        }
    }

    /// The signature as text, e.g. `(i32, i64) -> i32`.
    pub fn signature(&self) -> String {
        signature_text(self.params, self.results())
    }

    /// The signature as a value.
    pub fn sig(&self) -> Signature {
        Signature {
            params: self.params.to_vec(),
            results: self.results().to_vec(),
        }
    }

    /// Runs the call, logging it when tracing is on (see [`crate::trace`]).
    ///
    /// # Errors
    ///
    /// The call's [`Fault`].
    pub fn invoke(&self, cx: &mut GuestCtx, mem: &mut [u8], raw: &[u64]) -> Result<(), Fault> {
        // `--stats`: the call's thread CPU time (one branch per call when off).
        let started = cx.stats.is_some().then(crate::stats::thread_cpu);
        let result = crate::trace::invoke(self, cx, mem, raw);
        if let (Some(t0), Some(stats)) = (started, cx.stats.as_mut()) {
            stats.record(
                self.name,
                raw,
                crate::stats::thread_cpu().saturating_sub(t0),
            );
        }
        result
    }
}

/// Formats a signature: `(i32, i64) -> i32`, `() -> ()`, `(i32) -> (i32, i32)`; the one
/// formatter for traps, import errors, `inspect` and traces.
pub fn signature_text(params: &[ValKind], results: &[ValKind]) -> String {
    let join = |v: &[ValKind]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match results {
        [one] => format!("({}) -> {one}", join(params)),
        many => format!("({}) -> ({})", join(params), join(many)),
    }
}

/// The errno a successful call returns.
pub const SUCCESS: u16 = 0;

/// The i32 a call returns to the guest for `result` (traps excluded).
pub fn errno_value(result: &Result<(), Fault>) -> Option<i32> {
    match result {
        Ok(()) => Some(i32::from(SUCCESS)),
        Err(Fault::Errno(e)) => Some(i32::from(crate::errno::code(*e))),
        Err(Fault::Trap(_)) => None,
    }
}
