//! A local API Gateway HTTP API: routes to Lambda functions (payload format 2.0), a JWT
//! authorizer that verifies tokens for real, and CORS answered by the gateway itself, on
//! 127.0.0.1 in front of the [`LambdaEmulator`] (or any [`Invoker`]).
//!
//! What it does as API Gateway does, so a Lambda or a page that works here works there:
//! - routes `"METHOD /path/{param}/{greedy+}"`, `ANY` and `$default`, the most specific match
//!   first; no route is `404 {"message":"Not Found"}`;
//! - the authorizer takes the token from `Authorization` (bare or after `Bearer `), checks it with
//!   [`JwtVerifier`] against the key set fetched once at start, and answers
//!   `401 {"message":"Unauthorized"}` without invoking anything when it fails;
//! - the event: `version` 2.0, `routeKey`, `rawPath`, `rawQueryString`, `cookies` (taken out of
//!   the headers), headers lower-cased with repeats joined by commas, `queryStringParameters`
//!   decoded with repeats joined by commas, `pathParameters` decoded, `requestContext` (account,
//!   api id, `authorizer.jwt.claims` with every claim as a string, domain, `http`, request id,
//!   stage `$default`, time), `body` (base64 unless textual) and `isBase64Encoded`;
//! - the answer: `statusCode`, `headers`, `cookies` (one `set-cookie` each), `body`,
//!   `isBase64Encoded`; an answer without `statusCode` is a 200 JSON body; a function error or
//!   a malformed answer is `500 {"message":"Internal Server Error"}`, a timeout `503`;
//! - with CORS configured, a preflight (`OPTIONS` with `Origin` and
//!   `Access-Control-Request-Method`) is answered 204 by the gateway, and the function's own
//!   `access-control-*` headers are replaced by the configured ones for an allowed origin.
//!
//! Local choices: per-route authorization scopes are not modelled (`scopes` is null), and the
//! claims' string forms follow what the gateway shows for Cognito tokens (numbers as written,
//! arrays of plain values as `[a b]`, other values as JSON).
//!
//! ```no_run
//! use std::sync::Arc;
//! use cima_testkit::{Cors, HttpApi, JwtAuthorizer, LambdaEmulator};
//! # fn main() -> cima_testkit::Result<()> {
//! let emulator = Arc::new(LambdaEmulator::start()?);
//! let api = HttpApi::builder()
//!     .route("GET /cases/{caseId}", "console-api")
//!     .route("POST /query", "chat-query")
//!     .authorizer(JwtAuthorizer {
//!         issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc".into(),
//!         audience: vec!["client-id".into()],
//!         jwks_url: "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json".into(),
//!     })
//!     .cors(Cors::allowing(["http://127.0.0.1:8000"]))
//!     .start(emulator.clone())?;
//! let _page_config_api_url = api.base_url();
//! # Ok(()) }
//! ```

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, VecDeque};
use std::hash::{BuildHasher as _, Hasher as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::jwt::{Claims, JwtError, JwtVerifier};
use crate::lambda::LambdaEmulator;
use crate::server::{Handler, Limits, Request, Response, Server, percent_decode};
use crate::{Jwks, MANAGEMENT_ACCOUNT_ID};

/// API Gateway's longest integration timeout for HTTP APIs.
pub const DEFAULT_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests [`HttpApi::requests`] keeps (the latest).
const KEPT_RECORDS: usize = 1000;

/// What runs a route's function: the [`LambdaEmulator`], or a closure in tests.
pub trait Invoker: Send + Sync {
    /// Invokes `function` with `payload` synchronously; the HTTP status of the invocation and the
    /// function's answer (a function error is a non-2xx status).
    fn invoke(&self, function: &str, payload: &Value, timeout: Duration) -> Result<(u16, Value)>;
}

impl Invoker for LambdaEmulator {
    fn invoke(&self, function: &str, payload: &Value, timeout: Duration) -> Result<(u16, Value)> {
        self.invoke_within(function, payload, timeout)
    }
}

impl<F> Invoker for F
where
    F: Fn(&str, &Value, Duration) -> Result<(u16, Value)> + Send + Sync,
{
    fn invoke(&self, function: &str, payload: &Value, timeout: Duration) -> Result<(u16, Value)> {
        self(function, payload, timeout)
    }
}

/// A JWT authorizer as the HTTP API's `AWS::ApiGatewayV2::Authorizer` (type JWT) describes it,
/// plus where its key set is served locally (moto: `<endpoint>/<user pool id>/.well-known/jwks.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtAuthorizer {
    pub issuer: String,
    /// `aud` of ID tokens, `client_id` of access tokens: the app client ids.
    pub audience: Vec<String>,
    /// Fetched once, when the API starts.
    pub jwks_url: String,
}

/// The API's CORS configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cors {
    /// Exact origins, `*`, or `https://*` / `http://*` (any origin of that scheme).
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    /// Seconds a browser may cache a preflight answer.
    pub max_age: Option<u32>,
    pub allow_credentials: bool,
}

