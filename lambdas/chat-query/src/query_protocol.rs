//! AWS's Query protocol (EC2's dialect, and `awsQuery`: a form-encoded POST answered in XML), and
//! its two siblings chat-query needs, REST-XML GETs (Route 53) and JSON 1.1 (Cost Explorer), all
//! signed with SigV4. chat-query makes a handful of read calls in these protocols; one small
//! client serves them all instead of a generated SDK crate per service. `aws-sdk-ec2` alone (one call,
//! DescribeInstances) was the longest crate of every build: 7.8 min optimised before fat LTO, 4 min
//! in the test build (bench/README.md, "Build: the Lambda zips").
//!
//! The client keeps the SDK's behaviour where it matters: the same HTTP stack (aws-smithy-http-client
//! over rustls/AWS-LC, its connect timeout), the session's credentials, region, endpoint override,
//! per-attempt timeout and attempt count, the same retryable errors (throttling codes, 5xx,
//! transport errors, attempts that time out) with exponential backoff and full jitter, and the
//! `amz-sdk-invocation-id` / `amz-sdk-request` headers. Its errors carry AWS's code and message
//! through [`ProvideErrorMetadata`], so the one formatter in cima-core words them.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials as _;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::SdkConfig;

/// Codes that mean "try again later", as the SDK's standard retry classifies them.
const RETRYABLE_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "ServiceUnavailable",
];

/// A service: its signing name (also its endpoint prefix), API version (the Query protocol sends
/// it; the JSON protocol's target prefix takes its place) and whether one global endpoint serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryService {
    pub name: &'static str,
    pub version: &'static str,
    /// Served at `https://{name}.amazonaws.com` and signed for us-east-1, whatever the session's region.
    pub global: bool,
}

const fn regional(name: &'static str, version: &'static str) -> QueryService {
    QueryService { name, version, global: false }
}

pub const EC2: QueryService = regional("ec2", "2016-11-15");
pub const CLOUDFORMATION: QueryService = regional("cloudformation", "2010-05-15");
/// Application, Network and Gateway load balancers.
pub const ELB: QueryService = regional("elasticloadbalancing", "2015-12-01");
/// Classic load balancers: the same endpoint, an older API version.
pub const ELB_CLASSIC: QueryService = regional("elasticloadbalancing", "2012-06-01");
pub const AUTOSCALING: QueryService = regional("autoscaling", "2011-01-01");
pub const CLOUDWATCH: QueryService = regional("monitoring", "2010-08-01");
/// REST-XML: paths name the API version.
pub const ROUTE53: QueryService = QueryService { name: "route53", version: "2013-04-01", global: true };
/// JSON 1.1: the version is the target prefix's.
pub const COST_EXPLORER: QueryService = regional("ce", "AWSInsightsIndexService");
pub const CONFIG: QueryService = regional("config", "StarlingDoveService");

/// Where each global service is signed.
const GLOBAL_REGION: &str = "us-east-1";

/// One request as the three protocols shape it.
struct Shape<'a> {
    method: &'static str,
    /// The path and query string, from the leading `/`.
    path: &'a str,
    content_type: Option<&'static str>,
    /// JSON 1.1's `X-Amz-Target`.
    target: Option<String>,
    body: &'a str,
}

/// A failed call: AWS's code and message when the service answered, else what went wrong on the way.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct QueryError {
    meta: ErrorMetadata,
    /// The HTTP status, when an answer came.
    status: Option<u16>,
}

impl QueryError {
    fn service(status: u16, code: Option<String>, message: Option<String>) -> Self {
        let mut b = ErrorMetadata::builder();
        if let Some(code) = code {
            b = b.code(code);
        }
        if let Some(message) = message {
            b = b.message(message);
        }
        Self { meta: b.build(), status: Some(status) }
    }

    fn transport(message: impl Into<String>) -> Self {
        Self { meta: ErrorMetadata::builder().message(message.into()).build(), status: None }
    }

    fn describe(&self) -> String {
        match (self.meta.code(), self.meta.message(), self.status) {
            (Some(c), Some(m), _) => format!("{c}: {m}"),
            (Some(c), None, _) => c.to_owned(),
            (None, Some(m), Some(s)) => format!("HTTP {s}: {m}"),
            (None, Some(m), None) => m.to_owned(),
            (None, None, Some(s)) => format!("HTTP {s}"),
            (None, None, None) => "no answer".to_owned(),
        }
    }

