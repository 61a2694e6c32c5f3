//! Unit tests: memory bounds, the host-call table, and host calls invoked
//! directly over an in-memory guest buffer (no engine).

use crate::{
    GuestBuilder, SharedBuffer, Stdio,
    abi::{self, Returns},
    errno::{Errno, Fault, Trap},
    memory,
};

#[test]
fn range_accepts_exact_end_and_rejects_past_it() {
    assert_eq!(memory::range(10, 0, 10), Ok(0..10));
    assert_eq!(memory::range(10, 10, 0), Ok(10..10));
    assert_eq!(memory::range(10, 11, 0), Err(Errno::Fault));
    assert_eq!(memory::range(10, 7, 4), Err(Errno::Fault));
    assert_eq!(memory::range(10, u32::MAX, 1), Err(Errno::Fault));
    assert_eq!(
        memory::range(usize::MAX, u32::MAX, u32::MAX).map(|r| r.len()),
        Ok(u32::MAX as usize)
    );
}

#[test]
fn integer_access_is_little_endian_and_bounds_checked() {
    let mut mem = vec![0u8; 16];
    memory::write_u64(&mut mem, 8, 0x0102_0304_0506_0708).unwrap();
    assert_eq!(mem[8], 0x08);
    assert_eq!(memory::read_u32(&mem, 12), Ok(0x0102_0304));
    assert_eq!(memory::read_u16(&mem, 8), Ok(0x0708));
    assert_eq!(memory::read_u64(&mem, 9), Err(Errno::Fault));
    assert_eq!(memory::write_u32(&mut mem, 13, 1), Err(Errno::Fault));
    assert_eq!(
        memory::read_u64(&mem, 8),
        Ok(0x0102_0304_0506_0708),
        "failed write left memory alone"
    );
}

#[test]
fn read_str_requires_utf8() {
    let mem = b"ok\xff".to_vec();
    assert_eq!(memory::read_str(&mem, 0, 2), Ok("ok"));
    assert_eq!(memory::read_str(&mem, 0, 3), Err(Errno::Ilseq));
    assert_eq!(memory::read_str(&mem, 2, 2), Err(Errno::Fault));
}

/// Memory with `count` iovecs at 0 describing `(buf, len)` pairs.
fn with_iovecs(size: usize, iovs: &[(u32, u32)]) -> Vec<u8> {
    let mut mem = vec![0u8; size];
    for (i, (buf, len)) in iovs.iter().enumerate() {
        memory::write_u32(&mut mem, i as u32 * 8, *buf).unwrap();
        memory::write_u32(&mut mem, i as u32 * 8 + 4, *len).unwrap();
    }
    mem
}

#[test]
fn iovecs_gather_and_scatter_in_order() {
    let mut mem = with_iovecs(64, &[(32, 3), (40, 0), (48, 4)]);
    mem[32..35].copy_from_slice(b"abc");
    mem[48..52].copy_from_slice(b"defg");
    let iovs = memory::iovecs(&mem, 0, 3).unwrap();
    assert_eq!(iovs.total(), 7);
    assert_eq!(iovs.gather(&mem), b"abcdefg");
    assert_eq!(iovs.scatter(&mut mem, b"XYZW"), 4);
    assert_eq!(&mem[32..35], b"XYZ");
    assert_eq!(&mem[48..52], b"Wefg");
}

#[test]
fn any_bad_iovec_fails_the_whole_list() {
    let mem = with_iovecs(64, &[(32, 3), (60, 8)]);
    assert_eq!(memory::iovecs(&mem, 0, 2), Err(Errno::Fault));
    assert_eq!(memory::iovecs(&mem, 0, u32::MAX), Err(Errno::Fault));
    assert_eq!(memory::iovecs(&mem, 60, 1), Err(Errno::Fault));
}

/// Every `wasi_snapshot_preview1` function except the socket ones.
const PREVIEW1: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_seek",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sched_yield",
    "random_get",
];

#[test]
fn table_covers_every_preview1_function_once() {
    for name in PREVIEW1 {
        let n = abi::hostcalls()
            .filter(|h| h.module == "wasi_snapshot_preview1" && h.name == *name)
            .count();
        assert_eq!(n, 1, "{name}");
    }
}

#[test]
fn table_signatures_match_witx() {
    let sig = |name| {
        abi::find("wasi_snapshot_preview1", name)
            .unwrap()
            .signature()
    };
    assert_eq!(
        sig("path_open"),
        "(i32, i32, i32, i32, i32, i64, i64, i32, i32) -> i32"
    );
    assert_eq!(sig("fd_seek"), "(i32, i64, i32, i32) -> i32");
    assert_eq!(sig("clock_time_get"), "(i32, i64, i32) -> i32");
    assert_eq!(sig("fd_filestat_set_times"), "(i32, i64, i64, i32) -> i32");
    assert_eq!(sig("proc_exit"), "(i32) -> ()");
    assert_eq!(sig("sched_yield"), "() -> i32");
    let exit = abi::find("wasi_snapshot_preview1", "proc_exit").unwrap();
    assert_eq!(exit.returns, Returns::Nothing);
    for h in abi::hostcalls() {
        assert_eq!(h.params.len(), h.param_names.len(), "{}", h.name);
    }
}