impl Cors {
    /// `origins`, with methods `GET, POST, OPTIONS`, headers `authorization, content-type` and a
    /// max age of 300 s (what the console's API configures).
    pub fn allowing<S: Into<String>>(origins: impl IntoIterator<Item = S>) -> Cors {
        Cors {
            allow_origins: origins.into_iter().map(Into::into).collect(),
            allow_methods: ["GET", "POST", "OPTIONS"].map(String::from).to_vec(),
            allow_headers: ["authorization", "content-type"].map(String::from).to_vec(),
            expose_headers: Vec::new(),
            max_age: Some(300),
            allow_credentials: false,
        }
    }

    fn allows(&self, origin: &str) -> bool {
        self.allow_origins.iter().any(|allowed| match allowed.as_str() {
            "*" => true,
            wildcard if wildcard.ends_with("://*") => origin.starts_with(&wildcard[..wildcard.len() - 1]),
            exact => exact.eq_ignore_ascii_case(origin),
        })
    }

    /// `access-control-allow-origin` for an allowed `origin`.
    fn allow_origin_value(&self, origin: &str) -> String {
        if self.allow_origins.iter().any(|o| o == "*") && !self.allow_credentials {
            "*".to_owned()
        } else {
            origin.to_owned()
        }
    }
}

/// One request as the API handled it, for tests to check what happened behind an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequestRecord {
    pub method: String,
    /// The path as sent (no query).
    pub path: String,
    /// The matched route, if any.
    pub route_key: Option<String>,
    pub status: u16,
    /// The function invoked; `None` when the gateway answered alone (preflight, no route,
    /// unauthorized).
    pub function: Option<String>,
    /// Why the authorizer refused the request.
    pub denied: Option<JwtError>,
    pub request_id: String,
}

/// How an [`HttpApi`] is built; see [`HttpApi::builder`].
#[derive(Debug, Clone)]
pub struct HttpApiBuilder {
    routes: Vec<(String, String)>,
    authorizer: Option<AuthorizerSource>,
    cors: Option<Cors>,
    port: u16,
    timeout: Duration,
    account_id: String,
    api_id: Option<String>,
    leeway: Option<Duration>,
}

#[derive(Debug, Clone)]
enum AuthorizerSource {
    Url(JwtAuthorizer),
    Keys { issuer: String, audience: Vec<String>, jwks: Jwks },
}

/// A running local HTTP API; dropping it stops the server (the invoker is the caller's).
#[derive(Debug)]
pub struct HttpApi {
    server: Server,
    state: Arc<State>,
}

struct State {
    routes: Vec<Route>,
    verifier: Option<JwtVerifier>,
    cors: Option<Cors>,
    invoker: Arc<dyn Invoker>,
    timeout: Duration,
    account_id: String,
    api_id: String,
    ids: AtomicU64,
    records: Mutex<VecDeque<ApiRequestRecord>>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("api_id", &self.api_id).field("routes", &self.routes).finish_non_exhaustive()
    }
}

impl HttpApi {
    /// A builder with no routes, no authorizer, no CORS, any free port, the 30 s integration
    /// timeout and moto's default account.
    pub fn builder() -> HttpApiBuilder {
        HttpApiBuilder {
            routes: Vec::new(),
            authorizer: None,
            cors: None,
            port: 0,
            timeout: DEFAULT_INTEGRATION_TIMEOUT,
            account_id: MANAGEMENT_ACCOUNT_ID.to_owned(),
            api_id: None,
            leeway: None,
        }
    }

    /// `http://127.0.0.1:<port>` (the stage is `$default`, so no path follows).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// The API id the events carry.
    pub fn api_id(&self) -> &str {
        &self.state.api_id
    }

    /// The latest requests handled (up to 1000), oldest first. A request is recorded before its
    /// answer is written, so a client that has its answer finds it here.
    pub fn requests(&self) -> Vec<ApiRequestRecord> {
        self.state.records.lock().unwrap_or_else(|e| e.into_inner()).iter().cloned().collect()
    }
}

impl HttpApiBuilder {
    /// Sends requests matching `route_key` (`"GET /cases/{caseId}"`, `"ANY /x/{proxy+}"`,
    /// `"$default"`) to `function`.
    pub fn route(mut self, route_key: &str, function: &str) -> Self {
        self.routes.push((route_key.to_owned(), function.to_owned()));
        self
    }

    /// Every route is authorized by this JWT authorizer.
    pub fn authorizer(mut self, authorizer: JwtAuthorizer) -> Self {
        self.authorizer = Some(AuthorizerSource::Url(authorizer));
        self
    }

    /// Like [`HttpApiBuilder::authorizer`] with a key set at hand instead of a URL.
    pub fn authorizer_with_keys<A: Into<String>>(
        mut self,
        issuer: &str,
        audience: impl IntoIterator<Item = A>,
        jwks: Jwks,
    ) -> Self {
        let audience = audience.into_iter().map(Into::into).collect();
        self.authorizer = Some(AuthorizerSource::Keys { issuer: issuer.to_owned(), audience, jwks });
        self
    }