    /// Whether another attempt may succeed: throttling and server errors, and anything that
    /// failed before an answer came (connection reset, attempt timeout).
    fn is_retryable(&self) -> bool {
        match self.status {
            None => true,
            Some(s) => s >= 500 || s == 429 || self.meta.code().is_some_and(|c| RETRYABLE_CODES.contains(&c)),
        }
    }
}

impl ProvideErrorMetadata for QueryError {
    fn meta(&self) -> &ErrorMetadata {
        &self.meta
    }
}

/// One process-wide connector: its pool is shared by every account and service, as the SDK's
/// clients share the session's HTTP client.
fn connector(connect_timeout: Option<Duration>) -> Arc<dyn HttpConnector> {
    static CONNECTOR: OnceLock<Arc<dyn HttpConnector>> = OnceLock::new();
    CONNECTOR
        .get_or_init(|| {
            let mut settings = HttpConnectorSettings::builder();
            if let Some(t) = connect_timeout {
                settings = settings.connect_timeout(t);
            }
            Arc::new(
                aws_smithy_http_client::Connector::builder()
                    .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                        aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
                    ))
                    .connector_settings(settings.build())
                    .build(),
            )
        })
        .clone()
}

/// A signed Query-protocol client for one service in the session's region and account.
pub struct QueryClient {
    service: QueryService,
    sdk: SdkConfig,
    endpoint: String,
    http: Arc<dyn HttpConnector>,
}

impl std::fmt::Debug for QueryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryClient").field("service", &self.service).field("endpoint", &self.endpoint).finish()
    }
}

impl QueryClient {
    pub fn new(sdk: &SdkConfig, service: QueryService) -> Self {
        let region = sdk.region().map(|r| r.as_ref().to_owned()).unwrap_or_default();
        let endpoint = match sdk.endpoint_url() {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if service.global => format!("https://{}.{}", service.name, dns_suffix(&region)),
            None => format!("https://{}.{region}.{}", service.name, dns_suffix(&region)),
        };
        let connect_timeout = sdk.timeout_config().and_then(|t| t.connect_timeout());
        Self { service, sdk: sdk.clone(), endpoint, http: connector(connect_timeout) }
    }

    /// Calls `action` with `params` (already flattened: `Filter.1.Name`, …) in the Query
    /// protocol, retrying as the session's retry configuration says, and returns the answer's
    /// root element.
    pub async fn call(&self, action: &str, params: &[(String, String)]) -> Result<Element, QueryError> {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.append_pair("Action", action).append_pair("Version", self.service.version);
        for (k, v) in params {
            body.append_pair(k, v);
        }
        let body = body.finish();
        let shape = Shape {
            method: "POST",
            path: "/",
            content_type: Some("application/x-www-form-urlencoded; charset=utf-8"),
            target: None,
            body: &body,
        };
        self.with_retries(action, &shape, xml_answer).await
    }

    /// GETs `path` (from `/`, with its query string) of a REST-XML service such as Route 53.
    pub async fn get(&self, operation: &str, path: &str) -> Result<Element, QueryError> {
        let shape = Shape { method: "GET", path, content_type: None, target: None, body: "" };
        self.with_retries(operation, &shape, xml_answer).await
    }

    /// Calls `operation` of a JSON 1.1 service (its target prefix is the service's `version`).
    pub async fn json(&self, operation: &str, input: &serde_json::Value) -> Result<serde_json::Value, QueryError> {
        let body = input.to_string();
        let shape = Shape {
            method: "POST",
            path: "/",
            content_type: Some("application/x-amz-json-1.1"),
            target: Some(format!("{}.{operation}", self.service.version)),
            body: &body,
        };
        self.with_retries(operation, &shape, json_answer).await
    }

