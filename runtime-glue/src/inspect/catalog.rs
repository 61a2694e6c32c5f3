//! What the runtime can link, read from its host-call table ([`crate::abi`]), and which
//! form of a multi-form WasmEdge call an import binds to.
//!
//! The binding rule is WasmEdge's (`shared/spec/wasmedge-socket-abi.md` §4.2), applied by
//! [`abi::resolve`] exactly as the linker applies it: an import binds to the row of its own
//! name when the types are equal, else to its `_v2` twin when that one's types are equal.
//! So `inspect` can never disagree with what `fdvirt run` links.

use super::{AbiFamily, Binding, Signature};
use crate::abi::{self, HostCall};

/// Labels of the forms of the four calls whose V1 and `_v2` types differ (by name and
/// parameter count).
const FORMS: &[(&str, usize, &str)] = &[
    ("sock_accept", 2, "legacy 2-arg (WasmEdge V1)"),
    ("sock_accept", 3, "standard 3-arg (preview1 / WasmEdge V2)"),
    ("sock_recv_from", 7, "7-arg (V1, no port)"),
    ("sock_recv_from", 8, "8-arg (V2, with port)"),
    ("sock_getlocaladdr", 4, "4-arg (V1, address type)"),
    ("sock_getlocaladdr", 3, "3-arg (V2, 128-byte storage)"),
    ("sock_getpeeraddr", 4, "4-arg (V1, address type)"),
    ("sock_getpeeraddr", 3, "3-arg (V2, 128-byte storage)"),
];

/// The socket calls standard preview1 defines (with these exact types, so a 2-arg
/// `sock_accept` is WasmEdge's legacy form, not preview1).
const PREVIEW1_SOCKETS: &[(&str, usize)] = &[
    ("sock_accept", 3),
    ("sock_recv", 6),
    ("sock_send", 5),
    ("sock_shutdown", 2),
];

/// Binds a function import of `module.name` with type `sig` against the runtime's table
/// ([`abi::resolve`], the rule the linker uses).
pub(crate) fn bind(module: &str, name: &str, sig: &Signature) -> (AbiFamily, Binding) {
    let own = abi::find(module, name);
    let twin = crate::wasmedge::v2_redirect(name).and_then(|v2| abi::find(module, v2));
    if own.is_none() && twin.is_none() {
        return (AbiFamily::Unknown, Binding::Unknown);
    }
    let n = sig.params.len();
    let family = if !name.starts_with("sock_") || PREVIEW1_SOCKETS.contains(&(name, n)) {
        AbiFamily::Preview1
    } else {
        AbiFamily::WasmEdgeSocket
    };
    let bound =
        crate::imports::bind(module, name, &crate::imports::ImportType::Func(sig.clone())).is_ok();
    let binding = if bound {
        Binding::Bound {
            form: FORMS
                .iter()
                .find(|f| f.0 == name && f.1 == n)
                .map_or("", |f| f.2),
        }
    } else {
        Binding::SignatureMismatch {
            accepted: own.into_iter().chain(twin).map(row_signature).collect(),
        }
    };
    (family, binding)
}

fn row_signature(row: &HostCall) -> Signature {
    row.sig()
}
