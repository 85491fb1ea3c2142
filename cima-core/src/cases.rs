//! The organization's Support cases as the console shows them: the latest state of each case as
//! the central store holds it ([`CaseRecord`]), the console's filters, sorting, and the summary
//! (counts, age and resolution buckets, first-response medians and breaches, ISO weeks), all as
//! pure functions over records, so the Lambda that reads the store only reads.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Weekday};

use crate::support::{SEVERITIES, STATUSES, is_open};

/// The AWS Support console's page of one case, before the query string.
pub const SUPPORT_CONSOLE_CASE_URL: &str = "https://support.console.aws.amazon.com/support/home#/case/";
/// How many open cases `long_running.oldest` lists.
pub const OLDEST_OPEN_CASES: usize = 10;
/// Weeks with no case are listed (as zeros) only while the span stays this short; a stray year-old
/// date must not turn `weekly` into thousands of empty rows.
pub const MAX_FILLED_WEEKS: usize = 260;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// The latest state of one case: the newest event's detail, the account's inventory row joined.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub case_id: String,
    pub display_id: String,
    pub subject: String,
    pub status: String,
    pub severity_code: String,
    pub service_code: String,
    pub category_code: String,
    pub submitted_by: String,
    pub time_created: String,
    pub last_communication_time: Option<String>,
    pub first_response_time: Option<String>,
    pub account_id: String,
    /// The inventory's name, else the one the enricher wrote into the event.
    pub account_name: Option<String>,
    /// `/` for the root, `/Production/Web` below; `None` for an account missing from the inventory.
    pub ou_path: Option<String>,
    /// The inventory's `tag` column: the account's one label, the value of the tag key the
    /// inventory was written with; `None` when it has none or is missing from the inventory.
    pub account_tag: Option<String>,
    /// The inventory's `tags` column: every tag, `key=value;key=value` sorted by key.
    pub account_tags: Option<String>,
    /// Time of the event this state comes from.
    pub updated_at: String,
}

impl CaseRecord {
    pub fn is_open(&self) -> bool {
        is_open(&self.status)
    }

    pub fn created(&self) -> Option<OffsetDateTime> {
        instant(&self.time_created)
    }

    /// When a resolved case was resolved: its last communication (the Support API's own time),
    /// else the event that reported it. Not the event time first: a backfill re-emits old
    /// resolved cases with the time of the backfill.
    pub fn resolved_at(&self) -> Option<OffsetDateTime> {
        if self.is_open() {
            return None;
        }
        self.last_communication_time.as_deref().and_then(instant).or_else(|| instant(&self.updated_at))
    }

    /// The case's page in the AWS Support console.
    pub fn console_url(&self) -> String {
        console_url(&self.display_id)
    }
}

/// A Support time (RFC 3339, `2025-01-01T10:00:00.000Z`) as an instant.
pub fn instant(t: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(t, &Rfc3339).ok()
}

/// `https://support.console.aws.amazon.com/support/home#/case/?displayId=<id>&language=en`, the
/// id percent-encoded.
pub fn console_url(display_id: &str) -> String {
    format!("{SUPPORT_CONSOLE_CASE_URL}?displayId={}&language=en", percent_encode(display_id))
}

/// Every byte but RFC 3986's unreserved characters as `%XX`.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A severity's place from `low` (0) to `critical` (4); unknown codes after every known one.
pub fn severity_rank(code: &str) -> usize {
    SEVERITIES.iter().position(|(c, _)| *c == code).unwrap_or(SEVERITIES.len())
}

/// What the console narrows the cases to. Empty sets and `None` mean "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// First and last day (UTC, inclusive) of `timeCreated`.
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub account_ids: BTreeSet<String>,
    /// An OU path: the accounts in it and in every OU below it.
    pub ou: Option<String>,
    pub severities: BTreeSet<String>,
    pub statuses: BTreeSet<String>,
    pub services: BTreeSet<String>,
    /// `submittedBy`, compared without case.
    pub submitter: Option<String>,
    /// Text the subject contains, compared without case.
    pub subject_contains: Option<String>,
}

impl CaseFilter {
    pub fn matches(&self, c: &CaseRecord) -> bool {
        let in_set = |set: &BTreeSet<String>, v: &str| set.is_empty() || set.contains(v);
        if self.from.is_some() || self.to.is_some() {
            let Some(day) = created_day(c) else { return false };
            if self.from.is_some_and(|f| day < f) || self.to.is_some_and(|t| day > t) {
                return false;
            }
        }
        in_set(&self.account_ids, &c.account_id)
            && in_set(&self.severities, &c.severity_code)
            && in_set(&self.statuses, &c.status)
            && in_set(&self.services, &c.service_code)
            && self.ou.as_deref().is_none_or(|ou| c.ou_path.as_deref().is_some_and(|p| in_ou(p, ou)))
            && self.submitter.as_deref().is_none_or(|s| c.submitted_by.to_lowercase() == s.to_lowercase())
            && self.subject_contains.as_deref().is_none_or(|q| c.subject.to_lowercase().contains(&q.to_lowercase()))
    }
}

/// The UTC day a case was created; the date written at the start of the text when it is no
/// RFC 3339 time.
fn created_day(c: &CaseRecord) -> Option<Date> {
    c.created().map(|t| t.to_offset(time::UtcOffset::UTC).date()).or_else(|| {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        c.time_created.get(..10).and_then(|d| Date::parse(d, &format).ok())
    })
}

/// Whether `path` is the OU `ou` or below it (`/Prod` holds `/Prod/Web`, not `/Production`).
pub fn in_ou(path: &str, ou: &str) -> bool {
    let ou = ou.trim_end_matches('/');
    if ou.is_empty() {
        return path.starts_with('/');
    }
    path == ou || path.strip_prefix(ou).is_some_and(|rest| rest.starts_with('/'))
}

/// The columns a case list sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortField {
    TimeCreated,
    UpdatedAt,
    LastCommunicationTime,
    /// By rank (low < normal < high < urgent < critical), not by name.
    Severity,
    Status,
    AccountId,
    AccountName,
    ServiceCode,
    Subject,
    DisplayId,
    SubmittedBy,
}

