//! The deterministic parser: a question in English → which services to read, list or count, and
//! the filters. Pure (the clock is an argument). [`parse`] runs small rules over the question's
//! words (`words`), each filling its part of [`Parsed`] and saying in `notes` what it assumed or
//! dropped; every rule has its own table test beside it:
//!
//! - `services`: intent (list or count), the services named, the services inferred from filters;
//! - `filters`: region, Support severity, case status, the items' state;
//! - `names`: tag and account (the value after a keyword, or a bare `key=value` / account id);
//! - `dates`: the creation-time window.
//!
//! Defaults, chosen so a vague question still gets a bounded, useful answer:
//! - no service word: services are inferred from the filters (a severity or case status means
//!   Support cases, an instance state means EC2, `available` means RDS, `firing` alarms, `failed`
//!   stacks and load balancers); with no hint either, every
//!   service is read, and `notes` says so. Refusing would make "what is tagged env=prod?" fail.
//! - intent is `list` unless the question asks for a number ("how many", "count", "number of").
//! - one value per filter: the first one in the question wins, and `notes` names the ignored ones.

mod dates;
mod filters;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod metrics;
mod names;
#[cfg(test)]
mod properties;
mod services;
mod words;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use self::words::Words;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Ec2,
    S3,
    Rds,
    Lambda,
    Iam,
    Support,
    CloudFormation,
    /// Elastic Load Balancing: Application, Network and Gateway load balancers, and Classic ones.
    Elb,
    AutoScaling,
    CloudWatch,
    Route53,
    /// AWS Config rules and their compliance.
    Config,
    /// Spend from Cost Explorer in the management account: one grouped call, never a fan-out.
    Cost,
}

impl Service {
    pub const ALL: [Service; 13] = [
        Service::Ec2,
        Service::S3,
        Service::Rds,
        Service::Lambda,
        Service::Iam,
        Service::Support,
        Service::CloudFormation,
        Service::Elb,
        Service::AutoScaling,
        Service::CloudWatch,
        Service::Route53,
        Service::Config,
        Service::Cost,
    ];
    /// What a question that names no service reads: every service with resources in the accounts
    /// (spend is asked for by name): [`Service::ALL`] without its last, `Cost`.
    pub const RESOURCES: [Service; 12] = {
        assert!(matches!(Service::ALL[Service::ALL.len() - 1], Service::Cost));
        let mut resources = [Service::Ec2; 12];
        let mut i = 0;
        while i < resources.len() {
            resources[i] = Service::ALL[i];
            i += 1;
        }
        resources
    };

    pub fn as_str(self) -> &'static str {
        match self {
            Service::Ec2 => "ec2",
            Service::S3 => "s3",
            Service::Rds => "rds",
            Service::Lambda => "lambda",
            Service::Iam => "iam",
            Service::Support => "support",
            Service::CloudFormation => "cloudformation",
            Service::Elb => "elb",
            Service::AutoScaling => "autoscaling",
            Service::CloudWatch => "cloudwatch",
            Service::Route53 => "route53",
            Service::Config => "config",
            Service::Cost => "cost",
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
            Service::CloudFormation if one => "CloudFormation stack",
            Service::CloudFormation => "CloudFormation stacks",
            Service::Elb if one => "load balancer",
            Service::Elb => "load balancers",
            Service::AutoScaling if one => "Auto Scaling group",
            Service::AutoScaling => "Auto Scaling groups",
            Service::CloudWatch if one => "CloudWatch alarm",
            Service::CloudWatch => "CloudWatch alarms",
            Service::Route53 if one => "Route 53 hosted zone",
            Service::Route53 => "Route 53 hosted zones",
            Service::Config if one => "AWS Config rule",
            Service::Config => "AWS Config rules",
            Service::Cost if one => "cost row",
            Service::Cost => "cost rows",
        }
    }

    /// The states a question may filter this service's items by (see [`Filters::state`]).
    pub fn states(self) -> &'static [&'static str] {
        match self {
            Service::Ec2 | Service::Rds => &INSTANCE_STATES,
            Service::CloudFormation => &STACK_STATES,
            Service::Elb => &LOAD_BALANCER_STATES,
            Service::CloudWatch => &ALARM_STATES,
            Service::Config => &COMPLIANCE_STATES,
            Service::S3
            | Service::Lambda
            | Service::Iam
            | Service::Support
            | Service::AutoScaling
            | Service::Route53
            | Service::Cost => &[],
        }
    }

    /// Whether `state` filters this service's items; other services ignore it (and `notes` says so).
    pub fn takes_state(self, state: &str) -> bool {
        self.states().contains(&state)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    #[default]
    List,
    Count,
    /// Spend added up (cost only).
    Sum,
}

