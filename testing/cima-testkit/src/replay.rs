//! A record-and-replay backend for benchmarks: AWS answers served at once and concurrently, so a
//! benchmark measures its clients rather than the local AWS (moto answers one request at a time,
//! with about 2 ms of its own CPU each).
//!
//! Recording, it forwards every request to the local AWS and keeps the answer under the
//! request's key ([`request_key`]). Replaying, it answers each request with the answers recorded
//! under its key, in recorded order (round and round), after a fixed delay that stands for the
//! network's round trip; it never calls the local AWS. A request never recorded is answered 502
//! and counted in [`ReplayStats::missed`], so a contender that asked something else fails
//! visibly instead of being timed.
//!
//! A contender's second run asks what its first asked: the answers it replays hand it the same
//! temporary credentials and page tokens it was given the first time, and the key leaves out
//! what changes by itself between runs (the signature, its date, the SDK's invocation ids).
//!
//! Requests whose `X-Amz-Target` starts with one of the `forward` prefixes (writes whose bodies
//! hold a fresh time or id, e.g. a history table's PutItem) are forwarded even when replaying,
//! after the delay, and counted apart.
//!
//! Recordings are kept per tape, one per contender: two clients asking the same first question
//! (an AssumeRole) would otherwise be handed each other's credentials and then ask, with them,
//! what was never recorded under them.
//!
//! The `replay-backend` binary serves one in its own process, so its CPU can be measured apart;
//! `POST /_replay/record/TAPE` and `POST /_replay/replay/TAPE` switch it, and `GET /_replay/stats`
//! answers [`ReplayStats`] as JSON.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;
use crate::http;
use crate::server::{Handler, Limits, Request, Response, Server, percent_decode};

/// Control paths; no AWS API has them.
const CONTROL_PREFIX: &str = "/_replay/";
/// The line the `replay-backend` binary prints once it listens, followed by its endpoint.
pub const READY_PREFIX: &str = "REPLAY_BACKEND_READY ";
/// Answers kept at most, so a runaway client cannot grow the process without bound.
const MAX_ANSWERS: usize = 1_000_000;
/// Keys of missed requests kept for the report.
const MAX_MISSES_KEPT: usize = 20;
/// The bound on one forwarded call while recording.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);
/// Request headers that belong to one hop, not to the request.
const HOP_HEADERS: [&str; 5] = ["connection", "keep-alive", "content-length", "transfer-encoding", "expect"];

/// What a backend has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayStats {
    /// The tape recorded into or replayed from.
    pub tape: String,
    pub replaying: bool,
    /// Answers recorded (each forwarded request adds one).
    pub recorded: usize,
    /// Requests answered from the recording.
    pub replayed: usize,
    /// Requests replaying could not answer.
    pub missed: usize,
    /// Requests forwarded while replaying (their target is one of the `forward` prefixes).
    pub forwarded: usize,
    /// The keys of the first missed requests.
    pub misses: Vec<String>,
}

#[derive(Default)]
struct Recorded {
    answers: Vec<Response>,
    next: usize,
}

struct State {
    upstream: String,
    delay: Duration,
    forward: Vec<String>,
    forwarded: AtomicUsize,
    tape: Mutex<String>,
    replaying: AtomicBool,
    recorded: AtomicUsize,
    replayed: AtomicUsize,
    keys: Mutex<HashMap<String, Recorded>>,
    misses: Mutex<(usize, Vec<String>)>,
}

/// A running backend on 127.0.0.1; stops when dropped.
pub struct ReplayBackend {
    server: Server,
    state: Arc<State>,
}

impl std::fmt::Debug for ReplayBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplayBackend").field("endpoint", &self.endpoint()).finish_non_exhaustive()
    }
}

impl ReplayBackend {
    /// Listens on `127.0.0.1:port` (0: any free port), recording from `upstream`
    /// (`http://127.0.0.1:PORT`); replayed answers leave `delay` after their request arrived.
    /// Requests whose `X-Amz-Target` starts with one of `forward` always go to `upstream`.
    pub fn start(port: u16, upstream: &str, delay: Duration, forward: &[String]) -> Result<ReplayBackend> {
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_owned(),
            delay,
            forward: forward.to_vec(),
            forwarded: AtomicUsize::new(0),
            tape: Mutex::new(String::new()),
            replaying: AtomicBool::new(false),
            recorded: AtomicUsize::new(0),
            replayed: AtomicUsize::new(0),
            keys: Mutex::new(HashMap::new()),
            misses: Mutex::new((0, Vec::new())),
        });
        let handler: Handler = {
            let state = Arc::clone(&state);
            Arc::new(move |r: &Request| state.answer(r))
        };
        // A connection per client thread or pooled connection, each kept alive as AWS's are.
        let limits = Limits { max_connections: 512, requests_per_connection: 1_000_000, ..Limits::default() };
        let server = Server::start(port, "replay-backend", limits, handler)?;
        Ok(ReplayBackend { server, state })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// From now on, requests are forwarded and their answers recorded on `tape`.
    pub fn record(&self, tape: &str) {
        self.state.switch(tape, false);
    }

    /// From now on, answers come from `tape` only.
    pub fn replay(&self, tape: &str) {
        self.state.switch(tape, true);
    }

    pub fn stats(&self) -> ReplayStats {
        self.state.stats()
    }
}

