//! A minimal HTTP/1.1 request splitter: enough to answer keep-alive and pipelined requests
//! with a fixed response. Request bodies announced by `Content-Length` are skipped.

/// Where the first complete request in `buf` ends, and whether the client asked to close
/// (`Connection: close`, or HTTP/1.0 without `Connection: keep-alive`). `None` while the
/// request is incomplete.
pub fn request_end(buf: &[u8]) -> Option<(usize, bool)> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let http10 = head
        .lines()
        .next()
        .is_some_and(|l| l.trim_end().ends_with("http/1.0"));
    let mut close = http10 && !head.contains("connection: keep-alive");
    let mut body_len = 0usize;
    for line in head.lines() {
        if let Some(v) = line.strip_prefix("content-length:") {
            body_len = v.trim().parse().unwrap_or(0);
        }
        if line.starts_with("connection:") && line.contains("close") {
            close = true;
        }
    }
    let end = head_end.checked_add(body_len)?;
    (buf.len() >= end).then_some((end, close))
}

/// A complete `200 OK` response with a `text/plain` `body`; `close` picks the
/// `Connection` header.
pub fn response(body: &str, close: bool) -> String {
    let connection = if close { "close" } else { "keep-alive" };
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
         Connection: {connection}\r\n\r\n{body}",
        body.len()
    )
}