/// A CloudWatch metric of one named resource, summarised over the time range (the last 24 hours
/// unless the question names one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricFilter {
    /// CloudWatch's namespace and metric name, one of [`METRICS`]: `AWS/EC2`, `CPUUtilization`.
    pub namespace: String,
    pub name: String,
    /// The dimension that names the resource (`InstanceId`, `FunctionName`,
    /// `DBInstanceIdentifier`) and its value.
    pub dimension: String,
    pub resource: String,
    /// `Average`, `Maximum`, `Minimum` or `Sum`.
    pub statistic: String,
}

/// The metrics a question may ask for: (namespace, resource dimension, metric name).
pub const METRICS: [(&str, &str, &str); 11] = [
    ("AWS/EC2", "InstanceId", "CPUUtilization"),
    ("AWS/EC2", "InstanceId", "NetworkIn"),
    ("AWS/EC2", "InstanceId", "NetworkOut"),
    ("AWS/RDS", "DBInstanceIdentifier", "CPUUtilization"),
    ("AWS/RDS", "DBInstanceIdentifier", "DatabaseConnections"),
    ("AWS/RDS", "DBInstanceIdentifier", "FreeStorageSpace"),
    ("AWS/Lambda", "FunctionName", "Invocations"),
    ("AWS/Lambda", "FunctionName", "Errors"),
    ("AWS/Lambda", "FunctionName", "Duration"),
    ("AWS/Lambda", "FunctionName", "Throttles"),
    ("AWS/Lambda", "FunctionName", "ConcurrentExecutions"),
];
pub const STATISTICS: [&str; 4] = ["Average", "Maximum", "Minimum", "Sum"];

/// How spend is broken down: per account (the default), or per account and service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Account,
    Service,
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

/// Fields in alphabetical order, as in [`Parsed`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    #[serde(default)]
    pub account: Option<AccountFilter>,
    /// How spend is broken down (cost only; absent from questions that do not set it, so every
    /// other answer keeps its shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupBy>,
    /// Only IAM roles or only IAM users (both when absent).
    #[serde(default)]
    pub iam_entity: Option<IamEntity>,
    /// A metric of one resource instead of the alarms (CloudWatch only; absent unless asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricFilter>,
    #[serde(default)]
    pub region: Option<String>,
    /// Support severity code (low, normal, high, urgent, critical).
    #[serde(default)]
    pub severity: Option<String>,
    /// A state of the services' items: an EC2 instance state or RDS DB instance status, a stack's
    /// `failed` or `drifted`, a load balancer's state, an alarm's state ([`Service::states`]).
    #[serde(default)]
    pub state: Option<String>,
    /// Support case status, or `open` for every status but resolved.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub tag: Option<TagFilter>,
    #[serde(default)]
    pub time_range: Option<TimeRange>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    #[default]
    Deterministic,
    Bedrock,
}

/// The question as the readers use it; answered as `parsed` and kept in the history. Fields in
/// alphabetical order: the order this JSON has always had (see [`crate::api`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parsed {
    pub filters: Filters,
    pub intent: Intent,
    /// What the parser assumed or ignored, for the person asking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub services: Vec<Service>,
    pub source: Source,
}

/// EC2 instance states, then the RDS statuses the parser knows beyond them. Both instance services
/// take every one: an EC2 word maps onto RDS (`running` is `available`), and an RDS status asked
/// of EC2 instances matches none.
pub const INSTANCE_STATES: [&str; 10] = [
    "pending",
    "running",
    "shutting-down",
    "terminated",
    "stopping",
    "stopped",
    "available",
    "creating",
    "deleting",
    "modifying",
];
/// `failed`: a stack whose last operation failed (a status ending in `_FAILED`, or
/// `ROLLBACK_COMPLETE`, a create that failed and was rolled back); `drifted`: its last drift
/// detection found drift.
pub const STACK_STATES: [&str; 2] = ["failed", "drifted"];
/// Elastic Load Balancing v2's state codes (Classic load balancers have none and match none).
pub const LOAD_BALANCER_STATES: [&str; 4] = ["active", "active_impaired", "provisioning", "failed"];
/// CloudWatch's alarm states, lower case (`alarm` is a firing alarm).
pub const ALARM_STATES: [&str; 3] = ["alarm", "ok", "insufficient_data"];
/// A Config rule's compliance, lower case.
pub const COMPLIANCE_STATES: [&str; 3] = ["compliant", "non_compliant", "insufficient_data"];
pub const OPEN_STATUS: &str = "open";

