//! A small HTTP/1.1 server on 127.0.0.1 for the local stand-ins of managed services
//! ([`crate::HttpApi`], [`crate::StaticSite`]): one request per connection (`Connection: close`),
//! a thread per connection up to a cap, bounded head and body sizes, and a stop that shuts every
//! open connection and waits for the threads a bounded time.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{Result, io};

/// Bounds of one server.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Request line plus headers.
    pub max_head: usize,
    pub max_body: usize,
    /// Connections served at once; more are answered 503 at once.
    pub max_connections: usize,
    /// Per read or write on a connection (a silent client cannot hold a thread longer).
    pub io_timeout: Duration,
    /// Requests one connection may carry (keep-alive when more than 1; a client's
    /// `Connection: close` or HTTP/1.0 still ends it after its request).
    pub requests_per_connection: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_head: 16 << 10,
            max_body: 1 << 20,
            max_connections: 64,
            io_timeout: Duration::from_secs(30),
            requests_per_connection: 1,
        }
    }
}

/// How long [`Server`]'s drop waits for connection threads once their sockets are shut.
const STOP_WAIT: Duration = Duration::from_secs(5);
/// Accept errors in a row (e.g. out of file descriptors) after which the server gives up.
const MAX_ACCEPT_ERRORS: usize = 1000;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// The request target as sent: path and query, undecoded.
    pub target: String,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: String,
    /// In the order received, names as sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub peer: SocketAddr,
    /// The server's own address the client connected to.
    pub local: SocketAddr,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The target's path (before `?`) and query (after it, `""` when none).
    pub fn path_and_query(&self) -> (&str, &str) {
        self.target.split_once('?').unwrap_or((&self.target, ""))
    }
}

/// One answer; the server adds `content-length`, `date` and `connection: close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }

    /// `{"message": message}` as API Gateway and this server phrase their own errors.
    pub fn message(status: u16, message: &str) -> Response {
        Response::new(status)
            .header("content-type", "application/json")
            .body(serde_json::json!({ "message": message }).to_string().into_bytes())
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: Vec<u8>) -> Response {
        self.body = body;
        self
    }

    /// The first header of that name (case-insensitive).
    #[cfg(test)]
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub(crate) type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// A listening server; dropping it stops accepting, shuts open connections and waits for their
/// threads (bounded).
pub(crate) struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    connections: Arc<Connections>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish_non_exhaustive()
    }
}

/// The open connections, so a stop can shut them and wait for their threads.
#[derive(Default)]
struct Connections {
    open: Mutex<Open>,
    closed: Condvar,
}

#[derive(Default)]
struct Open {
    next_id: u64,
    streams: HashMap<u64, TcpStream>,
}

/// Unregisters a connection when its thread ends, panicking handler included.
struct Registration {
    id: u64,
    connections: Arc<Connections>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock().unwrap_or_else(|e| e.into_inner());
        open.streams.remove(&self.id);
        self.connections.closed.notify_all();
    }
}

impl Server {
    /// Binds `127.0.0.1:port` (0: any free port) and serves each request with `handler`.
    pub fn start(port: u16, name: &str, limits: Limits, handler: Handler) -> Result<Server> {
        let listener =
            TcpListener::bind(("127.0.0.1", port)).map_err(io(format!("{name}: binding 127.0.0.1:{port}")))?;
        let addr = listener.local_addr().map_err(io(format!("{name}: local address")))?;
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Connections::default());
        let acceptor = {
            let (stop, connections) = (Arc::clone(&stop), Arc::clone(&connections));
            thread::Builder::new()
                .name(format!("{name}-accept"))
                .spawn(move || accept_loop(&listener, &stop, &connections, limits, &handler))
                .map_err(io(format!("{name}: starting the accept thread")))?
        };
        Ok(Server { addr, stop, acceptor: Some(acceptor), connections })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // A blocking accept only returns on a connection: make one.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let deadline = Instant::now() + STOP_WAIT;
        let mut open = self.connections.open.lock().unwrap_or_else(|e| e.into_inner());
        for stream in open.streams.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // Threads still waiting on a handler (e.g. a Lambda invocation) end by its own timeout.
        while !open.streams.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            open = self.connections.closed.wait_timeout(open, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    stop: &AtomicBool,
    connections: &Arc<Connections>,
    limits: Limits,
    handler: &Handler,
) {
    let mut errors = 0;
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            errors += 1;
            if errors >= MAX_ACCEPT_ERRORS {
                return;
            }
            continue;
        };
        errors = 0;
        let _ = stream.set_read_timeout(Some(limits.io_timeout));
        let _ = stream.set_write_timeout(Some(limits.io_timeout));
        let registration = {
            let mut open = connections.open.lock().unwrap_or_else(|e| e.into_inner());
            if open.streams.len() >= limits.max_connections {
                None
            } else {
                let id = open.next_id;
                open.next_id += 1;
                stream.try_clone().ok().map(|clone| {
                    open.streams.insert(id, clone);
                    Registration { id, connections: Arc::clone(connections) }
                })
            }
        };
        let Some(registration) = registration else {
            let mut stream = stream;
            let _ = write_response(&mut stream, &Response::message(503, "Service Unavailable"), false, false);
            continue;
        };
        let handler = Arc::clone(handler);
        let spawned = thread::Builder::new().name("http-conn".into()).spawn(move || {
            let _registration = registration;
            serve_connection(stream, limits, &handler);
        });
        // Without a thread the registration was dropped with the closure: nothing leaks.
        drop(spawned);
    }
}

