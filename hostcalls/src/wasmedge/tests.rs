//! Engine-free tests of the socket host calls over an in-memory guest buffer: address
//! decoding, option payloads, getaddrinfo layouts, and a property test that throws
//! arbitrary arguments at every socket row of the host-call table.

mod addr {
    use crate::{errno::Errno, wasmedge::addr::read_address};
    use netaddr::wasmedge::Generation;

    fn mem_with(addr_p: u32, buf: u32, bytes: &[u8]) -> Vec<u8> {
        let mut mem = vec![0u8; 1024];
        let len = bytes.len() as u32;
        mem[addr_p as usize..addr_p as usize + 4].copy_from_slice(&buf.to_le_bytes());
        mem[addr_p as usize + 4..addr_p as usize + 8].copy_from_slice(&len.to_le_bytes());
        mem[buf as usize..buf as usize + bytes.len()].copy_from_slice(bytes);
        mem
    }

    #[test]
    fn ipv4_address_with_truncated_port() {
        let mem = mem_with(16, 64, &[127, 0, 0, 1]);
        let a = read_address(&mem, 16, 65616, Generation::V1);
        assert_eq!(a, Ok("127.0.0.1:80".parse().unwrap()));
    }

    #[test]
    fn storage_form_only_for_v2() {
        let mut storage = [0u8; 128];
        storage[0] = 2;
        storage[17] = 1;
        let mem = mem_with(16, 64, &storage);
        assert_eq!(
            read_address(&mem, 16, 8080, Generation::V1),
            Err(Errno::Inval)
        );
        assert_eq!(
            read_address(&mem, 16, 8080, Generation::V2),
            Ok("[::1]:8080".parse().unwrap())
        );
    }

    #[test]
    fn spans_outside_memory_fault() {
        let mem = mem_with(16, 64, &[127, 0, 0, 1]);
        assert_eq!(
            read_address(&mem, 1020, 1, Generation::V1),
            Err(Errno::Fault)
        );
        let mut bad = mem.clone();
        bad[16..20].copy_from_slice(&1022u32.to_le_bytes());
        assert_eq!(read_address(&bad, 16, 1, Generation::V1), Err(Errno::Fault));
    }

    #[test]
    fn bad_length_and_family_are_inval() {
        let mem = mem_with(16, 64, &[1, 2, 3, 4, 5]);
        assert_eq!(read_address(&mem, 16, 1, Generation::V2), Err(Errno::Inval));
        let mut storage = [0u8; 128];
        storage[0] = 9;
        let mem = mem_with(16, 64, &storage);
        assert_eq!(read_address(&mem, 16, 1, Generation::V2), Err(Errno::Inval));
    }
}

mod sockopt {
    use crate::{
        errno::Errno,
        wasmedge::sockopt::{decode, encode, option},
    };
    use hostsock::{OptValue, SockOpt, SocketKind};
    use std::time::Duration;

    #[test]
    fn timeval_round_trips_through_guest_bytes() {
        let v = OptValue::Timeout(Some(Duration::from_millis(2500)));
        let b = encode(&v);
        assert_eq!(b.len(), 16);
        assert_eq!(&b[..8], &2i64.to_le_bytes());
        assert_eq!(&b[8..], &500_000i64.to_le_bytes());
        assert_eq!(decode(SockOpt::RcvTimeo, &b), Ok(v));
    }

    #[test]
    fn zero_timeout_means_none_and_bad_usec_is_edom() {
        assert_eq!(
            decode(SockOpt::SndTimeo, &[0; 16]),
            Ok(OptValue::Timeout(None))
        );
        let mut b = [0u8; 16];
        b[8..].copy_from_slice(&1_000_000i64.to_le_bytes());
        assert_eq!(decode(SockOpt::SndTimeo, &b), Err(Errno::Dom));
        assert_eq!(decode(SockOpt::SndTimeo, &[0; 8]), Err(Errno::Inval));
    }

    #[test]
    fn linger_layout_is_two_i32() {
        let v = OptValue::Linger(Some(Duration::from_secs(7)));
        let b = encode(&v);
        assert_eq!(b, [1, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(decode(SockOpt::Linger, &b), Ok(v));
        assert_eq!(decode(SockOpt::Linger, &[0; 8]), Ok(OptValue::Linger(None)));
    }

    #[test]
    fn booleans_need_four_bytes() {
        assert_eq!(
            decode(SockOpt::ReuseAddr, &[1, 0, 0, 0]),
            Ok(OptValue::Bool(true))
        );
        assert_eq!(decode(SockOpt::ReuseAddr, &[1, 0]), Err(Errno::Inval));
        assert_eq!(encode(&OptValue::Type(SocketKind::Datagram)), [1, 0, 0, 0]);
    }

    #[test]
    fn level_and_name_are_checked() {
        assert_eq!(option(1, 0), Err(Errno::Inval));
        assert_eq!(option(0, 15), Err(Errno::Inval));
        assert_eq!(option(0, 2), Ok(SockOpt::Error));
    }
}

mod getaddrinfo;
mod rows;