    /// The allowance for clock differences on `exp`, `nbf`, `iat` (default
    /// [`crate::jwt::DEFAULT_LEEWAY`]).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    pub fn cors(mut self, cors: Cors) -> Self {
        self.cors = Some(cors);
        self
    }

    /// A fixed port (e.g. the one a page's config names); 0 picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long a function may take before the gateway answers 503.
    pub fn integration_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn account_id(mut self, account_id: &str) -> Self {
        self.account_id = account_id.to_owned();
        self
    }

    /// The API id in events (default: 10 random lower-case letters and digits, like AWS's).
    pub fn api_id(mut self, api_id: &str) -> Self {
        self.api_id = Some(api_id.to_owned());
        self
    }

    /// Checks the routes, fetches the authorizer's key set and starts serving.
    pub fn start(self, invoker: Arc<dyn Invoker>) -> Result<HttpApi> {
        let mut routes = Vec::new();
        for (key, function) in &self.routes {
            let route = Route::parse(key, function)?;
            if routes.iter().any(|r: &Route| r.key == route.key) {
                return Err(Error::Config { what: format!("route {key:?}"), reason: "defined twice".into() });
            }
            routes.push(route);
        }
        let verifier = match self.authorizer {
            None => None,
            Some(AuthorizerSource::Url(a)) => Some(JwtVerifier::new(a.issuer, a.audience, Jwks::fetch(&a.jwks_url)?)),
            Some(AuthorizerSource::Keys { issuer, audience, jwks }) => Some(JwtVerifier::new(issuer, audience, jwks)),
        };
        let verifier = match (verifier, self.leeway) {
            (Some(v), Some(leeway)) => Some(v.with_leeway(leeway)),
            (v, _) => v,
        };
        let api_id = self.api_id.unwrap_or_else(|| random_id(10));
        let state = Arc::new(State {
            routes,
            verifier,
            cors: self.cors,
            invoker,
            timeout: self.timeout,
            account_id: self.account_id,
            api_id,
            ids: AtomicU64::new(0),
            records: Mutex::new(VecDeque::new()),
        });
        let handler_state = Arc::clone(&state);
        let handler: Handler = Arc::new(move |request: &Request| handler_state.handle(request));
        let server = Server::start(self.port, "http-api", Limits::default(), handler)?;
        Ok(HttpApi { server, state })
    }
}

/// One segment of a route's path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    /// `{name+}`: the rest of the path, at least one segment.
    Greedy(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Route {
    key: String,
    /// `None` for `ANY` and `$default`.
    method: Option<String>,
    /// `None` for `$default`.
    segments: Option<Vec<Segment>>,
    function: String,
}

impl Route {
    fn parse(key: &str, function: &str) -> Result<Route> {
        let bad = |reason: &str| Error::Config { what: format!("route {key:?}"), reason: reason.to_owned() };
        if key == "$default" {
            return Ok(Route { key: key.to_owned(), method: None, segments: None, function: function.to_owned() });
        }
        let (method, path) = key.split_once(' ').ok_or_else(|| bad("expected \"METHOD /path\" or \"$default\""))?;
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad("the method must be upper-case letters (or ANY)"));
        }
        let rest = path.strip_prefix('/').ok_or_else(|| bad("the path must start with /"))?;
        let mut segments = Vec::new();
        let parts: Vec<&str> = if rest.is_empty() { Vec::new() } else { rest.split('/').collect() };
        for (i, part) in parts.iter().enumerate() {
            let segment = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => {
                    let (name, greedy) = name.strip_suffix('+').map_or((name, false), |n| (n, true));
                    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                        return Err(bad("a parameter name is letters, digits and _"));
                    }
                    if greedy && i + 1 != parts.len() {
                        return Err(bad("a greedy {name+} parameter must be the last segment"));
                    }
                    if greedy { Segment::Greedy(name.to_owned()) } else { Segment::Param(name.to_owned()) }
                }
                None if part.is_empty() || part.contains(['{', '}']) => {
                    return Err(bad("empty segment or stray brace"));
                }
                None => Segment::Literal((*part).to_owned()),
            };
            segments.push(segment);
        }
        Ok(Route {
            key: key.to_owned(),
            method: (method != "ANY").then(|| method.to_owned()),
            segments: Some(segments),
            function: function.to_owned(),
        })
    }

    /// The path parameters if this route matches; `rank` orders matches (lower is more specific).
    fn matches(&self, method: &str, decoded: &[String]) -> Option<(Vec<u8>, BTreeMap<String, String>)> {
        if self.method.as_deref().is_some_and(|m| m != method) {
            return None;
        }
        let Some(segments) = &self.segments else { return Some((vec![9], BTreeMap::new())) };
        let mut params = BTreeMap::new();
        let mut rank = Vec::new();
        for (i, segment) in segments.iter().enumerate() {
            match segment {
                Segment::Literal(text) => {
                    (decoded.get(i)? == text).then_some(())?;
                    rank.push(0);
                }
                Segment::Param(name) => {
                    let value = decoded.get(i).filter(|v| !v.is_empty())?;
                    params.insert(name.clone(), value.clone());
                    rank.push(1);
                }
                Segment::Greedy(name) => {
                    let rest = decoded.get(i..).filter(|r| !r.is_empty())?;
                    params.insert(name.clone(), rest.join("/"));
                    rank.push(2);
                    return Some((self.ranked(rank), params));
                }
            }
        }
        (decoded.len() == segments.len()).then(|| (self.ranked(rank), params))
    }

    /// An exact method beats ANY on otherwise equal paths.
    fn ranked(&self, mut rank: Vec<u8>) -> Vec<u8> {
        rank.push(u8::from(self.method.is_none()));
        rank
    }
}

