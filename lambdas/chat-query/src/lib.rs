//! The chat-query Lambda: `POST /query` answers a question about the organization's resources
//! and Support cases from every account (through a read-only role, bounded concurrency), and
//! `GET /history` lists the caller's own past questions. API Gateway HTTP API payload 2.0 behind
//! a JWT authorizer: the caller is the JWT `sub`, never anything in the body.
//!
//! - [`parse`]: the deterministic question parser; [`bedrock`]: the optional model in front of it.
//! - [`reads`]: one account's per-service reads; [`history`]: the DynamoDB history.
//! - [`handle`]: routing, validation, CORS, aggregation; [`api`]: the JSON it answers with.

pub mod api;
pub mod bedrock;
pub mod config;
pub mod deadline;
pub mod error;
pub mod history;
pub mod parse;
pub mod query_protocol;
pub mod reads;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_types::SdkConfig;
use base64::Engine as _;
use cima_core::access::{self, Accounts, Audit, Scope};
use cima_core::org::{OrgQuery, OrganizationsApi, SdkOrganizations};
use cima_core::sdk::one_account;
use cima_core::sessions::AccountSessions;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::api::{AccountErrorRow, AccountResults, AccountTally, HistoryResponse, QueryResponse, ServiceCount};
use crate::bedrock::{BedrockModel, QuestionModel};
use crate::config::Config;
use crate::error::ApiError;
use crate::history::{Entry, History};
use crate::parse::{AccountFilter, Intent, Parsed, Service};
use crate::reads::Reader;

pub const MAX_QUERY_CHARS: usize = 500;
pub const MAX_ACCOUNT_IDS: usize = 1000;
pub const DEFAULT_HISTORY_LIMIT: usize = 20;
pub const MAX_HISTORY_LIMIT: usize = 100;
/// Larger bodies cannot hold a valid request (500 characters and 1000 ids are ~16 KiB).
const MAX_BODY_BYTES: usize = 64 * 1024;
/// Items returned by a list query; counts stay exact beyond it. Keeps the answer far below
/// Lambda's 6 MB response limit.
pub const MAX_RESULT_ITEMS: usize = 2000;
const SESSION_NAME: &str = "cima-chat-query";

/// What the function needs, built once per container.
pub struct App {
    config: Config,
    sessions: AccountSessions,
    /// The account that reads the organization (and, in Cost Explorer, its spend).
    management: SdkConfig,
    org: Box<dyn OrganizationsApi>,
    history: History,
    model: Option<Box<dyn QuestionModel>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("config", &self.config).field("model", &self.model.is_some()).finish()
    }
}

impl App {
    /// Builds every client from `sdk` (one HTTP client shared by all of them): Organizations
    /// through `ORGANIZATIONS_ROLE_ARN` when set, Bedrock when a model id is set.
    pub async fn new(config: Config, sdk: SdkConfig) -> App {
        let org_config = match &config.organizations_role_arn {
            Some(arn) => {
                let provider =
                    AssumeRoleProvider::builder(arn).session_name(SESSION_NAME).configure(&sdk).build().await;
                sdk.clone().into_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build()
            }
            None => sdk.clone(),
        };
        let model = config.bedrock_model_id.as_ref().map(|id| {
            // One attempt: the deterministic parser is the retry, and the time budget is short.
            let bedrock = aws_sdk_bedrockruntime::config::Builder::from(&sdk)
                .retry_config(aws_sdk_bedrockruntime::config::retry::RetryConfig::disabled())
                .build();
            Box::new(BedrockModel::new(aws_sdk_bedrockruntime::Client::from_conf(bedrock), id, config.model_timeout))
                as Box<dyn QuestionModel>
        });
        // The organization and the history table are one account each: adaptive retries there;
        // member accounts' reads keep the standard mode (see `cima_core::sdk`).
        // Cost Explorer's one endpoint is in us-east-1.
        let management =
            one_account(&org_config).into_builder().region(aws_types::region::Region::new("us-east-1")).build();
        App {
            org: Box::new(SdkOrganizations::new(aws_sdk_organizations::Client::new(&one_account(&org_config)))),
            management,
            history: History::new(aws_sdk_dynamodb::Client::new(&one_account(&sdk)), &config.history_table),
            sessions: AccountSessions::new(sdk, SESSION_NAME),
            model,
            config,
        }
    }

    /// Replaces the question model (tests; a different model provider).
    pub fn with_model(mut self, model: Option<Box<dyn QuestionModel>>) -> App {
        self.model = model;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// The HTTP API payload 2.0 response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    pub status_code: u16,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    pub is_base64_encoded: bool,
}

impl HttpResponse {
    fn json<T: Serialize>(status: u16, body: &T) -> Self {
        let headers = BTreeMap::from([("content-type".to_owned(), "application/json".to_owned())]);
        match serde_json::to_string(body) {
            Ok(body) => HttpResponse { status_code: status, headers, body, is_base64_encoded: false },
            // Not with these bodies (structs, string-keyed maps, JSON values); said if it ever is.
            Err(e) => {
                tracing::error!(error = %e, "response body not serializable");
                HttpResponse {
                    status_code: 500,
                    headers: BTreeMap::new(),
                    body: String::new(),
                    is_base64_encoded: false,
                }
            }
        }
    }