#[test]
fn host_calls_run_without_an_engine() {
    let out = SharedBuffer::new();
    let mut cx = GuestBuilder::new()
        .stdout(Stdio::Capture(out.clone()))
        .build_ctx()
        .unwrap();
    let mut mem = with_iovecs(64, &[(32, 5)]);
    mem[32..37].copy_from_slice(b"plain");
    let fd_write = abi::find("wasi_snapshot_preview1", "fd_write").unwrap();
    fd_write.invoke(&mut cx, &mut mem, &[1, 0, 1, 48]).unwrap();
    assert_eq!(out.contents(), b"plain");
    assert_eq!(memory::read_u32(&mem, 48), Ok(5));
    let exit = abi::find("wasi_snapshot_preview1", "proc_exit").unwrap();
    let r = exit.invoke(&mut cx, &mut mem, &[u64::from(7u32)]);
    assert!(matches!(r, Err(Fault::Trap(Trap::Exit(7)))));
}

#[test]
fn errno_values_follow_witx_numbering() {
    assert_eq!(abi::errno_value(&Ok(())), Some(0));
    assert_eq!(abi::errno_value(&Err(Errno::Badf.into())), Some(8));
    assert_eq!(abi::errno_value(&Err(Errno::Notcapable.into())), Some(76));
    assert_eq!(abi::errno_value(&Err(Trap::Exit(0).into())), None);
}

#[test]
fn cap_std_escape_error_maps_to_enotcapable() {
    let escape = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "outside");
    assert_eq!(crate::errno::from_io(&escape), Errno::Notcapable);
    let eacces = std::io::Error::from_raw_os_error(13);
    assert_eq!(crate::errno::from_io(&eacces), Errno::Acces);
}

mod props {
    //! Property tests of the bounds checks against a u64 reference model.

    use proptest::prelude::*;

    use crate::{errno::Errno, memory};

    /// Pointers and lengths clustered around the end of a small memory,
    /// plus the extremes.
    fn edge(mem_len: u32) -> impl Strategy<Value = u32> {
        prop_oneof![
            0..mem_len + 16,
            mem_len.saturating_sub(16)..mem_len + 1,
            Just(u32::MAX),
            any::<u32>(),
        ]
    }

    proptest! {
        #[test]
        fn range_matches_model(mem_len in 0u32..512, ptr in edge(512), len in edge(512)) {
            let fits = u64::from(ptr) + u64::from(len) <= u64::from(mem_len);
            let got = memory::range(mem_len as usize, ptr, len);
            if fits {
                prop_assert_eq!(got, Ok(ptr as usize..(ptr + len) as usize));
            } else {
                prop_assert_eq!(got, Err(Errno::Fault));
            }
        }

        #[test]
        fn u32_roundtrip_or_fault(ptr in edge(64), v in any::<u32>()) {
            let mut mem = vec![0u8; 64];
            let wrote = memory::write_u32(&mut mem, ptr, v);
            prop_assert_eq!(wrote.is_ok(), u64::from(ptr) + 4 <= 64);
            if wrote.is_ok() {
                prop_assert_eq!(memory::read_u32(&mem, ptr), Ok(v));
            } else {
                prop_assert!(mem.iter().all(|&b| b == 0), "a failed write changed memory");
            }
        }

        #[test]
        fn scatter_then_gather_returns_the_prefix(
            lens in proptest::collection::vec(0u32..24, 0..6),
            data in proptest::collection::vec(any::<u8>(), 0..120),
        ) {
            // Lay the buffers out back to back after the iovec array.
            let mut mem = vec![0u8; 256];
            let mut at = 64u32;
            for (i, len) in lens.iter().enumerate() {
                memory::write_u32(&mut mem, i as u32 * 8, at).unwrap();
                memory::write_u32(&mut mem, i as u32 * 8 + 4, *len).unwrap();
                at += len;
            }
            let iovs = memory::iovecs(&mem, 0, lens.len() as u32).unwrap();
            let placed = iovs.scatter(&mut mem, &data);
            prop_assert_eq!(placed, data.len().min(iovs.total()));
            prop_assert_eq!(&iovs.gather(&mem)[..placed], &data[..placed]);
        }
    }
}

#[test]
fn max_fds_only_lowers_the_hosts_share() {
    let limit = |b: GuestBuilder| b.build_ctx().expect("ctx").fds().limit();
    let host = crate::default_max_fds();
    assert_eq!(limit(GuestBuilder::new()), host);
    assert_eq!(limit(GuestBuilder::new().max_fds(10)), 10.min(host));
    assert_eq!(limit(GuestBuilder::new().max_fds(usize::MAX)), host);
}