fn serve_connection(stream: TcpStream, limits: Limits, handler: &Handler) {
    let (Ok(peer), Ok(local), Ok(mut writer)) = (stream.peer_addr(), stream.local_addr(), stream.try_clone()) else {
        return;
    };
    let mut reader = BufReader::new(stream);
    for served in 1..=limits.requests_per_connection.max(1) {
        let (response, head_only, again) = match read_request(&mut reader, &mut writer, (peer, local), limits) {
            Ok(request) => (handler(&request), request.method == "HEAD", keeps_alive(&request)),
            Err(ReadError::Closed) => return,
            Err(ReadError::Answer(response)) => (response, false, false),
        };
        let again = again && served < limits.requests_per_connection;
        if write_response(&mut writer, &response, head_only, again).is_err() || !again {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Write);
}

/// Whether the client lets the connection carry another request.
fn keeps_alive(request: &Request) -> bool {
    let close =
        request.header("connection").is_some_and(|c| c.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
    request.version == "HTTP/1.1" && !close
}

/// Why no request came out of a connection.
#[derive(Debug)]
enum ReadError {
    /// The client went away or stayed silent: nothing to answer.
    Closed,
    /// The request was refused with this answer.
    Answer(Response),
}

fn bad(status: u16, message: &str) -> ReadError {
    ReadError::Answer(Response::message(status, message))
}

fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
    (peer, local): (SocketAddr, SocketAddr),
    limits: Limits,
) -> Result<Request, ReadError> {
    let head = read_head(reader, limits.max_head)?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(400, "Bad Request"));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) || !target.starts_with('/') {
        return Err(bad(400, "Bad Request"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(bad(505, "HTTP Version Not Supported"));
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        // Folded continuation lines are obsolete and a smuggling vector: refused.
        let Some((name, value)) = line.split_once(':') else { return Err(bad(400, "Bad Request")) };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(bad(400, "Bad Request"));
        }
        headers.push((name.to_owned(), value.trim_matches([' ', '\t']).to_owned()));
    }
    let mut request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        version: version.to_owned(),
        headers,
        body: Vec::new(),
        peer,
        local,
    };
    let lengths: Vec<&str> = request
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.as_str())
        .collect();
    let chunked = match request.header("transfer-encoding") {
        None => false,
        Some(te) if te.eq_ignore_ascii_case("chunked") => true,
        Some(_) => return Err(bad(501, "Not Implemented")),
    };
    if chunked && !lengths.is_empty() {
        return Err(bad(400, "Bad Request"));
    }
    let length = match lengths.as_slice() {
        [] => None,
        [first, rest @ ..] if rest.iter().all(|l| l == first) => {
            if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(400, "Bad Request"));
            }
            Some(first.parse::<usize>().unwrap_or(usize::MAX))
        }
        _ => return Err(bad(400, "Bad Request")),
    };
    if length.is_some_and(|l| l > limits.max_body) {
        return Err(bad(413, "Request Entity Too Large"));
    }
    let expects_body = chunked || length.is_some_and(|l| l > 0);
    if expects_body && request.header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| ReadError::Closed)?;
    }
    if chunked {
        request.body = read_chunked(reader, limits.max_body)?;
    } else if let Some(length) = length {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).map_err(|_| ReadError::Closed)?;
        request.body = body;
    }
    Ok(request)
}