    /// The preflight's answer.
    fn no_content() -> Self {
        HttpResponse { status_code: 204, headers: BTreeMap::new(), body: String::new(), is_base64_encoded: false }
    }

    /// The body as JSON (tests, logs).
    pub fn body_json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

fn header<'a>(req: &'a ApiGatewayV2httpRequest, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The route path without the stage prefix a named stage adds to `rawPath`.
fn route_path(req: &ApiGatewayV2httpRequest) -> String {
    let raw = req.raw_path.clone().or_else(|| req.request_context.http.path.clone()).unwrap_or_default();
    let mut path = raw.as_str();
    if let Some(stage) = req.request_context.stage.as_deref().filter(|s| *s != "$default" && !s.is_empty())
        && let Some(rest) = path.strip_prefix('/').and_then(|p| p.strip_prefix(stage))
        && (rest.is_empty() || rest.starts_with('/'))
    {
        path = rest;
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/".to_owned() } else { trimmed.to_owned() }
}

/// The verified caller: the JWT `sub` the authorizer put in the request context, and the
/// caller's Cognito groups.
fn caller(req: &ApiGatewayV2httpRequest) -> Result<(String, Vec<String>), ApiError> {
    let claims = req.request_context.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|j| &j.claims);
    let sub = claims
        .and_then(|c| c.get("sub"))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .ok_or(ApiError::Unauthorized)?;
    let groups = access::groups_from_claim(claims.and_then(|c| c.get("cognito:groups")).map(String::as_str));
    Ok((sub.to_owned(), groups))
}

/// Handles one API Gateway request; never fails: every error is an HTTP answer.
pub async fn handle(app: &App, req: ApiGatewayV2httpRequest) -> HttpResponse {
    let started = Instant::now();
    let method = req.request_context.http.method.as_str().to_owned();
    let path = route_path(&req);
    let origin = header(&req, "origin").map(str::to_owned);
    let allowed_origin = origin.as_ref().filter(|o| app.config.cors_allowed_origins.iter().any(|a| a == *o)).cloned();

    let mut audit = Audit::default();
    let (mut response, error) = match route(app, &req, &method, &path, allowed_origin.is_some(), &mut audit).await {
        Ok(response) => (response, None),
        Err(e) => (HttpResponse::json(e.status(), &e.body()), Some(e)),
    };
    if !app.config.cors_allowed_origins.is_empty() {
        // Caches must not hand one origin's answer to another.
        response.headers.insert("vary".into(), "Origin".into());
    }
    if let Some(o) = allowed_origin {
        response.headers.insert("access-control-allow-origin".into(), o);
        if method == "OPTIONS" {
            response.headers.insert("access-control-allow-methods".into(), "GET, POST, OPTIONS".into());
            response.headers.insert("access-control-allow-headers".into(), "authorization, content-type".into());
            response.headers.insert("access-control-max-age".into(), "600".into());
        }
    }
    match &error {
        Some(e) if e.status() >= 500 => {
            tracing::error!(%method, %path, status = e.status(), error = %e, "request failed")
        }
        Some(e) => tracing::info!(%method, %path, status = e.status(), error = %e, "request refused"),
        None => {
            tracing::info!(%method, %path, status = response.status_code, ms = started.elapsed().as_millis() as u64, "request done")
        }
    }
    // A preflight carries no identity and reads nothing: it is not audited.
    if method != "OPTIONS" {
        audit.write(&format!("{method} {path}"), response.status_code);
    }
    response
}

/// The answer of the route `method path`, before CORS headers.
async fn route(
    app: &App,
    req: &ApiGatewayV2httpRequest,
    method: &str,
    path: &str,
    origin_allowed: bool,
    audit: &mut Audit,
) -> Result<HttpResponse, ApiError> {
    match (method, path) {
        ("OPTIONS", "/query" | "/history") if origin_allowed => Ok(HttpResponse::no_content()),
        ("OPTIONS", "/query" | "/history") => Err(ApiError::OriginNotAllowed),
        ("POST", "/query") => {
            let (user, groups) = caller(req)?;
            audit.user = Some(user.clone());
            let scope = app.config.group_ous.scope_for(&groups);
            audit.scope = Some(scope.clone());
            if scope.is_nothing() {
                return Err(ApiError::Forbidden(format!(
                    "none of the caller's groups ({}) is mapped to an OU of the organization, so no account is \
                     theirs to ask about; the deployment's group_ous maps Cognito groups to OU paths",
                    if groups.is_empty() { "none".to_owned() } else { groups.join(", ") }
                )));
            }
            Ok(HttpResponse::json(200, &query(app, req, &user, &scope, audit).await?))
        }
        ("GET", "/history") => {
            // The caller's own questions only: the history is keyed by the verified `sub`.
            let (user, _) = caller(req)?;
            audit.user = Some(user.clone());
            Ok(HttpResponse::json(200, &history(app, req, &user).await?))
        }
        _ => Err(ApiError::NotFound { method: method.to_owned(), path: path.to_owned() }),
    }
}

/// The validated body of `POST /query`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryRequest {
    pub query: String,
    pub account_ids: Option<Vec<String>>,
}

/// Reads the body strictly; every error names the field at fault.
pub fn parse_body(body: Option<&str>, base64: bool) -> Result<QueryRequest, ApiError> {
    let raw = body.filter(|b| !b.is_empty()).ok_or_else(|| ApiError::bad("body", "missing; send a JSON object"))?;
    if raw.len() > MAX_BODY_BYTES * 4 / 3 + 4 {
        return Err(ApiError::bad("body", format!("larger than {MAX_BODY_BYTES} bytes")));
    }
    let decoded;
    let text = if base64 {
        decoded = base64::engine::general_purpose::STANDARD
            .decode(raw)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| ApiError::bad("body", "not valid base64-encoded UTF-8"))?;
        decoded.as_str()
    } else {
        raw
    };
    if text.len() > MAX_BODY_BYTES {
        return Err(ApiError::bad("body", format!("larger than {MAX_BODY_BYTES} bytes")));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| ApiError::bad("body", format!("not JSON: {e}")))?;
    let Value::Object(map) = value else { return Err(ApiError::bad("body", "must be a JSON object")) };
    if let Some(unknown) = map.keys().find(|k| !matches!(k.as_str(), "query" | "account_ids")) {
        // An empty name would make a 400 that names no field (found by the property tests).
        let (field, what) =
            if unknown.is_empty() { ("body", "a field named \"\"") } else { (unknown.as_str(), "unknown field") };
        return Err(ApiError::bad(field, format!("{what}; expected query and optionally account_ids")));
    }
    let query = match map.get("query") {
        None | Some(Value::Null) => return Err(ApiError::bad("query", "required")),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ApiError::bad("query", "must be a string")),
    };
    let chars = query.chars().count();
    if query.trim().is_empty() {
        return Err(ApiError::bad("query", "must not be empty"));
    }
    if chars > MAX_QUERY_CHARS {
        return Err(ApiError::bad("query", format!("at most {MAX_QUERY_CHARS} characters (got {chars})")));
    }
    let account_ids = match map.get("account_ids") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => {
            if list.is_empty() {
                return Err(ApiError::bad("account_ids", "empty; leave it out to query every active account"));
            }
            if list.len() > MAX_ACCOUNT_IDS {
                return Err(ApiError::bad(
                    "account_ids",
                    format!("at most {MAX_ACCOUNT_IDS} entries (got {})", list.len()),
                ));
            }
            let mut seen = BTreeSet::new();
            let mut ids = Vec::with_capacity(list.len());
            for (i, v) in list.iter().enumerate() {
                match v.as_str() {
                    Some(id) if cima_core::ids::is_account_id(id) => {
                        if seen.insert(id) {
                            ids.push(id.to_owned());
                        }
                    }
                    _ => {
                        return Err(ApiError::bad(
                            format!("account_ids[{i}]"),
                            format!("{v} is not a 12-digit account id"),
                        ));
                    }
                }
            }
            Some(ids)
        }
        Some(_) => return Err(ApiError::bad("account_ids", "must be an array of 12-digit account ids")),
    };
    Ok(QueryRequest { query, account_ids })
}

