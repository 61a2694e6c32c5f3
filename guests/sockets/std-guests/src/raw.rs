//! Hand-written imports of the standard preview1 socket calls (module
//! `wasi_snapshot_preview1`), with the wasm32 types of the witx definitions. Every call
//! returns a WASI errno (0 = success) as an `i32`.

/// `ciovec`/`iovec`: 8 bytes on wasm32 (u32 pointer, u32 length).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Iovec {
    /// Guest address of the bytes.
    pub buf: *const u8,
    /// Number of bytes.
    pub len: u32,
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    /// `sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen*, ro_flags*) -> errno`.
    pub fn sock_recv(
        fd: u32,
        ri_data: *const Iovec,
        ri_data_len: u32,
        ri_flags: u32,
        ro_datalen: *mut u32,
        ro_flags: *mut u16,
    ) -> i32;
    /// `sock_send(fd, si_data, si_data_len, si_flags, so_datalen*) -> errno`.
    pub fn sock_send(
        fd: u32,
        si_data: *const Iovec,
        si_data_len: u32,
        si_flags: u32,
        so_datalen: *mut u32,
    ) -> i32;
    /// `sock_shutdown(fd, how) -> errno` (how: 1 RD, 2 WR, 3 both).
    pub fn sock_shutdown(fd: u32, how: u32) -> i32;
    /// `fd_close(fd) -> errno`.
    pub fn fd_close(fd: u32) -> i32;
}

/// Receives into `buf`; `Ok(0)` is end of stream.
///
/// # Errors
/// The WASI errno of a failed `sock_recv`.
pub fn recv(fd: u32, buf: &mut [u8]) -> Result<usize, i32> {
    let iov = Iovec {
        buf: buf.as_mut_ptr(),
        len: buf.len() as u32,
    };
    let (mut n, mut flags) = (0u32, 0u16);
    // SAFETY: `iov` points at `buf`, which is live and writable for `buf.len()` bytes; both
    // output pointers refer to live locals of the right size.
    let errno = unsafe { sock_recv(fd, &iov, 1, 0, &mut n, &mut flags) };
    if errno == 0 {
        Ok(n as usize)
    } else {
        Err(errno)
    }
}

/// Sends all of `data`, looping over partial sends.
///
/// # Errors
/// The WASI errno of a failed `sock_send`, or 29 (`IO`) if the host sent 0 bytes.
pub fn send_all(fd: u32, mut data: &[u8]) -> Result<(), i32> {
    while !data.is_empty() {
        let iov = Iovec {
            buf: data.as_ptr(),
            len: data.len() as u32,
        };
        let mut n = 0u32;
        // SAFETY: `iov` points at `data`, live for its length; `n` is a live u32.
        let errno = unsafe { sock_send(fd, &iov, 1, 0, &mut n) };
        if errno != 0 {
            return Err(errno);
        }
        if n == 0 {
            return Err(29);
        }
        data = &data[(n as usize).min(data.len())..];
    }
    Ok(())
}

/// Closes `fd`, ignoring the result (nothing useful can be done about a failed close).
pub fn close(fd: u32) {
    // SAFETY: plain host call with integer arguments.
    let _ = unsafe { fd_close(fd) };
}
