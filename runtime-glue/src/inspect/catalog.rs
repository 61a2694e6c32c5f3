//! What the runtime can link: every host function by module, name and accepted wasm types.
//!
//! `inspect` asks this table whether an import can be satisfied and, for the WasmEdge socket
//! calls whose legacy (V1) and `_v2` forms have different types, which form a guest uses
//! (binding rule of `shared/spec/wasmedge-socket-abi.md` §4.2: V1 by name, then the `_v2`
//! twin by signature).

use super::{AbiFamily, Signature, ValKind};

/// One accepted form of a host function: its label and wasm type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Form {
    /// Human label, e.g. `legacy 2-arg (V1)`; empty when the function has a single form.
    pub(crate) label: &'static str,
    /// Parameter types.
    pub(crate) params: &'static [ValKind],
    /// Result types.
    pub(crate) results: &'static [ValKind],
}

impl Form {
    pub(crate) fn signature(&self) -> Signature {
        Signature {
            params: self.params.to_vec(),
            results: self.results.to_vec(),
        }
    }
}

/// A host function name and the forms an import of that name may bind to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) name: &'static str,
    pub(crate) family: AbiFamily,
    pub(crate) forms: &'static [Form],
}

/// The module every preview1 and WasmEdge socket function is imported from.
pub(crate) const PREVIEW1: &str = "wasi_snapshot_preview1";

use ValKind::{I32, I64};

macro_rules! e {
    ($fam:ident, $name:literal, [$($p:ident),*] -> [$($r:ident),*]) => {
        Entry {
            name: $name,
            family: AbiFamily::$fam,
            forms: &[Form { label: "", params: &[$($p),*], results: &[$($r),*] }],
        }
    };
    ($fam:ident, $name:literal, $( $label:literal : [$($p:ident),*] ),+ ) => {
        Entry {
            name: $name,
            family: AbiFamily::$fam,
            forms: &[$(Form { label: $label, params: &[$($p),*], results: &[I32] }),+],
        }
    };
}