/// A state some service's items can be in ([`Service::states`]).
pub fn is_state(s: &str) -> bool {
    Service::ALL.iter().any(|sv| sv.takes_state(s))
}

/// A Support case status, or `open`.
pub fn is_status(s: &str) -> bool {
    s == OPEN_STATUS || cima_core::support::STATUSES.contains(&s)
}

/// A Support severity code.
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

/// A rule reads the words and fills its part of the answer.
type Rule = fn(&mut Words, &mut Parsed);

/// The rules in the order they run: later ones read what earlier ones found (a bare `critical`
/// is a severity only next to a Support word; `pending` is not a state once the status is
/// `pending-customer-action`; tags and account names skip words already taken), and `notes` lists
/// what each says in this order.
const RULES: [Rule; 12] = [
    services::intent,
    services::services,
    services::group_by,
    metrics::metric,
    filters::region,
    filters::severity,
    filters::status,
    filters::state,
    names::tag,
    names::account,
    dates::time_range,
    services::inferred_services,
];

/// Parses `question` as asked at `now`.
pub fn parse(question: &str, now: OffsetDateTime) -> Parsed {
    let mut parsed = apply(&RULES, question, now);
    drop_invalid(&mut parsed, now);
    parsed
}

/// What the rules found is held to the validation a model's answer gets: a filter it refuses (a
/// tag key over 128 characters, an account name over 50, a window that starts in the future) is
/// dropped, as an impossible window already was, and `notes` says why. Found by the property
/// tests: such values used to reach the readers, and AWS refused them in every account.
fn drop_invalid(p: &mut Parsed, now: OffsetDateTime) {
    while let Err(invalid) = p.validate(now) {
        let f = &mut p.filters;
        let (what, dropped) = match invalid.field.split('.').nth(1) {
            Some("tag") => ("tag", f.tag.take().is_some()),
            Some("account") => ("account", f.account.take().is_some()),
            Some("time_range") => ("time range", f.time_range.take().is_some()),
            Some("region") => ("region", f.region.take().is_some()),
            Some("state") => ("state", f.state.take().is_some()),
            Some("severity") => ("severity", f.severity.take().is_some()),
            Some("status") => ("status", f.status.take().is_some()),
            Some("metric") => ("metric", f.metric.take().is_some()),
            // `services`: the rules always name at least one, each once.
            _ => ("", false),
        };
        if !dropped {
            break;
        }
        p.notes.push(format!("the {what} is ignored ({invalid})"));
    }
}

/// Runs `rules` over the question (all of them in [`parse`]; a rule and those it depends on in
/// the rules' tests).
fn apply(rules: &[Rule], question: &str, now: OffsetDateTime) -> Parsed {
    let mut words = Words::new(question, now);
    let mut parsed = Parsed::default();
    for rule in rules {
        rule(&mut words, &mut parsed);
    }
    // Rules add a service each time a word names it; the answer lists each once, in one order.
    parsed.services.sort();
    parsed.services.dedup();
    parsed
}

/// One value per filter: the first one found wins, and `note` names it when others were found too
/// (`found` holds each value once where repeating one is not naming several).
fn first_wins<T>(found: Vec<T>, notes: &mut Vec<String>, note: impl FnOnce(&T) -> String) -> Option<T> {
    let several = found.len() > 1;
    let first = found.into_iter().next()?;
    if several {
        notes.push(note(&first));
    }
    Some(first)
}
/// The notes as `&str`s, to compare with a table's.
#[cfg(test)]
fn notes_of(p: &Parsed) -> Vec<&str> {
    p.notes.iter().map(String::as_str).collect()
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
        if self.intent == Intent::Sum && self.services != [Service::Cost] {
            return Err(invalid("intent", "sum is for cost alone"));
        }
        if let Some(m) = &self.filters.metric {
            if self.services != [Service::CloudWatch] {
                return Err(invalid("filters.metric", "a metric is asked of cloudwatch alone"));
            }
            if !METRICS.contains(&(m.namespace.as_str(), m.dimension.as_str(), m.name.as_str())) {
                return Err(invalid(
                    "filters.metric",
                    format!("{} {} of {} is not a metric the chat reads", m.namespace, m.name, m.dimension),
                ));
            }
            if !STATISTICS.contains(&m.statistic.as_str()) {
                return Err(invalid("filters.metric.statistic", format!("one of {}", STATISTICS.join(", "))));
            }
            if m.resource.is_empty() || m.resource.chars().count() > 255 {
                return Err(invalid("filters.metric.resource", "1 to 255 characters"));
            }
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
            return Err(invalid("filters.state", format!("{s:?} is not a state of any service's items")));
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
