//! The case-enricher Lambda: for each `aws.support` / `Support Case Update` event it reads the
//! case from the owning account (through the case-reader role), adds what the Support API does not
//! say directly (`submittedRole`, `lastCommunicationTime`, `firstResponseTime`, `accountName`) and
//! puts the enriched case on the central bus, in its own account, so the store's rule can admit
//! only what this function put there (no member can forge a record); for a `cima.backfill` request
//! it does the same for every case of the last N days, a bounded amount per invocation, continuing
//! through a re-emitted request with a cursor. A backfill is done only for the account that asked
//! for it (EventBridge stamps the sender's account on the event) or for a continuation this
//! function put on the central bus itself.
//!
//! `main.rs` only builds the SDK clients and runs [`Enricher::handle`]; the handler is generic
//! over [`aws::Aws`] so tests drive it against the local AWS.

pub mod aws;
pub mod error;
pub mod event;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use cima_core::enrich::EnrichedCase;
use cima_core::support::{self, Case, CaseQuery, SupportApi};
use futures::{StreamExt as _, TryStreamExt as _};
use lambda_runtime::LambdaEvent;
use serde_json::{Value, json};
use tracing::{info, warn};

use crate::aws::{Aws, Entry, EventBus};
pub use crate::error::EnricherError;
use crate::event::{CaseUpdate, Request};
use cima_core::contract::{
    BACKFILL_DETAIL_TYPE, BACKFILL_SOURCE, BackfillCursor, BackfillRequest, DEFAULT_CASE_READER_ROLE,
    DEFAULT_ENRICHED_DETAIL_TYPE, DEFAULT_ENRICHED_SOURCE,
};

/// PutEvents takes at most this many entries per call.
pub const PUT_EVENTS_BATCH: usize = 10;

/// How often and how patiently entries that PutEvents refused (FailedEntryCount > 0) are re-put.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PutRetry {
    /// Calls in all, the first included.
    pub attempts: u32,
    /// Wait before the second call; doubled before each further one.
    pub first_delay: Duration,
}

impl Default for PutRetry {
    fn default() -> Self {
        PutRetry { attempts: 4, first_delay: Duration::from_millis(200) }
    }
}

/// The function's settings, from its environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `CASE_READER_ROLE_NAME`: the role assumed in the case's account.
    pub case_reader_role_name: String,
    /// `ENRICHED_SOURCE` / `ENRICHED_DETAIL_TYPE` of the enriched event.
    pub enriched_source: String,
    pub enriched_detail_type: String,
    /// `CENTRAL_BUS_NAME`: where enriched cases and backfill continuations go.
    pub central_bus_name: Option<String>,
    /// `ORGANIZATIONS_ROLE_ARN`: assumed for DescribeAccount when set.
    pub organizations_role_arn: Option<String>,
    /// `MAX_CASES_PER_INVOCATION`: backfill work per invocation.
    pub max_cases_per_invocation: usize,
    /// A backfill stops when less than this is left before the invocation's deadline.
    pub deadline_margin: Duration,
    pub put_retry: PutRetry,
}

pub const DEFAULT_MAX_CASES: usize = 50;

impl Config {
    pub fn from_env() -> Result<Config, EnricherError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// The settings from any key lookup (the environment in production); empty values count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, EnricherError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let max_cases = match get("MAX_CASES_PER_INVOCATION") {
            None => DEFAULT_MAX_CASES,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(EnricherError::Config(format!(
                        "MAX_CASES_PER_INVOCATION must be a positive whole number, not {v:?}"
                    )));
                }
            },
        };
        Ok(Config {
            case_reader_role_name: get("CASE_READER_ROLE_NAME").unwrap_or_else(|| DEFAULT_CASE_READER_ROLE.to_owned()),
            enriched_source: get("ENRICHED_SOURCE").unwrap_or_else(|| DEFAULT_ENRICHED_SOURCE.to_owned()),
            enriched_detail_type: get("ENRICHED_DETAIL_TYPE")
                .unwrap_or_else(|| DEFAULT_ENRICHED_DETAIL_TYPE.to_owned()),
            central_bus_name: get("CENTRAL_BUS_NAME"),
            organizations_role_arn: get("ORGANIZATIONS_ROLE_ARN"),
            max_cases_per_invocation: max_cases,
            deadline_margin: Duration::from_secs(10),
            put_retry: PutRetry::default(),
        })
    }
}

