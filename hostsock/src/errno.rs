//! The WASI errno enum and the total mapping from host errors to it.
//!
//! [`Errno`] is the one errno type of the whole project: the runtime glue re-uses it for
//! every host call result. Values 0..=76 are WASI preview1 (`wasi_snapshot_preview1.witx`,
//! see `shared/spec/wasmedge-socket-abi.md` §2.1); 77..=87 are WasmEdge's `getaddrinfo`
//! extension and only ever come out of name resolution.
//!
//! The host mapping is *total*: [`Errno::from_raw_os_error`] maps every errno the host
//! can produce and sends anything unknown to [`Errno::Io`] (spec §9, "unknown host errno");
//! [`Errno::from_io_error`] looks at `raw_os_error()` first and only falls back to the
//! [`io::ErrorKind`] for errors that carry no OS code (errors made by std or by this crate).
//! The table follows old wasmtime `wasi-common/src/snapshots/preview_1/error.rs`.

use std::{fmt, io};

macro_rules! errno_enum {
    ($($(#[$doc:meta])* $variant:ident = $value:literal, $name:literal;)*) => {
        /// A WASI errno value (`__wasi_errno_t`, `u16` in guest structs, `i32` as a host call
        /// result).
        ///
        /// The variant names are the witx names in Rust case (`ACCES` -> `Acces`,
        /// `2BIG` -> `TooBig`); [`Errno::name`] gives the upper-case witx name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Errno {
            $($(#[$doc])* $variant = $value,)*
        }

        impl Errno {
            /// Every value, in numeric order (0..=87).
            pub const ALL: &'static [Errno] = &[$(Errno::$variant,)*];

            /// The witx name without the `ERRNO_` prefix, e.g. `"ACCES"`.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Errno::$variant => $name,)*
                }
            }

            /// The enum value for a raw WASI number, or `None` above 87.
            #[must_use]
            pub const fn from_u16(raw: u16) -> Option<Errno> {
                match raw {
                    $($value => Some(Errno::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

errno_enum! {
    /// No error occurred.
    Success = 0, "SUCCESS";
    /// Argument list too long.
    TooBig = 1, "2BIG";
    /// Permission denied (also: refused by the network policy).
    Acces = 2, "ACCES";
    /// Address in use.
    Addrinuse = 3, "ADDRINUSE";
    /// Address not available.
    Addrnotavail = 4, "ADDRNOTAVAIL";
    /// Address family not supported.
    Afnosupport = 5, "AFNOSUPPORT";
    /// Resource unavailable, or operation would block.
    Again = 6, "AGAIN";
    /// Connection already in progress.
    Already = 7, "ALREADY";
    /// Bad file descriptor.
    Badf = 8, "BADF";
    /// Bad message.
    Badmsg = 9, "BADMSG";
    /// Device or resource busy.
    Busy = 10, "BUSY";
    /// Operation canceled.
    Canceled = 11, "CANCELED";
    /// No child processes.
    Child = 12, "CHILD";
    /// Connection aborted.
    Connaborted = 13, "CONNABORTED";
    /// Connection refused.
    Connrefused = 14, "CONNREFUSED";
    /// Connection reset.
    Connreset = 15, "CONNRESET";
    /// Resource deadlock would occur.
    Deadlk = 16, "DEADLK";
    /// Destination address required.
    Destaddrreq = 17, "DESTADDRREQ";
    /// Mathematics argument out of domain of function.
    Dom = 18, "DOM";
    /// Reserved (disk quota exceeded).
    Dquot = 19, "DQUOT";
    /// File exists.
    Exist = 20, "EXIST";
    /// Bad address (a guest pointer or span outside memory).
    Fault = 21, "FAULT";
    /// File too large.
    Fbig = 22, "FBIG";
    /// Host is unreachable.
    Hostunreach = 23, "HOSTUNREACH";
    /// Identifier removed.
    Idrm = 24, "IDRM";
    /// Illegal byte sequence.
    Ilseq = 25, "ILSEQ";
    /// Operation in progress (non-blocking connect).
    Inprogress = 26, "INPROGRESS";
    /// Interrupted function.
    Intr = 27, "INTR";
    /// Invalid argument.
    Inval = 28, "INVAL";
    /// I/O error; also the catch-all for host errors with no WASI equivalent.
    Io = 29, "IO";
    /// Socket is connected.
    Isconn = 30, "ISCONN";
    /// Is a directory.
    Isdir = 31, "ISDIR";
    /// Too many levels of symbolic links.
    Loop = 32, "LOOP";
    /// File descriptor value too large.
    Mfile = 33, "MFILE";
    /// Too many links.
    Mlink = 34, "MLINK";
    /// Message too large.
    Msgsize = 35, "MSGSIZE";
    /// Reserved (multihop attempted).
    Multihop = 36, "MULTIHOP";
    /// Filename too long.
    Nametoolong = 37, "NAMETOOLONG";
    /// Network is down.
    Netdown = 38, "NETDOWN";
    /// Connection aborted by network.
    Netreset = 39, "NETRESET";
    /// Network unreachable.
    Netunreach = 40, "NETUNREACH";
    /// Too many files open in system.
    Nfile = 41, "NFILE";
    /// No buffer space available.
    Nobufs = 42, "NOBUFS";
    /// No such device.
    Nodev = 43, "NODEV";
    /// No such file or directory.
    Noent = 44, "NOENT";
    /// Executable file format error.
    Noexec = 45, "NOEXEC";
    /// No locks available.
    Nolck = 46, "NOLCK";
    /// Reserved (link has been severed).
    Nolink = 47, "NOLINK";
    /// Not enough space.
    Nomem = 48, "NOMEM";
    /// No message of the desired type.
    Nomsg = 49, "NOMSG";
    /// Protocol not available (unknown socket option).
    Noprotoopt = 50, "NOPROTOOPT";
    /// No space left on device.
    Nospc = 51, "NOSPC";
    /// Function not supported.
    Nosys = 52, "NOSYS";
    /// The socket is not connected.
    Notconn = 53, "NOTCONN";
    /// Not a directory.
    Notdir = 54, "NOTDIR";
    /// Directory not empty.
    Notempty = 55, "NOTEMPTY";
    /// State not recoverable.
    Notrecoverable = 56, "NOTRECOVERABLE";
    /// Not a socket.
    Notsock = 57, "NOTSOCK";
    /// Not supported, or operation not supported on socket.
    Notsup = 58, "NOTSUP";
    /// Inappropriate I/O control operation.
    Notty = 59, "NOTTY";
    /// No such device or address.
    Nxio = 60, "NXIO";
    /// Value too large to be stored in data type.
    Overflow = 61, "OVERFLOW";
    /// Previous owner died.
    Ownerdead = 62, "OWNERDEAD";
    /// Operation not permitted.
    Perm = 63, "PERM";
    /// Broken pipe.
    Pipe = 64, "PIPE";
    /// Protocol error.
    Proto = 65, "PROTO";
    /// Protocol not supported.
    Protonosupport = 66, "PROTONOSUPPORT";
    /// Protocol wrong type for socket.
    Prototype = 67, "PROTOTYPE";
    /// Result too large.
    Range = 68, "RANGE";
    /// Read-only file system.
    Rofs = 69, "ROFS";
    /// Invalid seek.
    Spipe = 70, "SPIPE";
    /// No such process.
    Srch = 71, "SRCH";
    /// Reserved (stale file handle).
    Stale = 72, "STALE";
    /// Connection timed out.
    Timedout = 73, "TIMEDOUT";
    /// Text file busy.
    Txtbsy = 74, "TXTBSY";
    /// Cross-device link.
    Xdev = 75, "XDEV";
    /// Extension: capabilities insufficient.
    Notcapable = 76, "NOTCAPABLE";
    /// WasmEdge extension (`EAI_ADDRFAMILY`): no address in the requested family.
    AiAddrfamily = 77, "AIADDRFAMILY";
    /// WasmEdge extension (`EAI_AGAIN`): temporary resolver failure.
    AiAgain = 78, "AIAGAIN";
    /// WasmEdge extension (`EAI_BADFLAGS`): invalid `ai_flags`.
    AiBadflag = 79, "AIBADFLAG";
    /// WasmEdge extension (`EAI_FAIL`): non-recoverable resolver failure.
    AiFail = 80, "AIFAIL";
    /// WasmEdge extension (`EAI_FAMILY`): family not supported.
    AiFamily = 81, "AIFAMILY";
    /// WasmEdge extension (`EAI_MEMORY`): out of memory.
    AiMemory = 82, "AIMEMORY";
    /// WasmEdge extension (`EAI_NODATA`): the name has no addresses.
    AiNodata = 83, "AINODATA";
    /// WasmEdge extension (`EAI_NONAME`): unknown name or service.
    AiNoname = 84, "AINONAME";
    /// WasmEdge extension (`EAI_SERVICE`): service not available for the socket type.
    AiService = 85, "AISERVICE";
    /// WasmEdge extension (`EAI_SOCKTYPE`): socket type not supported.
    AiSocktype = 86, "AISOCKTYPE";
    /// WasmEdge extension (`EAI_SYSTEM`): system error.
    AiSystem = 87, "AISYSTEM";
}

/// Host errno -> WASI errno, one-to-one by name (spec §2.1). The aliases come last:
/// `EWOULDBLOCK` = `EAGAIN` and `EOPNOTSUPP` = `ENOTSUP` on Linux, distinct on some BSDs.
pub const HOST_ERRNOS: &[(i32, Errno)] = &[
    (libc::E2BIG, Errno::TooBig),
    (libc::EACCES, Errno::Acces),
    (libc::EADDRINUSE, Errno::Addrinuse),
    (libc::EADDRNOTAVAIL, Errno::Addrnotavail),
    (libc::EAFNOSUPPORT, Errno::Afnosupport),
    (libc::EAGAIN, Errno::Again),
    (libc::EALREADY, Errno::Already),
    (libc::EBADF, Errno::Badf),
    (libc::EBADMSG, Errno::Badmsg),
    (libc::EBUSY, Errno::Busy),
    (libc::ECANCELED, Errno::Canceled),
    (libc::ECHILD, Errno::Child),
    (libc::ECONNABORTED, Errno::Connaborted),
    (libc::ECONNREFUSED, Errno::Connrefused),
    (libc::ECONNRESET, Errno::Connreset),
    (libc::EDEADLK, Errno::Deadlk),
    (libc::EDESTADDRREQ, Errno::Destaddrreq),
    (libc::EDOM, Errno::Dom),
    (libc::EDQUOT, Errno::Dquot),
    (libc::EEXIST, Errno::Exist),
    (libc::EFAULT, Errno::Fault),
    (libc::EFBIG, Errno::Fbig),
    (libc::EHOSTUNREACH, Errno::Hostunreach),
    (libc::EIDRM, Errno::Idrm),
    (libc::EILSEQ, Errno::Ilseq),
    (libc::EINPROGRESS, Errno::Inprogress),
    (libc::EINTR, Errno::Intr),
    (libc::EINVAL, Errno::Inval),
    (libc::EIO, Errno::Io),
    (libc::EISCONN, Errno::Isconn),
    (libc::EISDIR, Errno::Isdir),
    (libc::ELOOP, Errno::Loop),
    (libc::EMFILE, Errno::Mfile),
    (libc::EMLINK, Errno::Mlink),
    (libc::EMSGSIZE, Errno::Msgsize),
    (libc::EMULTIHOP, Errno::Multihop),
    (libc::ENAMETOOLONG, Errno::Nametoolong),
    (libc::ENETDOWN, Errno::Netdown),
    (libc::ENETRESET, Errno::Netreset),
    (libc::ENETUNREACH, Errno::Netunreach),
    (libc::ENFILE, Errno::Nfile),
    (libc::ENOBUFS, Errno::Nobufs),
    (libc::ENODEV, Errno::Nodev),
    (libc::ENOENT, Errno::Noent),
    (libc::ENOEXEC, Errno::Noexec),
    (libc::ENOLCK, Errno::Nolck),
    (libc::ENOLINK, Errno::Nolink),
    (libc::ENOMEM, Errno::Nomem),
    (libc::ENOMSG, Errno::Nomsg),
    (libc::ENOPROTOOPT, Errno::Noprotoopt),
    (libc::ENOSPC, Errno::Nospc),
    (libc::ENOSYS, Errno::Nosys),
    (libc::ENOTCONN, Errno::Notconn),
    (libc::ENOTDIR, Errno::Notdir),
    (libc::ENOTEMPTY, Errno::Notempty),
    (libc::ENOTRECOVERABLE, Errno::Notrecoverable),
    (libc::ENOTSOCK, Errno::Notsock),
    (libc::ENOTSUP, Errno::Notsup),
    (libc::ENOTTY, Errno::Notty),
    (libc::ENXIO, Errno::Nxio),
    (libc::EOVERFLOW, Errno::Overflow),
    (libc::EOWNERDEAD, Errno::Ownerdead),
    (libc::EPERM, Errno::Perm),
    (libc::EPIPE, Errno::Pipe),
    (libc::EPROTO, Errno::Proto),
    (libc::EPROTONOSUPPORT, Errno::Protonosupport),
    (libc::EPROTOTYPE, Errno::Prototype),
    (libc::ERANGE, Errno::Range),
    (libc::EROFS, Errno::Rofs),
    (libc::ESPIPE, Errno::Spipe),
    (libc::ESRCH, Errno::Srch),
    (libc::ESTALE, Errno::Stale),
    (libc::ETIMEDOUT, Errno::Timedout),
    (libc::ETXTBSY, Errno::Txtbsy),
    (libc::EXDEV, Errno::Xdev),
    (libc::EWOULDBLOCK, Errno::Again),
    (libc::EOPNOTSUPP, Errno::Notsup),
];

impl Errno {
    /// The raw WASI number.
    #[must_use]
    pub const fn raw(self) -> u16 {
        self as u16
    }

    /// Maps a host (`libc`) errno by name to the WASI errno ([`HOST_ERRNOS`]). Total: a
    /// code with no WASI equivalent (or an unknown one) gives [`Errno::Io`], as spec §9
    /// recommends.
    #[must_use]
    pub fn from_raw_os_error(code: i32) -> Errno {
        if code == 0 {
            return Errno::Success;
        }
        HOST_ERRNOS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(Errno::Io, |(_, e)| *e)
    }

    /// Maps an [`io::ErrorKind`] for errors that carry no OS code. Total: kinds with no
    /// better match give [`Errno::Io`].
    #[must_use]
    pub fn from_error_kind(kind: io::ErrorKind) -> Errno {
        use io::ErrorKind as K;
        match kind {
            K::NotFound => Errno::Noent,
            K::PermissionDenied => Errno::Acces,
            K::ConnectionRefused => Errno::Connrefused,
            K::ConnectionReset => Errno::Connreset,
            K::HostUnreachable => Errno::Hostunreach,
            K::NetworkUnreachable => Errno::Netunreach,
            K::ConnectionAborted => Errno::Connaborted,
            K::NotConnected => Errno::Notconn,
            K::AddrInUse => Errno::Addrinuse,
            K::AddrNotAvailable => Errno::Addrnotavail,
            K::NetworkDown => Errno::Netdown,
            K::BrokenPipe => Errno::Pipe,
            K::AlreadyExists => Errno::Exist,
            K::WouldBlock => Errno::Again,
            K::NotADirectory => Errno::Notdir,
            K::IsADirectory => Errno::Isdir,
            K::DirectoryNotEmpty => Errno::Notempty,
            K::ReadOnlyFilesystem => Errno::Rofs,
            K::StaleNetworkFileHandle => Errno::Stale,
            K::InvalidInput => Errno::Inval,
            K::InvalidData => Errno::Ilseq,
            K::TimedOut => Errno::Timedout,
            K::StorageFull => Errno::Nospc,
            K::NotSeekable => Errno::Spipe,
            K::QuotaExceeded => Errno::Dquot,
            K::FileTooLarge => Errno::Fbig,
            K::ResourceBusy => Errno::Busy,
            K::ExecutableFileBusy => Errno::Txtbsy,
            K::Deadlock => Errno::Deadlk,
            K::CrossesDevices => Errno::Xdev,
            K::TooManyLinks => Errno::Mlink,
            K::InvalidFilename => Errno::Nametoolong,
            K::ArgumentListTooLong => Errno::TooBig,
            K::Interrupted => Errno::Intr,
            K::Unsupported => Errno::Notsup,
            K::OutOfMemory => Errno::Nomem,
            _ => Errno::Io,
        }
    }

    /// Maps a host error: `raw_os_error()` first, then the [`io::ErrorKind`].
    #[must_use]
    pub fn from_io_error(err: &io::Error) -> Errno {
        match err.raw_os_error() {
            Some(code) => Errno::from_raw_os_error(code),
            None => Errno::from_error_kind(err.kind()),
        }
    }
}

impl From<io::Error> for Errno {
    fn from(err: io::Error) -> Errno {
        Errno::from_io_error(&err)
    }
}

impl From<&io::Error> for Errno {
    fn from(err: &io::Error) -> Errno {
        Errno::from_io_error(err)
    }
}

impl From<Errno> for u16 {
    fn from(errno: Errno) -> u16 {
        errno.raw()
    }
}

impl From<Errno> for i32 {
    fn from(errno: Errno) -> i32 {
        i32::from(errno.raw())
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E{} ({})", self.name(), self.raw())
    }
}

impl std::error::Error for Errno {}
