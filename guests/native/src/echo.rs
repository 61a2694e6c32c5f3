//! The echo protocol (`bench-echo`, `bench-echo-big`): every byte read is sent back.
//!
//! The cheapest possible protocol, so the benchmark measures the runtime's I/O path
//! (accept, read, write, `poll_oneoff`) and nothing else.

use std::io;

use mio::net::TcpListener;

use crate::event_loop::{After, Protocol, serve};

/// Sends back every byte it reads; keeps no state per connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct Echo;

impl Protocol for Echo {
    type State = ();

    fn on_input(&mut self, _state: &mut (), input: &[u8], output: &mut Vec<u8>) -> After {
        output.extend_from_slice(input);
        After::Keep
    }
}

/// Runs the echo server on `listener` forever (until an unrecoverable poll error).
///
/// # Errors
/// As [`serve`].
pub fn serve_echo(listener: TcpListener) -> io::Result<()> {
    serve(listener, Echo)
}
