//! netaddr (work in progress).
