//! hostsock integration tests (being written).
