//! Name lookup through the host's resolver with the SDK's `nslookup` (`sock_getaddrinfo`).
//!
//! Usage: `wasmedge-dns [NAME [SERVICE]]` (defaults `localhost` and `http`). Prints one
//! resolved `SocketAddr` per line, then `resolved <n> addresses`; exits 1 if the lookup
//! fails. The SDK's hints are family INET4, STREAM, TCP, and it converts IPv4 results only.
//! (If env `DNS_SERVER` is set the SDK instead sends a DNS query over UDP to that server.)
//!
//! Host calls: `sock_getaddrinfo` (8 args; the SDK passes NUL-terminated strings, 26-byte
//! `sa_data` buffers declared as 14 bytes and canonname buffers declared as 0).

use wasmedge_wasi_socket::nslookup;

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "localhost".to_string());
    let service = args.next().unwrap_or_else(|| "http".to_string());
    match nslookup(&name, &service) {
        Ok(addrs) => {
            for a in &addrs {
                println!("{a}");
            }
            println!("resolved {} addresses", addrs.len());
        }
        Err(e) => {
            eprintln!("lookup {name} {service}: {e}");
            std::process::exit(1);
        }
    }
}