    async fn with_retries<T>(
        &self,
        operation: &str,
        shape: &Shape<'_>,
        answer: fn(u16, &str) -> Result<T, QueryError>,
    ) -> Result<T, QueryError> {
        let retry = self.sdk.retry_config();
        let max_attempts = retry.map_or(3, |r| r.max_attempts()).max(1);
        let initial_backoff = retry.map_or(Duration::from_secs(1), |r| r.initial_backoff());
        let max_backoff = retry.map_or(Duration::from_secs(20), |r| r.max_backoff());
        let attempt_timeout = self.sdk.timeout_config().and_then(|t| t.operation_attempt_timeout());
        let invocation = format!("{:032x}", fastrand::u128(..));
        let mut attempt = 1;
        loop {
            let sent = self.attempt(shape, &invocation, attempt, max_attempts, answer);
            let result = match attempt_timeout {
                Some(t) => tokio::time::timeout(t, sent).await.unwrap_or_else(|_| {
                    Err(QueryError::transport(format!("no answer within {t:?} (attempt timeout)")))
                }),
                None => sent.await,
            };
            match result {
                Err(e) if e.is_retryable() && attempt < max_attempts => {
                    let ceiling = initial_backoff.saturating_mul(1 << (attempt - 1).min(16)).min(max_backoff);
                    tracing::debug!(service = self.service.name, operation, attempt, error = %e, "retrying");
                    tokio::time::sleep(ceiling.mul_f64(fastrand::f64())).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn attempt<T>(
        &self,
        shape: &Shape<'_>,
        invocation: &str,
        attempt: u32,
        max_attempts: u32,
        answer: fn(u16, &str) -> Result<T, QueryError>,
    ) -> Result<T, QueryError> {
        let provider =
            self.sdk.credentials_provider().ok_or_else(|| QueryError::transport("the session has no credentials"))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| QueryError::transport(cima_core::errors::aws_message(&e)))?;
        let identity = credentials.into();
        let region = match self.service.global {
            true => GLOBAL_REGION.to_owned(),
            false => self.sdk.region().map(|r| r.as_ref().to_owned()).unwrap_or_default(),
        };
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name(self.service.name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| QueryError::transport(format!("cannot sign: {e}")))?
            .into();
        let uri = format!("{}{}", self.endpoint, shape.path);
        let host = host_of(&uri);
        let request_header = format!("attempt={attempt}; max={max_attempts}");
        let mut headers =
            vec![("host", host), ("amz-sdk-invocation-id", invocation), ("amz-sdk-request", request_header.as_str())];
        headers.extend(shape.content_type.map(|c| ("content-type", c)));
        headers.extend(shape.target.as_deref().map(|t| ("x-amz-target", t)));
        let body = shape.body;
        let signable = SignableRequest::new(
            shape.method,
            uri.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| QueryError::transport(format!("cannot sign: {e}")))?;
        let (instructions, _) =
            sign(signable, &params).map_err(|e| QueryError::transport(format!("cannot sign: {e}")))?.into_parts();
        let mut request = HttpRequest::new(SdkBody::from(body.to_owned()));
        request.set_method(shape.method).map_err(|e| QueryError::transport(e.to_string()))?;
        request.set_uri(uri.as_str()).map_err(|e| QueryError::transport(e.to_string()))?;
        for (name, value) in headers.iter().filter(|(n, _)| *n != "host").copied().chain(instructions.headers()) {
            request.headers_mut().insert(name.to_owned(), value.to_owned());
        }
        let response =
            self.http.call(request).await.map_err(|e| QueryError::transport(cima_core::errors::aws_message(&e)))?;
        let status = response.status().as_u16();
        let bytes = ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| QueryError::transport(format!("reading the answer: {e}")))?
            .into_bytes();
        answer(status, &String::from_utf8_lossy(&bytes))
    }
}

/// An XML answer's root element, or the error it carries.
fn xml_answer(status: u16, text: &str) -> Result<Element, QueryError> {
    let root = Element::parse(text);
    if (200..300).contains(&status) {
        return root.map_err(|e| QueryError::transport(format!("unreadable answer: {e}")));
    }
    // EC2: <Response><Errors><Error><Code>; awsQuery and REST-XML: <ErrorResponse><Error><Code>.
    let error = root.ok().and_then(|r| r.find(&["Errors", "Error"]).or_else(|| r.find(&["Error"])).cloned());
    Err(QueryError::service(
        status,
        error.as_ref().and_then(|e| e.text(&["Code"])).map(str::to_owned),
        error.as_ref().and_then(|e| e.text(&["Message"])).map(str::to_owned),
    ))
}

/// A JSON answer, or the error it carries: the code is `__type` without its namespace
/// (`com.amazon.coral.service#AccessDeniedException`), the message `message` or `Message`.
fn json_answer(status: u16, text: &str) -> Result<serde_json::Value, QueryError> {
    let parsed = serde_json::from_str::<serde_json::Value>(text);
    if (200..300).contains(&status) {
        return parsed.map_err(|e| QueryError::transport(format!("unreadable answer: {e}")));
    }
    let body = parsed.unwrap_or_default();
    let field = |k: &str| body.get(k).and_then(serde_json::Value::as_str);
    let code = field("__type").map(|t| t.rsplit('#').next().unwrap_or(t).to_owned());
    let message = field("message").or_else(|| field("Message")).map(str::to_owned);
    Err(QueryError::service(status, code, message))
}

fn dns_suffix(region: &str) -> &'static str {
    match cima_core::sessions::partition(region) {
        "aws-cn" => "amazonaws.com.cn",
        _ => "amazonaws.com",
    }
}

/// `host[:port]` of an absolute URL.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// An XML element as the answers use them: a name, text or children (never both), no attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

/// At most this many levels: AWS's answers nest a handful, and a hostile one cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

impl Element {
    /// Parses a document into its root element.
    pub fn parse(xml: &str) -> Result<Element, String> {
        let mut stack: Vec<Element> = Vec::new();
        let mut root = None;
        for token in xmlparser::Tokenizer::from(xml) {
            match token.map_err(|e| e.to_string())? {
                xmlparser::Token::ElementStart { local, .. } => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(format!("nested deeper than {MAX_DEPTH} elements"));
                    }
                    stack.push(Element { name: local.as_str().to_owned(), ..Element::default() });
                }
                xmlparser::Token::ElementEnd { end, .. } => match end {
                    xmlparser::ElementEnd::Open => {}
                    xmlparser::ElementEnd::Close(..) | xmlparser::ElementEnd::Empty => {
                        let done = stack.pop().ok_or("an end tag without a start")?;
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(done),
                            None => root = Some(done),
                        }
                    }
                },
                xmlparser::Token::Text { text } => {
                    if let Some(e) = stack.last_mut() {
                        e.text.push_str(&unescape(text.as_str())?);
                    }
                }
                xmlparser::Token::Cdata { text, .. } => {
                    if let Some(e) = stack.last_mut() {
                        e.text.push_str(text.as_str());
                    }
                }
                _ => {}
            }
        }
        match (root, stack.is_empty()) {
            (Some(mut r), true) => {
                r.trim();
                Ok(r)
            }
            _ => Err("the document ends before its root element closes".to_owned()),
        }
    }

    /// Containers' whitespace between children is layout, not text.
    fn trim(&mut self) {
        if !self.children.is_empty() {
            self.text.clear();
            self.children.iter_mut().for_each(Element::trim);
        }
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The element at `path` below this one (first match at each step).
    pub fn find(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |e, name| e.child(name))
    }

    /// The text at `path`, when the element exists.
    pub fn text(&self, path: &[&str]) -> Option<&str> {
        self.find(path).map(|e| e.text.as_str())
    }

    /// The `<item>`s (EC2) or `<member>`s (awsQuery) of the list at `path`.
    pub fn items(&self, path: &[&str]) -> impl Iterator<Item = &Element> {
        self.find(path).into_iter().flat_map(|l| l.children.iter().filter(|c| c.name == "item" || c.name == "member"))
    }
}