/// Every function of `wasi_snapshot_preview1` the runtime links, standard and WasmEdge.
pub(crate) const ENTRIES: &[Entry] = &[
    e!(Preview1, "args_get", [I32, I32] -> [I32]),
    e!(Preview1, "args_sizes_get", [I32, I32] -> [I32]),
    e!(Preview1, "environ_get", [I32, I32] -> [I32]),
    e!(Preview1, "environ_sizes_get", [I32, I32] -> [I32]),
    e!(Preview1, "clock_res_get", [I32, I32] -> [I32]),
    e!(Preview1, "clock_time_get", [I32, I64, I32] -> [I32]),
    e!(Preview1, "fd_advise", [I32, I64, I64, I32] -> [I32]),
    e!(Preview1, "fd_allocate", [I32, I64, I64] -> [I32]),
    e!(Preview1, "fd_close", [I32] -> [I32]),
    e!(Preview1, "fd_datasync", [I32] -> [I32]),
    e!(Preview1, "fd_fdstat_get", [I32, I32] -> [I32]),
    e!(Preview1, "fd_fdstat_set_flags", [I32, I32] -> [I32]),
    e!(Preview1, "fd_fdstat_set_rights", [I32, I64, I64] -> [I32]),
    e!(Preview1, "fd_filestat_get", [I32, I32] -> [I32]),
    e!(Preview1, "fd_filestat_set_size", [I32, I64] -> [I32]),
    e!(Preview1, "fd_filestat_set_times", [I32, I64, I64, I32] -> [I32]),
    e!(Preview1, "fd_pread", [I32, I32, I32, I64, I32] -> [I32]),
    e!(Preview1, "fd_prestat_get", [I32, I32] -> [I32]),
    e!(Preview1, "fd_prestat_dir_name", [I32, I32, I32] -> [I32]),
    e!(Preview1, "fd_pwrite", [I32, I32, I32, I64, I32] -> [I32]),
    e!(Preview1, "fd_read", [I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "fd_readdir", [I32, I32, I32, I64, I32] -> [I32]),
    e!(Preview1, "fd_renumber", [I32, I32] -> [I32]),
    e!(Preview1, "fd_seek", [I32, I64, I32, I32] -> [I32]),
    e!(Preview1, "fd_sync", [I32] -> [I32]),
    e!(Preview1, "fd_tell", [I32, I32] -> [I32]),
    e!(Preview1, "fd_write", [I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "path_create_directory", [I32, I32, I32] -> [I32]),
    e!(Preview1, "path_filestat_get", [I32, I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "path_filestat_set_times", [I32, I32, I32, I32, I64, I64, I32] -> [I32]),
    e!(Preview1, "path_link", [I32, I32, I32, I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "path_open", [I32, I32, I32, I32, I32, I64, I64, I32, I32] -> [I32]),
    e!(Preview1, "path_readlink", [I32, I32, I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "path_remove_directory", [I32, I32, I32] -> [I32]),
    e!(Preview1, "path_rename", [I32, I32, I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "path_symlink", [I32, I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "path_unlink_file", [I32, I32, I32] -> [I32]),
    e!(Preview1, "poll_oneoff", [I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "proc_exit", [I32] -> []),
    e!(Preview1, "proc_raise", [I32] -> [I32]),
    e!(Preview1, "sched_yield", [] -> [I32]),
    e!(Preview1, "random_get", [I32, I32] -> [I32]),
    // Standard preview1 socket calls; WasmEdge exports the same types.
    e!(Preview1, "sock_recv", [I32, I32, I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "sock_send", [I32, I32, I32, I32, I32] -> [I32]),
    e!(Preview1, "sock_shutdown", [I32, I32] -> [I32]),
    // The one call both families import by the same name with different types (§4.2).
    e!(WasmEdgeSocket, "sock_accept",
        "legacy 2-arg (WasmEdge V1)": [I32, I32],
        "standard 3-arg (preview1 / WasmEdge V2)": [I32, I32, I32]),
    e!(WasmEdgeSocket, "sock_open", [I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_bind", [I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_connect", [I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_listen", [I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_recv_from",
        "7-arg (V1, no port)": [I32, I32, I32, I32, I32, I32, I32],
        "8-arg (V2, with port)": [I32, I32, I32, I32, I32, I32, I32, I32]),
    e!(WasmEdgeSocket, "sock_send_to", [I32, I32, I32, I32, I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_getsockopt", [I32, I32, I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_setsockopt", [I32, I32, I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_getlocaladdr",
        "4-arg (V1, address type)": [I32, I32, I32, I32],
        "3-arg (V2, 128-byte storage)": [I32, I32, I32]),
    e!(WasmEdgeSocket, "sock_getpeeraddr",
        "4-arg (V1, address type)": [I32, I32, I32, I32],
        "3-arg (V2, 128-byte storage)": [I32, I32, I32]),
    e!(WasmEdgeSocket, "sock_getaddrinfo", [I32, I32, I32, I32, I32, I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_open_v2", [I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_bind_v2", [I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_connect_v2", [I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_listen_v2", [I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_accept_v2", [I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_recv_v2", [I32, I32, I32, I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_recv_from_v2", [I32, I32, I32, I32, I32, I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_send_v2", [I32, I32, I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_send_to_v2", [I32, I32, I32, I32, I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_getlocaladdr_v2", [I32, I32, I32] -> [I32]),
    e!(WasmEdgeSocket, "sock_getpeeraddr_v2", [I32, I32, I32] -> [I32]),
];

/// The table entry for `module.name`, if the runtime has a function of that name.
pub(crate) fn lookup(module: &str, name: &str) -> Option<&'static Entry> {
    if module != PREVIEW1 {
        return None;
    }
    ENTRIES.iter().find(|e| e.name == name)
}
