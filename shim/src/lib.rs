//! `containerd-shim-fdvirt-v1`: a containerd shim (runtime `io.containerd.fdvirt.v1`) that
//! runs a container's wasm entrypoint on fdvirt's host layer.
//!
//! The shim is built on runwasi's [`containerd_shim_wasm`] 1.x: the library owns the
//! containerd protocol (ttrpc task service), the container's namespaces and cgroups
//! (youki's libcontainer), stdio wiring and the exit-status bookkeeping. Inside the
//! container's init process it calls [`FdvirtSandbox`], which runs the module with
//! [`runtime_glue::GuestBuilder`]: args and env from the OCI process, the container's root
//! filesystem preopened at `/`, stdio to containerd's pipes, and fdvirt's own settings
//! (fd policy, fd limit, pre-opened listeners, network grants) from `FDVIRT_*` variables
//! ([`settings`]).
//!
//! # Exit status
//!
//! | status | meaning |
//! |---|---|
//! | 0..=255 | the guest's own (`proc_exit(n)`, or 0 when `_start` returns) |
//! | 1 | also when the guest's status does not fit a byte |
//! | 125 | fdvirt could not start the guest (invalid module, unknown import, a listener that cannot bind) |
//! | 134 | the guest trapped (128 + SIGABRT, as `fdvirt run` and Wasmtime) |
//! | 143 / 130 | stopped by SIGTERM / SIGINT (`ctr task kill`) |
//!
//! A container whose entrypoint is not a wasm module, or whose `FDVIRT_*` settings do not
//! parse, is refused before it starts: task creation fails and the reason is logged by
//! containerd.

mod guest;
mod image;
pub mod settings;
mod shim;
mod signals;

pub use crate::{
    guest::{GuestError, Prepared, STARTUP_FAILURE, TRAP},
    image::{ImageError, ImageKind, ImageSpec, WASM_LAYER_MEDIA_TYPE, write_image},
    shim::{FdvirtSandbox, FdvirtShim},
};
