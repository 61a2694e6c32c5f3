//! `containerd-shim-fdvirt-v1`: containerd starts it for runtime `io.containerd.fdvirt.v1`.

use containerd_shim_fdvirt::FdvirtShim;
use containerd_shim_wasm::shim::Cli as _;

fn main() {
    FdvirtShim::run(None);
}
