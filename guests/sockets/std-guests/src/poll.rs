//! `poll_oneoff` over socket fds, with the wasm32 layouts of preview1's `subscription`
//! (48 bytes, align 8) and `event` (32 bytes, align 8); see the ABI spec §3.7.

/// `eventtype::fd_read`.
pub const FD_READ: u8 = 1;
/// `eventtype::fd_write`.
pub const FD_WRITE: u8 = 2;

/// `subscription`: userdata u64 @0, tag u8 @8, union @16 (for fd events: fd u32 @16).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Subscription {
    userdata: u64,
    tag: u8,
    _pad: [u8; 7],
    fd: u32,
    _rest: [u8; 28],
}

impl Subscription {
    /// Interest in `fd` becoming readable (`FD_READ`) or writable (`FD_WRITE`).
    pub fn fd(userdata: u64, tag: u8, fd: u32) -> Self {
        Subscription {
            userdata,
            tag,
            _pad: [0; 7],
            fd,
            _rest: [0; 28],
        }
    }
}

/// `event`: userdata u64 @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Event {
    /// The subscription's userdata.
    pub userdata: u64,
    /// WASI errno for this subscription (0 = ready).
    pub error: u16,
    /// `FD_READ` or `FD_WRITE` (or 0 for clocks).
    pub kind: u8,
    _pad: [u8; 5],
    /// Bytes available (a hint).
    pub nbytes: u64,
    /// `eventrwflags` (1 = hang-up).
    pub flags: u16,
    _pad2: [u8; 6],
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    /// `poll_oneoff(in*, out*, nsubscriptions, nevents*) -> errno`.
    fn poll_oneoff(input: *const Subscription, out: *mut Event, n: u32, nevents: *mut u32) -> i32;
}

/// Blocks until at least one subscription is ready; returns the completed events.
///
/// # Errors
/// The WASI errno of a failed `poll_oneoff` (e.g. 28 `INVAL` for an empty list).
pub fn poll(subs: &[Subscription]) -> Result<Vec<Event>, i32> {
    let mut events = vec![Event::default(); subs.len()];
    let mut n = 0u32;
    // SAFETY: `subs` and `events` are live arrays of `subs.len()` correctly laid out
    // structs, and `n` is a live u32.
    let errno = unsafe {
        poll_oneoff(
            subs.as_ptr(),
            events.as_mut_ptr(),
            subs.len() as u32,
            &mut n,
        )
    };
    if errno != 0 {
        return Err(errno);
    }
    events.truncate((n as usize).min(subs.len()));
    Ok(events)
}

/// WASI errno `AGAIN`: a non-blocking socket has nothing to give yet.
pub const EAGAIN: i32 = 6;

/// Blocks until `fd` is readable (or reports an error or hang-up).
///
/// Used by the raw guests, because hosts differ in whether a pre-opened listener and the
/// sockets accepted from it are blocking: Wasmtime's legacy preview1 `tcplisten` listener is
/// non-blocking, so a plain `sock_accept` on it returns `AGAIN` at once.
///
/// # Errors
/// The WASI errno of a failed `poll_oneoff`.
pub fn wait_readable(fd: u32) -> Result<(), i32> {
    poll(&[Subscription::fd(0, FD_READ, fd)]).map(|_| ())
}