fn query_id(req: &ApiGatewayV2httpRequest, now_ms: i64) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    match req.request_context.request_id.as_deref().filter(|r| !r.is_empty() && r.len() <= 128) {
        Some(id) => id.to_owned(),
        None => format!("q-{now_ms:x}-{:x}-{:x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)),
    }
}

/// The accounts to read and what the organization calls them.
struct Resolved {
    ids: Vec<String>,
    /// Every active account's name, by id.
    names: BTreeMap<String, String>,
    /// Notes for the answer.
    notes: Vec<String>,
}

/// The accounts to read: the ones given (each an active account of the organization that the
/// caller's scope admits), or every active account the scope admits, narrowed by the question's
/// account filter.
async fn resolve_accounts(
    app: &App,
    given: Option<&[String]>,
    filter: Option<&AccountFilter>,
    scope: &Scope,
) -> Result<Resolved, ApiError> {
    let mut notes = Vec::new();
    // Given ids are checked against the organization too: a question never reaches an account
    // that is not the organization's.
    let q = OrgQuery { read_tags: false, ..OrgQuery::default() };
    let inventory = cima_core::org::query(app.org.as_ref(), &q, app.config.max_concurrency).await.map_err(|e| {
        ApiError::Upstream { what: "listing the organization's active accounts", message: e.to_string() }
    })?;
    let org = inventory.accounts;
    let mut ids: Vec<String> = match given {
        Some(ids) => {
            let placed: BTreeMap<&str, &str> = org.iter().map(|a| (a.id.as_str(), a.ou_path.as_str())).collect();
            let unknown: Vec<&str> = ids.iter().map(String::as_str).filter(|id| !placed.contains_key(id)).collect();
            if !unknown.is_empty() {
                return Err(ApiError::bad(
                    "account_ids",
                    format!("not active accounts of the organization: {}", unknown.join(", ")),
                ));
            }
            let outside: Vec<&str> =
                ids.iter().map(String::as_str).filter(|id| !scope.admits(Some(placed[id]))).collect();
            if !outside.is_empty() {
                return Err(ApiError::Forbidden(format!(
                    "outside the OUs the caller's groups may see: {}",
                    outside.join(", ")
                )));
            }
            ids.to_vec()
        }
        None => org.iter().filter(|a| scope.admits(Some(&a.ou_path))).map(|a| a.id.clone()).collect(),
    };
    match filter {
        Some(AccountFilter::Id(id)) => {
            if !ids.contains(id) {
                notes.push(format!("account {id} is not among the accounts queried"));
            }
            ids.retain(|a| a == id);
        }
        Some(AccountFilter::Name(name)) => {
            let named: BTreeSet<&str> =
                org.iter().filter(|a| a.name.eq_ignore_ascii_case(name)).map(|a| a.id.as_str()).collect();
            if named.is_empty() {
                notes.push(format!("no active account is named {name:?}"));
            }
            ids.retain(|a| named.contains(a.as_str()));
        }
        None => {}
    }
    let names = org.into_iter().map(|a| (a.id, a.name)).collect();
    Ok(Resolved { ids, names, notes })
}

