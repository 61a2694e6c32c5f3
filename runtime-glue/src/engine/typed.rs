//! What both engines' linkers share: how a host call's outcome becomes a return value or
//! a stop, and the typed signature list each linker binds host calls with.
//!
//! Both engines bind every host call as a *typed* host function (`func_wrap` with a
//! closure of the row's exact `i32`/`i64` parameters) rather than `func_new` over a
//! `&[Val]` slice: measured on wasmi, a typed call costs about half as much (55 vs 107 ns,
//! `examples/wasmi_host_call_cost.rs`, BENCHMARKS.md). Closures need their parameter list
//! at compile time, so [`with_typed_signature!`] lists every signature the host-call table
//! uses, and a unit test checks that no row is missing from it.

use hostcalls::{
    abi::{self, HostCall},
    errno::{Fault, Trap},
};

use super::HostCallTrap;

/// Why a host call ends the guest's run instead of returning to it.
#[derive(Debug)]
pub(crate) enum Stop {
    /// `proc_exit(code)`.
    Exit(i32),
    /// The host call trapped.
    Trap(HostCallTrap),
}

/// The `i32` a finished call returns to the guest (its errno; `0` for a row without a
/// result, whose engine closure then returns nothing), or why the guest stops.
pub(crate) fn finish(hc: &'static HostCall, result: Result<(), Fault>) -> Result<i32, Stop> {
    match result {
        Err(Fault::Trap(Trap::Exit(code))) => Err(Stop::Exit(code)),
        Err(Fault::Trap(Trap::Host(message))) => Err(Stop::Trap(HostCallTrap {
            call: hc.name,
            message,
        })),
        other => Ok(abi::errno_value(&other).unwrap_or(0)),
    }
}

/// A typed wasm argument's raw bits, as [`HostCall::invoke`] takes them (an `i32`
/// zero-extended).
pub(crate) trait Raw: Copy {
    fn raw(self) -> u64;
}

impl Raw for i32 {
    fn raw(self) -> u64 {
        u64::from(self as u32)
    }
}

impl Raw for i64 {
    fn raw(self) -> u64 {
        self as u64
    }
}

/// A host-call row with no entry in [`with_typed_signature!`] (a new row's signature must
/// be added there; a unit test catches it first).
#[derive(Debug, thiserror::Error)]
#[error("host call `{name}` has a signature ({signature}) with no typed binding")]
pub struct UntypedRow {
    /// The row's name.
    pub name: &'static str,
    /// Its signature.
    pub signature: String,
}

impl UntypedRow {
    pub(crate) fn of(hc: &HostCall) -> Self {
        UntypedRow {
            name: hc.name,
            signature: hc.signature(),
        }
    }
}

/// Expands `$wrap!($ctx ret; a: i32, b: i64, ...)` for the row `$hc`'s signature, where
/// `ret` is `errno` (returns an `i32`) or `nothing` and `$ctx` is passed through; evaluates
/// to `Some(that)`, or `None` when the signature is not listed. The linkers use
/// [`func_wrap_typed!`] as `$wrap`; the list is the one place the table's signatures are
/// spelled out.
macro_rules! with_typed_signature {
    ($hc:expr, $wrap:ident, $ctx:tt) => {{
        use hostcalls::abi::{Returns as R, ValKind as K};
        let hc: &'static hostcalls::abi::HostCall = $hc;
        match (hc.params, hc.returns) {
            ([], R::Errno) => Some($wrap!($ctx errno;)),
            ([K::I32], R::Errno) => Some($wrap!($ctx errno; a: i32)),
            ([K::I32], R::Nothing) => Some($wrap!($ctx nothing; a: i32)),
            ([K::I32, K::I32], R::Errno) => Some($wrap!($ctx errno; a: i32, b: i32)),
            ([K::I32, K::I64], R::Errno) => Some($wrap!($ctx errno; a: i32, b: i64)),
            ([K::I32, K::I32, K::I32], R::Errno) => Some($wrap!($ctx errno; a: i32, b: i32, c: i32)),
            ([K::I32, K::I64, K::I32], R::Errno) => Some($wrap!($ctx errno; a: i32, b: i64, c: i32)),
            ([K::I32, K::I64, K::I64], R::Errno) => Some($wrap!($ctx errno; a: i32, b: i64, c: i64)),
            ([K::I32, K::I32, K::I32, K::I32], R::Errno) => {
                Some($wrap!($ctx errno; a: i32, b: i32, c: i32, d: i32))
            }
            ([K::I32, K::I64, K::I32, K::I32], R::Errno) => {
                Some($wrap!($ctx errno; a: i32, b: i64, c: i32, d: i32))
            }
            ([K::I32, K::I64, K::I64, K::I32], R::Errno) => {
                Some($wrap!($ctx errno; a: i32, b: i64, c: i64, d: i32))
            }
            ([K::I32, K::I32, K::I32, K::I32, K::I32], R::Errno) => {
                Some($wrap!($ctx errno; a: i32, b: i32, c: i32, d: i32, e: i32))
            }
            ([K::I32, K::I32, K::I32, K::I64, K::I32], R::Errno) => {
                Some($wrap!($ctx errno; a: i32, b: i32, c: i32, d: i64, e: i32))
            }
            ([K::I32, K::I32, K::I32, K::I32, K::I32, K::I32], R::Errno) => {
                Some($wrap!($ctx errno; a: i32, b: i32, c: i32, d: i32, e: i32, f: i32))
            }
            ([K::I32, K::I32, K::I32, K::I32, K::I32, K::I32, K::I32], R::Errno) => {
                Some($wrap!($ctx errno; a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32))
            }
            ([K::I32, K::I32, K::I32, K::I32, K::I64, K::I64, K::I32], R::Errno) => {
                Some($wrap!($ctx errno; a: i32, b: i32, c: i32, d: i32, e: i64, f: i64, g: i32))
            }
            ([K::I32, K::I32, K::I32, K::I32, K::I32, K::I32, K::I32, K::I32], R::Errno) => Some(
                $wrap!($ctx errno; a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32),
            ),
            (
                [K::I32, K::I32, K::I32, K::I32, K::I32, K::I64, K::I64, K::I32, K::I32],
                R::Errno,
            ) => Some($wrap!(
                $ctx errno; a: i32, b: i32, c: i32, d: i32, e: i32, f: i64, g: i64, h: i32, i: i32
            )),
            _ => None,
        }
    }};
}
pub(crate) use with_typed_signature;

