//! The load generator's minimal HTTP/1.1 client: one keep-alive GET at a time, with the
//! response read exactly (Content-Length or chunked) so the next response on the same
//! connection starts at the right byte.

use std::io::{self, BufRead, Read, Write};

use anyhow::{Context, Result, bail, ensure};

/// The request every HTTP workload sends.
pub const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: fdvirt-bench\r\n\r\n";

/// A parsed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Body bytes (de-chunked).
    pub body: Vec<u8>,
    /// Whether the server said `Connection: close`.
    pub close: bool,
}

/// Sends [`GET`] on `stream`.
///
/// # Errors
/// Returns the write error.
pub fn send_get<W: Write>(stream: &mut W) -> io::Result<()> {
    stream.write_all(GET)
}

/// Reads one response from `reader`.
///
/// # Errors
/// Fails on I/O errors, EOF before a complete response, or malformed framing.
pub fn read_response<R: BufRead>(reader: &mut R) -> Result<Response> {
    let mut line = String::new();
    read_line(reader, &mut line)?;
    let status = parse_status(&line)?;
    let (mut length, mut chunked, mut close) = (None, false, false);
    loop {
        read_line(reader, &mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            bail!("malformed header line {header:?}");
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = Some(value.parse::<usize>().context("content-length")?),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "connection" => close = value.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
    let body = match (chunked, length) {
        (true, _) => read_chunked(reader)?,
        (false, Some(n)) => read_exactly(reader, n)?,
        (false, None) => bail!("response without Content-Length or chunked encoding"),
    };
    Ok(Response {
        status,
        body,
        close,
    })
}

fn read_line<R: BufRead>(reader: &mut R, line: &mut String) -> Result<()> {
    line.clear();
    let n = reader.read_line(line).context("reading response")?;
    ensure!(n > 0, "connection closed mid-response");
    Ok(())
}

fn parse_status(line: &str) -> Result<u16> {
    let mut parts = line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(v), Some(code)) if v.starts_with("HTTP/1.") => code
            .parse()
            .with_context(|| format!("status line {line:?}")),
        _ => bail!("bad status line {line:?}"),
    }
}

fn read_exactly<R: Read>(reader: &mut R, n: usize) -> Result<Vec<u8>> {
    ensure!(
        n <= 64 << 20,
        "body of {n} bytes is too large for a benchmark"
    );
    let mut body = vec![0u8; n];
    reader.read_exact(&mut body).context("reading body")?;
    Ok(body)
}

fn read_chunked<R: BufRead>(reader: &mut R) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        read_line(reader, &mut line)?;
        let size_text = line.trim_end().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text.trim(), 16)
            .with_context(|| format!("chunk size {size_text:?}"))?;
        if size == 0 {
            // Trailers (normally none) end with an empty line.
            loop {
                read_line(reader, &mut line)?;
                if line.trim_end().is_empty() {
                    return Ok(body);
                }
            }
        }
        body.extend(read_exactly(reader, size)?);
        read_line(reader, &mut line)?;
        ensure!(body.len() <= 64 << 20, "chunked body too large");
    }
}
