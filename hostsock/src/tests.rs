//! Unit tests: the errno table (one test per mapped entry), interest sets, policy
//! parsing and matching, lookups under the policy, `EAI_*` codes, option numbering.

use std::{
    io,
    net::{IpAddr, SocketAddr},
};

use crate::{
    AddressFamily, Errno, Grant, Interest, IpRange, LookupHints, NetUse, NetworkPolicy,
    PolicyError, PortRange, SockOpt, SocketKind,
};

/// One test per host errno: `libc::$c` maps to `Errno::$v`, and the WASI name is the
/// libc name without its `E` (the name-by-name rule of spec §2.1), checked from the
/// identifier itself so a mismatched pair in the table cannot pass.
macro_rules! maps {
    ($($test:ident: $c:ident => $v:ident;)*) => {$(
        #[test]
        fn $test() {
            let errno = Errno::from_raw_os_error(libc::$c);
            assert_eq!(errno, Errno::$v);
            assert_eq!(Errno::from(io::Error::from_raw_os_error(libc::$c)), Errno::$v);
            let name = stringify!($c).strip_prefix('E').unwrap_or_default();
            assert_eq!(errno.name(), if name == "WOULDBLOCK" { "AGAIN" } else if name == "OPNOTSUPP" { "NOTSUP" } else { name });
        }
    )*};
}

maps! {
    raw_e2big: E2BIG => TooBig; raw_eacces: EACCES => Acces; raw_eaddrinuse: EADDRINUSE => Addrinuse;
    raw_eaddrnotavail: EADDRNOTAVAIL => Addrnotavail; raw_eafnosupport: EAFNOSUPPORT => Afnosupport;
    raw_eagain: EAGAIN => Again; raw_ewouldblock: EWOULDBLOCK => Again; raw_ealready: EALREADY => Already;
    raw_ebadf: EBADF => Badf; raw_ebadmsg: EBADMSG => Badmsg; raw_ebusy: EBUSY => Busy;
    raw_ecanceled: ECANCELED => Canceled; raw_echild: ECHILD => Child;
    raw_econnaborted: ECONNABORTED => Connaborted; raw_econnrefused: ECONNREFUSED => Connrefused;
    raw_econnreset: ECONNRESET => Connreset; raw_edeadlk: EDEADLK => Deadlk;
    raw_edestaddrreq: EDESTADDRREQ => Destaddrreq; raw_edom: EDOM => Dom; raw_edquot: EDQUOT => Dquot;
    raw_eexist: EEXIST => Exist; raw_efault: EFAULT => Fault; raw_efbig: EFBIG => Fbig;
    raw_ehostunreach: EHOSTUNREACH => Hostunreach; raw_eidrm: EIDRM => Idrm; raw_eilseq: EILSEQ => Ilseq;
    raw_einprogress: EINPROGRESS => Inprogress; raw_eintr: EINTR => Intr; raw_einval: EINVAL => Inval;
    raw_eio: EIO => Io; raw_eisconn: EISCONN => Isconn; raw_eisdir: EISDIR => Isdir; raw_eloop: ELOOP => Loop;
    raw_emfile: EMFILE => Mfile; raw_emlink: EMLINK => Mlink; raw_emsgsize: EMSGSIZE => Msgsize;
    raw_emultihop: EMULTIHOP => Multihop; raw_enametoolong: ENAMETOOLONG => Nametoolong;
    raw_enetdown: ENETDOWN => Netdown; raw_enetreset: ENETRESET => Netreset;
    raw_enetunreach: ENETUNREACH => Netunreach; raw_enfile: ENFILE => Nfile; raw_enobufs: ENOBUFS => Nobufs;
    raw_enodev: ENODEV => Nodev; raw_enoent: ENOENT => Noent; raw_enoexec: ENOEXEC => Noexec;
    raw_enolck: ENOLCK => Nolck; raw_enolink: ENOLINK => Nolink; raw_enomem: ENOMEM => Nomem;
    raw_enomsg: ENOMSG => Nomsg; raw_enoprotoopt: ENOPROTOOPT => Noprotoopt; raw_enospc: ENOSPC => Nospc;
    raw_enosys: ENOSYS => Nosys; raw_enotconn: ENOTCONN => Notconn; raw_enotdir: ENOTDIR => Notdir;
    raw_enotempty: ENOTEMPTY => Notempty; raw_enotrecoverable: ENOTRECOVERABLE => Notrecoverable;
    raw_enotsock: ENOTSOCK => Notsock; raw_enotsup: ENOTSUP => Notsup; raw_eopnotsupp: EOPNOTSUPP => Notsup;
    raw_enotty: ENOTTY => Notty; raw_enxio: ENXIO => Nxio; raw_eoverflow: EOVERFLOW => Overflow;
    raw_eownerdead: EOWNERDEAD => Ownerdead; raw_eperm: EPERM => Perm; raw_epipe: EPIPE => Pipe;
    raw_eproto: EPROTO => Proto; raw_eprotonosupport: EPROTONOSUPPORT => Protonosupport;
    raw_eprototype: EPROTOTYPE => Prototype; raw_erange: ERANGE => Range; raw_erofs: EROFS => Rofs;
    raw_espipe: ESPIPE => Spipe; raw_esrch: ESRCH => Srch; raw_estale: ESTALE => Stale;
    raw_etimedout: ETIMEDOUT => Timedout; raw_etxtbsy: ETXTBSY => Txtbsy; raw_exdev: EXDEV => Xdev;
}