async fn query(
    app: &App,
    req: &ApiGatewayV2httpRequest,
    user: &str,
    scope: &Scope,
    audit: &mut Audit,
) -> Result<QueryResponse, ApiError> {
    let body = parse_body(req.body.as_deref(), req.is_base64_encoded)?;
    if let Some(ids) = &body.account_ids {
        audit.accounts = Accounts::Named(ids.clone());
        let cap = app.config.max_accounts_per_request;
        if ids.len() > cap {
            return Err(ApiError::bad(
                "account_ids",
                format!("at most {cap} accounts per request (got {})", ids.len()),
            ));
        }
    } else {
        audit.accounts = Accounts::InScope;
    }
    let now = OffsetDateTime::now_utc();
    let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
    let query_id = query_id(req, now_ms);
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + app.config.account_deadline;
    let parsed = bedrock::parse_question(app.model.as_deref(), &body.query, now).await;
    let Resolved { ids: accounts, names, mut notes } =
        resolve_accounts(app, body.account_ids.as_deref(), parsed.filters.account.as_ref(), scope).await?;

    let reader = Reader {
        sessions: &app.sessions,
        role_name: &app.config.query_role_name,
        home_region: &app.config.home_region,
    };
    // Spend alone needs no account's role: Cost Explorer answers for all of them at once.
    let mut outcomes = if parsed.services == [Service::Cost] {
        accounts.iter().map(|a| (a.clone(), Ok(reads::AccountOutcome::default()))).collect()
    } else {
        deadline::read_until(&accounts, app.config.max_concurrency, deadline, app.config.account_deadline, |account| {
            let (reader, parsed) = (&reader, &parsed);
            async move { reader.read_account(&account, parsed).await }
        })
        .await
    };
    let mut warnings = Vec::new();
    let mut spend = None;
    if parsed.services.contains(&Service::Cost) {
        match reads::cost::spend(&app.management, &parsed, &accounts, now).await {
            Ok(mut s) => {
                for (account, outcome) in &mut outcomes {
                    if let (Ok(o), Some(rows)) = (outcome, s.rows.remove(account.as_str())) {
                        o.items.extend(rows);
                    }
                }
                spend = Some(s);
            }
            Err(e) => warnings.push(format!("spend could not be read: {e}")),
        }
    }

    let mut summary = aggregate(&parsed, outcomes);
    summary.spend = spend;
    notes.extend(parsed.notes.iter().cloned());
    let mut answer = answer_text(&parsed, &summary, accounts.len(), &notes);
    if let Some(most) = most_items(&summary, &names) {
        answer.push(' ');
        answer.push_str(&most);
    }

    let entry = Entry {
        user_id: user,
        timestamp_ms: now_ms,
        query_id: &query_id,
        query: &body.query,
        parsed: &parsed,
        result_count: summary.total as u64,
        ttl: now.unix_timestamp() + app.config.history_ttl_days * 86_400,
    };
    if let Err(e) = app.history.put(&entry).await {
        tracing::error!(error = %e, "history not written");
        warnings.push(format!("the query was not saved to the history: {e}"));
    }
    tracing::info!(
        query_id,
        services = ?parsed.services,
        source = ?parsed.source,
        accounts = accounts.len(),
        failed_accounts = summary.failed_accounts.len(),
        items = summary.total,
        ms = started.elapsed().as_millis() as u64,
        "query answered"
    );

    Ok(QueryResponse {
        account_errors: summary.account_errors,
        accounts: AccountTally {
            failed: summary.failed_accounts.len(),
            queried: accounts.len(),
            with_results: summary.accounts_with_items,
        },
        answer,
        counts: summary.counts,
        notes,
        parsed,
        query_id,
        results: summary.results,
        spend: summary.spend.as_ref().map(|sp| api::SpendTotal {
            metric: reads::cost::METRIC,
            since: sp.since.clone(),
            source: "Cost Explorer",
            total: reads::cost::cents(sp.total),
            unit: sp.unit.clone(),
            until: sp.until.clone(),
        }),
        truncated: summary.truncated,
        warnings,
    })
}

