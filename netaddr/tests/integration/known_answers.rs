//! Known-answer tests: bytes worked out by hand from the specs.

use netaddr::posix;

#[test]
fn posix_decodes_loopback_8080() {
    let sin = [1, 0, 0x1F, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(
        posix::decode(&sin, 16),
        Ok("127.0.0.1:8080".parse().unwrap())
    );
}