#[test]
fn unknown_host_errno_maps_to_io() {
    // Linux errnos with no WASI equivalent, and nonsense values.
    for code in [libc::ENOTBLK, libc::ECHRNG, libc::EHOSTDOWN, 9999, -1] {
        assert_eq!(Errno::from_raw_os_error(code), Errno::Io, "{code}");
    }
    assert_eq!(Errno::from_raw_os_error(0), Errno::Success);
}

/// One check per mapped `ErrorKind`, for errors that carry no OS code.
#[test]
fn error_kinds_map_when_there_is_no_os_code() {
    use io::ErrorKind as K;
    let table = [
        (K::NotFound, Errno::Noent),
        (K::PermissionDenied, Errno::Acces),
        (K::ConnectionRefused, Errno::Connrefused),
        (K::ConnectionReset, Errno::Connreset),
        (K::HostUnreachable, Errno::Hostunreach),
        (K::NetworkUnreachable, Errno::Netunreach),
        (K::ConnectionAborted, Errno::Connaborted),
        (K::NotConnected, Errno::Notconn),
        (K::AddrInUse, Errno::Addrinuse),
        (K::AddrNotAvailable, Errno::Addrnotavail),
        (K::NetworkDown, Errno::Netdown),
        (K::BrokenPipe, Errno::Pipe),
        (K::AlreadyExists, Errno::Exist),
        (K::WouldBlock, Errno::Again),
        (K::NotADirectory, Errno::Notdir),
        (K::IsADirectory, Errno::Isdir),
        (K::DirectoryNotEmpty, Errno::Notempty),
        (K::ReadOnlyFilesystem, Errno::Rofs),
        (K::StaleNetworkFileHandle, Errno::Stale),
        (K::InvalidInput, Errno::Inval),
        (K::InvalidData, Errno::Ilseq),
        (K::TimedOut, Errno::Timedout),
        (K::StorageFull, Errno::Nospc),
        (K::NotSeekable, Errno::Spipe),
        (K::QuotaExceeded, Errno::Dquot),
        (K::FileTooLarge, Errno::Fbig),
        (K::ResourceBusy, Errno::Busy),
        (K::ExecutableFileBusy, Errno::Txtbsy),
        (K::Deadlock, Errno::Deadlk),
        (K::CrossesDevices, Errno::Xdev),
        (K::TooManyLinks, Errno::Mlink),
        (K::InvalidFilename, Errno::Nametoolong),
        (K::ArgumentListTooLong, Errno::TooBig),
        (K::Interrupted, Errno::Intr),
        (K::Unsupported, Errno::Notsup),
        (K::OutOfMemory, Errno::Nomem),
        (K::UnexpectedEof, Errno::Io),
        (K::WriteZero, Errno::Io),
        (K::Other, Errno::Io),
    ];
    for (kind, want) in table {
        assert_eq!(
            Errno::from(io::Error::new(kind, "synthetic")),
            want,
            "{kind:?}"
        );
    }
}