impl SortField {
    /// Every sortable column by the name the API takes.
    pub const ALL: [(&'static str, SortField); 11] = [
        ("time_created", SortField::TimeCreated),
        ("updated_at", SortField::UpdatedAt),
        ("last_communication_time", SortField::LastCommunicationTime),
        ("severity_code", SortField::Severity),
        ("status", SortField::Status),
        ("account_id", SortField::AccountId),
        ("account_name", SortField::AccountName),
        ("service_code", SortField::ServiceCode),
        ("subject", SortField::Subject),
        ("display_id", SortField::DisplayId),
        ("submitted_by", SortField::SubmittedBy),
    ];

    pub fn parse(name: &str) -> Option<SortField> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, f)| *f == self).map(|(n, _)| *n).unwrap_or("time_created")
    }
}

/// One sort column; `-name` in the API sorts it descending.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SortKey {
    pub field: SortField,
    pub descending: bool,
}

/// Newest first.
pub const DEFAULT_SORT: SortKey = SortKey { field: SortField::TimeCreated, descending: true };
/// Columns one `sort` may name.
pub const MAX_SORT_KEYS: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SortError {
    #[error("{0:?} is not a sortable column; one of {list}", list = sort_names())]
    UnknownColumn(String),
    #[error("at most {MAX_SORT_KEYS} columns")]
    TooMany,
    #[error("{0} is named twice")]
    Repeated(&'static str),
    #[error("empty; name a column, `-` before it for descending")]
    Empty,
}

fn sort_names() -> String {
    SortField::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// `time_created`, `-severity_code,account_name`: comma-separated columns, `-` for descending.
pub fn parse_sort(spec: &str) -> Result<Vec<SortKey>, SortError> {
    let parts: Vec<&str> = spec.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err(SortError::Empty);
    }
    if parts.len() > MAX_SORT_KEYS {
        return Err(SortError::TooMany);
    }
    let mut keys: Vec<SortKey> = Vec::with_capacity(parts.len());
    for p in parts {
        let (descending, name) = match p.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, p),
        };
        let field = SortField::parse(name).ok_or_else(|| SortError::UnknownColumn(name.to_owned()))?;
        if keys.iter().any(|k| k.field == field) {
            return Err(SortError::Repeated(field.name()));
        }
        keys.push(SortKey { field, descending });
    }
    Ok(keys)
}

/// How two present values of `field` compare, ascending.
fn compare_present(field: SortField, a: &CaseRecord, b: &CaseRecord) -> Option<Ordering> {
    let time = |x: Option<&str>, y: Option<&str>| match (x.and_then(instant), y.and_then(instant)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => None,
    };
    let text = |x: &str, y: &str| x.to_lowercase().cmp(&y.to_lowercase()).then_with(|| x.cmp(y));
    match field {
        SortField::TimeCreated => time(Some(&a.time_created), Some(&b.time_created)),
        SortField::UpdatedAt => time(Some(&a.updated_at), Some(&b.updated_at)),
        SortField::LastCommunicationTime => {
            time(a.last_communication_time.as_deref(), b.last_communication_time.as_deref())
        }
        SortField::Severity => Some(severity_rank(&a.severity_code).cmp(&severity_rank(&b.severity_code))),
        SortField::Status => Some(a.status.cmp(&b.status)),
        SortField::AccountId => Some(a.account_id.cmp(&b.account_id)),
        SortField::AccountName => match (&a.account_name, &b.account_name) {
            (Some(x), Some(y)) => Some(text(x, y)),
            _ => None,
        },
        SortField::ServiceCode => Some(a.service_code.cmp(&b.service_code)),
        SortField::Subject => Some(text(&a.subject, &b.subject)),
        SortField::DisplayId => {
            // Display ids are numbers; shorter is smaller before comparing digits.
            Some(a.display_id.len().cmp(&b.display_id.len()).then_with(|| a.display_id.cmp(&b.display_id)))
        }
        SortField::SubmittedBy => Some(text(&a.submitted_by, &b.submitted_by)),
    }
}

/// Whether `c` has a value to sort `field` by (a time that parses, a name that is there).
fn has_value(field: SortField, c: &CaseRecord) -> bool {
    match field {
        SortField::TimeCreated => c.created().is_some(),
        SortField::UpdatedAt => instant(&c.updated_at).is_some(),
        SortField::LastCommunicationTime => c.last_communication_time.as_deref().and_then(instant).is_some(),
        SortField::AccountName => c.account_name.is_some(),
        _ => true,
    }
}

fn compare_key(key: SortKey, a: &CaseRecord, b: &CaseRecord) -> Ordering {
    // Missing values go last whichever the direction: a console lists what it can order first.
    match (has_value(key.field, a), has_value(key.field, b)) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => Ordering::Equal,
        (true, true) => {
            let o = compare_present(key.field, a, b).unwrap_or(Ordering::Equal);
            if key.descending { o.reverse() } else { o }
        }
    }
}

/// Sorts by `keys`, then newest first, then by case id: a total order, so pages never overlap.
pub fn sort_cases(rows: &mut [&CaseRecord], keys: &[SortKey]) {
    rows.sort_by(|a, b| {
        keys.iter()
            .chain(std::iter::once(&DEFAULT_SORT))
            .map(|k| compare_key(*k, a, b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.case_id.cmp(&b.case_id))
    });
}

/// Minutes within which AWS should first answer a case, per severity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstResponseTargets {
    /// In [`SEVERITIES`] order.
    minutes: [u64; 5],
}

impl Default for FirstResponseTargets {
    fn default() -> Self {
        FirstResponseTargets { minutes: [1440, 720, 240, 60, 15] }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetsError {
    #[error("not a JSON object of severity to minutes: {0}")]
    Json(String),
    #[error("{0:?} is not a severity (low, normal, high, urgent, critical)")]
    UnknownSeverity(String),
    #[error("{severity}: {value} is not a whole number of minutes from 1 to 525600")]
    BadMinutes { severity: String, value: String },
}

impl FirstResponseTargets {
    /// `{"urgent": 30}`: the severities given replace the defaults, the others keep theirs.
    pub fn parse_json(text: &str) -> Result<Self, TargetsError> {
        let map: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| TargetsError::Json(e.to_string()))?;
        let mut targets = Self::default();
        for (severity, value) in map {
            let i = SEVERITIES
                .iter()
                .position(|(c, _)| *c == severity)
                .ok_or_else(|| TargetsError::UnknownSeverity(severity.clone()))?;
            let minutes = value
                .as_u64()
                .filter(|m| (1..=525_600).contains(m))
                .ok_or_else(|| TargetsError::BadMinutes { severity, value: value.to_string() })?;
            targets.minutes[i] = minutes;
        }
        Ok(targets)
    }

    pub fn minutes(&self, severity: &str) -> Option<u64> {
        SEVERITIES.iter().position(|(c, _)| *c == severity).map(|i| self.minutes[i])
    }
}

/// One range of days, `min_days` included, `max_days` not (`None`: no upper end).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub label: &'static str,
    pub min_days: u32,
    pub max_days: Option<u32>,
    pub cases: u64,
}