/// The fan-out's outcomes in the answer's shape.
#[derive(Debug, Default)]
pub struct Summary {
    pub results: BTreeMap<String, AccountResults>,
    pub account_errors: Vec<AccountErrorRow>,
    pub counts: BTreeMap<&'static str, usize>,
    pub total: usize,
    pub accounts_with_items: usize,
    /// Items found per account (before the listing's bound).
    pub per_account: BTreeMap<String, usize>,
    /// What the accounts spent, when the question asked.
    pub spend: Option<reads::cost::Spend>,
    /// Accounts that could not be read at all (the role could not be assumed).
    pub failed_accounts: BTreeSet<String>,
    /// Accounts where at least one service failed.
    pub partial_accounts: BTreeSet<String>,
    pub truncated: bool,
}

pub fn aggregate(
    parsed: &Parsed,
    outcomes: Vec<(String, Result<reads::AccountOutcome, reads::AccountError>)>,
) -> Summary {
    let mut s = Summary::default();
    for service in &parsed.services {
        s.counts.insert(service.as_str(), 0);
    }
    let mut shown = 0usize;
    for (account, outcome) in outcomes {
        match outcome {
            Err(e) => {
                s.account_errors.push(AccountErrorRow {
                    account_id: account.clone(),
                    message: e.to_string(),
                    service: None,
                });
                s.failed_accounts.insert(account);
            }
            Ok(o) => {
                let mut per_service: BTreeMap<&'static str, usize> = BTreeMap::new();
                for item in &o.items {
                    let service = Service::ALL
                        .into_iter()
                        .find(|sv| item.get("service").and_then(Value::as_str) == Some(sv.as_str()))
                        .map_or("other", Service::as_str);
                    *per_service.entry(service).or_default() += 1;
                }
                for (service, e) in &o.errors {
                    s.account_errors.push(AccountErrorRow {
                        account_id: account.clone(),
                        message: e.to_string(),
                        service: Some(*service),
                    });
                    s.partial_accounts.insert(account.clone());
                }
                let n = o.items.len();
                s.total += n;
                if n > 0 {
                    s.accounts_with_items += 1;
                    s.per_account.insert(account.clone(), n);
                }
                for (service, c) in &per_service {
                    *s.counts.entry(service).or_default() += c;
                }
                let entry = match parsed.intent {
                    Intent::Count => AccountResults::Counts(
                        parsed
                            .services
                            .iter()
                            .filter(|sv| !o.errors.iter().any(|(e, _)| e == *sv))
                            .map(|sv| ServiceCount {
                                count: per_service.get(sv.as_str()).copied().unwrap_or(0),
                                service: *sv,
                            })
                            .collect(),
                    ),
                    Intent::List | Intent::Sum => {
                        let room = MAX_RESULT_ITEMS.saturating_sub(shown);
                        if n > room {
                            s.truncated = true;
                        }
                        shown += n.min(room);
                        AccountResults::Items(o.items.into_iter().take(room).collect())
                    }
                };
                s.results.insert(account, entry);
            }
        }
    }
    s
}

/// How the answer words a state before the items' noun: "3 firing CloudWatch alarms".
fn state_adjective(state: &str) -> String {
    match state {
        "alarm" => "firing".to_owned(),
        "ok" => "OK".to_owned(),
        other => other.replace('_', "-"),
    }
}

/// "The average CPUUtilization of InstanceId i-… was 41.25 Percent over 12 datapoints from … to …
/// (in 111111111111)."
fn metric_text(m: &parse::MetricFilter, s: &Summary, queried: usize) -> String {
    let found: Vec<(&String, &Value)> = s
        .results
        .iter()
        .filter_map(|(a, r)| match r {
            AccountResults::Items(items) => items.iter().find(|i| i["type"] == "metric").map(|i| (a, i)),
            AccountResults::Counts(_) => None,
        })
        .collect();
    let what = format!("{} {} of {} {}", m.statistic.to_ascii_lowercase(), m.name, m.dimension, m.resource);
    let mut text = match found.as_slice() {
        [] => format!("No datapoints of {what} in any of {queried} accounts"),
        [(account, i), ..] => {
            let value = i["value"].as_f64().unwrap_or_default();
            let unit = i["unit"].as_str().filter(|u| *u != "None").map(|u| format!(" {u}")).unwrap_or_default();
            format!(
                "The {what} was {value:.2}{unit} over {} datapoints from {} to {} (in {account})",
                i["datapoints"],
                i["since"].as_str().unwrap_or_default(),
                i["until"].as_str().unwrap_or_default()
            )
        }
    };
    if found.len() > 1 {
        text.push_str(&format!("; {} accounts have a resource by that name", found.len()));
    }
    text.push_str(&failures(s));
    text.push('.');
    text
}