#[test]
fn raw_os_error_wins_over_kind() {
    // EWOULDBLOCK's kind is WouldBlock anyway; ENOTSOCK has kind Uncategorized.
    assert_eq!(
        Errno::from(io::Error::from_raw_os_error(libc::ENOTSOCK)),
        Errno::Notsock
    );
}

#[test]
fn errno_numbers_are_the_witx_and_wasmedge_values() {
    assert_eq!(Errno::ALL.len(), 88);
    for (i, e) in Errno::ALL.iter().enumerate() {
        assert_eq!(usize::from(e.raw()), i);
        assert_eq!(Errno::from_u16(e.raw()), Some(*e));
    }
    assert_eq!(Errno::from_u16(88), None);
    let spot = [
        (Errno::Acces, 2, "ACCES"),
        (Errno::Again, 6, "AGAIN"),
        (Errno::Notcapable, 76, "NOTCAPABLE"),
    ];
    for (e, n, name) in spot {
        assert_eq!((e.raw(), e.name()), (n, name));
    }
    assert_eq!((Errno::AiAddrfamily.raw(), Errno::AiSystem.raw()), (77, 87));
    assert_eq!(Errno::TooBig.name(), "2BIG");
    assert_eq!(Errno::Connrefused.to_string(), "ECONNREFUSED (14)");
    assert_eq!(i32::from(Errno::Inval), 28);
}

