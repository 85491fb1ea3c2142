//! A minimal HTTP/1.1 client for the local servers tests talk to (127.0.0.1 only): one request
//! per connection, bounded in time and size.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::Duration;

use crate::error::{Error, Result};

/// POSTs JSON `body` to `endpoint` + `path` and returns the status and the body, whatever the
/// status.
pub(crate) fn post(endpoint: &str, path: &str, body: &[u8], timeout: Duration) -> Result<(u16, String)> {
    let url = format!("{endpoint}{path}");
    let fail = |detail: String| Error::Http { url: url.clone(), detail };
    let host = endpoint.strip_prefix("http://").ok_or_else(|| fail("only http:// endpoints are supported".into()))?;
    if !host.starts_with("127.0.0.1:") {
        return Err(fail("tests talk to 127.0.0.1 only".into()));
    }
    let addr =
        host.to_socket_addrs().map_err(|e| fail(e.to_string()))?.next().ok_or_else(|| fail("no address".into()))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| fail(e.to_string()))?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| fail(e.to_string()))?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| fail(e.to_string()))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).map_err(|e| fail(e.to_string()))?;
    // `Connection: close` makes the end of the stream the end of the answer.
    let mut answer = Vec::new();
    stream.take(16 << 20).read_to_end(&mut answer).map_err(|e| fail(e.to_string()))?;
    parse_response(&answer).ok_or_else(|| fail("malformed HTTP answer".into()))
}

pub(crate) fn parse_response(raw: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    Some((status, if chunked { dechunk(body)? } else { body.to_owned() }))
}

/// Joins a chunked body's chunks (servers built on hyper answer HTTP/1.1 that way).
fn dechunk(mut body: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if size == 0 {
            return Some(out);
        }
        out.push_str(rest.get(..size)?);
        body = rest.get(size..)?.strip_prefix("\r\n")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_answers() {
        assert_eq!(parse_response(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n{}"), Some((200, "{}".into())));
        let chunked = b"HTTP/1.1 502 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Some((502, "{\"a\":1}".into())));
        assert_eq!(parse_response(b"garbage"), None);
    }

    #[test]
    fn refuses_other_hosts() {
        let err = post("http://10.0.0.1:80", "/", b"", Duration::from_secs(1)).expect_err("refused");
        assert!(err.to_string().contains("127.0.0.1 only"), "{err}");
    }
}
