//! Integration tests of the harness itself: the load generator against in-process servers
//! (correct and faulty), and the server guard's bounded waiting and cleanup.

mod loadgen;
mod server;
mod util;
