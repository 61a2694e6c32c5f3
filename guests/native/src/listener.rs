//! The listening socket named on the command line, so the harness drives the native and
//! the wasm build of a server the same way.

use std::io;

use mio::net::TcpListener;

/// The listening socket named on the command line.
///
/// WASI: `--fd N` (default 3, the first pre-opened socket under both fdvirt and wasmtime,
/// `fdvirt run --tcplisten` / `wasmtime run -S tcplisten`). Native: `--listen HOST:PORT`
/// (default 127.0.0.1:8080), which the server binds itself.
///
/// # Errors
/// Returns a bad argument as `InvalidInput`, or the error of binding / configuring.
pub fn listener_from_args() -> io::Result<TcpListener> {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    #[cfg(target_os = "wasi")]
    {
        use std::os::wasi::io::FromRawFd;
        let fd: i32 = match value("--fd") {
            Some(v) => v.parse().map_err(|_| bad_arg("--fd"))?,
            None => 3,
        };
        // SAFETY: fd N is the listening socket the runtime pre-opened for this process
        // (`--tcplisten`); nothing else in this program owns or closes it.
        let std_listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
        std_listener.set_nonblocking(true)?;
        Ok(TcpListener::from_std(std_listener))
    }
    #[cfg(not(target_os = "wasi"))]
    {
        let addr = value("--listen").unwrap_or_else(|| "127.0.0.1:8080".to_string());
        let addr = addr.parse().map_err(|_| bad_arg("--listen"))?;
        TcpListener::bind(addr)
    }
}

fn bad_arg(flag: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("bad value for {flag}"))
}