impl State {
    fn switch(&self, tape: &str, replaying: bool) {
        *self.tape.lock().unwrap_or_else(|e| e.into_inner()) = tape.to_owned();
        self.replaying.store(replaying, Ordering::SeqCst);
    }

    fn stats(&self) -> ReplayStats {
        let misses = self.misses.lock().unwrap_or_else(|e| e.into_inner());
        ReplayStats {
            tape: self.tape.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            replaying: self.replaying.load(Ordering::SeqCst),
            recorded: self.recorded.load(Ordering::SeqCst),
            replayed: self.replayed.load(Ordering::SeqCst),
            missed: misses.0,
            misses: misses.1.clone(),
            forwarded: self.forwarded.load(Ordering::SeqCst),
        }
    }

    fn answer(&self, r: &Request) -> Response {
        if let Some(control) = r.target.strip_prefix(CONTROL_PREFIX) {
            return self.control(&r.method, control);
        }
        let tape = self.tape.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let key = format!("{tape}: {}", request_key(r));
        let target = r.header("x-amz-target").unwrap_or_default();
        let forward = !target.is_empty() && self.forward.iter().any(|p| target.starts_with(p.as_str()));
        if forward && self.replaying.load(Ordering::SeqCst) {
            std::thread::sleep(self.delay);
            self.forwarded.fetch_add(1, Ordering::SeqCst);
            return self.forwarded_answer(r).unwrap_or_else(|e| Response::message(502, &format!("upstream: {e}")));
        }
        if self.replaying.load(Ordering::SeqCst) {
            let found = {
                let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
                keys.get_mut(&key).and_then(|k| {
                    let answer = k.answers.get(k.next % k.answers.len().max(1)).cloned();
                    k.next += 1;
                    answer
                })
            };
            // The round trip, outside the lock: concurrent requests wait side by side.
            std::thread::sleep(self.delay);
            return match found {
                Some(answer) => {
                    self.replayed.fetch_add(1, Ordering::SeqCst);
                    answer
                }
                None => {
                    let mut misses = self.misses.lock().unwrap_or_else(|e| e.into_inner());
                    misses.0 += 1;
                    if misses.1.len() < MAX_MISSES_KEPT {
                        misses.1.push(key.clone());
                    }
                    Response::message(502, &format!("not recorded: {key}"))
                }
            };
        }
        if self.recorded.load(Ordering::SeqCst) >= MAX_ANSWERS {
            return Response::message(507, &format!("more than {MAX_ANSWERS} answers recorded"));
        }
        match self.forwarded_answer(r) {
            Ok(answer) => {
                let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
                keys.entry(key).or_default().answers.push(answer.clone());
                self.recorded.fetch_add(1, Ordering::SeqCst);
                answer
            }
            // Not recorded: replaying it would replay a failure of this backend, not an answer.
            Err(e) => Response::message(502, &format!("upstream: {e}")),
        }
    }

    /// The upstream's answer to `r`.
    fn forwarded_answer(&self, r: &Request) -> Result<Response> {
        let headers: Vec<(&str, &str)> = r
            .headers
            .iter()
            .filter(|(k, _)| !HOP_HEADERS.iter().any(|h| k.eq_ignore_ascii_case(h)))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let url = format!("{}{}", self.upstream, r.target);
        let reply = http::request(&r.method, &url, &headers, &r.body, UPSTREAM_TIMEOUT)?;
        Ok(Response { status: reply.status, headers: reply.headers, body: reply.body })
    }

