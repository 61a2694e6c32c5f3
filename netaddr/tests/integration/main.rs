//! Integration tests for `netaddr`: known answers per layout, property
//! round trips between every pair of layouts, robustness on arbitrary
//! bytes, and the getaddrinfo chain writer.

mod addrinfo;
mod known_answers;
mod robustness;
mod roundtrip;
mod util;