/// The handler and what it keeps while the container is warm (account names).
pub struct Enricher<A> {
    aws: A,
    config: Config,
    names: Mutex<HashMap<String, String>>,
}

impl<A: Aws> Enricher<A> {
    pub fn new(aws: A, config: Config) -> Self {
        Enricher { aws, config, names: Mutex::new(HashMap::new()) }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn aws(&self) -> &A {
        &self.aws
    }

    /// Handles one invocation and writes its one log line (account, case id, outcome, duration).
    /// A vanished case is dropped (logged, `Ok` with outcome `dropped`); every other failure is an
    /// error Lambda reports as `Retryable` or `NonRetryable`.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<Value, EnricherError> {
        let started = Instant::now();
        let deadline = deadline_of(&event.context);
        let request = event::parse(&event.payload);
        let (account, case_id) = match &request {
            Ok(Request::CaseUpdate(u)) => (u.account.clone(), u.case_id.clone()),
            Ok(Request::Backfill(b)) => (b.account.clone(), String::new()),
            Err(_) => (String::new(), String::new()),
        };
        let result = match request {
            Ok(Request::CaseUpdate(u)) => self.case_update(&u).await,
            Ok(Request::Backfill(b)) => match backfill_refusal(&b, &event.payload, &event.context) {
                Some(why) => Err(EnricherError::Rejected(why)),
                None => self.backfill(&b, deadline).await,
            },
            Err(e) => Err(e),
        };
        let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
        let request_id = event.context.request_id.as_str();
        match result {
            Ok(answer) => {
                let outcome = answer["outcome"].as_str().unwrap_or_default();
                info!(request_id, account, case_id, outcome, duration_ms, result = %answer, "event handled");
                Ok(answer)
            }
            Err(EnricherError::CaseNotFound { account, case_id, source }) => {
                let error = source.to_string();
                warn!(
                    request_id,
                    account,
                    case_id,
                    outcome = "dropped",
                    error_type = error::NON_RETRYABLE,
                    error,
                    duration_ms,
                    "case vanished: event dropped"
                );
                Ok(json!({"outcome": "dropped", "account": account, "caseId": case_id, "reason": error}))
            }
            Err(e) => {
                let (error_type, error) = (e.error_type(), e.to_string());
                let outcome = if matches!(e, EnricherError::Rejected(_)) { "rejected" } else { "failed" };
                warn!(request_id, account, case_id, outcome, error_type, error, duration_ms, "event not handled");
                Err(e)
            }
        }
    }

    /// The account's name, from the cache or DescribeAccount; `None` (and a warning) when that
    /// fails, since a missing name must not block the case.
    async fn account_name(&self, account_id: &str) -> Option<String> {
        if let Some(n) = self.names.lock().ok().and_then(|m| m.get(account_id).cloned()) {
            return Some(n);
        }
        match self.aws.account_name(account_id).await {
            Ok(n) => {
                if let Ok(mut m) = self.names.lock() {
                    m.insert(account_id.to_owned(), n.clone());
                }
                Some(n)
            }
            Err(error) => {
                warn!(account = account_id, %error, "account name unavailable (Organizations DescribeAccount)");
                None
            }
        }
    }

    /// The central bus's name: enriched cases and continuations go nowhere else.
    fn central_bus_name(&self) -> Result<String, EnricherError> {
        self.config.central_bus_name.clone().ok_or_else(|| {
            EnricherError::Config(
                "CENTRAL_BUS_NAME is not set: enriched cases and backfills go to the central bus".into(),
            )
        })
    }

