//! hostsock integration tests: real sockets on 127.0.0.1 and ::1, every wait bounded.

mod util;

mod policy;
mod poller;
mod poller_model;
mod sockopt;
mod tcp;
mod udp;