impl State {
    fn handle(&self, request: &Request) -> Response {
        let request_id = self.next_request_id();
        let (raw_path, raw_query) = request.path_and_query();
        let origin = request.header("origin");
        let mut record = ApiRequestRecord {
            method: request.method.clone(),
            path: raw_path.to_owned(),
            route_key: None,
            status: 0,
            function: None,
            denied: None,
            request_id: request_id.clone(),
        };
        let response = self.respond(request, raw_path, raw_query, &request_id, &mut record);
        let mut response = self.with_cors(response, origin, request);
        response.headers.push(("apigw-requestid".into(), request_id));
        record.status = response.status;
        self.keep(record);
        response
    }

    fn respond(
        &self,
        request: &Request,
        raw_path: &str,
        raw_query: &str,
        request_id: &str,
        record: &mut ApiRequestRecord,
    ) -> Response {
        if self.cors.is_some() && is_preflight(request) {
            return Response::new(204);
        }
        let Some(decoded) = raw_path[1..].split('/').map(|s| percent_decode(s, false)).collect::<Option<Vec<_>>>()
        else {
            return Response::message(400, "Bad Request");
        };
        let decoded = if raw_path == "/" { Vec::new() } else { decoded };
        let best = self
            .routes
            .iter()
            .filter_map(|r| r.matches(&request.method, &decoded).map(|(rank, params)| (rank, r, params)))
            .min_by(|a, b| a.0.cmp(&b.0));
        let Some((_, route, params)) = best else { return Response::message(404, "Not Found") };
        record.route_key = Some(route.key.clone());
        let claims = match &self.verifier {
            None => None,
            Some(verifier) => match bearer(request).map(|t| verifier.verify(t, SystemTime::now())) {
                None => {
                    record.denied = Some(JwtError::Missing);
                    return Response::message(401, "Unauthorized");
                }
                Some(Err(e)) => {
                    let challenge = format!("Bearer error=\"invalid_token\" error_description=\"{e}\"");
                    record.denied = Some(e);
                    return Response::message(401, "Unauthorized").header("www-authenticate", &challenge);
                }
                Some(Ok(claims)) => Some(claims),
            },
        };
        let event = self.event(request, route, &params, raw_path, raw_query, claims.as_ref(), request_id);
        record.function = Some(route.function.clone());
        let started = Instant::now();
        match self.invoker.invoke(&route.function, &event, self.timeout) {
            Ok((200..=299, answer)) => {
                lambda_answer(answer).unwrap_or_else(|()| Response::message(500, "Internal Server Error"))
            }
            Err(_) if started.elapsed() >= self.timeout => Response::message(503, "Service Unavailable"),
            Ok(_) | Err(_) => Response::message(500, "Internal Server Error"),
        }
    }

    /// The configured CORS headers replace any a function set; only an allowed origin gets them.
    fn with_cors(&self, mut response: Response, origin: Option<&str>, request: &Request) -> Response {
        let Some(cors) = &self.cors else { return response };
        response.headers.retain(|(k, _)| !k.to_ascii_lowercase().starts_with("access-control-"));
        let Some(origin) = origin.filter(|o| cors.allows(o)) else { return response };
        let mut add = |k: &str, v: String| response.headers.push((k.to_owned(), v));
        add("access-control-allow-origin", cors.allow_origin_value(origin));
        if cors.allow_credentials {
            add("access-control-allow-credentials", "true".into());
        }
        if is_preflight(request) {
            add("access-control-allow-methods", cors.allow_methods.join(","));
            add("access-control-allow-headers", cors.allow_headers.join(","));
            if let Some(max_age) = cors.max_age {
                add("access-control-max-age", max_age.to_string());
            }
        } else if !cors.expose_headers.is_empty() {
            add("access-control-expose-headers", cors.expose_headers.join(","));
        }
        response
    }