/// "; 2 accounts failed; 1 account answered only in part", or nothing when all answered.
fn failures(s: &Summary) -> String {
    let plural = |n: usize| if n == 1 { "account" } else { "accounts" };
    let mut text = String::new();
    let failed = s.failed_accounts.len();
    if failed > 0 {
        text.push_str(&format!("; {failed} {} failed", plural(failed)));
    }
    let partial = s.partial_accounts.difference(&s.failed_accounts).count();
    if partial > 0 {
        text.push_str(&format!("; {partial} {} answered only in part", plural(partial)));
    }
    text
}

/// "Most: Prod (5), Data (3), Log Archive (2)." — the accounts with the most items (at most
/// three, by name where the organization gives one), when more than one account has any.
/// With spend, the accounts that spent the most: "Most: Prod (USD 500.00), …".
pub fn most_items(s: &Summary, names: &BTreeMap<String, String>) -> Option<String> {
    // (account, what ranks it, how it reads)
    let mut ranked: Vec<(&String, f64, String)> = match &s.spend {
        Some(sp) if sp.per_account.len() == s.per_account.len() => {
            sp.per_account.iter().map(|(a, v)| (a, *v, format!("{} {:.2}", sp.unit, reads::cost::cents(*v)))).collect()
        }
        _ => s.per_account.iter().map(|(a, n)| (a, *n as f64, n.to_string())).collect(),
    };
    if ranked.len() < 2 {
        return None;
    }
    // Most first; ties in account order, so the same answer reads the same.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<String> = ranked
        .into_iter()
        .take(3)
        .map(|(id, _, shown)| format!("{} ({shown})", names.get(id).filter(|n| !n.is_empty()).unwrap_or(id)))
        .collect();
    Some(format!("Most: {}.", top.join(", ")))
}