    fn enriched_entry(&self, case: &EnrichedCase, bus: &str) -> Entry {
        Entry {
            source: self.config.enriched_source.clone(),
            detail_type: self.config.enriched_detail_type.clone(),
            detail: serde_json::to_string(case).unwrap_or_default(),
            bus_name: Some(bus.to_owned()),
        }
    }

    async fn case_update(&self, u: &CaseUpdate) -> Result<Value, EnricherError> {
        let api = self.aws.support(&u.account).await;
        let case = support::read_case(api.as_ref(), &u.case_id).await.map_err(|source| {
            if source.is_case_not_found() {
                EnricherError::CaseNotFound { account: u.account.clone(), case_id: u.case_id.clone(), source }
            } else {
                EnricherError::Support { account: u.account.clone(), source }
            }
        })?;
        let enriched = EnrichedCase::new(&u.account, self.account_name(&u.account).await, &case);
        let bus = self.central_bus_name()?;
        put_all(
            self.aws.central_bus().as_ref(),
            &bus,
            vec![self.enriched_entry(&enriched, &bus)],
            self.config.put_retry,
        )
        .await?;
        Ok(json!({"outcome": "enriched", "account": u.account, "caseId": u.case_id, "eventName": u.event_name,
                  "status": enriched.status, "firstResponseTime": enriched.first_response_time}))
    }

    async fn backfill(&self, b: &BackfillRequest, deadline: Option<SystemTime>) -> Result<Value, EnricherError> {
        let cursor = b.cursor.clone().unwrap_or_else(|| {
            let now = SystemTime::now();
            BackfillCursor {
                after_time: after_time(now, b.days),
                before_time: Some(api_time(now)),
                next_token: None,
                skip: 0,
            }
        });
        let bus_name = self.central_bus_name()?;
        let api = self.aws.support(&b.account).await;
        let bus = self.aws.central_bus();
        let name = self.account_name(&b.account).await;
        let support_error = |source| EnricherError::Support { account: b.account.clone(), source };
        let query = CaseQuery {
            after_time: Some(cursor.after_time.clone()),
            before_time: cursor.before_time.clone(),
            include_resolved: true,
            ..CaseQuery::default()
        };
        let max = self.config.max_cases_per_invocation;

        let mut page_token = cursor.next_token.clone();
        let mut skip = cursor.skip;
        // Cases taken from the pages (the work budget) and events put (fewer when cases vanished).
        let (mut taken, mut emitted) = (0usize, 0usize);
        // The first batch always runs, so every invocation makes progress.
        let must_stop = |taken: usize| taken >= max || (taken > 0 && self.time_is_short(deadline));
        // Where the next invocation resumes; `None` once every page is done.
        let resume = 'pages: loop {
            let want = i32::try_from((max - taken).saturating_add(skip)).unwrap_or(100);
            let page = api.describe_cases_page(&query, page_token.as_deref(), want).await.map_err(support_error)?;
            let mut rest = page.cases.into_iter().skip(skip).peekable();
            while rest.peek().is_some() {
                if must_stop(taken) {
                    break 'pages Some(BackfillCursor { next_token: page_token, skip, ..cursor.clone() });
                }
                let batch: Vec<Case> = rest.by_ref().take(PUT_EVENTS_BATCH.min(max - taken)).collect();
                let size = batch.len();
                // One batch's communications are read concurrently; the order is kept.
                let filled: Vec<Option<Case>> = futures::stream::iter(batch)
                    .map(|c| self.backfill_communications(api.as_ref(), &b.account, c))
                    .buffered(PUT_EVENTS_BATCH)
                    .try_collect()
                    .await?;
                let entries: Vec<Entry> = filled
                    .iter()
                    .flatten()
                    .map(|c| self.enriched_entry(&EnrichedCase::new(&b.account, name.clone(), c), &bus_name))
                    .collect();
                emitted += entries.len();
                put_all(bus.as_ref(), &bus_name, entries, self.config.put_retry).await?;
                skip += size;
                taken += size;
            }
            match page.next_token {
                None => break None,
                Some(next) => {
                    page_token = Some(next);
                    skip = 0;
                    if must_stop(taken) {
                        break Some(BackfillCursor { next_token: page_token, skip, ..cursor.clone() });
                    }
                }
            }
        };
        let Some(next) = resume else {
            return Ok(json!({"outcome": "backfilled", "account": b.account, "emitted": emitted, "cursor": null}));
        };
        let request = BackfillRequest { cursor: Some(next.clone()), ..b.clone() };
        let entry = Entry {
            source: BACKFILL_SOURCE.to_owned(),
            detail_type: BACKFILL_DETAIL_TYPE.to_owned(),
            detail: request.detail(),
            bus_name: Some(bus_name.clone()),
        };
        put_all(bus.as_ref(), &bus_name, vec![entry], self.config.put_retry).await?;
        Ok(json!({"outcome": "backfill-continued", "account": b.account, "emitted": emitted, "cursor": next}))
    }

    /// A listed case with its communications; `None` (logged) when it vanished since the listing,
    /// which must not fail, and so endlessly repeat, the whole backfill.
    async fn backfill_communications(
        &self,
        api: &dyn SupportApi,
        account: &str,
        case: Case,
    ) -> Result<Option<Case>, EnricherError> {
        let case_id = case.case_id.clone();
        match support::fill_communications(api, case).await {
            Ok(c) => Ok(Some(c)),
            Err(e) if e.is_case_not_found() => {
                let error = e.to_string();
                warn!(account, case_id, error, "case vanished during the backfill: skipped");
                Ok(None)
            }
            Err(source) => Err(EnricherError::Support { account: account.to_owned(), source }),
        }
    }

    fn time_is_short(&self, deadline: Option<SystemTime>) -> bool {
        deadline.is_some_and(|d| {
            d.duration_since(SystemTime::now()).map_or(true, |left| left < self.config.deadline_margin)
        })
    }
}