    #[allow(clippy::too_many_arguments, reason = "the event is made of all of them")]
    fn event(
        &self,
        request: &Request,
        route: &Route,
        params: &BTreeMap<String, String>,
        raw_path: &str,
        raw_query: &str,
        claims: Option<&Claims>,
        request_id: &str,
    ) -> Value {
        let now = SystemTime::now();
        let source_ip = request.peer.ip().to_string();
        let (headers, cookies) = event_headers(request, &source_ip, request.local.port(), now);
        let host = match headers.get("host").and_then(Value::as_str) {
            Some(host) => host.to_owned(),
            None => request.local.to_string(),
        };
        let mut context = json!({
            "accountId": self.account_id,
            "apiId": self.api_id,
            "domainName": host,
            "domainPrefix": host.split(['.', ':']).next().unwrap_or_default(),
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": request.version,
                "sourceIp": source_ip,
                "userAgent": request.header("user-agent").unwrap_or_default(),
            },
            "requestId": request_id,
            "routeKey": route.key,
            "stage": "$default",
            "time": crate::time::request_time(now),
            "timeEpoch": crate::time::unix_millis(now),
        });
        if let Some(claims) = claims {
            let strings: Map<String, Value> = claims.iter().map(|(k, v)| (k.clone(), claim_string(v).into())).collect();
            context["authorizer"] = json!({"jwt": {"claims": strings, "scopes": null}});
        }
        let mut event = json!({
            "version": "2.0",
            "routeKey": route.key,
            "rawPath": raw_path,
            "rawQueryString": raw_query,
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": false,
        });
        if !cookies.is_empty() {
            event["cookies"] = cookies.into();
        }
        let query = query_parameters(raw_query);
        if !query.is_empty() {
            event["queryStringParameters"] = json!(query);
        }
        if !params.is_empty() {
            event["pathParameters"] = json!(params);
        }
        if !request.body.is_empty() {
            let textual = is_textual(request.header("content-type").unwrap_or_default());
            match std::str::from_utf8(&request.body) {
                Ok(text) if textual => event["body"] = text.into(),
                _ => {
                    event["body"] = STANDARD.encode(&request.body).into();
                    event["isBase64Encoded"] = true.into();
                }
            }
        }
        event
    }

    fn next_request_id(&self) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        // 11 bytes in base64 (16 characters ending in `=`), the shape of AWS's ids.
        let mut bytes = random_bytes(n).to_vec();
        bytes.truncate(11);
        STANDARD.encode(bytes)
    }

    fn keep(&self, record: ApiRequestRecord) {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if records.len() == KEPT_RECORDS {
            records.pop_front();
        }
        records.push_back(record);
    }
}

fn is_preflight(request: &Request) -> bool {
    request.method == "OPTIONS"
        && request.header("origin").is_some()
        && request.header("access-control-request-method").is_some()
}

/// The token of the `Authorization` header, bare or after `Bearer `.
fn bearer(request: &Request) -> Option<&str> {
    let value = request.header("authorization")?.trim();
    let token = match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim(),
        _ => value,
    };
    (!token.is_empty()).then_some(token)
}

/// Headers as the event carries them, and the cookies taken out of them.
fn event_headers(request: &Request, source_ip: &str, port: u16, now: SystemTime) -> (Map<String, Value>, Vec<String>) {
    let mut joined: BTreeMap<String, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in &request.headers {
        let name = name.to_ascii_lowercase();
        if name == "cookie" {
            cookies.extend(value.split(';').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned));
            continue;
        }
        joined.entry(name).and_modify(|v| *v = format!("{v},{value}")).or_insert_with(|| value.clone());
    }
    // The gateway's own: the client address appended to any forwarded chain, port, scheme, trace.
    let forwarded = match joined.get("x-forwarded-for") {
        Some(chain) => format!("{chain}, {source_ip}"),
        None => source_ip.to_owned(),
    };
    joined.insert("x-forwarded-for".into(), forwarded);
    joined.insert("x-forwarded-port".into(), port.to_string());
    joined.insert("x-forwarded-proto".into(), "http".into());
    let seconds = crate::time::unix_seconds(now);
    let random = random_bytes(seconds as u64);
    let trace: String = random[..12].iter().map(|b| format!("{b:02x}")).collect();
    joined.entry("x-amzn-trace-id".into()).or_insert_with(|| format!("Root=1-{seconds:08x}-{trace}"));
    (joined.into_iter().map(|(k, v)| (k, Value::String(v))).collect(), cookies)
}

/// `a=1&a=2&b=x%20y` → `{a: "1,2", b: "x y"}`; a key without `=` has an empty value.
fn query_parameters(raw: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| percent_decode(s, true).unwrap_or_else(|| s.to_owned());
        let (key, value) = (decode(key), decode(value));
        out.entry(key).and_modify(|v| *v = format!("{v},{value}")).or_insert(value);
    }
    out
}

/// Content types whose bodies the event carries as text; the rest is base64.
fn is_textual(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    media.starts_with("text/")
        || media.ends_with("+json")
        || media.ends_with("+xml")
        || ["application/json", "application/xml", "application/javascript", "application/graphql"]
            .contains(&media.as_str())
}

/// A claim as the authorizer hands it to the function: always a string.
fn claim_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_array() && !i.is_object()) => {
            format!("[{}]", items.iter().map(claim_string).collect::<Vec<_>>().join(" "))
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The HTTP answer for a function's answer; `Err` when the gateway would call it malformed.
fn lambda_answer(answer: Value) -> Result<Response, ()> {
    let structured = answer.as_object().filter(|o| o.contains_key("statusCode"));
    let Some(object) = structured else {
        // Without statusCode the whole answer is a JSON body.
        let body = match answer {
            Value::String(s) => s,
            other => other.to_string(),
        };
        return Ok(Response::new(200).header("content-type", "application/json").body(body.into_bytes()));
    };
    let status = object["statusCode"].as_u64().filter(|s| (100..=599).contains(s)).ok_or(())?;
    let mut response = Response::new(u16::try_from(status).map_err(drop)?);
    match object.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(headers)) => {
            for (name, value) in headers {
                let value = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(_) | Value::Bool(_) => value.to_string(),
                    Value::Null => continue,
                    _ => return Err(()),
                };
                response.headers.push((name.to_ascii_lowercase(), value));
            }
        }
        Some(_) => return Err(()),
    }
    match object.get("cookies") {
        None | Some(Value::Null) => {}
        Some(Value::Array(cookies)) => {
            for cookie in cookies {
                response.headers.push(("set-cookie".into(), cookie.as_str().ok_or(())?.to_owned()));
            }
        }
        Some(_) => return Err(()),
    }
    let base64 = match object.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(v) => v.as_bool().ok_or(())?,
    };
    response.body = match object.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(body)) if base64 => STANDARD.decode(body).map_err(drop)?,
        Some(Value::String(body)) => body.clone().into_bytes(),
        Some(_) => return Err(()),
    };
    Ok(response)
}