/// The `$wrap` of both engines' linkers: `[linker, module, name, hc] ret; params` becomes
/// `linker.func_wrap(module, name, closure)`, the closure taking the row's typed
/// parameters and running `call(hc, caller, &raw)`. `Caller`, `T` and `call` are resolved
/// where it expands, so each engine gets its own caller type, store data and error type.
macro_rules! func_wrap_typed {
    ([$linker:ident, $module:ident, $name:ident, $hc:ident] errno; $($a:ident : $t:ty),*) => {
        $linker.func_wrap($module, $name, move |caller: Caller<'_, T>, $($a: $t),*| {
            call($hc, caller, &[$($crate::engine::typed::Raw::raw($a)),*])
        })
    };
    ([$linker:ident, $module:ident, $name:ident, $hc:ident] nothing; $($a:ident : $t:ty),*) => {
        $linker.func_wrap($module, $name, move |caller: Caller<'_, T>, $($a: $t),*| {
            call($hc, caller, &[$($crate::engine::typed::Raw::raw($a)),*]).map(drop)
        })
    };
}
pub(crate) use func_wrap_typed;

#[cfg(test)]
mod tests {
    use super::*;

    /// A `$wrap` that builds nothing: the raw arguments the typed closure would pass.
    macro_rules! raw_args {
        ($ctx:tt $ret:ident; $($a:ident : $t:ty),*) => {{
            $(let $a: $t = -1;)*
            vec![$(Raw::raw($a)),*]
        }};
    }

    #[test]
    fn every_row_has_a_typed_binding() {
        for hc in abi::hostcalls() {
            let raw = with_typed_signature!(hc, raw_args, [])
                .unwrap_or_else(|| panic!("{}", UntypedRow::of(hc)));
            assert_eq!(raw.len(), hc.params.len(), "{}", hc.name);
            // i32 arguments arrive zero-extended, i64 ones as their bits.
            for (r, k) in raw.iter().zip(hc.params) {
                let want = match k {
                    hostcalls::abi::ValKind::I64 => u64::MAX,
                    _ => u64::from(u32::MAX),
                };
                assert_eq!(*r, want, "{} {k}", hc.name);
            }
        }
    }

    #[test]
    fn finish_maps_errno_exit_and_trap() {
        let hc = abi::find("wasi_snapshot_preview1", "fd_close").unwrap();
        assert_eq!(finish(hc, Ok(())).unwrap(), 0);
        let badf = hostcalls::errno::Errno::Badf;
        assert_eq!(
            finish(hc, Err(Fault::Errno(badf))).unwrap(),
            i32::from(hostcalls::errno::code(badf))
        );
        assert!(matches!(
            finish(hc, Err(Fault::Trap(Trap::Exit(3)))),
            Err(Stop::Exit(3))
        ));
        match finish(hc, Err(Fault::Trap(Trap::Host("boom".into())))) {
            Err(Stop::Trap(t)) => assert_eq!((t.call, t.message.as_str()), ("fd_close", "boom")),
            other => panic!("{other:?}"),
        }
    }
}
