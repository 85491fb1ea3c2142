//! The console's data API: `GET /cases/summary`, `GET /cases` and `GET /cases/{caseId}` over
//! every Support case of the organization, read from the central store through Athena. API
//! Gateway HTTP API payload 2.0 behind a JWT authorizer: a request without the verified `sub` is
//! refused.
//!
//! One Athena query per date range reads the latest state of every case created in it
//! ([`sql::latest_cases`]); the rows are cached ([`cache`]) and every other filter, the order,
//! the pages and the summary are computed from them by `cima_core::cases`, so changing a filter or
//! turning a page costs no second query while the rows are fresh.
//!
//! - [`request`]: the query string; [`paging`]: tokens and the 1 MB page; [`api`]: the answers.
//! - [`athena`]: the engine and result traits, their SDK side and the poll loop; [`csv`],
//!   [`records`]: the result object as case records; [`sql`]: the statements.

pub mod api;
pub mod athena;
pub mod cache;
pub mod config;
pub mod csv;
pub mod error;
pub mod paging;
pub mod records;
pub mod request;
pub mod sql;

#[cfg(test)]
mod fakes;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_types::SdkConfig;
use cima_core::access::{self, Accounts, Audit, Scope};
use cima_core::cases::{CaseEvent, CaseFilter, CaseRecord, order_events, sort_cases, summarize, timeline};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api::{CaseDetail, CaseRow, CasesPage, SummaryResponse};
use crate::athena::{Polling, QueryEngine, ResultReader, SdkAthena, SdkResults};
use crate::cache::Cache;
use crate::config::Config;
use crate::error::ApiError;
use crate::paging::{MAX_PAGE_BYTES, MAX_PAGE_TOKEN_CHARS};
use crate::records::InventoryAccount;
use crate::request::Pairs;
use crate::sql::{Statement, Tables};

/// Case ids are `case-<account>-<region code>-<year>-<hex>`; longer ones are not Support's.
pub const MAX_CASE_ID_CHARS: usize = 128;

/// Rows one query read, and when.
#[derive(Debug)]
pub struct Rows<T> {
    pub rows: Vec<T>,
    pub as_of: OffsetDateTime,
}

/// What the function needs, built once per container.
pub struct App {
    config: Config,
    tables: Tables,
    engine: Arc<dyn QueryEngine>,
    reader: Arc<dyn ResultReader>,
    polling: Polling,
    cases: Cache<Rows<CaseRecord>>,
    events: Cache<Rows<CaseEvent>>,
    inventory: Cache<Rows<InventoryAccount>>,
    clock: fn() -> OffsetDateTime,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("config", &self.config).field("polling", &self.polling).finish()
    }
}

impl App {
    /// Athena and S3 clients from `sdk` (one HTTP client shared by both).
    pub fn new(config: Config, sdk: &SdkConfig) -> App {
        let athena = SdkAthena::new(aws_sdk_athena::Client::new(sdk), &config.workgroup, &config.database);
        let results = SdkResults::new(aws_sdk_s3::Client::new(sdk));
        App::with_engine(config, Arc::new(athena), Arc::new(results))
    }

    /// The app on any engine and result reader (tests, another store).
    pub fn with_engine(config: Config, engine: Arc<dyn QueryEngine>, reader: Arc<dyn ResultReader>) -> App {
        App {
            tables: Tables::new(&config),
            cases: Cache::new(config.cache_ttl),
            events: Cache::new(config.cache_ttl),
            inventory: Cache::new(config.cache_ttl),
            config,
            engine,
            reader,
            polling: Polling::default(),
            clock: OffsetDateTime::now_utc,
        }
    }

    pub fn with_polling(mut self, polling: Polling) -> App {
        self.polling = polling;
        self
    }