/// "12 running EC2 instances tagged env=prod in eu-west-1 across 5 of 30 accounts; 2 accounts failed."
pub fn answer_text(parsed: &Parsed, s: &Summary, queried: usize, notes: &[String]) -> String {
    if queried == 0 {
        let why = notes.first().map(|n| format!(": {n}")).unwrap_or_default();
        return format!("No accounts to query{why}.");
    }
    let f = &parsed.filters;
    if let Some(m) = &f.metric {
        return metric_text(m, s, queried);
    }
    let parts: Vec<String> = parsed
        .services
        .iter()
        .map(|sv| {
            let n = s.counts.get(sv.as_str()).copied().unwrap_or(0);
            let mut adjectives = Vec::new();
            if *sv == Service::Support {
                adjectives.extend(f.status.clone());
                adjectives.extend(f.severity.clone());
            }
            if let Some(state) = f.state.as_deref().filter(|s| sv.takes_state(s)) {
                adjectives.push(state_adjective(state));
            }
            if let (Service::Cost, Some(sp)) = (sv, &s.spend) {
                let unit = if sp.unit.is_empty() { "USD" } else { sp.unit.as_str() };
                return format!(
                    "{unit} {:.2} spent from {} up to {}",
                    reads::cost::cents(sp.total),
                    sp.since,
                    sp.until
                );
            }
            let mut noun = sv.noun(n).to_owned();
            if *sv == Service::Iam {
                noun = match (f.iam_entity, n == 1) {
                    (Some(parse::IamEntity::Role), true) => "IAM role".into(),
                    (Some(parse::IamEntity::Role), false) => "IAM roles".into(),
                    (Some(parse::IamEntity::User), true) => "IAM user".into(),
                    (Some(parse::IamEntity::User), false) => "IAM users".into(),
                    _ => noun,
                };
            }
            let adj = if adjectives.is_empty() { String::new() } else { format!("{} ", adjectives.join(" ")) };
            format!("{n} {adj}{noun}")
        })
        .collect();
    let listed = match parts.as_slice() {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let mut qualifiers = Vec::new();
    if let Some(t) = &f.tag {
        qualifiers.push(match &t.value {
            Some(v) => format!("tagged {}={v}", t.key),
            None => format!("tagged {}", t.key),
        });
    }
    if let Some(r) = &f.region {
        qualifiers.push(format!("in {r}"));
    }
    // Spend names its own period.
    if let Some(tr) = f.time_range.as_ref().filter(|_| parsed.services != [Service::Cost]) {
        match (&tr.since, &tr.until) {
            (Some(a), Some(b)) => qualifiers.push(format!("created from {a} to {b}")),
            (Some(a), None) => qualifiers.push(format!("created since {a}")),
            (None, Some(b)) => qualifiers.push(format!("created before {b}")),
            (None, None) => {}
        }
    }
    let q = if qualifiers.is_empty() { String::new() } else { format!(" {}", qualifiers.join(" ")) };
    let plural = |n: usize| if n == 1 { "account" } else { "accounts" };
    let mut text = format!("{listed}{q} across {} of {queried} {}", s.accounts_with_items, plural(queried));
    text.push_str(&failures(s));
    if s.truncated {
        text.push_str(&format!(" (the first {MAX_RESULT_ITEMS} items are listed)"));
    }
    text.push('.');
    text
}

async fn history(app: &App, req: &ApiGatewayV2httpRequest, user: &str) -> Result<HistoryResponse, ApiError> {
    let limit = match req.query_string_parameters.first("limit") {
        None => DEFAULT_HISTORY_LIMIT,
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=MAX_HISTORY_LIMIT).contains(n)).ok_or_else(|| {
            ApiError::bad("limit", format!("{v:?} is not a whole number from 1 to {MAX_HISTORY_LIMIT}"))
        })?,
    };
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let items = app
        .history
        .list(user, limit, now)
        .await
        .map_err(|e| ApiError::Upstream { what: "reading the history", message: e.to_string() })?;
    Ok(HistoryResponse { count: items.len(), items, limit })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::parse::parse;

    #[test]
    fn bodies_are_read_strictly() {
        let ok =
            parse_body(Some(r#"{"query": "list buckets", "account_ids": ["123456789012", "123456789012"]}"#), false)
                .expect("valid");
        assert_eq!(ok.account_ids, Some(vec!["123456789012".to_owned()]));
        let field = |body: &str| match parse_body(Some(body), false) {
            Err(ApiError::BadRequest { field, .. }) => field,
            other => panic!("{body}: {other:?}"),
        };
        assert_eq!(field("not json"), "body");
        assert_eq!(field("[1]"), "body");
        assert_eq!(field(r#"{"query": "x", "user_id": "admin"}"#), "user_id");
        assert_eq!(field(r#"{"query": "x", "": 1}"#), "body");
        assert_eq!(field(r#"{"account_ids": ["123456789012"]}"#), "query");
        assert_eq!(field(r#"{"query": 5}"#), "query");
        assert_eq!(field(r#"{"query": "   "}"#), "query");
        assert_eq!(field(r#"{"query": "x", "account_ids": "123456789012"}"#), "account_ids");
        assert_eq!(field(r#"{"query": "x", "account_ids": []}"#), "account_ids");
        assert_eq!(field(r#"{"query": "x", "account_ids": ["123456789012", "12"]}"#), "account_ids[1]");
        let many: Vec<String> = (0..1001).map(|i| format!("{i:012}")).collect();
        assert_eq!(field(&json!({"query": "x", "account_ids": many}).to_string()), "account_ids");
        let b64 = base64::engine::general_purpose::STANDARD.encode(r#"{"query": "list buckets"}"#);
        assert_eq!(parse_body(Some(&b64), true).expect("base64").query, "list buckets");
        assert!(matches!(parse_body(None, false), Err(ApiError::BadRequest { .. })));
    }

    #[test]
    fn the_query_length_counts_characters() {
        let at = |n: usize| parse_body(Some(&json!({"query": "é".repeat(n)}).to_string()), false);
        assert!(at(500).is_ok());
        assert!(matches!(at(501), Err(ApiError::BadRequest { field, .. }) if field == "query"));
    }

    #[test]
    fn answers_read_well() {
        let now = time::macros::datetime!(2026-11-23 18:30:00 UTC);
        let parsed = parse("how many running ec2 instances tagged env=prod in eu-west-1", now);
        let mut s = Summary { accounts_with_items: 5, ..Summary::default() };
        s.counts.insert("ec2", 12);
        s.failed_accounts.extend(["1".to_owned(), "2".to_owned()]);
        assert_eq!(
            answer_text(&parsed, &s, 30, &[]),
            "12 running EC2 instances tagged env=prod in eu-west-1 across 5 of 30 accounts; 2 accounts failed."
        );
        let two = parse("list buckets and roles", now);
        let mut s = Summary { accounts_with_items: 1, ..Summary::default() };
        s.counts.insert("s3", 1);
        s.counts.insert("iam", 3);
        assert_eq!(answer_text(&two, &s, 1, &[]), "1 S3 bucket and 3 IAM roles across 1 of 1 account.");
        assert_eq!(
            answer_text(&two, &Summary::default(), 0, &["no active account is named \"x\"".into()]),
            "No accounts to query: no active account is named \"x\"."
        );
        let cpu = parse("max cpu of i-1234abcd", now);
        let mut s = Summary::default();
        assert_eq!(
            answer_text(&cpu, &s, 3, &[]),
            "No datapoints of maximum CPUUtilization of InstanceId i-1234abcd in any of 3 accounts."
        );
        let point = serde_json::json!({"type": "metric", "value": 97.5, "unit": "Percent", "datapoints": 12,
            "since": "2026-11-22T18:30:00Z", "until": "2026-11-23T18:30:00Z"});
        s.results.insert("111111111111".into(), AccountResults::Items(vec![point]));
        s.failed_accounts.insert("2".into());
        assert_eq!(
            answer_text(&cpu, &s, 3, &[]),
            "The maximum CPUUtilization of InstanceId i-1234abcd was 97.50 Percent over 12 datapoints from \
             2026-11-22T18:30:00Z to 2026-11-23T18:30:00Z (in 111111111111); 1 account failed."
        );
    }

    #[test]
    fn the_answer_names_the_accounts_with_the_most() {
        let mut s = Summary::default();
        assert_eq!(most_items(&s, &BTreeMap::new()), None);
        s.per_account.insert("111111111111".into(), 2);
        assert_eq!(most_items(&s, &BTreeMap::new()), None, "one account: nothing to rank");
        s.per_account.extend([("222222222222".into(), 5), ("333333333333".into(), 2), ("444444444444".into(), 1)]);
        let names =
            BTreeMap::from([("222222222222".to_owned(), "Prod".to_owned()), ("333333333333".into(), String::new())]);
        assert_eq!(most_items(&s, &names).as_deref(), Some("Most: Prod (5), 111111111111 (2), 333333333333 (2)."));
    }

    #[test]
    fn aggregation_keeps_exact_counts_and_bounds_the_listing() {
        let now = time::macros::datetime!(2026-11-23 18:30:00 UTC);
        let items = |n: usize| (0..n).map(|i| json!({"service": "s3", "id": format!("b{i}")})).collect::<Vec<_>>();
        let outcomes = || {
            vec![
                (
                    "111111111111".to_owned(),
                    Ok(reads::AccountOutcome { items: items(MAX_RESULT_ITEMS - 1), errors: vec![] }),
                ),
                (
                    "222222222222".to_owned(),
                    Err(reads::AccountError::AssumeRole {
                        role_arn: "arn:aws:iam::222222222222:role/ChatSystemReadOnlyRole".into(),
                        message: "AccessDenied: no".into(),
                    }),
                ),
                (
                    "333333333333".to_owned(),
                    Ok(reads::AccountOutcome {
                        items: items(5),
                        errors: vec![(
                            Service::Iam,
                            reads::ReadError::Call { operation: "ListRoles", message: "Throttling: boom".into() },
                        )],
                    }),
                ),
            ]
        };
        let list = aggregate(&parse("list buckets and roles", now), outcomes());
        assert_eq!(
            (list.total, list.counts["s3"], list.counts["iam"]),
            (MAX_RESULT_ITEMS + 4, MAX_RESULT_ITEMS + 4, 0)
        );
        assert!(list.truncated);
        let listed = |r: &AccountResults| match r {
            AccountResults::Items(items) => items.len(),
            AccountResults::Counts(_) => panic!("a list answers with items"),
        };
        assert_eq!(list.results.values().map(listed).sum::<usize>(), MAX_RESULT_ITEMS);
        assert_eq!(
            list.account_errors,
            [
                AccountErrorRow {
                    account_id: "222222222222".into(),
                    message: "cannot assume arn:aws:iam::222222222222:role/ChatSystemReadOnlyRole: AccessDenied: no"
                        .into(),
                    service: None,
                },
                AccountErrorRow {
                    account_id: "333333333333".into(),
                    message: "ListRoles: Throttling: boom".into(),
                    service: Some(Service::Iam),
                },
            ]
        );
        assert_eq!(list.failed_accounts.len(), 1);
        let text = answer_text(&parse("list buckets and roles", now), &list, 3, &[]);
        assert!(
            text.ends_with("; 1 account failed; 1 account answered only in part (the first 2000 items are listed)."),
            "{text}"
        );

        let count = aggregate(&parse("how many buckets and roles", now), outcomes());
        assert!(!count.truncated);
        // A service that failed in an account has no count there rather than a wrong zero.
        let counted = |account: &str| serde_json::to_value(&count.results[account]).expect("JSON");
        assert_eq!(counted("333333333333"), json!([{"service": "s3", "count": 5}]));
        assert_eq!(counted("111111111111")[1], json!({"service": "iam", "count": 0}));
    }

    fn request(value: Value) -> ApiGatewayV2httpRequest {
        serde_json::from_value(value).expect("request")
    }

    #[test]
    fn routes_drop_the_stage_and_callers_come_from_claims() {
        let req = request(json!({
            "rawPath": "/prod/query/", "requestContext": {"stage": "prod", "http": {"method": "POST"},
            "authorizer": {"jwt": {"claims": {"sub": "user-1", "cognito:groups": "[ops web]"}, "scopes": null}}}
        }));
        assert_eq!(route_path(&req), "/query");
        assert_eq!(caller(&req).expect("caller"), ("user-1".to_owned(), vec!["ops".to_owned(), "web".to_owned()]));
        let anonymous = request(json!({"rawPath": "/query", "requestContext": {"http": {"method": "POST"}}}));
        assert_eq!(route_path(&anonymous), "/query");
        assert!(matches!(caller(&anonymous), Err(ApiError::Unauthorized)));
    }
}