/// XML's five named entities and numeric character references.
fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';').ok_or_else(|| format!("an unterminated entity in {s:?}"))?;
        let entity = &rest[at + 1..at + end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => entity.strip_prefix('#').and_then(|d| d.parse().ok()),
                };
                code.and_then(char::from_u32).ok_or_else(|| format!("an unknown entity &{entity};"))?
            }
        };
        out.push(c);
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTANCES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>r-1</requestId>
    <reservationSet>
        <item>
            <instancesSet>
                <item>
                    <instanceId>i-1</instanceId>
                    <instanceState><code>16</code><name>running</name></instanceState>
                    <tagSet><item><key>Name</key><value>web &amp; api &#x263A;</value></item></tagSet>
                    <empty/>
                </item>
            </instancesSet>
        </item>
    </reservationSet>
    <nextToken>t-2</nextToken>
</DescribeInstancesResponse>"#;

    #[test]
    fn parses_an_answer_into_items_and_texts() {
        let root = Element::parse(INSTANCES).expect("parses");
        assert_eq!(root.name, "DescribeInstancesResponse");
        assert_eq!(root.text(&["nextToken"]), Some("t-2"));
        let instances: Vec<&Element> =
            root.items(&["reservationSet"]).flat_map(|r| r.items(&["instancesSet"])).collect();
        assert_eq!(instances.len(), 1);
        let i = instances[0];
        assert_eq!(i.text(&["instanceId"]), Some("i-1"));
        assert_eq!(i.text(&["instanceState", "name"]), Some("running"));
        assert_eq!(i.text(&["empty"]), Some(""));
        assert_eq!(i.text(&["missing"]), None);
        let tag = i.items(&["tagSet"]).next().expect("a tag");
        assert_eq!(tag.text(&["value"]), Some("web & api \u{263A}"));
        // Layout whitespace is not a container's text.
        assert_eq!(root.find(&["reservationSet"]).map(|e| e.text.as_str()), Some(""));
    }

    #[test]
    fn refuses_broken_and_hostile_documents() {
        assert!(Element::parse("<a><b></a>").is_err());
        assert!(Element::parse("<a>").is_err());
        assert!(Element::parse("").is_err());
        assert!(Element::parse("<a>&bogus;</a>").is_err());
        assert!(Element::parse("<a>&amp</a>").is_err());
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(Element::parse(&deep).unwrap_err().contains("deeper"));
    }

    #[test]
    fn errors_say_code_and_message_and_which_to_retry() {
        let throttled =
            QueryError::service(503, Some("RequestLimitExceeded".into()), Some("Request limit exceeded.".into()));
        assert_eq!(throttled.to_string(), "RequestLimitExceeded: Request limit exceeded.");
        assert!(throttled.is_retryable());
        let denied = QueryError::service(403, Some("UnauthorizedOperation".into()), Some("no".into()));
        assert!(!denied.is_retryable());
        assert_eq!(denied.code(), Some("UnauthorizedOperation"));
        assert!(QueryError::service(400, Some("Throttling".into()), None).is_retryable());
        assert!(QueryError::transport("connection reset").is_retryable());
        assert_eq!(QueryError::service(502, None, None).to_string(), "HTTP 502");
    }

    #[test]
    fn json_errors_lose_their_namespace() {
        let e = json_answer(400, r#"{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"no"}"#)
            .expect_err("an error");
        assert_eq!((e.code(), e.message()), (Some("AccessDeniedException"), Some("no")));
        let e = json_answer(400, r#"{"__type":"ThrottlingException","message":"slow down"}"#).expect_err("an error");
        assert!(e.is_retryable());
        assert_eq!(json_answer(500, "<html>").expect_err("an error").to_string(), "HTTP 500");
        assert_eq!(json_answer(200, r#"{"a":1}"#).expect("an answer")["a"], 1);
        assert!(json_answer(200, "{").is_err());
    }

    #[test]
    fn endpoints_follow_the_partition_unless_overridden() {
        let global = SdkConfig::builder().region(aws_types::region::Region::new("eu-west-1")).build();
        assert_eq!(QueryClient::new(&global, ROUTE53).endpoint, "https://route53.amazonaws.com");
        let sdk = |region: &str| SdkConfig::builder().region(aws_types::region::Region::new(region.to_owned())).build();
        assert_eq!(QueryClient::new(&sdk("eu-west-1"), EC2).endpoint, "https://ec2.eu-west-1.amazonaws.com");
        assert_eq!(QueryClient::new(&sdk("cn-north-1"), EC2).endpoint, "https://ec2.cn-north-1.amazonaws.com.cn");
        let local = SdkConfig::builder().endpoint_url("http://127.0.0.1:4566/").build();
        assert_eq!(QueryClient::new(&local, EC2).endpoint, "http://127.0.0.1:4566");
        assert_eq!(host_of("http://127.0.0.1:4566/"), "127.0.0.1:4566");
    }
}
