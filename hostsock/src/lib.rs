//! hostsock (work in progress).