/// Why a backfill request must not be done, or `None`. EventBridge stamps the sender's account on
/// every event, so an account may ask only for its own cases; the function's own account (its
/// ARN's) sends the continuations, and whoever can put events there already owns the pipeline.
fn backfill_refusal(b: &BackfillRequest, event: &Value, ctx: &lambda_runtime::Context) -> Option<String> {
    let sender = event.get("account").and_then(Value::as_str).unwrap_or_default();
    let own = cima_core::ids::parse_arn(&ctx.invoked_function_arn).map(|a| a.account);
    if sender == b.account || own.is_some_and(|own| !own.is_empty() && own == sender) {
        return None;
    }
    Some(format!(
        "backfill request for account {} put by account {}: an account may ask only for its own cases",
        b.account,
        if sender.is_empty() { "(none)" } else { sender }
    ))
}

/// The invocation's deadline; `None` when the runtime gave none (deadline 0).
fn deadline_of(ctx: &lambda_runtime::Context) -> Option<SystemTime> {
    (ctx.deadline > 0).then(|| ctx.deadline())
}

/// `t` as the Support API writes times: RFC 3339, UTC, milliseconds.
pub fn api_time(t: SystemTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    time::OffsetDateTime::from(t).format(&fmt).unwrap_or_default()
}

/// `days` before `now`, as DescribeCases' afterTime (RFC 3339, UTC, whole seconds).
pub fn after_time(now: SystemTime, days: u64) -> String {
    let now = time::OffsetDateTime::from(now).replace_nanosecond(0).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let then = now - time::Duration::days(i64::try_from(days).unwrap_or(365));
    then.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Puts `entries` (batches of at most 10), re-putting the entries PutEvents refused with a
/// doubling delay; fails when some still fail after `retry.attempts` calls. Throttling of the
/// call itself is retried by the SDK client.
pub async fn put_all(
    bus: &dyn EventBus,
    bus_label: &str,
    entries: Vec<Entry>,
    retry: PutRetry,
) -> Result<(), EnricherError> {
    for chunk in entries.chunks(PUT_EVENTS_BATCH) {
        put_batch(bus, bus_label, chunk.to_vec(), retry).await?;
    }
    Ok(())
}

async fn put_batch(
    bus: &dyn EventBus,
    bus_label: &str,
    entries: Vec<Entry>,
    retry: PutRetry,
) -> Result<(), EnricherError> {
    let total = entries.len();
    let mut pending = entries;
    let mut delay = retry.first_delay;
    let attempts = retry.attempts.max(1);
    for attempt in 1..=attempts {
        let outcomes = bus
            .put_events(&pending)
            .await
            .map_err(|source| EnricherError::PutEvents { bus: bus_label.to_owned(), source })?;
        let mut last_error = String::new();
        let failed: Vec<Entry> = pending
            .into_iter()
            .zip(outcomes)
            .filter_map(|(entry, outcome)| {
                outcome.map(|e| {
                    last_error = e;
                    entry
                })
            })
            .collect();
        if failed.is_empty() {
            return Ok(());
        }
        if attempt == attempts {
            return Err(EnricherError::EntriesFailed {
                bus: bus_label.to_owned(),
                failed: failed.len(),
                total,
                attempts,
                last_error,
            });
        }
        warn!(
            bus = bus_label,
            failed = failed.len(),
            total,
            attempt,
            last_error,
            "PutEvents refused entries; retrying them"
        );
        tokio::time::sleep(delay).await;
        delay = delay.saturating_mul(2);
        pending = failed;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn config_defaults_and_overrides() {
        let c = Config::from_lookup(|_| None).expect("defaults");
        assert_eq!(c.case_reader_role_name, "CimaCaseReaderRole");
        assert_eq!((c.enriched_source.as_str(), c.enriched_detail_type.as_str()), ("heidi.support", "heidi.support"));
        assert_eq!(c.max_cases_per_invocation, 50);
        assert_eq!((c.central_bus_name, c.organizations_role_arn), (None, None));
        let env: HashMap<&str, &str> = [
            ("CASE_READER_ROLE_NAME", "Reader"),
            ("ENRICHED_SOURCE", "x.src"),
            ("CENTRAL_BUS_NAME", "cima"),
            ("MAX_CASES_PER_INVOCATION", "60"),
            ("ORGANIZATIONS_ROLE_ARN", " "),
        ]
        .into();
        let c = Config::from_lookup(|k| env.get(k).map(|v| (*v).to_owned())).expect("set");
        assert_eq!(c.case_reader_role_name, "Reader");
        assert_eq!(c.enriched_source, "x.src");
        assert_eq!(c.central_bus_name.as_deref(), Some("cima"));
        assert_eq!(c.max_cases_per_invocation, 60);
        assert_eq!(c.organizations_role_arn, None);
        for bad in ["0", "-1", "many"] {
            let err = Config::from_lookup(|k| (k == "MAX_CASES_PER_INVOCATION").then(|| bad.to_owned()));
            assert!(matches!(err, Err(EnricherError::Config(_))), "{bad}");
        }
    }

    #[test]
    fn after_time_counts_whole_days_back_in_utc() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_732_800_500); // 2025-01-01T12:00:00.5Z
        assert_eq!(after_time(now, 1), "2024-12-31T12:00:00Z");
        assert_eq!(after_time(now, 365), "2024-01-02T12:00:00Z");
        assert_eq!(api_time(now), "2025-01-01T12:00:00.500Z");
    }

    #[test]
    fn no_deadline_from_a_runtime_that_gave_none() {
        let mut ctx = lambda_runtime::Context::default();
        assert_eq!(deadline_of(&ctx), None);
        ctx.deadline = 1_735_732_800_000;
        assert_eq!(deadline_of(&ctx), Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_732_800_000)));
    }
}
