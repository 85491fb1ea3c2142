//! A minimal HTTP/1.1 client for the local servers tests talk to (127.0.0.1 only): one request
//! per connection, bounded in time and size.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::Duration;

use crate::error::{Error, Result};

/// How much of an answer is read at most.
const MAX_ANSWER: u64 = 16 << 20;
/// The bound on one [`request`] made without an explicit timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP answer as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    /// In the order received, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Every header of that name (case-insensitive), in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .map_err(|source| Error::Json { what: format!("HTTP {} answer body", self.status), source })
    }
}

/// Sends one request to `url` (`http://127.0.0.1:PORT/path?query`; the path is sent exactly as
/// given, so tests can send what a browser would normalise away) with `headers` and `body`, and
/// returns the answer whatever its status. `Content-Length` (when there is a body) and
/// `Connection: close` are added; `Host` too unless given.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8], timeout: Duration) -> Result<HttpReply> {
    let fail = |detail: String| Error::Http { url: url.to_owned(), detail };
    let rest = url.strip_prefix("http://").ok_or_else(|| fail("only http:// URLs are supported".into()))?;
    let (host, target) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut head = format!("{method} {target} HTTP/1.1\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {host}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    let raw = exchange(host, &[head.as_bytes(), body].concat(), timeout).map_err(fail)?;
    parse_reply(&raw).ok_or_else(|| fail("malformed HTTP answer".into()))
}

/// POSTs JSON `body` to `endpoint` + `path` and returns the status and the body, whatever the
/// status.
pub(crate) fn post(endpoint: &str, path: &str, body: &[u8], timeout: Duration) -> Result<(u16, String)> {
    let reply = request("POST", &format!("{endpoint}{path}"), &[("Content-Type", "application/json")], body, timeout)?;
    Ok((reply.status, reply.text()))
}

/// Writes `raw` to `host` (`127.0.0.1:PORT` only) and reads the whole answer.
fn exchange(host: &str, raw: &[u8], timeout: Duration) -> Result<Vec<u8>, String> {
    if !host.starts_with("127.0.0.1:") {
        return Err("tests talk to 127.0.0.1 only".into());
    }
    let addr = host.to_socket_addrs().map_err(|e| e.to_string())?.next().ok_or("no address")?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(timeout)).map_err(|e| e.to_string())?;
    stream.write_all(raw).map_err(|e| e.to_string())?;
    // `Connection: close` makes the end of the stream the end of the answer.
    let mut answer = Vec::new();
    stream.take(MAX_ANSWER).read_to_end(&mut answer).map_err(|e| e.to_string())?;
    Ok(answer)
}

/// Status, headers and body (de-chunked) of a raw answer; a `100 Continue` before it is skipped.
fn parse_reply(mut raw: &[u8]) -> Option<HttpReply> {
    loop {
        let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = std::str::from_utf8(&raw[..end]).ok()?;
        let body = &raw[end + 4..];
        let mut lines = head.split("\r\n");
        let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
        if status == 100 {
            raw = body;
            continue;
        }
        let headers: Vec<(String, String)> =
            lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
        let chunked = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked"));
        let body = if chunked { dechunk(body)? } else { body.to_vec() };
        return Some(HttpReply { status, headers, body });
    }
}

/// Joins a chunked body's chunks (servers built on hyper answer HTTP/1.1 that way).
fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&body[..line_end]).ok()?;
        let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        let rest = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(rest.get(..size)?);
        body = rest.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_response(raw: &[u8]) -> Option<(u16, String)> {
        parse_reply(raw).map(|r| (r.status, r.text()))
    }

    #[test]
    fn parses_plain_and_chunked_answers() {
        assert_eq!(parse_response(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\n{}"), Some((200, "{}".into())));
        let chunked = b"HTTP/1.1 502 Bad\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Some((502, "{\"a\":1}".into())));
        assert_eq!(parse_response(b"garbage"), None);
    }

    #[test]
    fn replies_keep_headers_in_order_and_skip_interim_answers() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nSet-Cookie: a=1\r\n\
                    set-cookie: b=2\r\nContent-Type: application/json\r\n\r\n{\"message\":\"Unauthorized\"}";
        let reply = parse_reply(raw).expect("parses");
        assert_eq!(reply.status, 401);
        assert_eq!(reply.headers_named("set-cookie").collect::<Vec<_>>(), ["a=1", "b=2"]);
        assert_eq!(reply.header("content-type"), Some("application/json"));
        assert_eq!(reply.json().expect("json")["message"], "Unauthorized");
    }

    #[test]
    fn refuses_other_hosts() {
        let err = post("http://10.0.0.1:80", "/", b"", Duration::from_secs(1)).expect_err("refused");
        assert!(err.to_string().contains("127.0.0.1 only"), "{err}");
        let err = request("GET", "http://localhost:80/", &[], b"", Duration::from_secs(1)).expect_err("refused");
        assert!(err.to_string().contains("127.0.0.1 only"), "{err}");
        let err = request("GET", "https://127.0.0.1:1/", &[], b"", Duration::from_secs(1)).expect_err("refused");
        assert!(err.to_string().contains("http://"), "{err}");
    }
}