#[test]
fn interest_sets_are_never_empty() {
    assert_eq!(Interest::from_flags(false, false), None);
    assert_eq!(Interest::from_flags(true, false), Some(Interest::READABLE));
    assert_eq!(Interest::from_flags(true, true), Some(Interest::BOTH));
    let both = Interest::READABLE | Interest::WRITABLE;
    assert!(both.is_readable() && both.is_writable());
    assert!(!Interest::WRITABLE.is_readable() && !Interest::READABLE.is_writable());
    assert_eq!(format!("{both:?}"), "READABLE | WRITABLE");
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn grant_specs_parse() {
    let g: Grant = "127.0.0.1/8:1024-65535".parse().unwrap();
    assert!(g.covers(NetUse::Connect, sa("127.9.9.9:1024")));
    assert!(g.covers(NetUse::Connect, sa("127.0.0.1:65535")));
    assert!(!g.covers(NetUse::Connect, sa("127.0.0.1:1023")));
    assert!(!g.covers(NetUse::Connect, sa("128.0.0.1:2000")));
    let g: Grant = "[::1]:80".parse().unwrap();
    assert!(g.covers(NetUse::Connect, sa("[::1]:80")));
    assert!(
        !g.covers(NetUse::Connect, sa("[::1]:81")) && !g.covers(NetUse::Connect, sa("[::2]:80"))
    );
    let g: Grant = "0.0.0.0/0:*".parse().unwrap();
    assert!(
        g.covers(NetUse::Connect, sa("8.8.8.8:53")) && !g.covers(NetUse::Connect, sa("[::1]:53"))
    );
    for spec in ["[::]/0:*", "[::/0]:*"] {
        let g: Grant = spec.parse().unwrap();
        assert!(g.covers(NetUse::Bind, sa("[2001:db8::1]:1")), "{spec}");
    }
    let g: Grant = " 10.1.2.3:8080 ".parse().unwrap();
    assert_eq!(
        g.ips,
        IpRange::new("10.1.2.3".parse().unwrap(), 32).unwrap()
    );
    assert_eq!(g.ports, PortRange::new(8080, 8080).unwrap());
}

#[test]
fn bad_grant_specs_are_typed_errors() {
    let err = |s: &str| s.parse::<Grant>().unwrap_err();
    assert_eq!(err("127.0.0.1"), PolicyError::MissingPort);
    assert_eq!(err("[::1]"), PolicyError::MissingPort);
    assert_eq!(err("localhost:80"), PolicyError::BadAddress);
    assert_eq!(err("[::1:80"), PolicyError::BadAddress);
    assert_eq!(
        err("1.2.3.4/33:80"),
        PolicyError::BadPrefix {
            prefix: 33,
            max: 32
        }
    );
    assert_eq!(
        err("[::1]/129:80"),
        PolicyError::BadPrefix {
            prefix: 129,
            max: 128
        }
    );
    assert_eq!(err("1.2.3.4:70000"), PolicyError::BadPort);
    assert_eq!(
        err("1.2.3.4:9-1"),
        PolicyError::EmptyPortRange { lo: 9, hi: 1 }
    );
}

#[test]
fn ipv4_ranges_match_ipv4_mapped_ipv6() {
    let r = IpRange::new("192.168.0.0".parse().unwrap(), 16).unwrap();
    assert!(r.contains("::ffff:192.168.4.4".parse().unwrap()));
    assert!(!r.contains("::ffff:192.169.0.1".parse().unwrap()));
    assert!(!IpRange::ANY_V6.contains(IpAddr::from([1, 2, 3, 4])));
}

#[test]
fn bind_port_zero_needs_only_the_ip() {
    let g: Grant = "127.0.0.1:8000-9000".parse().unwrap();
    assert!(g.covers(NetUse::Bind, sa("127.0.0.1:0")));
    assert!(!g.covers(NetUse::Connect, sa("127.0.0.1:0")));
}

#[test]
fn policy_check_is_per_use() {
    let g: Grant = "127.0.0.0/8:*".parse().unwrap();
    let p = NetworkPolicy::deny_all().allow(NetUse::Connect, g);
    assert!(p.check(NetUse::Connect, sa("127.0.0.1:80")).is_ok());
    let denied = p.check(NetUse::Bind, sa("127.0.0.1:80")).unwrap_err();
    assert_eq!(Errno::from(denied), Errno::Acces);
    assert!(NetworkPolicy::allow_all().allows(NetUse::Lookup, sa("[2001:db8::1]:443")));
    assert!(!NetworkPolicy::deny_all().allows(NetUse::Connect, sa("127.0.0.1:80")));
}

/// The policy gates lookups: no lookup grant refuses before asking the resolver, results
/// outside the grants are dropped (all dropped: `EACCES`); without a node nothing is looked
/// up and nothing filtered. Inputs the resolver cannot take are refused.
#[test]
fn lookups_obey_the_policy_and_refuse_bad_input() {
    let stream = LookupHints {
        kind: Some(SocketKind::Stream),
        ..LookupHints::default()
    };
    let addrs = |policy: &NetworkPolicy, node: Option<&str>| {
        crate::getaddrinfo(policy, node, Some("80"), &stream)
            .map(|r| r.into_iter().map(|a| a.addr).collect::<Vec<_>>())
    };
    let all = NetworkPolicy::allow_all();
    assert_eq!(addrs(&all, Some("::1")), Ok(vec![sa("[::1]:80")]));
    assert_eq!(
        addrs(&NetworkPolicy::deny_all(), Some("::1")),
        Err(Errno::Acces)
    );
    let g: Grant = "10.0.0.0/8:*".parse().unwrap();
    let tens = NetworkPolicy::deny_all().allow(NetUse::Lookup, g);
    assert_eq!(addrs(&tens, Some("10.1.2.3")), Ok(vec![sa("10.1.2.3:80")]));
    assert_eq!(addrs(&tens, Some("127.0.0.1")), Err(Errno::Acces));
    assert_eq!(
        addrs(&NetworkPolicy::deny_all(), None).map(|a| a.len()),
        Ok(2)
    );
    assert_eq!(addrs(&all, Some("local\0host")), Err(Errno::AiNoname));
    let none = crate::getaddrinfo(&all, None, None, &stream);
    assert_eq!(none, Err(Errno::AiNoname));
    let unix = LookupHints {
        family: Some(AddressFamily::Unix),
        ..stream
    };
    assert_eq!(
        crate::getaddrinfo(&all, Some("::1"), None, &unix),
        Err(Errno::AiFamily)
    );
}

/// Every `EAI_*` code maps to its WasmEdge errno by number (ABI spec §2.1), whatever the
/// locale makes `gai_strerror` say.
#[test]
fn eai_codes_map_by_number() {
    let table = [
        (-9, Errno::AiAddrfamily), // glibc's EAI_ADDRFAMILY
        (libc::EAI_AGAIN, Errno::AiAgain),
        (libc::EAI_BADFLAGS, Errno::AiBadflag),
        (libc::EAI_FAIL, Errno::AiFail),
        (libc::EAI_FAMILY, Errno::AiFamily),
        (libc::EAI_MEMORY, Errno::AiMemory),
        (libc::EAI_NODATA, Errno::AiNodata),
        (libc::EAI_NONAME, Errno::AiNoname),
        (libc::EAI_SERVICE, Errno::AiService),
        (libc::EAI_SOCKTYPE, Errno::AiSocktype),
        (libc::EAI_SYSTEM, Errno::AiSystem),
    ];
    for (code, errno) in table {
        assert_eq!(crate::eai_errno(code), errno, "EAI code {code}");
    }
    assert_eq!(
        table.iter().map(|(_, e)| *e as u16).collect::<Vec<_>>(),
        (77..=87).collect::<Vec<_>>(),
        "one code for each of 77..=87"
    );
    assert_eq!(crate::eai_errno(-12345), Errno::AiFail);
}

#[test]
fn sockopt_numbers_follow_wasmedge() {
    assert_eq!(SockOpt::try_from(0), Ok(SockOpt::ReuseAddr));
    assert_eq!(SockOpt::try_from(9), Ok(SockOpt::Linger));
    assert_eq!(SockOpt::try_from(14), Ok(SockOpt::BindToDevice));
    assert_eq!(SockOpt::try_from(15), Err(Errno::Inval));
    for n in 0..15u32 {
        assert_eq!(SockOpt::try_from(n).map(|o| o as u32), Ok(n));
    }
}

#[test]
fn handles_can_move_between_threads() {
    // Compile-time: the runtime keeps sockets and a Mutex<Poller> in its guest context.
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<crate::Socket>();
    send::<crate::Poller>();
    send_sync::<crate::NetworkPolicy>();
    send_sync::<Errno>();
}

#[test]
fn every_posix_named_wasi_errno_is_reachable_from_the_host() {
    // 1..=75 are POSIX names; 76 (NOTCAPABLE) and 77.. (AI*) have no host errno.
    for e in Errno::ALL.iter().filter(|e| (1..=75).contains(&e.raw())) {
        let hits = crate::HOST_ERRNOS.iter().filter(|(_, t)| t == e).count();
        let aliases = usize::from(matches!(e, Errno::Again | Errno::Notsup));
        assert_eq!(hits, 1 + aliases, "{e}");
    }
    assert!(crate::HOST_ERRNOS.iter().all(|(c, _)| *c != 0));
}

#[test]
fn guest_share_of_nofile_keeps_the_host_reserve() {
    use crate::{HOST_FD_RESERVE, NofileLimit};
    let share = |soft| NofileLimit { soft, hard: soft }.guest_fds();
    assert_eq!(share(20_000), 20_000 - HOST_FD_RESERVE as usize);
    assert_eq!(share(1024), 1024 - HOST_FD_RESERVE as usize);
    assert_eq!(share(10), 3, "stdio at least");
    let now = NofileLimit::current().expect("getrlimit");
    assert!(now.soft <= now.hard);
}