    fn control(&self, method: &str, what: &str) -> Response {
        match (method, what.split_once('/')) {
            ("POST", Some(("record", tape))) => self.switch(tape, false),
            ("POST", Some(("replay", tape))) => self.switch(tape, true),
            ("GET", None) if what == "stats" => {}
            _ => {
                return Response::message(
                    404,
                    "POST /_replay/record/TAPE, POST /_replay/replay/TAPE or GET /_replay/stats",
                );
            }
        }
        let body = serde_json::to_vec(&self.stats()).unwrap_or_default();
        Response::new(200).header("content-type", "application/json").body(body)
    }
}

/// What tells one AWS request from another, the same in every run of a client: method, path,
/// query and form pairs sorted, a JSON body with its keys sorted, `X-Amz-Target`, and from the
/// signature's credential the access key, region and service (not its date). The access key
/// stands for the account and session: replayed answers hand a client the temporary
/// credentials it was given when recording, so it signs with them again.
pub(crate) fn request_key(r: &Request) -> String {
    let (path, query) = r.path_and_query();
    let scope = r
        .header("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split([',', ' ']).next())
        .map(|c| match c.split('/').collect::<Vec<_>>().as_slice() {
            [key, _date, region, service, ..] => format!("{key}/{region}/{service}"),
            _ => c.to_owned(),
        })
        .unwrap_or_default();
    let form = r.header("content-type").is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let body = match serde_json::from_slice::<Value>(&r.body) {
        _ if form => sorted_pairs(&String::from_utf8_lossy(&r.body)),
        Ok(json) => canonical(&json),
        Err(_) => String::from_utf8_lossy(&r.body).into_owned(),
    };
    let target = r.header("x-amz-target").unwrap_or_default();
    format!("{} {path}?{} {scope} {target} {body}", r.method, sorted_pairs(query))
}

/// `b=2&a=1` as `a=1&b=2`, each part decoded.
fn sorted_pairs(text: &str) -> String {
    let mut pairs: Vec<String> = text
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| percent_decode(p, true).unwrap_or_else(|| p.to_owned()))
        .collect();
    pairs.sort();
    pairs.join("&")
}