/// Ages of open cases.
pub const AGE_BUCKETS: [(&str, u32, Option<u32>); 5] =
    [("<1d", 0, Some(1)), ("1-7d", 1, Some(7)), ("7-30d", 7, Some(30)), ("30-90d", 30, Some(90)), (">=90d", 90, None)];
/// Days from creation to resolution.
pub const RESOLUTION_BUCKETS: [(&str, u32, Option<u32>); 6] = [
    ("<1d", 0, Some(1)),
    ("1-3d", 1, Some(3)),
    ("3-7d", 3, Some(7)),
    ("7-14d", 7, Some(14)),
    ("14-30d", 14, Some(30)),
    (">=30d", 30, None),
];

/// The index of the bucket `days` falls in (negative durations, clock skew, count as 0).
pub fn bucket_index(buckets: &[(&str, u32, Option<u32>)], days: f64) -> usize {
    let days = days.max(0.0);
    buckets.iter().position(|(_, _, max)| max.is_none_or(|m| days < f64::from(m))).unwrap_or(buckets.len() - 1)
}

fn empty_buckets(buckets: &[(&'static str, u32, Option<u32>)]) -> Vec<Bucket> {
    buckets.iter().map(|&(label, min_days, max_days)| Bucket { label, min_days, max_days, cases: 0 }).collect()
}

/// The middle value (the mean of the two middle ones for an even count); `None` for none.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 })
}

/// To one decimal, as the summary reports durations.
pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The ISO 8601 week of a day: its label (`2025-W01`) and its Monday.
pub fn iso_week(day: Date) -> (String, Date) {
    let (year, week, _) = day.to_iso_week_date();
    let monday = Date::from_iso_week_date(year, week, Weekday::Monday).unwrap_or(day);
    (format!("{year}-W{week:02}"), monday)
}

fn days_between(from: OffsetDateTime, to: OffsetDateTime) -> f64 {
    (to - from).as_seconds_f64() / SECONDS_PER_DAY
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub total: u64,
    pub open: u64,
    /// Every severity code (0 when none), and any unexpected code found.
    pub by_severity: BTreeMap<String, u64>,
    /// Every Support status (0 when none), and any unexpected status found.
    pub by_status: BTreeMap<String, u64>,
    /// Most cases first.
    pub by_account: Vec<AccountCount>,
    pub by_service: Vec<ServiceCount>,
    pub by_ou: Vec<OuCount>,
    /// By the account's label ([`CaseRecord::account_tag`]); accounts without one under `""`.
    pub by_tag: Vec<TagCount>,
    pub long_running: LongRunning,
    pub resolution_days: ResolutionDays,
    /// Every severity code.
    pub first_response: BTreeMap<String, FirstResponse>,
    /// Oldest week first.
    pub weekly: Vec<WeekCount>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountCount {
    pub account_id: String,
    pub account_name: Option<String>,
    pub cases: u64,
    pub open: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceCount {
    pub service_code: String,
    pub cases: u64,
    pub open: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OuCount {
    /// `None`: accounts missing from the inventory.
    pub ou_path: Option<String>,
    pub cases: u64,
    pub open: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TagCount {
    /// The label; `""` for accounts without one or missing from the inventory. The inventory's
    /// CSV cannot tell an empty tag value from no tag, so both mean "no label"; a placeholder word
    /// could be a real label, and how to name the row is the page's business.
    pub tag: String,
    pub cases: u64,
    pub open: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LongRunning {
    /// Open cases by age ([`AGE_BUCKETS`]); a case whose creation time does not parse is in none.
    pub buckets: Vec<Bucket>,
    /// The [`OLDEST_OPEN_CASES`] open cases created first.
    pub oldest: Vec<OpenCase>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpenCase {
    pub case_id: String,
    pub display_id: String,
    pub subject: String,
    pub account_id: String,
    pub account_name: Option<String>,
    pub severity_code: String,
    pub status: String,
    pub time_created: String,
    /// Whole days since creation.
    pub age_days: u64,
    pub console_url: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResolutionDays {
    /// Resolved cases with a creation and a resolution time.
    pub resolved: u64,
    pub median_days: Option<f64>,
    pub buckets: Vec<Bucket>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FirstResponse {
    pub target_minutes: u64,
    /// Cases AWS has answered.
    pub responded: u64,
    /// Minutes from creation to the first answer, the median over `responded`.
    pub median_minutes: Option<f64>,
    /// Answered later than the target, plus open cases still unanswered past it.
    pub breaches: u64,
    /// The part of `breaches` still waiting for a first answer.
    pub awaiting_over_target: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WeekCount {
    /// ISO week, `2025-W01`.
    pub week: String,
    /// Its Monday, `2024-12-30`.
    pub week_start: String,
    /// Cases created that week.
    pub opened: u64,
    /// Cases resolved that week ([`CaseRecord::resolved_at`]).
    pub resolved: u64,
}

#[derive(Default)]
struct Tally {
    cases: u64,
    open: u64,
}

impl Tally {
    fn add(&mut self, open: bool) {
        self.cases += 1;
        self.open += u64::from(open);
    }
}

/// Most cases first, then by key.
fn by_count<K: Ord + Clone, T>(map: BTreeMap<K, Tally>, row: impl Fn(K, Tally) -> T) -> Vec<T> {
    let mut v: Vec<(K, Tally)> = map.into_iter().collect();
    v.sort_by(|(ka, a), (kb, b)| b.cases.cmp(&a.cases).then_with(|| ka.cmp(kb)));
    v.into_iter().map(|(k, t)| row(k, t)).collect()
}

/// Everything `/cases/summary` shows, over `cases` as of `now`.
pub fn summarize<'a>(
    cases: impl IntoIterator<Item = &'a CaseRecord>,
    now: OffsetDateTime,
    targets: &FirstResponseTargets,
) -> Summary {
    let mut total = 0;
    let mut open = 0;
    let mut by_severity: BTreeMap<String, u64> = SEVERITIES.iter().map(|(c, _)| ((*c).to_owned(), 0)).collect();
    let mut by_status: BTreeMap<String, u64> = STATUSES.iter().map(|s| ((*s).to_owned(), 0)).collect();
    let mut accounts: BTreeMap<String, (Option<String>, Tally)> = BTreeMap::new();
    let mut services: BTreeMap<String, Tally> = BTreeMap::new();
    // `Some` sorts after `None` in a BTreeMap; the key is flipped so unknown OUs list last on ties.
    let mut ous: BTreeMap<(bool, Option<String>), Tally> = BTreeMap::new();
    // Likewise: accounts without a label list last on ties.
    let mut labels: BTreeMap<(bool, String), Tally> = BTreeMap::new();
    let mut ages = empty_buckets(&AGE_BUCKETS);
    let mut open_cases: Vec<(OffsetDateTime, &CaseRecord)> = Vec::new();
    let mut resolution = empty_buckets(&RESOLUTION_BUCKETS);
    let mut resolution_days: Vec<f64> = Vec::new();
    let mut response_minutes: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut breached: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut weeks: BTreeMap<Date, (String, u64, u64)> = BTreeMap::new();

    for c in cases {
        let is_open = c.is_open();
        total += 1;
        open += u64::from(is_open);
        *by_severity.entry(c.severity_code.clone()).or_default() += 1;
        *by_status.entry(c.status.clone()).or_default() += 1;
        let account = accounts.entry(c.account_id.clone()).or_insert_with(|| (None, Tally::default()));
        if account.0.is_none() {
            account.0.clone_from(&c.account_name);
        }
        account.1.add(is_open);
        services.entry(c.service_code.clone()).or_default().add(is_open);
        ous.entry((c.ou_path.is_none(), c.ou_path.clone())).or_default().add(is_open);
        let label = c.account_tag.clone().unwrap_or_default();
        labels.entry((label.is_empty(), label)).or_default().add(is_open);

        let created = c.created();
        if let Some(created) = created {
            let (label, monday) = iso_week(created.to_offset(time::UtcOffset::UTC).date());
            weeks.entry(monday).or_insert_with(|| (label, 0, 0)).1 += 1;
        }
        if is_open && let Some(created) = created {
            ages[bucket_index(&AGE_BUCKETS, days_between(created, now))].cases += 1;
            open_cases.push((created, c));
        }
        if let Some(resolved) = c.resolved_at() {
            let (label, monday) = iso_week(resolved.to_offset(time::UtcOffset::UTC).date());
            weeks.entry(monday).or_insert_with(|| (label, 0, 0)).2 += 1;
            if let Some(created) = created {
                let days = days_between(created, resolved).max(0.0);
                resolution[bucket_index(&RESOLUTION_BUCKETS, days)].cases += 1;
                resolution_days.push(days);
            }
        }
        if let (Some(target), Some(created)) = (targets.minutes(&c.severity_code), created) {
            let severity = SEVERITIES[severity_rank(&c.severity_code)].0;
            let target_seconds = (target * 60) as f64;
            match c.first_response_time.as_deref().and_then(instant) {
                Some(answered) => {
                    let seconds = (answered - created).as_seconds_f64().max(0.0);
                    response_minutes.entry(severity).or_default().push(seconds / 60.0);
                    if seconds > target_seconds {
                        breached.entry(severity).or_default().0 += 1;
                    }
                }
                None if is_open && (now - created).as_seconds_f64() > target_seconds => {
                    let b = breached.entry(severity).or_default();
                    b.0 += 1;
                    b.1 += 1;
                }
                None => {}
            }
        }
    }

    open_cases.sort_by(|(a, ca), (b, cb)| a.cmp(b).then_with(|| ca.case_id.cmp(&cb.case_id)));
    let oldest = open_cases
        .iter()
        .take(OLDEST_OPEN_CASES)
        .map(|(created, c)| OpenCase {
            case_id: c.case_id.clone(),
            display_id: c.display_id.clone(),
            subject: c.subject.clone(),
            account_id: c.account_id.clone(),
            account_name: c.account_name.clone(),
            severity_code: c.severity_code.clone(),
            status: c.status.clone(),
            time_created: c.time_created.clone(),
            age_days: days_between(*created, now).max(0.0).floor() as u64,
            console_url: c.console_url(),
        })
        .collect();

    let first_response = SEVERITIES
        .iter()
        .map(|(severity, _)| {
            let mut minutes = response_minutes.remove(severity).unwrap_or_default();
            let (late, awaiting) = breached.get(severity).copied().unwrap_or_default();
            let row = FirstResponse {
                target_minutes: targets.minutes(severity).unwrap_or_default(),
                responded: minutes.len() as u64,
                median_minutes: median(&mut minutes).map(round1),
                breaches: late,
                awaiting_over_target: awaiting,
            };
            ((*severity).to_owned(), row)
        })
        .collect();

    Summary {
        total,
        open,
        by_severity,
        by_status,
        by_account: by_count(
            accounts.into_iter().map(|(id, (name, t))| ((id, name), t)).collect(),
            |(account_id, account_name), t| AccountCount { account_id, account_name, cases: t.cases, open: t.open },
        ),
        by_service: by_count(services, |service_code, t| ServiceCount { service_code, cases: t.cases, open: t.open }),
        by_ou: by_count(ous, |(_, ou_path), t| OuCount { ou_path, cases: t.cases, open: t.open }),
        by_tag: by_count(labels, |(_, tag), t| TagCount { tag, cases: t.cases, open: t.open }),
        long_running: LongRunning { buckets: ages, oldest },
        resolution_days: ResolutionDays {
            resolved: resolution_days.len() as u64,
            median_days: median(&mut resolution_days).map(round1),
            buckets: resolution,
        },
        first_response,
        weekly: weekly(weeks),
    }
}

/// Weeks oldest first, the empty ones between filled in while the span is short.
fn weekly(weeks: BTreeMap<Date, (String, u64, u64)>) -> Vec<WeekCount> {
    let row = |monday: Date, (week, opened, resolved): (String, u64, u64)| WeekCount {
        week,
        week_start: monday.to_string(),
        opened,
        resolved,
    };
    let (Some(first), Some(last)) = (weeks.keys().next().copied(), weeks.keys().next_back().copied()) else {
        return Vec::new();
    };
    let span = ((last - first).whole_days() / 7 + 1) as usize;
    if span > MAX_FILLED_WEEKS {
        return weeks.into_iter().map(|(m, v)| row(m, v)).collect();
    }
    let mut weeks = weeks;
    (0..span)
        .map(|i| {
            let monday = first + time::Duration::weeks(i as i64);
            let counts = weeks.remove(&monday).unwrap_or_else(|| (iso_week(monday).0, 0, 0));
            row(monday, counts)
        })
        .collect()
}

/// One stored event of a case: its envelope id and time, and the state it carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseEvent {
    pub event_id: String,
    pub time: String,
    /// `updated_at` is the event's time.
    pub case: CaseRecord,
}

/// One step of a case's history: the first event, then each event that changed something.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub time: String,
    pub event_id: String,
    pub status: String,
    pub severity_code: String,
    /// What differs from the entry before (empty for the first).
    pub changes: Vec<Change>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub field: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Events oldest first: by time as an instant, then id, the order in which the latest is the
/// one the store's `row_number() ... ORDER BY time DESC, id DESC` keeps.
pub fn order_events(events: &mut [CaseEvent]) {
    events.sort_by(|a, b| {
        let (ta, tb) = (instant(&a.time), instant(&b.time));
        ta.cmp(&tb).then_with(|| a.time.cmp(&b.time)).then_with(|| a.event_id.cmp(&b.event_id))
    });
}

/// The fields whose change makes a timeline entry.
fn tracked(c: &CaseRecord) -> [(&'static str, Option<&str>); 7] {
    [
        ("status", Some(c.status.as_str())),
        ("severity_code", Some(c.severity_code.as_str())),
        ("subject", Some(c.subject.as_str())),
        ("service_code", Some(c.service_code.as_str())),
        ("category_code", Some(c.category_code.as_str())),
        ("last_communication_time", c.last_communication_time.as_deref()),
        ("first_response_time", c.first_response_time.as_deref()),
    ]
}

/// The case's history from its events (any order): events that repeat the state before them
/// (a backfill re-emitting a case) are left out.
pub fn timeline(events: &[CaseEvent]) -> Vec<TimelineEntry> {
    let mut ordered = events.to_vec();
    order_events(&mut ordered);
    let mut out: Vec<TimelineEntry> = Vec::new();
    let mut previous: Option<&CaseRecord> = None;
    for e in &ordered {
        let changes: Vec<Change> = match previous {
            None => Vec::new(),
            Some(p) => tracked(p)
                .into_iter()
                .zip(tracked(&e.case))
                .filter(|((_, a), (_, b))| a != b)
                .map(|((field, a), (_, b))| Change { field, from: a.map(str::to_owned), to: b.map(str::to_owned) })
                .collect(),
        };
        if previous.is_none() || !changes.is_empty() {
            out.push(TimelineEntry {
                time: e.time.clone(),
                event_id: e.event_id.clone(),
                status: e.case.status.clone(),
                severity_code: e.case.severity_code.clone(),
                changes,
            });
        }
        previous = Some(&e.case);
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    use super::*;

    const WEB: &str = "111111111111";
    const DATA: &str = "222222222222";
    const GONE: &str = "333333333333";

    struct Spec {
        id: &'static str,
        account: &'static str,
        severity: &'static str,
        status: &'static str,
        service: &'static str,
        created: &'static str,
        first_response: Option<&'static str>,
        last_communication: Option<&'static str>,
        updated: &'static str,
    }

    fn record(s: Spec) -> CaseRecord {
        let (name, ou, tag, tags) = match s.account {
            WEB => (Some("Prod Web"), Some("/Production/Web"), Some("payments"), Some("env=prod;team=payments")),
            DATA => (Some("Data"), Some("/Production/Data"), Some("analytics"), Some("team=analytics")),
            _ => (None, None, None, None),
        };
        CaseRecord {
            case_id: format!("case-{}-{}", s.account, s.id),
            display_id: format!("1000{}", s.id.len()),
            subject: format!("Case {} about Things", s.id),
            status: s.status.into(),
            severity_code: s.severity.into(),
            service_code: s.service.into(),
            category_code: "other".into(),
            submitted_by: format!("Dev-{}@Example.com", s.id),
            time_created: s.created.into(),
            last_communication_time: s.last_communication.map(str::to_owned),
            first_response_time: s.first_response.map(str::to_owned),
            account_id: s.account.into(),
            account_name: name.map(str::to_owned),
            ou_path: ou.map(str::to_owned),
            account_tag: tag.map(str::to_owned),
            account_tags: tags.map(str::to_owned),
            updated_at: s.updated.into(),
        }
    }

    const NOW: OffsetDateTime = datetime!(2025-03-10 12:00:00 UTC);

    /// Seven cases whose summary is worked out by hand in the tests below.
    fn cases() -> Vec<CaseRecord> {
        let spec = |id, account, severity, status, service, created| Spec {
            id,
            account,
            severity,
            status,
            service,
            created,
            first_response: None,
            last_communication: None,
            updated: created,
        };
        vec![
            // Open 0.25 days; answered after 210 min (high: 240).
            record(Spec {
                first_response: Some("2025-03-10T09:30:00Z"),
                ..spec("a", WEB, "high", "opened", "amazon-ec2", "2025-03-10T06:00:00.000Z")
            }),
            // Open 5 days; answered after 90 min (urgent: 60): a breach.
            record(Spec {
                first_response: Some("2025-03-05T13:30:00Z"),
                ..spec("b", WEB, "urgent", "work-in-progress", "amazon-s3", "2025-03-05T12:00:00Z")
            }),
            // Resolved after 2.5 days (its last communication); answered after 600 min (low: 1440).
            record(Spec {
                first_response: Some("2025-02-01T10:00:00Z"),
                last_communication: Some("2025-02-03T12:00:00Z"),
                updated: "2025-03-09T00:00:00Z",
                ..spec("c", DATA, "low", "resolved", "amazon-ec2", "2025-02-01T00:00:00Z")
            }),
            // Resolved after 10 days (no communication time: the event's); answered after 780 min
            // (normal: 720): a breach.
            record(Spec {
                first_response: Some("2025-01-01T13:00:00Z"),
                updated: "2025-01-11T00:00:00Z",
                ..spec("d", DATA, "normal", "resolved", "amazon-rds", "2025-01-01T00:00:00Z")
            }),
            // Open 99.5 days, never answered (critical: 15): a breach still waiting. No inventory.
            record(spec("e", GONE, "critical", "pending-customer-action", "amazon-ec2", "2024-12-01T00:00:00Z")),
            // Open 18 days; answered after 480 min.
            record(Spec {
                first_response: Some("2025-02-20T20:00:00Z"),
                ..spec("f", WEB, "normal", "reopened", "amazon-ec2", "2025-02-20T12:00:00Z")
            }),
            // Resolved after 0.25 days without an answer from AWS: no breach.
            record(Spec {
                last_communication: Some("2025-03-03T06:00:00Z"),
                ..spec("g", GONE, "low", "resolved", "amazon-ec2", "2025-03-03T00:00:00Z")
            }),
        ]
    }

    fn ids<'a>(rows: impl IntoIterator<Item = &'a CaseRecord>) -> String {
        rows.into_iter().map(|c| c.case_id.rsplit('-').next().unwrap_or_default()).collect()
    }

    #[test]
    fn counts_by_severity_status_account_service_and_ou() {
        let s = summarize(&cases(), NOW, &FirstResponseTargets::default());
        assert_eq!((s.total, s.open), (7, 4));
        let map = |pairs: &[(&str, u64)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>();
        assert_eq!(s.by_severity, map(&[("low", 2), ("normal", 2), ("high", 1), ("urgent", 1), ("critical", 1)]));
        assert_eq!(
            s.by_status,
            map(&[
                ("opened", 1),
                ("pending-customer-action", 1),
                ("reopened", 1),
                ("resolved", 3),
                ("unassigned", 0),
                ("work-in-progress", 1),
            ])
        );
        let account = |id: &str, name: Option<&str>, cases, open| AccountCount {
            account_id: id.into(),
            account_name: name.map(str::to_owned),
            cases,
            open,
        };
        assert_eq!(
            s.by_account,
            [account(WEB, Some("Prod Web"), 3, 3), account(DATA, Some("Data"), 2, 0), account(GONE, None, 2, 1)]
        );
        let service = |code: &str, cases, open| ServiceCount { service_code: code.into(), cases, open };
        assert_eq!(
            s.by_service,
            [service("amazon-ec2", 5, 3), service("amazon-rds", 1, 0), service("amazon-s3", 1, 1)]
        );
        let ou = |path: Option<&str>, cases, open| OuCount { ou_path: path.map(str::to_owned), cases, open };
        assert_eq!(s.by_ou, [ou(Some("/Production/Web"), 3, 3), ou(Some("/Production/Data"), 2, 0), ou(None, 2, 1)]);
        let tag = |tag: &str, cases, open| TagCount { tag: tag.into(), cases, open };
        // The unlabelled account lists last on a tie, though "" sorts first as text.
        assert_eq!(s.by_tag, [tag("payments", 3, 3), tag("analytics", 2, 0), tag("", 2, 1)]);
    }

    #[test]
    fn cases_by_label_group_the_unlabelled_under_the_empty_string() {
        let all = cases();
        // An account in the inventory without the label, and one missing from it, are one group.
        let unlabelled = CaseRecord { account_tag: None, ..all[0].clone() };
        let s = summarize([&unlabelled, &all[4], &all[2]], NOW, &FirstResponseTargets::default());
        let rows: Vec<(&str, u64, u64)> = s.by_tag.iter().map(|t| (t.tag.as_str(), t.cases, t.open)).collect();
        assert_eq!(rows, [("", 2, 2), ("analytics", 1, 0)]);
        // The same filters the other counts honour: the summary is over the cases given.
        let web = CaseFilter { ou: Some("/Production/Web".into()), ..CaseFilter::default() };
        let s = summarize(all.iter().filter(|c| web.matches(c)), NOW, &FirstResponseTargets::default());
        assert_eq!(s.by_tag, [TagCount { tag: "payments".into(), cases: 3, open: 3 }]);
        assert!(summarize(&[], NOW, &FirstResponseTargets::default()).by_tag.is_empty());
        let v = serde_json::to_value(&s.by_tag).expect("JSON");
        assert_eq!(v, serde_json::json!([{"tag": "payments", "cases": 3, "open": 3}]));
    }

    #[test]
    fn unknown_codes_are_counted_beside_the_known_ones() {
        let odd = CaseRecord { severity_code: "sev-9".into(), status: "escalated".into(), ..cases()[0].clone() };
        let s = summarize([&odd], NOW, &FirstResponseTargets::default());
        assert_eq!((s.by_severity.len(), s.by_severity["sev-9"], s.by_severity["high"]), (6, 1, 0));
        assert_eq!((s.by_status.len(), s.by_status["escalated"]), (7, 1));
        assert_eq!((s.total, s.open), (1, 1));
        // No target for an unknown severity: the five rows stay empty.
        assert!(s.first_response.values().all(|f| f.responded == 0 && f.breaches == 0));
    }

    #[test]
    fn open_cases_by_age_and_the_oldest() {
        let s = summarize(&cases(), NOW, &FirstResponseTargets::default());
        let counts: Vec<(&str, u64)> = s.long_running.buckets.iter().map(|b| (b.label, b.cases)).collect();
        assert_eq!(counts, [("<1d", 1), ("1-7d", 1), ("7-30d", 1), ("30-90d", 0), (">=90d", 1)]);
        let oldest: Vec<(&str, u64)> = s
            .long_running
            .oldest
            .iter()
            .map(|o| (o.case_id.rsplit('-').next().unwrap_or_default(), o.age_days))
            .collect();
        assert_eq!(oldest, [("e", 99), ("f", 18), ("b", 5), ("a", 0)]);
        assert_eq!(
            s.long_running.oldest[0].console_url,
            "https://support.console.aws.amazon.com/support/home#/case/?displayId=10001&language=en"
        );
        // Only the first ten are listed.
        let many: Vec<CaseRecord> = (0..12)
            .map(|i| CaseRecord {
                case_id: format!("case-{i:02}"),
                time_created: format!("2025-03-{:02}T00:00:00Z", i + 1),
                ..cases()[0].clone()
            })
            .collect();
        let s = summarize(&many, NOW, &FirstResponseTargets::default());
        assert_eq!(s.long_running.oldest.len(), OLDEST_OPEN_CASES);
        assert_eq!(s.long_running.oldest[0].case_id, "case-00");
        assert_eq!(s.long_running.buckets.iter().map(|b| b.cases).sum::<u64>(), 12);
    }

    #[test]
    fn resolution_days_from_the_last_communication_else_the_event() {
        let s = summarize(&cases(), NOW, &FirstResponseTargets::default());
        let counts: Vec<u64> = s.resolution_days.buckets.iter().map(|b| b.cases).collect();
        // g 0.25 days, c 2.5 days, d 10 days.
        assert_eq!(counts, [1, 1, 0, 1, 0, 0]);
        assert_eq!((s.resolution_days.resolved, s.resolution_days.median_days), (3, Some(2.5)));
        assert_eq!(cases()[3].resolved_at(), Some(datetime!(2025-01-11 00:00:00 UTC)));
        assert_eq!(cases()[0].resolved_at(), None);
    }

    #[test]
    fn first_response_medians_and_breaches_per_severity() {
        let s = summarize(&cases(), NOW, &FirstResponseTargets::default());
        let row = |sev: &str| {
            let f = &s.first_response[sev];
            (f.target_minutes, f.responded, f.median_minutes, f.breaches, f.awaiting_over_target)
        };
        assert_eq!(row("low"), (1440, 1, Some(600.0), 0, 0));
        assert_eq!(row("normal"), (720, 2, Some(630.0), 1, 0));
        assert_eq!(row("high"), (240, 1, Some(210.0), 0, 0));
        assert_eq!(row("urgent"), (60, 1, Some(90.0), 1, 0));
        assert_eq!(row("critical"), (15, 0, None, 1, 1));
        // A tighter target turns a's 210 minutes into a breach.
        let tight = FirstResponseTargets::parse_json(r#"{"high": 200}"#).expect("targets");
        let s = summarize(&cases(), NOW, &tight);
        assert_eq!((s.first_response["high"].breaches, s.first_response["high"].target_minutes), (1, 200));
        assert_eq!(s.first_response["low"].target_minutes, 1440);
    }

    #[test]
    fn weekly_opened_and_resolved_per_iso_week_with_the_gaps_filled() {
        let s = summarize(&cases(), NOW, &FirstResponseTargets::default());
        let rows: Vec<(&str, &str, u64, u64)> =
            s.weekly.iter().map(|w| (w.week.as_str(), w.week_start.as_str(), w.opened, w.resolved)).collect();
        assert_eq!(
            rows,
            [
                ("2024-W48", "2024-11-25", 1, 0),
                ("2024-W49", "2024-12-02", 0, 0),
                ("2024-W50", "2024-12-09", 0, 0),
                ("2024-W51", "2024-12-16", 0, 0),
                ("2024-W52", "2024-12-23", 0, 0),
                ("2025-W01", "2024-12-30", 1, 0),
                ("2025-W02", "2025-01-06", 0, 1),
                ("2025-W03", "2025-01-13", 0, 0),
                ("2025-W04", "2025-01-20", 0, 0),
                ("2025-W05", "2025-01-27", 1, 0),
                ("2025-W06", "2025-02-03", 0, 1),
                ("2025-W07", "2025-02-10", 0, 0),
                ("2025-W08", "2025-02-17", 1, 0),
                ("2025-W09", "2025-02-24", 0, 0),
                ("2025-W10", "2025-03-03", 2, 1),
                ("2025-W11", "2025-03-10", 1, 0),
            ]
        );
        // A span longer than MAX_FILLED_WEEKS lists only the weeks that have cases.
        let far =
            [CaseRecord { time_created: "2015-01-07T00:00:00Z".into(), ..cases()[0].clone() }, cases()[0].clone()];
        let weeks: Vec<String> =
            summarize(&far, NOW, &FirstResponseTargets::default()).weekly.into_iter().map(|w| w.week).collect();
        assert_eq!(weeks, ["2015-W02", "2025-W11"]);
        assert!(summarize(&[], NOW, &FirstResponseTargets::default()).weekly.is_empty());
    }

    #[test]
    fn iso_weeks_at_year_ends() {
        assert_eq!(iso_week(date!(2021 - 01 - 03)), ("2020-W53".to_owned(), date!(2020 - 12 - 28)));
        assert_eq!(iso_week(date!(2024 - 12 - 30)), ("2025-W01".to_owned(), date!(2024 - 12 - 30)));
        assert_eq!(iso_week(date!(2026 - 01 - 01)), ("2026-W01".to_owned(), date!(2025 - 12 - 29)));
    }

    #[test]
    fn medians_buckets_and_rounding() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0]), Some(3.0));
        assert_eq!(median(&mut [9.0, 1.0, 4.0, 2.0]), Some(3.0));
        assert_eq!(median(&mut [5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(round1(12.345), 12.3);
        assert_eq!(round1(2.0 / 3.0), 0.7);
        let idx = |d| bucket_index(&AGE_BUCKETS, d);
        assert_eq!(
            [idx(-2.0), idx(0.99), idx(1.0), idx(6.99), idx(7.0), idx(89.9), idx(90.0), idx(5000.0)],
            [0, 0, 1, 1, 2, 3, 4, 4]
        );
        assert_eq!(bucket_index(&RESOLUTION_BUCKETS, 30.0), 5);
        assert_eq!(bucket_index(&RESOLUTION_BUCKETS, 13.9), 3);
    }

    #[test]
    fn filters_narrow_by_every_field() {
        let all = cases();
        let pick = |f: &CaseFilter| ids(all.iter().filter(|c| f.matches(c)));
        assert_eq!(pick(&CaseFilter::default()), "abcdefg");
        let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
        let ou = |p: &str| CaseFilter { ou: Some(p.into()), ..CaseFilter::default() };
        assert_eq!(pick(&ou("/Production")), "abcdf");
        assert_eq!(pick(&ou("/Production/Web")), "abf");
        assert_eq!(pick(&ou("/Production/Web/")), "abf");
        assert_eq!(pick(&ou("/Prod")), "");
        assert_eq!(pick(&ou("/")), "abcdf");
        // Days are inclusive at both ends, on the UTC day of creation.
        let days =
            CaseFilter { from: Some(date!(2025 - 03 - 01)), to: Some(date!(2025 - 03 - 09)), ..CaseFilter::default() };
        assert_eq!(pick(&days), "bg");
        assert_eq!(pick(&CaseFilter { from: Some(date!(2025 - 03 - 10)), ..CaseFilter::default() }), "a");
        assert_eq!(pick(&CaseFilter { to: Some(date!(2025 - 01 - 01)), ..CaseFilter::default() }), "de");
        assert_eq!(pick(&CaseFilter { severities: set(&["low", "critical"]), ..CaseFilter::default() }), "ceg");
        assert_eq!(pick(&CaseFilter { statuses: set(&["resolved"]), ..CaseFilter::default() }), "cdg");
        assert_eq!(pick(&CaseFilter { services: set(&["amazon-s3", "amazon-rds"]), ..CaseFilter::default() }), "bd");
        assert_eq!(pick(&CaseFilter { account_ids: set(&[GONE, DATA]), ..CaseFilter::default() }), "cdeg");
        assert_eq!(pick(&CaseFilter { submitter: Some("dev-c@example.COM".into()), ..CaseFilter::default() }), "c");
        assert_eq!(pick(&CaseFilter { subject_contains: Some("E ABOUT thi".into()), ..CaseFilter::default() }), "e");
        let both =
            CaseFilter { account_ids: set(&[WEB]), statuses: set(&["opened", "reopened"]), ..CaseFilter::default() };
        assert_eq!(pick(&both), "af");
        // A creation time that is no RFC 3339 time still has its day.
        let odd = CaseRecord { time_created: "2025-03-10 06:00:00".into(), ..all[0].clone() };
        assert!(CaseFilter { from: Some(date!(2025 - 03 - 10)), ..CaseFilter::default() }.matches(&odd));
        let none = CaseRecord { time_created: "soon".into(), ..all[0].clone() };
        assert!(!CaseFilter { from: Some(date!(2025 - 03 - 10)), ..CaseFilter::default() }.matches(&none));
    }

    #[test]
    fn sorting_by_rank_names_and_times_with_a_total_order() {
        let all = cases();
        let sorted = |spec: &str| {
            let mut rows: Vec<&CaseRecord> = all.iter().collect();
            sort_cases(&mut rows, &parse_sort(spec).expect("sort"));
            ids(rows)
        };
        assert_eq!(sorted("-time_created"), "abgfcde");
        assert_eq!(sorted("time_created"), "edcfgba");
        // Ties (two normal, two low) fall back to newest first.
        assert_eq!(sorted("-severity_code"), "ebafdgc");
        assert_eq!(sorted("severity_code"), "gcfdabe");
        // Accounts without a name list last whichever the direction.
        assert_eq!(sorted("account_name"), "cdabfge");
        assert_eq!(sorted("-account_name"), "abfcdge");
        assert_eq!(sorted("-severity_code,account_id"), "ebafdcg");
        assert_eq!(sorted("status,-time_created"), "aefgcdb");
        // Cases without a communication time list last.
        assert_eq!(sorted("last_communication_time"), "cgabfde");
    }

    #[test]
    fn sort_specs_are_checked_against_the_allow_list() {
        assert_eq!(
            parse_sort("-severity_code, account_name").expect("ok"),
            [
                SortKey { field: SortField::Severity, descending: true },
                SortKey { field: SortField::AccountName, descending: false },
            ]
        );
        assert_eq!(parse_sort("detail.subject"), Err(SortError::UnknownColumn("detail.subject".into())));
        assert_eq!(parse_sort("time_created;drop"), Err(SortError::UnknownColumn("time_created;drop".into())));
        assert_eq!(parse_sort("subject,-subject"), Err(SortError::Repeated("subject")));
        assert_eq!(parse_sort("status,subject,account_id,display_id"), Err(SortError::TooMany));
        assert_eq!(parse_sort(" , "), Err(SortError::Empty));
        for (name, field) in SortField::ALL {
            assert_eq!(SortField::parse(name), Some(field));
            assert_eq!(field.name(), name);
        }
    }

    #[test]
    fn targets_merge_over_the_defaults_and_refuse_what_is_not_a_target() {
        let t = FirstResponseTargets::parse_json(r#"{"urgent": 30, "critical": 5}"#).expect("targets");
        let all: Vec<Option<u64>> = SEVERITIES.iter().map(|(c, _)| t.minutes(c)).collect();
        assert_eq!(all, [Some(1440), Some(720), Some(240), Some(30), Some(5)]);
        assert_eq!(t.minutes("sev-9"), None);
        assert!(matches!(FirstResponseTargets::parse_json("[1]"), Err(TargetsError::Json(_))));
        assert_eq!(
            FirstResponseTargets::parse_json(r#"{"blocker": 5}"#),
            Err(TargetsError::UnknownSeverity("blocker".into()))
        );
        for bad in [r#"{"low": 0}"#, r#"{"low": -5}"#, r#"{"low": 1.5}"#, r#"{"low": "60"}"#, r#"{"low": 525601}"#] {
            assert!(matches!(FirstResponseTargets::parse_json(bad), Err(TargetsError::BadMinutes { .. })), "{bad}");
        }
    }

    #[test]
    fn console_links_encode_the_display_id() {
        assert_eq!(
            console_url("172839405"),
            "https://support.console.aws.amazon.com/support/home#/case/?displayId=172839405&language=en"
        );
        assert_eq!(percent_encode("a b&c=d/é#"), "a%20b%26c%3Dd%2F%C3%A9%23");
        assert!(in_ou("/Production/Web/Edge", "/Production/Web"));
        assert!(!in_ou("/Production/Website", "/Production/Web"));
    }

    #[test]
    fn the_timeline_keeps_changes_and_drops_repeats() {
        let base = cases()[1].clone();
        let at = |id: &str, time: &str, f: &dyn Fn(&mut CaseRecord)| {
            let mut case = CaseRecord { updated_at: time.into(), ..base.clone() };
            f(&mut case);
            CaseEvent { event_id: id.into(), time: time.into(), case }
        };
        let events = vec![
            at("e3", "2025-03-06T08:00:00Z", &|c| {
                c.status = "resolved".into();
                c.last_communication_time = Some("2025-03-06T07:59:00Z".into());
            }),
            at("e1", "2025-03-05T12:00:01Z", &|c| c.status = "unassigned".into()),
            // A backfill's repeat of e1's state: no entry.
            at("e1b", "2025-03-05T12:00:01.500Z", &|c| c.status = "unassigned".into()),
            at("e2", "2025-03-05T13:30:00Z", &|c| c.severity_code = "high".into()),
        ];
        let t = timeline(&events);
        let steps: Vec<(&str, &str, &str)> =
            t.iter().map(|e| (e.event_id.as_str(), e.status.as_str(), e.severity_code.as_str())).collect();
        assert_eq!(
            steps,
            [("e1", "unassigned", "urgent"), ("e2", "work-in-progress", "high"), ("e3", "resolved", "urgent")]
        );
        assert!(t[0].changes.is_empty());
        let change = |field, from: Option<&str>, to: Option<&str>| Change {
            field,
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        };
        assert_eq!(
            t[1].changes,
            [
                change("status", Some("unassigned"), Some("work-in-progress")),
                change("severity_code", Some("urgent"), Some("high")),
            ]
        );
        assert_eq!(
            t[2].changes,
            [
                change("status", Some("work-in-progress"), Some("resolved")),
                change("severity_code", Some("high"), Some("urgent")),
                change("last_communication_time", None, Some("2025-03-06T07:59:00Z")),
            ]
        );
        // Instants order the events, not text: ".5Z" after "Z" of the same second.
        let mut two = vec![at("x", "2025-01-01T10:00:00.5Z", &|_| {}), at("y", "2025-01-01T10:00:00Z", &|_| {})];
        order_events(&mut two);
        assert_eq!(two[1].event_id, "x");
    }
}