/// 16 bytes no two calls in a process share (std's per-process random hasher keys, a counter
/// and the clock): ids, not secrets.
fn random_bytes(salt: u64) -> [u8; 16] {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut out = [0; 16];
    for (i, half) in out.chunks_mut(8).enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(salt);
        hasher.write_u64(call);
        hasher.write_u128(nanos);
        hasher.write_usize(i);
        half.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    out
}

/// `len` lower-case letters and digits.
fn random_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::new();
    while out.len() < len {
        for b in random_bytes(out.len() as u64) {
            if out.len() < len {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::jwt::{TestIssuer, compose_jwt, unix_now};

    fn route(key: &str) -> Route {
        Route::parse(key, "f").expect("valid route")
    }

    fn segments(path: &str) -> Vec<String> {
        path[1..].split('/').map(str::to_owned).collect()
    }

    #[test]
    fn route_keys_parse_or_are_refused() {
        assert_eq!(
            route("GET /cases/{caseId}").segments,
            Some(vec![Segment::Literal("cases".into()), Segment::Param("caseId".into())])
        );
        assert_eq!(route("ANY /a/{proxy+}").method, None);
        assert_eq!(route("GET /").segments, Some(vec![]));
        for bad in ["GET", "get /x", "GET x", "GET /a//b", "GET /{a+}/b", "GET /{}", "GET /{a-b}", "GET /a}"] {
            assert!(matches!(Route::parse(bad, "f"), Err(Error::Config { .. })), "{bad}");
        }
    }

    #[test]
    fn the_most_specific_route_wins() {
        let routes = ["GET /cases/summary", "GET /cases/{caseId}", "ANY /cases/{caseId}", "GET /{proxy+}", "$default"]
            .map(route);
        let pick = |method: &str, path: &str| {
            routes
                .iter()
                .filter_map(|r| r.matches(method, &segments(path)).map(|(rank, p)| (rank, r.key.clone(), p)))
                .min_by(|a, b| a.0.cmp(&b.0))
                .map(|(_, key, params)| (key, params))
        };
        let params = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        assert_eq!(pick("GET", "/cases/summary"), Some(("GET /cases/summary".into(), params(&[]))));
        assert_eq!(pick("GET", "/cases/c-1"), Some(("GET /cases/{caseId}".into(), params(&[("caseId", "c-1")]))));
        assert_eq!(pick("POST", "/cases/c-1"), Some(("ANY /cases/{caseId}".into(), params(&[("caseId", "c-1")]))));
        assert_eq!(pick("GET", "/cases/c-1/x"), Some(("GET /{proxy+}".into(), params(&[("proxy", "cases/c-1/x")]))));
        assert_eq!(pick("POST", "/other"), Some(("$default".into(), params(&[]))));
        let strict = [route("GET /history")];
        assert!(strict[0].matches("GET", &segments("/history/")).is_none(), "a trailing slash is another path");
        assert!(strict[0].matches("POST", &segments("/history")).is_none());
        assert!(route("GET /cases/{caseId}").matches("GET", &segments("/cases/")).is_none(), "empty parameter");
    }

    #[test]
    fn query_strings_join_repeated_keys_with_commas() {
        let q = query_parameters("status=open&status=resolved&q=a%20b+c&flag&=x&&e=");
        assert_eq!(q["status"], "open,resolved");
        assert_eq!(q["q"], "a b c");
        assert_eq!(q["flag"], "");
        assert_eq!(q[""], "x");
        assert_eq!(q["e"], "");
        assert_eq!(q.len(), 5);
        assert!(query_parameters("").is_empty());
    }

    #[test]
    fn claims_become_strings() {
        assert_eq!(claim_string(&json!("a")), "a");
        assert_eq!(claim_string(&json!(1_700_000_000)), "1700000000");
        assert_eq!(claim_string(&json!(true)), "true");
        assert_eq!(claim_string(&json!(["admin", "ops"])), "[admin ops]");
        assert_eq!(claim_string(&json!({"a": 1})), "{\"a\":1}");
    }

    #[test]
    fn lambda_answers_map_to_http() {
        let r = lambda_answer(json!({
            "statusCode": 201, "headers": {"Content-Type": "text/plain", "x-n": 3}, "cookies": ["a=1", "b=2"],
            "body": "aGk=", "isBase64Encoded": true
        }))
        .expect("valid");
        assert_eq!(r.status, 201);
        assert_eq!(r.body, b"hi");
        assert_eq!(r.header_value("content-type"), Some("text/plain"));
        assert_eq!(r.header_value("x-n"), Some("3"));
        assert_eq!(r.headers.iter().filter(|(k, _)| k == "set-cookie").count(), 2);
        let bare = lambda_answer(json!({"message": "hi"})).expect("valid");
        assert_eq!((bare.status, bare.body.as_slice()), (200, &b"{\"message\":\"hi\"}"[..]));
        assert_eq!(bare.header_value("content-type"), Some("application/json"));
        assert_eq!(lambda_answer(json!("plain")).expect("valid").body, b"plain");
        for bad in [
            json!({"statusCode": "200"}),
            json!({"statusCode": 99}),
            json!({"statusCode": 200, "body": {"a": 1}}),
            json!({"statusCode": 200, "headers": ["x"]}),
            json!({"statusCode": 200, "body": "%%", "isBase64Encoded": true}),
            json!({"statusCode": 200, "cookies": [1]}),
        ] {
            assert_eq!(lambda_answer(bad.clone()), Err(()), "{bad}");
        }
    }

    #[test]
    fn cors_origins() {
        let cors = Cors::allowing(["https://console.example", "http://*"]);
        assert!(cors.allows("https://console.example"));
        assert!(cors.allows("http://127.0.0.1:8000"));
        assert!(!cors.allows("https://evil.example"));
        assert_eq!(cors.allow_origin_value("http://x"), "http://x");
        assert_eq!(Cors::allowing(["*"]).allow_origin_value("http://x"), "*");
    }

    #[test]
    fn ids_look_like_aws_ones_and_differ() {
        let a = random_id(10);
        assert_eq!(a.len(), 10);
        assert!(a.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{a}");
        assert_ne!(random_bytes(1), random_bytes(1));
    }

    fn request(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Request {
        Request {
            method: method.into(),
            target: target.into(),
            version: "HTTP/1.1".into(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: body.to_vec(),
            peer: SocketAddr::from(([127, 0, 0, 1], 40000)),
            local: SocketAddr::from(([127, 0, 0, 1], 4010)),
        }
    }

    const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_unit";

    /// A state whose invoker records events and answers with `answer`.
    fn state(answer: Value) -> (State, Arc<Mutex<Vec<Value>>>, TestIssuer) {
        let issuer = TestIssuer::generate("unit").expect("key");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&seen);
        let invoker = move |_: &str, event: &Value, _: Duration| -> Result<(u16, Value)> {
            keep.lock().expect("lock").push(event.clone());
            Ok((200, answer.clone()))
        };
        let state = State {
            routes: vec![route("GET /cases/{caseId}"), route("POST /query")],
            verifier: Some(JwtVerifier::new(ISS, ["client"], Jwks::from_json(&issuer.jwks()).expect("jwks"))),
            cors: Some(Cors::allowing(["http://127.0.0.1:8000"])),
            invoker: Arc::new(invoker),
            timeout: Duration::from_secs(5),
            account_id: "111122223333".into(),
            api_id: "abcde12345".into(),
            ids: AtomicU64::new(0),
            records: Mutex::new(VecDeque::new()),
        };
        (state, seen, issuer)
    }

    fn token(issuer: &TestIssuer) -> String {
        let now = unix_now();
        issuer.sign(&json!({
            "iss": ISS, "aud": "client", "sub": "u-1", "token_use": "id", "iat": now, "exp": now + 60,
            "cognito:groups": ["ops"], "email_verified": true,
        }))
    }

    #[test]
    fn builds_the_payload_format_2_event() {
        let (state, seen, issuer) = state(json!({"statusCode": 200, "body": "ok"}));
        let bearer = format!("Bearer {}", token(&issuer));
        let req = request(
            "GET",
            "/cases/case%2D1?status=open&status=resolved&q=a%20b",
            &[
                ("Host", "127.0.0.1:4010"),
                ("Authorization", &bearer),
                ("Cookie", "a=1; b=2"),
                ("X-Multi", "one"),
                ("x-multi", "two"),
                ("User-Agent", "unit"),
                ("Origin", "http://127.0.0.1:8000"),
            ],
            b"",
        );
        let response = state.handle(&req);
        assert_eq!(response.status, 200, "{response:?}");
        assert_eq!(response.header_value("access-control-allow-origin"), Some("http://127.0.0.1:8000"));
        let events = seen.lock().expect("lock");
        let e = &events[0];
        assert_eq!(e["version"], "2.0");
        assert_eq!(e["routeKey"], "GET /cases/{caseId}");
        assert_eq!(e["rawPath"], "/cases/case%2D1");
        assert_eq!(e["rawQueryString"], "status=open&status=resolved&q=a%20b");
        assert_eq!(e["pathParameters"], json!({"caseId": "case-1"}));
        assert_eq!(e["queryStringParameters"], json!({"status": "open,resolved", "q": "a b"}));
        assert_eq!(e["cookies"], json!(["a=1", "b=2"]));
        assert_eq!(e["headers"]["x-multi"], "one,two");
        assert_eq!(e["headers"]["host"], "127.0.0.1:4010");
        assert_eq!(e["headers"]["x-forwarded-port"], "4010");
        assert!(e["headers"].get("cookie").is_none() && e["headers"].get("Host").is_none());
        assert_eq!(e["isBase64Encoded"], false);
        assert!(e.get("body").is_none());
        let ctx = &e["requestContext"];
        assert_eq!(ctx["accountId"], "111122223333");
        assert_eq!(ctx["apiId"], "abcde12345");
        assert_eq!(ctx["stage"], "$default");
        assert_eq!(
            ctx["http"],
            json!({"method": "GET", "path": "/cases/case%2D1", "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1", "userAgent": "unit"})
        );
        let claims = &ctx["authorizer"]["jwt"]["claims"];
        assert_eq!(claims["sub"], "u-1");
        assert_eq!(claims["cognito:groups"], "[ops]");
        assert_eq!(claims["email_verified"], "true");
        assert!(claims["exp"].as_str().is_some_and(|s| s.parse::<i64>().is_ok()), "{claims}");
        assert_eq!(ctx["authorizer"]["jwt"]["scopes"], Value::Null);
        assert_eq!(ctx["requestId"].as_str().map(str::len), Some(16));
        assert!(ctx["time"].as_str().is_some_and(|t| t.ends_with(" +0000")), "{ctx}");
        assert!(ctx["timeEpoch"].as_u64().is_some());
    }

    #[test]
    fn bodies_are_text_or_base64_by_content_type() {
        let (state, seen, issuer) = state(json!({"statusCode": 204}));
        let auth = token(&issuer);
        state.handle(&request(
            "POST",
            "/query",
            &[("Authorization", &auth), ("Content-Type", "application/json")],
            b"{}",
        ));
        state.handle(&request("POST", "/query", &[("Authorization", &auth), ("Content-Type", "image/png")], b"\x89P"));
        let events = seen.lock().expect("lock");
        assert_eq!((&events[0]["body"], &events[0]["isBase64Encoded"]), (&json!("{}"), &json!(false)));
        assert_eq!((&events[1]["body"], &events[1]["isBase64Encoded"]), (&json!("iVA="), &json!(true)));
    }

    #[test]
    fn the_gateway_answers_alone_when_it_must() {
        let (state, seen, issuer) = state(json!({"statusCode": 200}));
        let status = |r: Request| state.handle(&r).status;
        assert_eq!(status(request("GET", "/nowhere", &[], b"")), 404);
        assert_eq!(status(request("GET", "/cases/c-1", &[], b"")), 401);
        assert_eq!(status(request("GET", "/cases/c-1", &[("Authorization", "Bearer ")], b"")), 401);
        let none =
            compose_jwt(&json!({"alg": "none"}), &json!({"iss": ISS, "aud": "client", "exp": unix_now() + 60}), b"");
        let refused = state.handle(&request("GET", "/cases/c-1", &[("Authorization", &none)], b""));
        assert_eq!(refused.status, 401);
        assert_eq!(refused.body, br#"{"message":"Unauthorized"}"#);
        assert!(refused.header_value("www-authenticate").is_some_and(|w| w.contains("RS256 only")));
        assert_eq!(status(request("GET", "/cases/%zz", &[], b"")), 400);
        let preflight = state.handle(&request(
            "OPTIONS",
            "/anything",
            &[("Origin", "http://127.0.0.1:8000"), ("Access-Control-Request-Method", "POST")],
            b"",
        ));
        assert_eq!(preflight.status, 204);
        assert_eq!(preflight.header_value("access-control-allow-headers"), Some("authorization,content-type"));
        assert!(seen.lock().expect("lock").is_empty(), "nothing was invoked");
        let records = state.records.lock().expect("lock");
        assert_eq!(records.len(), 6);
        assert_eq!(records[1].denied, Some(JwtError::Missing));
        assert!(matches!(records[3].denied, Some(JwtError::Algorithm(_))));
        assert!(records.iter().all(|r| r.function.is_none()));
        // Works with the bare token too.
        drop(records);
        assert_eq!(status(request("GET", "/cases/c-1", &[("Authorization", &token(&issuer))], b"")), 200);
    }

    #[test]
    fn failures_of_the_function_are_5xx() {
        let calls = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&calls);
        let invoker = move |_: &str, _: &Value, timeout: Duration| -> Result<(u16, Value)> {
            match count.fetch_add(1, Ordering::SeqCst) {
                0 => Ok((500, json!({"errorType": "Boom", "errorMessage": "bad"}))),
                1 => Ok((200, json!({"statusCode": "nope"}))),
                _ => Err(Error::Http { url: "x".into(), detail: format!("timed out after {timeout:?}") }),
            }
        };
        let (mut state, _, _) = state(Value::Null);
        state.verifier = None;
        state.invoker = Arc::new(invoker);
        state.timeout = Duration::ZERO;
        let status = || state.handle(&request("POST", "/query", &[], b"")).status;
        assert_eq!(status(), 500);
        assert_eq!(status(), 500);
        assert_eq!(status(), 503, "an invocation that ran out of time");
    }
}