/// JSON with every object's keys in order, whatever order the client wrote them in.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, String> = map.iter().map(|(k, v)| (k, canonical(v))).collect();
            let fields: Vec<String> =
                sorted.iter().map(|(k, v)| format!("{}:{v}", Value::String((*k).clone()))).collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Request {
        let addr: SocketAddr = "127.0.0.1:1".parse().expect("address");
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            version: "HTTP/1.1".to_owned(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: body.as_bytes().to_vec(),
            peer: addr,
            local: addr,
        }
    }

    fn signed(key: &str, date: &str) -> String {
        format!("AWS4-HMAC-SHA256 Credential={key}/{date}/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab")
    }

    #[test]
    fn keys_ignore_what_changes_by_itself_and_keep_what_asks() {
        let form = ("content-type", "application/x-www-form-urlencoded; charset=utf-8");
        let monday = signed("ASIA1", "20261207");
        let tuesday = signed("ASIA1", "20261208");
        let a = request(
            "POST",
            "/",
            &[form, ("authorization", &monday)],
            "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fr",
        );
        let b = request(
            "POST",
            "/",
            &[("authorization", &tuesday), form],
            "RoleArn=arn:aws:iam::1:role/r&Action=AssumeRole",
        );
        assert_eq!(request_key(&a), request_key(&b));
        assert_eq!(request_key(&a), "POST /? ASIA1/us-east-1/sts  Action=AssumeRole&RoleArn=arn:aws:iam::1:role/r");
        let other_session = request(
            "POST",
            "/",
            &[form, ("authorization", &signed("ASIA2", "20261207"))],
            "Action=AssumeRole&RoleArn=arn:aws:iam::1:role/r",
        );
        assert_ne!(request_key(&a), request_key(&other_session), "another account's credentials ask another account");

        let json = |body: &str, target: &str| {
            request("POST", "/", &[("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target)], body)
        };
        let x = json(
            r#"{"maxResults":100,"includeResolvedCases":true,"nextToken":"t"}"#,
            "AWSSupport_20130415.DescribeCases",
        );
        let y = json(
            r#"{"nextToken":"t","includeResolvedCases":true,"maxResults":100}"#,
            "AWSSupport_20130415.DescribeCases",
        );
        assert_eq!(request_key(&x), request_key(&y));
        let next = json(
            r#"{"nextToken":"u","includeResolvedCases":true,"maxResults":100}"#,
            "AWSSupport_20130415.DescribeCases",
        );
        assert_ne!(request_key(&x), request_key(&next), "another page");
        let other = json(
            r#"{"maxResults":100,"includeResolvedCases":true,"nextToken":"t"}"#,
            "AWSSupport_20130415.DescribeServices",
        );
        assert_ne!(request_key(&x), request_key(&other), "another action");
        assert_eq!(
            request_key(&request("GET", "/b?x=2&a=1", &[], "")),
            request_key(&request("GET", "/b?a=1&x=2", &[], ""))
        );
        assert_eq!(
            canonical(&serde_json::json!({"b": [{"d": 1, "c": "é"}], "a": null})),
            r#"{"a":null,"b":[{"c":"é","d":1}]}"#
        );
    }

    #[test]
    fn records_through_then_replays_without_the_upstream() {
        let calls = Arc::new(AtomicUsize::new(0));
        let forward = vec!["DynamoDB_20120810.PutItem".to_owned()];
        let upstream = {
            let calls = Arc::clone(&calls);
            let handler: Handler = Arc::new(move |r: &Request| {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                let hop = r.header("x-hop").unwrap_or("-");
                Response::new(200)
                    .header("x-call", &n.to_string())
                    .body(format!("{} {} {hop} #{n}", r.method, r.target).into_bytes())
            });
            Server::start(0, "upstream", Limits::default(), handler).expect("upstream")
        };
        let backend =
            ReplayBackend::start(0, &format!("http://{}", upstream.addr()), Duration::ZERO, &forward).expect("backend");
        backend.record("one");
        let get = |path: &str| {
            http::request(
                "GET",
                &format!("{}{path}", backend.endpoint()),
                &[("x-hop", "kept")],
                b"",
                Duration::from_secs(10),
            )
            .expect("answer")
        };
        assert_eq!(get("/a").text(), "GET /a kept #1");
        assert_eq!(get("/a").text(), "GET /a kept #2", "recording forwards every request");
        assert_eq!(get("/b").text(), "GET /b kept #3");
        assert_eq!(get("/a").header("x-call"), Some("4"), "the upstream's headers pass through");
        let recording = backend.stats();
        assert_eq!((recording.replaying, recording.recorded, recording.replayed), (false, 4, 0));

        let control = |path: &str| {
            http::request("POST", &format!("{}/_replay/{path}", backend.endpoint()), &[], b"", Duration::from_secs(10))
                .expect("control")
        };
        let switched = control("replay/one").json().expect("stats");
        assert_eq!((&switched["tape"], &switched["replaying"]), (&serde_json::json!("one"), &serde_json::json!(true)));
        let replayed: Vec<String> = ["/a", "/a", "/b", "/a", "/a"].iter().map(|p| get(p).text()).collect();
        assert_eq!(
            replayed,
            ["GET /a kept #1", "GET /a kept #2", "GET /b kept #3", "GET /a kept #4", "GET /a kept #1"]
        );
        assert_eq!(calls.load(Ordering::SeqCst), 4, "replaying never calls the upstream");
        let missed = get("/c");
        assert_eq!(missed.status, 502);
        let stats =
            http::request("GET", &format!("{}/_replay/stats", backend.endpoint()), &[], b"", Duration::from_secs(10))
                .expect("stats")
                .json()
                .expect("json");
        let stats: ReplayStats = serde_json::from_value(stats).expect("stats shape");
        assert_eq!((stats.replayed, stats.missed), (5, 1));
        assert_eq!(stats.misses, [format!("one: {}", request_key(&request("GET", "/c", &[], "")))]);
        assert_eq!(stats, backend.stats());

        // Another tape holds nothing of the first: what it records, it alone replays.
        backend.record("two");
        assert_eq!(get("/a").text(), "GET /a kept #5");
        backend.replay("two");
        assert_eq!(get("/a").text(), "GET /a kept #5");
        assert_eq!(get("/a").text(), "GET /a kept #5", "one answer, round and round");
        assert_eq!(get("/b").status, 502, "/b is on the other tape");
        backend.replay("one");
        assert_eq!(get("/b").text(), "GET /b kept #3");
        // A forwarded target reaches the upstream while replaying, unrecorded, every time.
        let put = |n: &str| {
            http::request(
                "POST",
                &format!("{}/", backend.endpoint()),
                &[("x-amz-target", "DynamoDB_20120810.PutItem")],
                n.as_bytes(),
                Duration::from_secs(10),
            )
            .expect("put")
            .text()
        };
        assert_eq!((put("1"), put("2")), ("POST / - #6".to_owned(), "POST / - #7".to_owned()));
        assert_eq!((backend.stats().forwarded, backend.stats().recorded), (2, 5));
        assert_eq!(control("rewind/one").status, 404);
    }
}
