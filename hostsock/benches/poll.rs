//! Poller benchmark (being written).
fn main() {}
