//! The deterministic parser: a question in English → which services to read, list or count, and
//! the filters. Pure (the clock is an argument), so every rule is a table test below.
//!
//! Defaults, chosen so a vague question still gets a bounded, useful answer:
//! - no service word: services are inferred from the filters (a severity or case status means
//!   Support cases, an instance state means EC2, `available` means RDS); with no hint either, every
//!   service is read, and `notes` says so. Refusing would make "what is tagged env=prod?" fail.
//! - intent is `list` unless the question asks for a number ("how many", "count", "number of").
//! - one value per filter: the first one in the question wins, and `notes` names the ignored ones.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Ec2,
    S3,
    Rds,
    Lambda,
    Iam,
    Support,
}

impl Service {
    pub const ALL: [Service; 6] =
        [Service::Ec2, Service::S3, Service::Rds, Service::Lambda, Service::Iam, Service::Support];

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::S3 => "s3",
            Service::Rds => "rds",
            Service::Lambda => "lambda",
            Service::Iam => "iam",
            Service::Support => "support",
        }
    }

    /// What the answer calls `n` items of this service.
    pub fn noun(self, n: usize) -> &'static str {
        let one = n == 1;
        match self {
            Service::Ec2 if one => "EC2 instance",
            Service::Ec2 => "EC2 instances",
            Service::S3 if one => "S3 bucket",
            Service::S3 => "S3 buckets",
            Service::Rds if one => "RDS DB instance",
            Service::Rds => "RDS DB instances",
            Service::Lambda if one => "Lambda function",
            Service::Lambda => "Lambda functions",
            Service::Iam if one => "IAM role or user",
            Service::Iam => "IAM roles and users",
            Service::Support if one => "Support case",
            Service::Support => "Support cases",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    #[default]
    List,
    Count,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagFilter {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// One account, by its 12-digit id or its Organizations name (case-insensitive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum AccountFilter {
    Id(String),
    Name(String),
}

/// A window on creation times (RFC 3339, UTC): `since` inclusive, `until` exclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeRange {
    #[serde(default)]
    pub since: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IamEntity {
    Role,
    User,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    #[serde(default)]
    pub region: Option<String>,
    /// EC2 instance state or RDS DB instance status.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub tag: Option<TagFilter>,
    #[serde(default)]
    pub account: Option<AccountFilter>,
    /// Support severity code (low, normal, high, urgent, critical).
    #[serde(default)]
    pub severity: Option<String>,
    /// Support case status, or `open` for every status but resolved.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub time_range: Option<TimeRange>,
    /// Only IAM roles or only IAM users (both when absent).
    #[serde(default)]
    pub iam_entity: Option<IamEntity>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    #[default]
    Deterministic,
    Bedrock,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    pub services: Vec<Service>,
    pub intent: Intent,
    pub filters: Filters,
    pub source: Source,
    /// What the parser assumed or ignored, for the person asking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

pub const EC2_STATES: [&str; 6] = ["pending", "running", "shutting-down", "terminated", "stopping", "stopped"];
/// RDS statuses the parser knows beyond the EC2 ones.
pub const RDS_STATES: [&str; 4] = ["available", "creating", "deleting", "modifying"];
pub const OPEN_STATUS: &str = "open";

pub fn is_state(s: &str) -> bool {
    EC2_STATES.contains(&s) || RDS_STATES.contains(&s)
}

pub fn is_status(s: &str) -> bool {
    s == OPEN_STATUS || cima_core::support::STATUSES.contains(&s)
}

pub fn is_severity(s: &str) -> bool {
    cima_core::support::severity_name(s).is_some()
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-4`…
pub fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let letters = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let (first, middle, last) = match parts.as_slice() {
        [first, mid, last] => (*first, vec![*mid], *last),
        [first, "gov" | "iso" | "isob", mid, last] => (*first, vec![*mid], *last),
        _ => return false,
    };
    first.len() == 2
        && letters(&first)
        && middle.iter().all(letters)
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// Places people name instead of region codes.
const PLACES: [(&str, &str); 16] = [
    ("virginia", "us-east-1"),
    ("ohio", "us-east-2"),
    ("california", "us-west-1"),
    ("oregon", "us-west-2"),
    ("canada", "ca-central-1"),
    ("ireland", "eu-west-1"),
    ("london", "eu-west-2"),
    ("paris", "eu-west-3"),
    ("frankfurt", "eu-central-1"),
    ("stockholm", "eu-north-1"),
    ("milan", "eu-south-1"),
    ("tokyo", "ap-northeast-1"),
    ("seoul", "ap-northeast-2"),
    ("singapore", "ap-southeast-1"),
    ("sydney", "ap-southeast-2"),
    ("mumbai", "ap-south-1"),
];

/// A word of the question: as written (tag values and account names keep their case) and
/// lowercased (for matching).
#[derive(Clone, Debug)]
struct Token {
    raw: String,
    low: String,
    quoted: bool,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' || c == '\'' || c == '“' || c == '‘' {
            chars.next();
            let close = match c {
                '“' => '”',
                '‘' => '’',
                other => other,
            };
            let word: String = chars.by_ref().take_while(|&d| d != close).collect();
            tokens.push(Token { low: word.to_lowercase(), raw: word, quoted: true });
            continue;
        }
        let mut word = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_whitespace() {
                break;
            }
            // A quote right after `=` or `:` opens the value (`Name="web server"`).
            if (d == '"' || d == '\'') && (word.ends_with('=') || word.ends_with(':')) {
                chars.next();
                word.extend(chars.by_ref().take_while(|&e| e != d));
                continue;
            }
            word.push(d);
            chars.next();
        }
        let trimmed = word.trim_matches(|d: char| matches!(d, ',' | ';' | '!' | '?' | '(' | ')' | '.' | '[' | ']'));
        if !trimmed.is_empty() {
            tokens.push(Token { raw: trimmed.to_owned(), low: trimmed.to_lowercase(), quoted: false });
        }
    }
    // `env = prod` and `env =prod` become one `env=prod` token.
    let mut merged: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if !t.quoted && t.raw.starts_with('=') && !merged.is_empty() && t.raw.len() > 1 {
            let prev = merged.pop().unwrap_or_else(|| t.clone());
            merged.push(join(&prev, t, None));
        } else if !t.quoted && t.raw == "=" && !merged.is_empty() && i + 1 < tokens.len() {
            let prev = merged.pop().unwrap_or_else(|| t.clone());
            merged.push(join(&join(&prev, t, None), &tokens[i + 1], None));
            i += 1;
        } else if !t.quoted && t.raw.ends_with('=') && t.raw.len() > 1 && i + 1 < tokens.len() {
            merged.push(join(t, &tokens[i + 1], None));
            i += 1;
        } else {
            merged.push(t.clone());
        }
        i += 1;
    }
    merged
}

fn join(a: &Token, b: &Token, sep: Option<&str>) -> Token {
    let sep = sep.unwrap_or("");
    Token { raw: format!("{}{sep}{}", a.raw, b.raw), low: format!("{}{sep}{}", a.low, b.low), quoted: false }
}

const STOPWORDS: [&str; 40] = [
    "a", "all", "and", "any", "are", "across", "as", "at", "by", "each", "every", "for", "from", "has", "have", "in",
    "is", "its", "last", "my", "of", "on", "or", "our", "past", "since", "that", "the", "their", "them", "there",
    "these", "this", "to", "where", "which", "with", "whose", "named", "called",
];

fn is_stopword(s: &str) -> bool {
    STOPWORDS.contains(&s)
}

fn word_number(s: &str) -> Option<i64> {
    const WORDS: [&str; 12] =
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
    if let Some(i) = WORDS.iter().position(|w| *w == s) {
        return Some(i as i64 + 1);
    }
    if s.len() <= 4 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

/// Seconds in one `unit` (months and years as 30 and 365 days: a window, not a calendar).
fn unit_seconds(unit: &str) -> Option<i64> {
    let unit = unit.strip_suffix('s').filter(|u| u.len() > 1).unwrap_or(unit);
    Some(match unit {
        "min" | "minute" | "m" => 60,
        "hour" | "hr" | "h" => 3600,
        "day" | "d" => 86_400,
        "week" | "wk" | "w" => 7 * 86_400,
        "month" | "mo" => 30 * 86_400,
        "year" | "yr" | "y" => 365 * 86_400,
        _ => return None,
    })
}

/// `24h`, `7d`, `2w` as (count, unit).
fn compact_span(s: &str) -> Option<(i64, i64)> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n = word_number(n)?;
    Some((n, unit_seconds(unit)?))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn start_of_day(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_time(Time::MIDNIGHT)
}

/// `2026-01-01` (midnight UTC) or a full RFC 3339 time.
fn parse_instant(s: &str) -> Option<(OffsetDateTime, bool)> {
    if let Ok(d) = Date::parse(s, format_description!("[year]-[month]-[day]")) {
        return Some((d.midnight().assume_utc(), true));
    }
    OffsetDateTime::parse(&s.to_uppercase(), &Rfc3339).ok().map(|t| (t.to_offset(time::UtcOffset::UTC), false))
}

fn looks_like_date(s: &str) -> bool {
    s.len() >= 8 && s.as_bytes()[0].is_ascii_digit() && s.contains('-') && s.bytes().filter(|b| *b == b'-').count() >= 2
}

/// Parses `question` as asked at `now`.
pub fn parse(question: &str, now: OffsetDateTime) -> Parsed {
    let now = now.to_offset(time::UtcOffset::UTC);
    let tokens = tokenize(question);
    let low: Vec<&str> = tokens.iter().map(|t| t.low.as_str()).collect();
    let text = low.join(" ");
    let mut notes: Vec<String> = Vec::new();
    let mut services: BTreeSet<Service> = BTreeSet::new();
    let mut filters = Filters::default();
    let mut used = vec![false; tokens.len()];

    let next = |i: usize| low.get(i + 1).copied().unwrap_or("");
    let prev = |i: usize| if i == 0 { "" } else { low[i - 1] };

    // Intent.
    let count = text.contains("how many")
        || text.contains("number of")
        || low.iter().any(|w| matches!(*w, "count" | "total" | "tally"));
    let intent = if count { Intent::Count } else { Intent::List };

    // Services.
    let mut roles = false;
    let mut users = false;
    for (i, w) in low.iter().enumerate() {
        let service = match *w {
            "ec2" | "vm" | "vms" | "server" | "servers" | "machine" | "machines" => Some(Service::Ec2),
            "instance" | "instances" => {
                if matches!(prev(i), "db" | "database" | "rds" | "aurora") {
                    Some(Service::Rds)
                } else {
                    Some(Service::Ec2)
                }
            }
            "s3" | "bucket" | "buckets" => Some(Service::S3),
            "rds" | "database" | "databases" | "db" | "dbs" | "aurora" | "postgres" | "postgresql" | "mysql"
            | "mariadb" => Some(Service::Rds),
            "lambda" | "lambdas" | "function" | "functions" | "serverless" => Some(Service::Lambda),
            "iam" => Some(Service::Iam),
            "role" | "roles" => {
                roles = true;
                Some(Service::Iam)
            }
            "user" | "users" => {
                users = true;
                Some(Service::Iam)
            }
            "support" | "case" | "cases" | "ticket" | "tickets" => Some(Service::Support),
            _ => None,
        };
        if let Some(s) = service {
            services.insert(s);
            used[i] = true;
        }
    }
    if roles != users {
        filters.iam_entity = Some(if roles { IamEntity::Role } else { IamEntity::User });
    }
    // "ec2 instances" named EC2 once; "db instances" must not also count as EC2.
    let named_instances_only_as_db = low.iter().enumerate().all(|(i, w)| {
        !matches!(*w, "instance" | "instances") || matches!(prev(i), "db" | "database" | "rds" | "aurora")
    });
    if named_instances_only_as_db
        && !low.iter().any(|w| matches!(*w, "ec2" | "vm" | "vms" | "server" | "servers" | "machine" | "machines"))
    {
        services.remove(&Service::Ec2);
    }

    // Region: a code, or a place.
    let mut regions: Vec<String> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if is_region(&t.low) {
            regions.push(t.low.clone());
            used[i] = true;
        } else if let Some((_, code)) = PLACES.iter().find(|(p, _)| *p == t.low) {
            regions.push((*code).to_owned());
            used[i] = true;
        }
    }
    if let Some(first) = regions.first() {
        filters.region = Some(first.clone());
        if regions.iter().any(|r| r != first) {
            notes.push(format!("several regions named; only {first} is used"));
        }
    }

    // Support severity: the names AWS gives the codes, or a code next to a word about cases.
    let severity_context = low.iter().any(|w| matches!(*w, "severity" | "sev" | "priority" | "severity:"));
    let mut severities: Vec<String> = Vec::new();
    for (name_phrase, code) in [
        ("business-critical system down", "critical"),
        ("business critical system down", "critical"),
        ("production system down", "urgent"),
        ("production system impaired", "high"),
        ("system impaired", "normal"),
        ("general guidance", "low"),
    ] {
        if let Some(at) = text.find(name_phrase)
            && !severities.iter().any(|s| s == code)
        {
            // "production system impaired" also contains "system impaired": the longer wins.
            let inside_longer = name_phrase == "system impaired" && text[..at].ends_with("production ");
            if !inside_longer {
                severities.push(code.to_owned());
            }
        }
    }
    for (i, w) in low.iter().enumerate() {
        if !is_severity(w) {
            continue;
        }
        let near_case_word = matches!(
            next(i),
            "case" | "cases" | "ticket" | "tickets" | "support" | "severity" | "priority" | "sev" | "-severity"
        ) || matches!(prev(i), "severity" | "sev" | "priority" | "severity:" | "severity=");
        let bare_ok = matches!(*w, "critical" | "urgent") && services.contains(&Service::Support);
        if (severity_context || near_case_word || bare_ok) && !severities.iter().any(|s| s == w) {
            severities.push((*w).to_owned());
            used[i] = true;
        }
    }
    if let Some(first) = severities.first() {
        filters.severity = Some(first.clone());
        if severities.len() > 1 {
            notes.push(format!("several severities named; only {first} is used"));
        }
    }

    // Support case status.
    let mut statuses: Vec<(usize, &str)> = Vec::new();
    for (phrase, status) in [
        ("pending customer action", "pending-customer-action"),
        ("pending-customer-action", "pending-customer-action"),
        ("awaiting customer", "pending-customer-action"),
        ("waiting on us", "pending-customer-action"),
        ("work in progress", "work-in-progress"),
        ("work-in-progress", "work-in-progress"),
        ("in progress", "work-in-progress"),
        ("status opened", "opened"),
        ("status: opened", "opened"),
        ("status=opened", "opened"),
    ] {
        if let Some(at) = text.find(phrase) {
            statuses.push((at, status));
        }
    }
    let mut offset = 0;
    for w in &low {
        let status = match *w {
            "reopened" => Some("reopened"),
            "unassigned" => Some("unassigned"),
            "resolved" | "closed" => Some("resolved"),
            "open" | "unresolved" | "ongoing" => Some(OPEN_STATUS),
            _ => None,
        };
        if let Some(s) = status {
            statuses.push((offset, s));
        }
        offset += w.len() + 1;
    }
    statuses.sort();
    statuses.dedup_by(|a, b| a.1 == b.1);
    // "work in progress" also reads as "in progress": keep distinct statuses only.
    let mut distinct: Vec<&str> = Vec::new();
    for (_, s) in &statuses {
        if !distinct.contains(s) {
            distinct.push(s);
        }
    }
    if let Some(first) = distinct.first() {
        filters.status = Some((*first).to_owned());
        if distinct.len() > 1 {
            notes.push(format!("several case statuses named; only {first} is used"));
        }
    }

    // Instance state (EC2) or DB instance status (RDS).
    let mut states: Vec<&str> = Vec::new();
    for (i, w) in low.iter().enumerate() {
        let state = match *w {
            "running" | "stopped" | "stopping" | "terminated" | "shutting-down" | "available" => Some(*w),
            "pending" if next(i) != "customer" && filters.status.as_deref() != Some("pending-customer-action") => {
                Some("pending")
            }
            _ => None,
        };
        if let Some(s) = state
            && !states.contains(&s)
        {
            states.push(s);
            used[i] = true;
        }
    }
    if let Some(first) = states.first() {
        filters.state = Some((*first).to_owned());
        if states.len() > 1 {
            notes.push(format!("several states named; only {first} is used"));
        }
    }

    // Tags: `tagged env=prod`, `tag team:data`, `with tag owner`, or a bare `env=prod`.
    let mut tags: Vec<TagFilter> = Vec::new();
    for (i, w) in low.iter().enumerate() {
        if matches!(*w, "tag" | "tagged" | "tags" | "label" | "labelled" | "labeled") {
            let mut j = i + 1;
            while j < tokens.len() && matches!(low[j], "with" | "as" | "key" | "by" | "a" | "the") {
                j += 1;
            }
            if let Some(t) = tokens.get(j)
                && (t.quoted || !is_stopword(&t.low))
                && !used[j]
            {
                tags.push(tag_of(&t.raw));
                used[j] = true;
            }
        }
    }
    for (i, t) in tokens.iter().enumerate() {
        if !used[i]
            && !t.quoted
            && t.raw.contains('=')
            && !t.low.starts_with("severity")
            && !t.low.starts_with("status")
        {
            let tag = tag_of(&t.raw);
            if !tag.key.is_empty() {
                tags.push(tag);
                used[i] = true;
            }
        }
    }
    tags.retain(|t| !t.key.is_empty());
    if let Some(first) = tags.first() {
        filters.tag = Some(first.clone());
        if tags.len() > 1 {
            notes.push(format!("several tags named; only {} is used", first.key));
        }
    }

    // Account: a 12-digit id anywhere, or a name after "account".
    let mut accounts: Vec<AccountFilter> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if cima_core::ids::is_account_id(&t.low) {
            accounts.push(AccountFilter::Id(t.low.clone()));
            used[i] = true;
        }
    }
    for (i, w) in low.iter().enumerate() {
        if !matches!(*w, "account" | "accounts") {
            continue;
        }
        let mut j = i + 1;
        while j < tokens.len() && matches!(low[j], "named" | "called" | "name" | "with" | "id") {
            j += 1;
        }
        let Some(t) = tokens.get(j) else { continue };
        let plausible_name = t.quoted
            || (!is_stopword(&t.low)
                && !used[j]
                && !cima_core::ids::is_account_id(&t.low)
                && !is_region(&t.low)
                && !is_state(&t.low)
                && word_number(&t.low).is_none()
                && !t.low.contains('='));
        if plausible_name && !cima_core::ids::is_account_id(&t.low) {
            accounts.push(AccountFilter::Name(t.raw.clone()));
            used[j] = true;
        }
    }
    if let Some(first) = accounts.first() {
        filters.account = Some(first.clone());
        if accounts.iter().any(|a| a != first) {
            notes.push("several accounts named; only the first is used".to_owned());
        }
    }

    // Time range.
    filters.time_range = time_range(&tokens, &low, now, &mut notes);

    // Services from the filters when none was named.
    if services.is_empty() {
        if filters.severity.is_some() || filters.status.is_some() {
            services.insert(Service::Support);
        }
        match filters.state.as_deref() {
            Some("available") => {
                services.insert(Service::Rds);
            }
            Some(_) => {
                services.insert(Service::Ec2);
            }
            None => {}
        }
        if services.is_empty() {
            services.extend(Service::ALL);
            notes.push("no service named: every service is read (ec2, s3, rds, lambda, iam, support)".to_owned());
        }
    }
    if (filters.severity.is_some() || filters.status.is_some()) && !services.contains(&Service::Support) {
        notes.push("severity and status apply to Support cases only".to_owned());
    }
    if filters.state.is_some() && !services.contains(&Service::Ec2) && !services.contains(&Service::Rds) {
        notes.push("state applies to EC2 and RDS instances only".to_owned());
    }

    Parsed { services: services.into_iter().collect(), intent, filters, source: Source::Deterministic, notes }
}

fn tag_of(raw: &str) -> TagFilter {
    let (key, value) = if let Some((k, v)) = raw.split_once('=') {
        (k, Some(v))
    } else if raw.starts_with("aws:") {
        (raw, None)
    } else if let Some((k, v)) = raw.split_once(':') {
        (k, Some(v))
    } else {
        (raw, None)
    };
    TagFilter { key: key.trim().to_owned(), value: value.map(|v| v.trim().to_owned()) }
}

fn time_range(tokens: &[Token], low: &[&str], now: OffsetDateTime, notes: &mut Vec<String>) -> Option<TimeRange> {
    let today = start_of_day(now);
    let mut since: Option<OffsetDateTime> = None;
    let mut until: Option<OffsetDateTime> = None;
    let mut i = 0;
    while i < low.len() {
        let w = low[i];
        let next = low.get(i + 1).copied().unwrap_or("");
        match w {
            "today" if !matches!(i.checked_sub(1).map(|p| low[p]), Some("since" | "after" | "from")) => {
                since = Some(today);
            }
            "yesterday" => {
                since = Some(today - Duration::days(1));
                // "since yesterday" runs to now; "from yesterday" and "yesterday" mean that day.
                if !matches!(i.checked_sub(1).map(|p| low[p]), Some("since" | "after")) {
                    until = Some(today);
                }
            }
            "this" => {
                let start = match next {
                    "week" => Some(today - Duration::days(i64::from(today.weekday().number_days_from_monday()))),
                    "month" => today.replace_day(1).ok(),
                    "year" => today.replace_day(1).ok().and_then(|d| d.replace_month(time::Month::January).ok()),
                    _ => None,
                };
                if start.is_some() {
                    since = start;
                    i += 1;
                }
            }
            "last" | "past" | "previous" | "within" => {
                // last 7 days / past 24 hours / last 24h / last week / within 3 days
                let mut j = i + 1;
                if low.get(j) == Some(&"the") {
                    j += 1;
                }
                let (n, unit, consumed) = match (low.get(j), low.get(j + 1)) {
                    (Some(a), Some(b)) if word_number(a).is_some() && unit_seconds(b).is_some() => {
                        (word_number(a), unit_seconds(b), 2)
                    }
                    (Some(a), _) if compact_span(a).is_some() => {
                        let (n, u) = compact_span(a).unwrap_or((0, 0));
                        (Some(n), Some(u), 1)
                    }
                    (Some(a), _) if unit_seconds(a).is_some() && a.len() > 1 => (Some(1), unit_seconds(a), 1),
                    _ => (None, None, 0),
                };
                if let (Some(n), Some(unit)) = (n, unit) {
                    since = Some(now - Duration::seconds(n.saturating_mul(unit)));
                    i = j + consumed - 1;
                }
            }
            "in" if low.get(i + 1) == Some(&"the") && low.get(i + 2) == Some(&"last") => {}
            "since" | "after" | "from" => match next {
                "today" => since = Some(today),
                "yesterday" => since = Some(today - Duration::days(1)),
                n if looks_like_date(n) => match parse_instant(&tokens[i + 1].raw) {
                    Some((t, _)) => {
                        since = Some(t);
                        i += 1;
                    }
                    None => notes.push(format!("{n:?} is not a date (YYYY-MM-DD); ignored")),
                },
                _ => {}
            },
            "before" | "until" | "till" | "to" | "and" => match next {
                n if looks_like_date(n) => match parse_instant(&tokens[i + 1].raw) {
                    Some((t, date_only)) => {
                        // "until 2026-01-31" includes that day; "before" does not.
                        let inclusive = date_only && matches!(w, "until" | "till" | "to" | "and");
                        until = Some(if inclusive { t + Duration::days(1) } else { t });
                        i += 1;
                    }
                    None => notes.push(format!("{n:?} is not a date (YYYY-MM-DD); ignored")),
                },
                _ => {}
            },
            "between" if looks_like_date(next) => {
                if let Some((t, _)) = parse_instant(&tokens[i + 1].raw) {
                    since = Some(t);
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        notes.push("the time range ends before it starts; ignored".to_owned());
        return None;
    }
    (since.is_some() || until.is_some()).then(|| TimeRange { since: since.map(rfc3339), until: until.map(rfc3339) })
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid { field: field.to_owned(), message: message.into() }
}

impl Parsed {
    /// Checks every value against what the readers accept (used on a model's answer, which is
    /// untrusted; the deterministic parser produces only valid values).
    pub fn validate(&self, now: OffsetDateTime) -> Result<(), Invalid> {
        if self.services.is_empty() {
            return Err(invalid("services", "at least one service"));
        }
        let unique: BTreeSet<_> = self.services.iter().collect();
        if unique.len() != self.services.len() {
            return Err(invalid("services", "a service is listed twice"));
        }
        let f = &self.filters;
        if let Some(r) = &f.region
            && !is_region(r)
        {
            return Err(invalid("filters.region", format!("{r:?} is not a region code")));
        }
        if let Some(s) = &f.state
            && !is_state(s)
        {
            return Err(invalid("filters.state", format!("{s:?} is not an instance state")));
        }
        if let Some(s) = &f.severity
            && !is_severity(s)
        {
            return Err(invalid("filters.severity", format!("{s:?} is not a severity code")));
        }
        if let Some(s) = &f.status
            && !is_status(s)
        {
            return Err(invalid("filters.status", format!("{s:?} is not a case status")));
        }
        if let Some(t) = &f.tag {
            if t.key.is_empty() || t.key.chars().count() > 128 {
                return Err(invalid("filters.tag.key", "1 to 128 characters"));
            }
            if t.value.as_ref().is_some_and(|v| v.chars().count() > 256) {
                return Err(invalid("filters.tag.value", "at most 256 characters"));
            }
        }
        match &f.account {
            Some(AccountFilter::Id(id)) if !cima_core::ids::is_account_id(id) => {
                return Err(invalid("filters.account.id", format!("{id:?} is not a 12-digit account id")));
            }
            Some(AccountFilter::Name(n)) if n.is_empty() || n.chars().count() > 50 => {
                return Err(invalid("filters.account.name", "1 to 50 characters"));
            }
            _ => {}
        }
        if let Some(tr) = &f.time_range {
            let parse = |field: &str, v: &Option<String>| -> Result<Option<OffsetDateTime>, Invalid> {
                v.as_deref()
                    .map(|s| {
                        OffsetDateTime::parse(s, &Rfc3339).map_err(|_| invalid(field, format!("{s:?} is not RFC 3339")))
                    })
                    .transpose()
            };
            let since = parse("filters.time_range.since", &tr.since)?;
            let until = parse("filters.time_range.until", &tr.until)?;
            if since.is_none() && until.is_none() {
                return Err(invalid("filters.time_range", "since or until"));
            }
            if let (Some(s), Some(u)) = (since, until)
                && s >= u
            {
                return Err(invalid("filters.time_range", "since must be before until"));
            }
            if since.is_some_and(|s| s > now + Duration::days(1)) {
                return Err(invalid("filters.time_range.since", "in the future"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