/// Reads up to the blank line ending the head, at most `max` bytes.
fn read_head(reader: &mut BufReader<TcpStream>, max: usize) -> Result<String, ReadError> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        let room = (max + 1).saturating_sub(head.len()) as u64;
        let read = reader.by_ref().take(room).read_until(b'\n', &mut line).map_err(|_| ReadError::Closed)?;
        if read == 0 {
            return Err(if head.is_empty() { ReadError::Closed } else { bad(400, "Bad Request") });
        }
        head.extend_from_slice(&line);
        if head.len() > max {
            return Err(bad(431, "Request Header Fields Too Large"));
        }
        if !line.ends_with(b"\n") {
            return Err(bad(400, "Bad Request"));
        }
        if line == b"\r\n" || line == b"\n" {
            break;
        }
    }
    let text = String::from_utf8(head).map_err(|_| bad(400, "Bad Request"))?;
    // Bare LF line ends are tolerated the way common servers do.
    Ok(text.replace("\r\n", "\n").replace('\n', "\r\n").trim_end_matches("\r\n").to_owned())
}

fn read_chunked(reader: &mut BufReader<TcpStream>, max: usize) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    // Each chunk adds at least one byte, so the loop ends by `max` at the latest.
    loop {
        let mut size_line = String::new();
        reader.by_ref().take(1024).read_line(&mut size_line).map_err(|_| ReadError::Closed)?;
        let size_text = size_line.trim_end().split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad(400, "Bad Request"))?;
        if size == 0 {
            // Trailers are read and ignored, up to the blank line.
            for _ in 0..64 {
                let mut trailer = String::new();
                let read = reader.by_ref().take(8192).read_line(&mut trailer).map_err(|_| ReadError::Closed)?;
                if read == 0 || trailer.trim_end().is_empty() {
                    return Ok(body);
                }
            }
            return Err(bad(400, "Bad Request"));
        }
        if body.len().saturating_add(size) > max {
            return Err(bad(413, "Request Entity Too Large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).map_err(|_| ReadError::Closed)?;
        let mut end = [0; 2];
        reader.read_exact(&mut end).map_err(|_| ReadError::Closed)?;
        if &end != b"\r\n" {
            return Err(bad(400, "Bad Request"));
        }
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    head_only: bool,
    keep_alive: bool,
) -> std::io::Result<()> {
    stream.write_all(&encode_response(response, head_only, keep_alive, SystemTime::now()))?;
    stream.flush()
}

/// The bytes of `response` on the wire.
fn encode_response(response: &Response, head_only: bool, keep_alive: bool, now: SystemTime) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (name, value) in &response.headers {
        // Framing is the server's alone; a handler's copy would contradict it.
        let framing = ["content-length", "transfer-encoding", "connection", "date"];
        if framing.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            continue;
        }
        // A value cannot end the line early.
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "date: {}\r\ncontent-length: {}\r\nconnection: {}\r\n\r\n",
        crate::time::http_date(now),
        response.body.len(),
        if keep_alive { "keep-alive" } else { "close" }
    ));
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(&response.body);
    }
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); `None` for a malformed escape
/// or a result that is not UTF-8.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends raw bytes to a fresh server and returns the raw answer.
    fn exchange(limits: Limits, raw: &[u8]) -> String {
        let handler: Handler = Arc::new(|r: &Request| {
            let text = format!("{} {} {} {}", r.method, r.target, r.header("x-a").unwrap_or("-"), r.body.len());
            Response::new(200).header("content-type", "text/plain").header("content-length", "999").body(text.into())
        });
        let server = Server::start(0, "test", limits, handler).expect("starts");
        let mut stream = TcpStream::connect(server.addr()).expect("connects");
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        stream.write_all(raw).expect("writes");
        let _ = stream.shutdown(Shutdown::Write);
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    #[test]
    fn serves_one_request_with_a_body_and_frames_the_answer_itself() {
        let answer =
            exchange(Limits::default(), b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nX-A:  v \r\nContent-Length: 3\r\n\r\nabc");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("content-length: 15\r\n"), "the handler's length is replaced: {answer}");
        assert!(!answer.contains("999"), "{answer}");
        assert!(answer.contains("connection: close\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\nPOST /a?b=1 v 3"), "{answer}");
    }

    #[test]
    fn reads_chunked_bodies() {
        let answer = exchange(
            Limits::default(),
            b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
        );
        assert!(answer.ends_with("POST /c - 5"), "{answer}");
    }

    #[test]
    fn refuses_oversized_and_malformed_requests() {
        let small = Limits { max_head: 128, max_body: 4, ..Limits::default() };
        let status = |raw: &[u8]| exchange(small, raw).lines().next().unwrap_or_default().to_owned();
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde"),
            "HTTP/1.1 413 Request Entity Too Large"
        );
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n0\r\n\r\n"),
            "HTTP/1.1 413 Request Entity Too Large"
        );
        let long = format!("GET / HTTP/1.1\r\nX-Long: {}\r\n\r\n", "x".repeat(200));
        assert_eq!(status(long.as_bytes()), "HTTP/1.1 431 Request Header Fields Too Large");
        assert_eq!(status(b"GET / HTTP/2.0\r\n\r\n"), "HTTP/1.1 505 HTTP Version Not Supported");
        assert_eq!(status(b"GET relative HTTP/1.1\r\n\r\n"), "HTTP/1.1 400 Bad Request");
        assert_eq!(status(b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), "HTTP/1.1 400 Bad Request");
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
            "HTTP/1.1 400 Bad Request"
        );
        assert_eq!(
            status(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            "HTTP/1.1 400 Bad Request"
        );
        assert_eq!(status(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), "HTTP/1.1 501 Not Implemented");
    }

    #[test]
    fn head_answers_carry_no_body() {
        let answer = exchange(Limits::default(), b"HEAD /h HTTP/1.1\r\n\r\n");
        assert!(answer.contains("content-length: 11\r\n"), "{answer}");
        assert!(answer.ends_with("\r\n\r\n"), "{answer}");
    }

    #[test]
    fn connections_over_the_cap_get_503_and_drop_ends_open_ones() {
        let handler: Handler = Arc::new(|_: &Request| Response::new(204));
        let limits = Limits { max_connections: 1, ..Limits::default() };
        let server = Server::start(0, "cap", limits, handler).expect("starts");
        // The first connection sends nothing, so it holds the only slot.
        let idle = TcpStream::connect(server.addr()).expect("first");
        let mut second = TcpStream::connect(server.addr()).expect("second");
        second.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let mut answer = String::new();
        let _ = second.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
        let started = Instant::now();
        drop(server);
        assert!(started.elapsed() < STOP_WAIT, "the idle connection was shut, not waited for");
        let mut rest = Vec::new();
        idle.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        assert_eq!((&idle).read_to_end(&mut rest).ok(), Some(0), "closed by the stop");
    }

    #[test]
    fn keep_alive_serves_requests_in_turn_up_to_the_bound() {
        let two = Limits { requests_per_connection: 2, ..Limits::default() };
        let three = b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n";
        let answer = exchange(two, three);
        assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 2, "{answer}");
        assert!(answer.contains("GET /1 - 0") && answer.contains("GET /2 - 0") && !answer.contains("/3"), "{answer}");
        let (first, second) = answer.split_once("GET /1 - 0").expect("first answer");
        assert!(first.contains("connection: keep-alive\r\n") && second.contains("connection: close\r\n"), "{answer}");
        // The client's close, and HTTP/1.0, end the connection after their request.
        let closing = exchange(two, b"GET /1 HTTP/1.1\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
        assert_eq!(closing.matches("HTTP/1.1 200 OK").count(), 1, "{closing}");
        let old = exchange(two, b"GET /1 HTTP/1.0\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
        assert_eq!(old.matches("HTTP/1.1 200 OK").count(), 1, "{old}");
        // The default stays one request per connection.
        let one = exchange(Limits::default(), three);
        assert_eq!(one.matches("HTTP/1.1 200 OK").count(), 1, "{one}");
    }

    #[test]
    fn header_values_cannot_split_the_answer() {
        let response = Response::new(200).header("x-a", "a\r\nset-cookie: evil");
        let bytes = encode_response(&response, false, false, SystemTime::UNIX_EPOCH);
        let text = String::from_utf8(bytes).expect("utf8");
        assert!(text.contains("x-a: aset-cookie: evil\r\n"), "{text}");
        assert!(text.contains("date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"), "{text}");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c", false).as_deref(), Some("a b+c"));
        assert_eq!(percent_decode("a%20b+c", true).as_deref(), Some("a b c"));
        assert_eq!(percent_decode("%2e%2E", false).as_deref(), Some(".."));
        assert_eq!(percent_decode("%C3%A9", false).as_deref(), Some("é"));
        assert_eq!(percent_decode("%zz", false), None);
        assert_eq!(percent_decode("%2", false), None);
        assert_eq!(percent_decode("%ff", false), None, "not UTF-8");
    }
}