    /// What "now" is for ages and breaches (tests pin it).
    pub fn with_clock(mut self, clock: fn() -> OffsetDateTime) -> App {
        self.clock = clock;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs `statement`, or answers what it answered within the TTL.
    async fn fetch<T>(
        &self,
        cache: &Cache<Rows<T>>,
        statement: Statement,
        what: &'static str,
        convert: fn(csv::Table) -> Result<Vec<T>, records::MissingColumn>,
    ) -> Result<Arc<Rows<T>>, ApiError> {
        let key = statement.key();
        if let Some(hit) = cache.get(&key) {
            tracing::debug!(query = statement.name, "cache hit");
            return Ok(hit);
        }
        let as_of = (self.clock)();
        let table = athena::run(self.engine.as_ref(), self.reader.as_ref(), &statement, self.polling)
            .await
            .map_err(|error| ApiError::Upstream { what, error })?;
        let rows = convert(table).map_err(|e| ApiError::Upstream { what, error: e.into() })?;
        let fetched = Arc::new(Rows { rows, as_of });
        cache.insert(key, fetched.clone(), fetched.rows.len());
        Ok(fetched)
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
        // Every answer is the organization's cases as of a moment: no shared cache may keep it.
        let headers = BTreeMap::from([
            ("content-type".to_owned(), "application/json".to_owned()),
            ("cache-control".to_owned(), "no-store".to_owned()),
        ]);
        match serde_json::to_string(body) {
            Ok(body) => HttpResponse { status_code: status, headers, body, is_base64_encoded: false },
            // Not with these bodies (structs, string-keyed maps); said if it ever is.
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

    /// The body as JSON (tests, logs).
    pub fn body_json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
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
fn caller(req: &ApiGatewayV2httpRequest) -> Result<(&str, Vec<String>), ApiError> {
    let claims = req.request_context.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|j| &j.claims);
    let sub = claims
        .and_then(|c| c.get("sub"))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .ok_or(ApiError::Unauthorized)?;
    let groups = access::groups_from_claim(claims.and_then(|c| c.get("cognito:groups")).map(String::as_str));
    Ok((sub, groups))
}

/// The query string's pairs: `rawQueryString`, else the parameters API Gateway parsed.
fn query_pairs(req: &ApiGatewayV2httpRequest) -> Result<Pairs, ApiError> {
    match req.raw_query_string.as_deref().filter(|r| !r.is_empty()) {
        Some(raw) => request::parse_query_string(raw),
        None => Ok(req.query_string_parameters.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()),
    }
}

enum Route {
    Summary,
    List,
    Case(String),
}

fn resolve(path: &str) -> Option<Route> {
    match path {
        "/cases" => Some(Route::List),
        "/cases/summary" => Some(Route::Summary),
        _ => path.strip_prefix("/cases/").filter(|id| !id.contains('/')).map(|id| Route::Case(id.to_owned())),
    }
}

/// Handles one API Gateway request; never fails: every error is an HTTP answer.
pub async fn handle(app: &App, req: ApiGatewayV2httpRequest) -> HttpResponse {
    let started = Instant::now();
    let method = req.request_context.http.method.as_str().to_owned();
    let path = route_path(&req);
    let mut audit = Audit::default();
    let (response, error) = match route(app, &req, &method, &path, &mut audit).await {
        Ok(response) => (response, None),
        Err(e) => {
            let mut response = HttpResponse::json(e.status(), &e.body());
            if matches!(e, ApiError::MethodNotAllowed { .. }) {
                response.headers.insert("allow".into(), "GET".into());
            }
            (response, Some(e))
        }
    };
    let ms = started.elapsed().as_millis() as u64;
    match &error {
        Some(e) if e.status() >= 500 => {
            tracing::error!(%method, %path, status = e.status(), error = %e, ms, "request failed")
        }
        Some(e) => tracing::info!(%method, %path, status = e.status(), error = %e, "request refused"),
        None => {
            tracing::info!(%method, %path, status = response.status_code, bytes = response.body.len(), ms, "request done")
        }
    }
    audit.write(&format!("{method} {path}"), response.status_code);
    response
}

async fn route(
    app: &App,
    req: &ApiGatewayV2httpRequest,
    method: &str,
    path: &str,
    audit: &mut Audit,
) -> Result<HttpResponse, ApiError> {
    let Some(route) = resolve(path) else {
        return Err(ApiError::NoRoute { method: method.to_owned(), path: path.to_owned() });
    };
    if method != "GET" {
        return Err(ApiError::MethodNotAllowed { method: method.to_owned(), path: path.to_owned() });
    }
    let (user, groups) = caller(req)?;
    audit.user = Some(user.to_owned());
    let scope = app.config.group_ous.scope_for(&groups);
    audit.scope = Some(scope.clone());
    if scope.is_nothing() {
        return Err(ApiError::Forbidden(format!(
            "none of the caller's groups ({}) is mapped to an OU of the organization, so no account's cases \
             are theirs to see; the deployment's group_ous maps Cognito groups to OU paths",
            if groups.is_empty() { "none".to_owned() } else { groups.join(", ") }
        )));
    }
    let pairs = query_pairs(req)?;
    match route {
        Route::Summary => summary(app, &pairs, &scope, audit).await,
        Route::List => list(app, &pairs, &scope, audit).await,
        Route::Case(id) => case(app, &pairs, &id, &scope, audit).await,
    }
}

/// The inventory, when the filter names accounts to check (read beside the cases).
async fn inventory_for(app: &App, filter: &CaseFilter) -> Result<Option<Arc<Rows<InventoryAccount>>>, ApiError> {
    if filter.account_ids.is_empty() {
        return Ok(None);
    }
    let rows =
        app.fetch(&app.inventory, sql::inventory(&app.tables), "reading the inventory", records::inventory).await?;
    Ok(Some(rows))
}

/// Checks the accounts a filter names: each must be an account of the organization (the
/// inventory's) or one whose cases the store holds (an account that has left keeps its history),
/// else a 400 naming it; and inside the caller's OUs, else a 403 naming it.
fn check_accounts(
    filter: &CaseFilter,
    scope: &Scope,
    inventory: Option<&Rows<InventoryAccount>>,
    cases: &[CaseRecord],
    audit: &mut Audit,
) -> Result<(), ApiError> {
    let Some(inventory) = inventory.filter(|_| !filter.account_ids.is_empty()) else {
        audit.accounts = Accounts::InScope;
        return Ok(());
    };
    audit.accounts = Accounts::Named(filter.account_ids.iter().cloned().collect());
    let mut placed: BTreeMap<&str, Option<&str>> =
        cases.iter().map(|c| (c.account_id.as_str(), c.ou_path.as_deref())).collect();
    placed.extend(inventory.rows.iter().map(|a| (a.account_id.as_str(), a.ou_path.as_deref())));
    let unknown: Vec<&str> =
        filter.account_ids.iter().map(String::as_str).filter(|id| !placed.contains_key(id)).collect();
    if !unknown.is_empty() {
        return Err(ApiError::bad(
            "account_id",
            format!("not accounts of the organization, nor of any stored case: {}", unknown.join(", ")),
        ));
    }
    let outside: Vec<&str> =
        filter.account_ids.iter().map(String::as_str).filter(|id| !scope.admits(placed[id])).collect();
    if !outside.is_empty() {
        return Err(ApiError::Forbidden(format!(
            "outside the OUs the caller's groups may see: {}",
            outside.join(", ")
        )));
    }
    Ok(())
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0).unwrap_or(t).format(&Rfc3339).unwrap_or_default()
}

async fn summary(app: &App, pairs: &Pairs, scope: &Scope, audit: &mut Audit) -> Result<HttpResponse, ApiError> {
    let filter = request::summary_params(pairs, app.config.max_accounts_per_request)?;
    let cases = app.fetch(
        &app.cases,
        sql::latest_cases(&app.tables, filter.from, filter.to),
        "reading the cases",
        records::case_records,
    );
    // The inventory is read beside the cases, not before them.
    let (data, inventory) = tokio::try_join!(cases, inventory_for(app, &filter))?;
    check_accounts(&filter, scope, inventory.as_deref(), &data.rows, audit)?;
    let visible = data.rows.iter().filter(|c| scope.admits(c.ou_path.as_deref()) && filter.matches(c));
    let summary = summarize(visible, (app.clock)(), &app.config.first_response_targets);
    Ok(HttpResponse::json(200, &SummaryResponse { as_of: rfc3339(data.as_of), summary }))
}

async fn list(app: &App, pairs: &Pairs, scope: &Scope, audit: &mut Audit) -> Result<HttpResponse, ApiError> {
    let p = request::list_params(pairs, app.config.max_accounts_per_request)?;
    let fingerprint = paging::fingerprint(&p.filter, &p.sort);
    // A token from other filters is refused before any query runs.
    let offset = p.page_token.as_deref().map(|t| paging::decode(t, &fingerprint)).transpose()?.unwrap_or(0);
    let cases = app.fetch(
        &app.cases,
        sql::latest_cases(&app.tables, p.filter.from, p.filter.to),
        "reading the cases",
        records::case_records,
    );
    let (data, inventory) = tokio::try_join!(cases, inventory_for(app, &p.filter))?;
    check_accounts(&p.filter, scope, inventory.as_deref(), &data.rows, audit)?;
    let mut matched: Vec<&CaseRecord> =
        data.rows.iter().filter(|c| scope.admits(c.ou_path.as_deref()) && p.filter.matches(c)).collect();
    sort_cases(&mut matched, &p.sort);
    let sort = if p.sort.is_empty() { vec![cima_core::cases::DEFAULT_SORT] } else { p.sort.clone() };
    let sort = sort
        .iter()
        .map(|k| format!("{}{}", if k.descending { "-" } else { "" }, k.field.name()))
        .collect::<Vec<_>>()
        .join(",");
    let total = matched.len();
    let start = offset.min(total);
    let mut page = CasesPage {
        as_of: rfc3339(data.as_of),
        total,
        offset: start,
        page_size: p.page_size,
        returned: p.page_size,
        size_capped: true,
        sort,
        next_page_token: Some("x".repeat(MAX_PAGE_TOKEN_CHARS)),
        cases: Vec::new(),
    };
    // The envelope at its widest (every number and the token as long as they can be), so the
    // rows can have the rest of the megabyte.
    let envelope = serde_json::to_string(&page).map(|s| s.len()).unwrap_or(MAX_PAGE_BYTES);
    let budget = MAX_PAGE_BYTES.saturating_sub(envelope);
    let mut used = 0;
    let mut capped = false;
    for c in matched.iter().skip(start).take(p.page_size) {
        let row = CaseRow::new(c);
        // The row and the comma before the next one.
        let bytes = serde_json::to_string(&row).map(|s| s.len()).unwrap_or(0) + 1;
        // One row always goes, however large: a page that cannot move on would be worse.
        if !page.cases.is_empty() && used + bytes > budget {
            capped = true;
            break;
        }
        used += bytes;
        page.cases.push(row);
    }
    let end = start + page.cases.len();
    page.returned = page.cases.len();
    page.size_capped = capped;
    page.next_page_token = (end < total).then(|| paging::encode(&fingerprint, end));
    Ok(HttpResponse::json(200, &page))
}

/// A case id from the path: Support's shape, or a 400 naming `caseId`.
fn case_id(raw: &str) -> Result<&str, ApiError> {
    let ok = raw.starts_with("case-")
        && raw.len() <= MAX_CASE_ID_CHARS
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(raw)
    } else {
        Err(ApiError::bad(
            "caseId",
            format!("not a Support case id (case-…, letters, digits and -, at most {MAX_CASE_ID_CHARS})"),
        ))
    }
}

async fn case(
    app: &App,
    pairs: &Pairs,
    raw_id: &str,
    scope: &Scope,
    audit: &mut Audit,
) -> Result<HttpResponse, ApiError> {
    request::no_params(pairs)?;
    let id = case_id(raw_id)?;
    let data =
        app.fetch(&app.events, sql::case_events(&app.tables, id), "reading the case", records::case_events).await?;
    let mut events = data.rows.clone();
    order_events(&mut events);
    let Some(latest) = events.last() else { return Err(ApiError::NoCase(id.to_owned())) };
    audit.accounts = Accounts::Named(vec![latest.case.account_id.clone()]);
    // A case outside the caller's OUs is answered as one that does not exist: its id says no more.
    if !scope.admits(latest.case.ou_path.as_deref()) {
        return Err(ApiError::NoCase(id.to_owned()));
    }
    let detail = CaseDetail {
        as_of: rfc3339(data.as_of),
        case: CaseRow::new(&latest.case),
        event_count: events.len(),
        timeline: timeline(&events),
    };
    Ok(HttpResponse::json(200, &detail))
}
