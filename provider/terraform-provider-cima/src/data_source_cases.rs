//! `data "cima_cases"`: AWS Support cases across the organization's accounts, read live. One
//! AssumeRole per account, DescribeCases paged to the end, accounts read concurrently within the
//! provider's `max_concurrency`. An account that cannot be read becomes an `account_errors` entry
//! and a warning naming it, never a silent gap (or an error, with `fail_on_account_error`).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cima_core::org::{self, OrgQuery};
use cima_core::support::{self, CaseQuery};
use cima_core::{fanout, ids};
use serde::{Deserialize, Serialize};
use tfplugin::schema::{Attribute, Block, ObjectNesting, Schema};
use tfplugin::{AttributePath, Ctx, DataSource, Diagnostic, Diagnostics, Type};

use crate::clients::Principal;
use crate::config::{Configured, ProviderData};

/// Bound on one account's whole read, so a hung account cannot hold the plan forever.
const ACCOUNT_TIMEOUT: Duration = Duration::from_secs(300);
/// The largest `account_timeout_seconds`: an hour per account.
const MAX_ACCOUNT_TIMEOUT_SECONDS: i64 = 3600;

/// Why one account's cases could not be read: its `account_errors` message.
#[derive(Debug, thiserror::Error)]
enum AccountError {
    #[error(transparent)]
    Support(#[from] support::SupportError),
    #[error("timed out after {} s", .0.as_secs())]
    TimedOut(Duration),
}

/// Fields in the schema's (sorted) order: the result is then written to msgpack as serde walks
/// it, `cases` included, without holding any of it back to reorder.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct CasesModel {
    pub account_errors: Option<Vec<AccountErrorModel>>,
    pub account_ids: Option<Vec<String>>,
    pub account_timeout_seconds: Option<i64>,
    pub after_time: Option<String>,
    pub before_time: Option<String>,
    pub cases: Option<Vec<CaseModel>>,
    pub communications: Option<Vec<CommunicationModel>>,
    pub fail_on_account_error: Option<bool>,
    pub include_communications: Option<bool>,
    pub include_resolved: Option<bool>,
    pub role_name: Option<String>,
    pub severities: Option<BTreeSet<String>>,
    pub statuses: Option<BTreeSet<String>>,
    pub summary: Option<SummaryModel>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct CommunicationModel {
    pub case_id: String,
    pub body: String,
    pub submitted_by: String,
    pub time_created: String,
}

/// The values many cases repeat (their account, status and severity) are shared, not copied
/// into each case: see [`Interned`].
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct CaseModel {
    pub account_id: Arc<str>,
    pub account_name: Arc<str>,
    pub case_id: String,
    pub display_id: String,
    pub subject: String,
    pub status: Arc<str>,
    pub severity_code: Arc<str>,
    pub severity_name: Arc<str>,
    pub service_code: String,
    pub category_code: String,
    pub submitted_by: String,
    pub time_created: String,
    pub cc_email_addresses: Vec<String>,
    pub language: String,
    pub last_communication_time: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct SummaryModel {
    pub total: i64,
    pub open: i64,
    pub by_status: BTreeMap<String, i64>,
    pub by_severity: BTreeMap<String, i64>,
    pub by_account: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct AccountErrorModel {
    pub account_id: String,
    pub message: String,
}

pub struct CasesDataSource {
    data: Arc<ProviderData>,
}

impl CasesDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn strings(t: fn(Box<Type>) -> Type) -> Type {
    t(Box::new(Type::String))
}

fn counts() -> Type {
    Type::Map(Box::new(Type::Number))
}

fn parse_time(s: &str) -> Result<time::OffsetDateTime, time::error::Parse> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
}

pub fn validate_cases(c: &CasesModel) -> Diagnostics {
    let mut d = Diagnostics::new();
    let root = AttributePath::root();
    for (i, id) in c.account_ids.iter().flatten().enumerate() {
        if let Some(p) = ids::account_id_problem(id) {
            d.push(
                Diagnostic::error("Invalid account id", p).at(root.clone().attribute("account_ids").index(i as i64)),
            );
        }
    }
    if let Some(t) = c.account_timeout_seconds
        && !(1..=MAX_ACCOUNT_TIMEOUT_SECONDS).contains(&t)
    {
        d.push(
            Diagnostic::error(
                "Invalid account_timeout_seconds",
                format!("{t} is not 1 to {MAX_ACCOUNT_TIMEOUT_SECONDS} seconds."),
            )
            .at(root.clone().attribute("account_timeout_seconds")),
        );
    }
    for s in c.statuses.iter().flatten() {
        if !support::STATUSES.contains(&s.as_str()) {
            d.push(
                Diagnostic::error(
                    "Invalid case status",
                    format!("{s:?} is not one of {}.", support::STATUSES.join(", ")),
                )
                .at(root.clone().attribute("statuses")),
            );
        }
    }
    for s in c.severities.iter().flatten() {
        if support::severity_name(s).is_none() {
            let codes: Vec<&str> = support::SEVERITIES.iter().map(|(c, _)| *c).collect();
            d.push(
                Diagnostic::error("Invalid severity", format!("{s:?} is not one of {}.", codes.join(", ")))
                    .at(root.clone().attribute("severities")),
            );
        }
    }
    let mut times = Vec::new();
    for attr in ["after_time", "before_time"] {
        let v = if attr == "after_time" { &c.after_time } else { &c.before_time };
        if let Some(t) = v {
            match parse_time(t) {
                Ok(p) => times.push(p),
                Err(e) => d.push(
                    Diagnostic::error(
                        "Invalid time",
                        format!("{t:?} is not an RFC 3339 time such as \"2024-05-01T00:00:00Z\": {e}."),
                    )
                    .at(root.clone().attribute(attr)),
                ),
            }
        }
    }
    if let (Some(a), Some(b)) = (&c.after_time, &c.before_time)
        && let (Ok(a), Ok(b)) = (parse_time(a), parse_time(b))
        && a >= b
    {
        d.push(
            Diagnostic::error("Empty time window", "after_time must be earlier than before_time.")
                .at(root.clone().attribute("before_time")),
        );
    }
    if let Some(r) = &c.role_name
        && (r.is_empty() || r.len() > 64)
    {
        d.push(
            Diagnostic::error("Invalid role_name", "An IAM role name has 1 to 64 characters.")
                .at(root.clone().attribute("role_name")),
        );
    }
    d
}

/// Times as the Support API wants them: RFC 3339 in UTC.
fn api_time(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .and_then(|t| parse_time(t).ok())
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&time::format_description::well_known::Rfc3339).ok())
}

pub fn summarize(cases: &[CaseModel]) -> SummaryModel {
    let mut s = SummaryModel { total: cases.len() as i64, ..SummaryModel::default() };
    for c in cases {
        if support::is_open(&c.status) {
            s.open += 1;
        }
        count(&mut s.by_status, &c.status);
        count(&mut s.by_severity, &c.severity_code);
        count(&mut s.by_account, &c.account_id);
    }
    s
}

/// One more under `key`, allocating the key only the first time it is seen.
fn count(counts: &mut BTreeMap<String, i64>, key: &str) {
    match counts.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counts.insert(key.to_owned(), 1);
        }
    }
}

/// Which accounts to read and their names: the given ones, or every ACTIVE account.
async fn resolve_accounts(
    ctx: &Ctx,
    c: &Configured,
    given: Option<&Vec<String>>,
    diags: &mut Diagnostics,
) -> Result<(Vec<String>, BTreeMap<String, String>), Diagnostics> {
    let api = c.aws.organizations();
    let q = OrgQuery {
        include_account_ids: given.map(|g| g.iter().cloned().collect()).unwrap_or_default(),
        // Cases need ids and names only: no tag call per account.
        read_tags: false,
        ..OrgQuery::default()
    };
    let inventory = ctx
        .run("listing the organization's accounts", async { Ok(org::query(api.as_ref(), &q, c.max_concurrency).await) })
        .await?;
    match (given, inventory) {
        (None, Ok(inv)) => {
            let names = inv.accounts.iter().map(|a| (a.id.clone(), a.name.clone())).collect();
            Ok((inv.account_ids(), names))
        }
        (Some(g), Ok(inv)) => {
            let names = inv.accounts.iter().map(|a| (a.id.clone(), a.name.clone())).collect();
            Ok((dedup(g), names))
        }
        (Some(g), Err(e)) => {
            // Names are a nicety when the accounts are given: read the cases anyway.
            diags.push(Diagnostic::warning(
                "Account names unavailable",
                format!("Listing the organization failed, so account_name is empty: {e}"),
            ));
            Ok((dedup(g), BTreeMap::new()))
        }
        (None, Err(e)) => Err(Diagnostic::error(
            "Cannot list the organization's accounts",
            format!("{e}. Set account_ids to read cases without listing the organization."),
        )
        .into()),
    }
}

/// One shared copy of each repeated value: 20,000 cases hold five of them each, a few dozen
/// distinct strings in all, and 100,000 copies were a tenth of a large read's peak memory.
#[derive(Default)]
struct Interned(HashSet<Arc<str>>);

impl Interned {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(s) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(s);
        self.0.insert(shared.clone());
        shared
    }
}

fn dedup(ids: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.iter().filter(|i| seen.insert((*i).clone())).cloned().collect()
}

#[async_trait]
impl DataSource for CasesDataSource {
    const TYPE_NAME: &'static str = "cima_cases";
    type Model = CasesModel;

    fn schema(&self) -> Schema {
        let s = |name: &str, d: &str| Attribute::new(name, Type::String).computed().description(d);
        let communication = vec![
            s("case_id", "The case it belongs to (a `case_id` of `cases`)."),
            s("body", "Text of the communication."),
            s("submitted_by", "Who wrote it (an email address, or `Amazon Web Services`)."),
            s("time_created", "When (ISO 8601, UTC)."),
        ];
        let case = vec![
            s("account_id", "Account that owns the case."),
            s("account_name", "That account's name in the organization."),
            s("case_id", "Case id (`case-<account>-…`)."),
            s("display_id", "The number AWS Support shows for the case."),
            s("subject", "Subject."),
            s(
                "status",
                "`opened`, `pending-customer-action`, `reopened`, `resolved`, `unassigned` or `work-in-progress`.",
            ),
            s("severity_code", "`low`, `normal`, `high`, `urgent` or `critical`."),
            s(
                "severity_name",
                "The severity's name: low = General guidance, normal = System impaired, high = Production system impaired, urgent = Production system down, critical = Business-critical system down.",
            ),
            s("service_code", "AWS service the case is about."),
            s("category_code", "Category within the service."),
            s("submitted_by", "Email address of whoever opened the case."),
            s("time_created", "When the case was opened (ISO 8601, UTC)."),
            Attribute::new("cc_email_addresses", strings(Type::List))
                .computed()
                .description("Addresses copied on the case's correspondence."),
            s("language", "Language of the case (`en`, `ja`, …)."),
            s("last_communication_time", "Time of the newest communication; null when none."),
        ];
        let summary = vec![
            Attribute::new("total", Type::Number).computed().description("Cases returned."),
            Attribute::new("open", Type::Number).computed().description("Cases whose status is not `resolved`."),
            Attribute::new("by_status", counts()).computed().description("Cases per status."),
            Attribute::new("by_severity", counts()).computed().description("Cases per severity code."),
            Attribute::new("by_account", counts()).computed().description("Cases per account id."),
        ];
        let errors = vec![
            s("account_id", "The account that could not be read."),
            s("message", "Why (for example AccessDenied on AssumeRole, or a timeout)."),
        ];
        Schema::new(
            Block::new("AWS Support cases of many accounts, read live: the provider assumes `role_name` in each account and pages DescribeCases (in `us-east-1`, the only region AWS Support answers in) to the end, reading accounts concurrently within `max_concurrency`. An account that cannot be read is listed in `account_errors` and reported as a warning, unless `fail_on_account_error` makes it an error; the other accounts' cases are returned either way.")
                .attribute(Attribute::new("account_ids", strings(Type::List)).optional().description("Accounts to read (12-digit ids). Default: every ACTIVE account of the organization."))
                .attribute(Attribute::new("account_timeout_seconds", Type::Number).optional().description(format!("Bound on one account's whole read (every page, and communications when asked), 1 to {MAX_ACCOUNT_TIMEOUT_SECONDS}. An account that takes longer is listed in `account_errors` as timed out; the others are returned. Default {}.", ACCOUNT_TIMEOUT.as_secs())))
                .attribute(Attribute::new("statuses", strings(Type::Set)).optional().description("Keep only cases in these statuses. Asking for `resolved` implies `include_resolved`."))
                .attribute(Attribute::new("severities", strings(Type::Set)).optional().description("Keep only cases of these severities: `low`, `normal`, `high`, `urgent`, `critical`."))
                .attribute(Attribute::new("after_time", Type::String).optional().description("Only cases created at or after this time (RFC 3339)."))
                .attribute(Attribute::new("before_time", Type::String).optional().description("Only cases created before this time (RFC 3339)."))
                .attribute(Attribute::new("include_resolved", Type::Bool).optional().computed().description("Include resolved cases. Default `false`."))
                .attribute(Attribute::new("include_communications", Type::Bool).optional().computed().description("Read every case's communications (one more paged call per case). Default `false`."))
                .attribute(Attribute::new("role_name", Type::String).optional().computed().description("Role assumed in each account. Default: the provider's `member_access_role_name`. The provider's own account is read with its own credentials."))
                .attribute(Attribute::new("fail_on_account_error", Type::Bool).optional().computed().description("Fail the read when any account cannot be read. Default `false`: such accounts are reported in `account_errors` and as warnings."))
                .attribute(Attribute::nested("cases", ObjectNesting::List, case).computed().description("The cases, sorted by `time_created`, then `case_id`."))
                // Sensitive here, at the top, and not inside `cases`: Terraform marks a sensitive
                // attribute's path in every element of a list, and its cost grows with the square of
                // the elements (minutes of CPU per plan at 4000 cases).
                .attribute(Attribute::nested("communications", ObjectNesting::List, communication).computed().sensitive().description("Every communication of the returned cases when `include_communications` is true, else empty: in the order of `cases`, each case's newest first. Sensitive: what customers and AWS wrote stays out of plan output (`nonsensitive()` to show it)."))
                .attribute(Attribute::nested("summary", ObjectNesting::Single, summary).computed().description("Counts over `cases`."))
                .attribute(Attribute::nested("account_errors", ObjectNesting::List, errors).computed().description("Accounts that could not be read, sorted by account id.")),
        )
    }

    fn validate(&self, config: &CasesModel) -> Diagnostics {
        validate_cases(config)
    }

    async fn read(&self, ctx: &Ctx, config: CasesModel, diags: &mut Diagnostics) -> Result<CasesModel, Diagnostics> {
        let problems = validate_cases(&config);
        if problems.has_errors() {
            return Err(problems);
        }
        let c = self.data.get()?;
        let role = config.role_name.clone().unwrap_or_else(|| c.member_access_role_name.clone());
        let statuses = config.statuses.clone().unwrap_or_default();
        let severities = config.severities.clone().unwrap_or_default();
        let include_resolved = config.include_resolved.unwrap_or(false);
        let with_comms = config.include_communications.unwrap_or(false);
        let fail = config.fail_on_account_error.unwrap_or(false);
        let query = CaseQuery {
            case_ids: Vec::new(),
            after_time: api_time(&config.after_time),
            before_time: api_time(&config.before_time),
            include_resolved: include_resolved || statuses.contains("resolved"),
        };

        let (accounts, names) = resolve_accounts(ctx, c, config.account_ids.as_ref(), diags).await?;
        tracing::info!(accounts = accounts.len(), "cima_cases: accounts to read");
        let own_account = c.caller_account().await;
        let account_timeout = config
            .account_timeout_seconds
            .and_then(|s| u64::try_from(s).ok())
            .map_or(ACCOUNT_TIMEOUT, Duration::from_secs);
        let outcomes = ctx
            .run("reading Support cases", async {
                Ok(fanout::for_each_account(&accounts, c.max_concurrency, |account| {
                    let (role, query, own) = (&role, &query, own_account.as_deref());
                    async move {
                        let who = if Some(account.as_str()) == own {
                            Principal::Provider
                        } else {
                            Principal::Member { account: &account, role }
                        };
                        let api = c.aws.support(who).await;
                        let read = support::read_cases(api.as_ref(), query, with_comms);
                        match tokio::time::timeout(account_timeout, read).await {
                            Ok(r) => r.map_err(AccountError::from),
                            Err(_) => Err(AccountError::TimedOut(account_timeout)),
                        }
                    }
                })
                .await)
            })
            .await?;

        let mut cases = Vec::with_capacity(outcomes.iter().map(|(_, o)| o.as_ref().map_or(0, Vec::len)).sum());
        let mut errors = Vec::new();
        let mut interned = Interned::default();
        for (account, outcome) in outcomes {
            match outcome {
                Ok(list) => cases.extend(
                    list.into_iter()
                        .filter(|k| statuses.is_empty() || statuses.contains(&k.status))
                        .filter(|k| severities.is_empty() || severities.contains(&k.severity_code))
                        .map(|k| {
                            // Kept beside their case until the sort, then moved to the top.
                            let of_case: Vec<CommunicationModel> = k
                                .communications
                                .into_iter()
                                .map(|m| CommunicationModel {
                                    case_id: k.case_id.clone(),
                                    body: m.body,
                                    submitted_by: m.submitted_by,
                                    time_created: m.time_created,
                                })
                                .collect();
                            let case = CaseModel {
                                account_name: interned.get(names.get(&account).map_or("", String::as_str)),
                                account_id: interned.get(&account),
                                severity_name: interned
                                    .get(support::severity_name(&k.severity_code).unwrap_or_default()),
                                case_id: k.case_id,
                                display_id: k.display_id,
                                subject: k.subject,
                                status: interned.get(&k.status),
                                severity_code: interned.get(&k.severity_code),
                                service_code: k.service_code,
                                category_code: k.category_code,
                                submitted_by: k.submitted_by,
                                time_created: k.time_created,
                                cc_email_addresses: k.cc_email_addresses,
                                language: k.language,
                                last_communication_time: k.last_communication_time,
                            };
                            (case, of_case)
                        }),
                ),
                Err(e) => errors.push(AccountErrorModel { account_id: account, message: e.to_string() }),
            }
        }
        errors.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        if !errors.is_empty() {
            let list: Vec<String> = errors.iter().map(|e| e.account_id.clone()).collect();
            if fail {
                let detail =
                    errors.iter().map(|e| format!("{}: {}", e.account_id, e.message)).collect::<Vec<_>>().join("\n");
                return Err(Diagnostic::error(
                    format!("Cannot read the cases of {} account(s): {}", list.len(), list.join(", ")),
                    detail,
                )
                .into());
            }
            for e in &errors {
                let name = names.get(&e.account_id).map(|n| format!(" ({n})")).unwrap_or_default();
                diags.push(Diagnostic::warning(
                    format!("Cannot read the cases of account {}{name}", e.account_id),
                    format!(
                        "{}\nThe other accounts' cases are returned; this account is listed in account_errors.",
                        e.message
                    ),
                ));
            }
        }
        cases.sort_by(|(a, _), (b, _)| a.time_created.cmp(&b.time_created).then_with(|| a.case_id.cmp(&b.case_id)));
        let communications: Vec<CommunicationModel> = cases.iter_mut().flat_map(|(_, m)| std::mem::take(m)).collect();
        // Collected in place (std reuses the pairs' allocation), not into a second array of
        // every case as unzipping would.
        let cases: Vec<CaseModel> = cases.into_iter().map(|(case, _)| case).collect();
        let summary = summarize(&cases);
        Ok(CasesModel {
            include_resolved: Some(include_resolved),
            include_communications: Some(with_comms),
            role_name: Some(role),
            fail_on_account_error: Some(fail),
            cases: Some(cases),
            communications: Some(communications),
            summary: Some(summary),
            account_errors: Some(errors),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use cima_core::support::{Case, Communication};

    use super::*;
    use crate::fakes::{FakeAws, PROVIDER_ACCOUNT};

    const A: &str = "111111111111";
    const B: &str = "222222222222";
    const LOCKED: &str = "333333333333";

    fn case(id: &str, status: &str, severity: &str, created: &str) -> Case {
        Case {
            case_id: id.into(),
            display_id: id.trim_start_matches("case-").into(),
            subject: format!("about {id}"),
            status: status.into(),
            severity_code: severity.into(),
            time_created: created.into(),
            ..Case::default()
        }
    }

    /// An organization of the provider's account and three members, one of which refuses the role.
    fn organization() -> Arc<FakeAws> {
        let aws = FakeAws::new();
        for id in [PROVIDER_ACCOUNT, A, B, LOCKED] {
            aws.org.add(id, "ACTIVE", &[]);
        }
        aws.refuse(LOCKED);
        aws.account(A).support.add(case("case-a1", "opened", "low", "2024-05-02T00:00:00Z"));
        aws.account(A).support.add(case("case-a2", "resolved", "high", "2024-05-01T12:00:00Z"));
        aws.account(B).support.add(case("case-b1", "work-in-progress", "urgent", "2024-05-01T00:00:00Z"));
        aws
    }

    async fn read(aws: &Arc<FakeAws>, config: CasesModel) -> (Result<CasesModel, Diagnostics>, Diagnostics) {
        let ds = CasesDataSource::new(aws.provider_data());
        let mut diags = Diagnostics::new();
        let r = DataSource::read(&ds, &Ctx::default(), config, &mut diags).await;
        (r, diags)
    }

    fn ids(m: &CasesModel) -> Vec<&str> {
        m.cases.iter().flatten().map(|c| c.case_id.as_str()).collect()
    }

    #[tokio::test]
    async fn cases_of_every_account_sorted_named_and_summarised() {
        let aws = organization();
        let (got, diags) = read(&aws, CasesModel::default()).await;
        let got = got.unwrap();
        assert_eq!(ids(&got), ["case-b1", "case-a1"], "open cases only, oldest first");
        let b1 = &got.cases.as_ref().unwrap()[0];
        assert_eq!((&*b1.account_id, &*b1.account_name), (B, "account-222222222222"));
        assert_eq!(&*b1.severity_name, "Production system down");
        let summary = got.summary.as_ref().unwrap();
        assert_eq!((summary.total, summary.open), (2, 2));
        assert_eq!(summary.by_account, BTreeMap::from([(A.to_owned(), 1), (B.to_owned(), 1)]));
        // Defaults are reported as the values used.
        assert_eq!(got.role_name.as_deref(), Some(crate::fakes::ACCESS_ROLE));
        assert_eq!((got.include_resolved, got.fail_on_account_error), (Some(false), Some(false)));

        // The refused account is kept, as an entry and a warning, not dropped.
        let errors = got.account_errors.unwrap();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].account_id, LOCKED);
        assert!(errors[0].message.starts_with("DescribeCases: AccessDenied: User: "), "{}", errors[0].message);
        let warnings: Vec<&str> = diags.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(warnings, ["Cannot read the cases of account 333333333333 (account-333333333333)"]);
        assert!(!diags.has_errors());
    }

    #[tokio::test]
    async fn the_provider_account_is_read_with_its_own_credentials() {
        let aws = organization();
        // Its access role is refused: reading it through the role would fail.
        aws.refuse(PROVIDER_ACCOUNT);
        aws.account(PROVIDER_ACCOUNT).support.add(case("case-own", "opened", "normal", "2024-04-01T00:00:00Z"));
        let (got, _) =
            read(&aws, CasesModel { account_ids: Some(vec![PROVIDER_ACCOUNT.into()]), ..Default::default() }).await;
        let got = got.unwrap();
        assert_eq!(ids(&got), ["case-own"]);
        assert_eq!(got.account_errors, Some(Vec::new()));

        // When STS cannot say whose the credentials are, every account goes through its role.
        *aws.identity.account.lock().unwrap() = Err(cima_core::errors::AwsError::new("ExpiredToken", "expired"));
        let (got, _) =
            read(&aws, CasesModel { account_ids: Some(vec![PROVIDER_ACCOUNT.into()]), ..Default::default() }).await;
        assert_eq!(got.unwrap().account_errors.unwrap()[0].account_id, PROVIDER_ACCOUNT);
    }

    #[tokio::test]
    async fn filters_shape_the_query_and_the_result() {
        let aws = organization();
        let statuses = BTreeSet::from(["resolved".to_owned()]);
        let config = CasesModel {
            account_ids: Some(vec![A.into(), A.into()]),
            statuses: Some(statuses),
            after_time: Some("2024-05-01T02:00:00+02:00".into()),
            ..Default::default()
        };
        let (got, _) = read(&aws, config).await;
        let got = got.unwrap();
        assert_eq!(ids(&got), ["case-a2"]);
        let queries = aws.account(A).support.queries();
        assert_eq!(queries.len(), 1, "a repeated account is read once");
        assert!(queries[0].include_resolved, "asking for resolved cases reads them");
        assert_eq!(queries[0].after_time.as_deref(), Some("2024-05-01T00:00:00Z"));

        let (got, _) =
            read(&aws, CasesModel { severities: Some(BTreeSet::from(["urgent".into()])), ..Default::default() }).await;
        assert_eq!(ids(&got.unwrap()), ["case-b1"]);
    }

    #[tokio::test]
    async fn communications_are_read_when_asked() {
        let aws = organization();
        let newest = Communication {
            body: "fixed".into(),
            submitted_by: "Amazon Web Services".into(),
            time_created: "2024-05-03T00:00:00Z".into(),
        };
        aws.account(A).support.communications.lock().unwrap().insert("case-a1".into(), vec![newest.clone()]);
        let config =
            CasesModel { account_ids: Some(vec![A.into()]), include_communications: Some(true), ..Default::default() };
        let (got, _) = read(&aws, config).await;
        let got = got.unwrap();
        let a1 = got.cases.unwrap().remove(0);
        assert_eq!(
            got.communications.unwrap(),
            [CommunicationModel {
                case_id: "case-a1".into(),
                body: newest.body,
                submitted_by: newest.submitted_by,
                time_created: newest.time_created.clone()
            }]
        );
        assert_eq!(a1.last_communication_time, Some(newest.time_created));
    }

    #[tokio::test]
    async fn fail_on_account_error_names_every_failed_account() {
        let aws = organization();
        let (got, _) = read(&aws, CasesModel { fail_on_account_error: Some(true), ..Default::default() }).await;
        let err = got.unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.summary, "Cannot read the cases of 1 account(s): 333333333333");
        assert!(d.detail.starts_with("333333333333: DescribeCases: AccessDenied"), "{d}");
    }

    #[tokio::test]
    async fn without_the_organization_given_accounts_are_still_read() {
        let aws = organization();
        aws.org.ops.fail("DescribeOrganization", "AccessDeniedException");
        let (got, diags) = read(&aws, CasesModel { account_ids: Some(vec![B.into()]), ..Default::default() }).await;
        let got = got.unwrap();
        assert_eq!(ids(&got), ["case-b1"]);
        assert_eq!(&*got.cases.unwrap()[0].account_name, "", "no names without the organization");
        assert_eq!(diags.iter().map(|d| d.summary.as_str()).collect::<Vec<_>>(), ["Account names unavailable"]);

        let (got, _) = read(&aws, CasesModel::default()).await;
        let err = got.unwrap_err();
        assert_eq!(err.iter().next().unwrap().summary, "Cannot list the organization's accounts");
    }

    #[test]
    fn validation_names_each_bad_input() {
        let c = CasesModel {
            account_ids: Some(vec!["123456789012".into(), "1234567890123".into()]),
            severities: Some(BTreeSet::from(["severe".into()])),
            statuses: Some(BTreeSet::from(["open".into()])),
            after_time: Some("yesterday".into()),
            ..Default::default()
        };
        let d = validate_cases(&c);
        let paths: Vec<String> = d.iter().map(|d| d.attribute.as_ref().unwrap().to_string()).collect();
        assert_eq!(paths, ["account_ids[1]", "statuses", "severities", "after_time"]);
        let window = CasesModel {
            after_time: Some("2024-05-02T00:00:00Z".into()),
            before_time: Some("2024-05-01T00:00:00+02:00".into()),
            ..Default::default()
        };
        assert_eq!(validate_cases(&window).iter().next().unwrap().summary, "Empty time window");
        assert_eq!(api_time(&Some("2024-05-01T02:00:00+02:00".into())).as_deref(), Some("2024-05-01T00:00:00Z"));
    }

    #[test]
    fn model_fields_are_in_the_schema_order() {
        // What lets the result stream to msgpack without holding `cases` back (see `CasesModel`).
        let json = serde_json::to_string(&CasesModel::default()).unwrap();
        let fields: Vec<&str> =
            json.trim_matches(['{', '}']).split(',').filter_map(|field| field.split('"').nth(1)).collect();
        let source = CasesDataSource::new(Arc::new(ProviderData::default()));
        let Type::Object { attributes, .. } = DataSource::schema(&source).value_type() else {
            panic!("a data source's schema is an object type")
        };
        assert_eq!(fields, attributes.keys().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn account_timeout_seconds_is_checked_at_validate_time() {
        for (t, ok) in
            [(0, false), (1, true), (MAX_ACCOUNT_TIMEOUT_SECONDS, true), (MAX_ACCOUNT_TIMEOUT_SECONDS + 1, false)]
        {
            let d = validate_cases(&CasesModel { account_timeout_seconds: Some(t), ..CasesModel::default() });
            assert_eq!(!d.has_errors(), ok, "{t}: {d:?}");
            if !ok {
                let paths: Vec<String> = d.iter().filter_map(|d| d.attribute.as_ref().map(|p| p.to_string())).collect();
                assert_eq!(paths, ["account_timeout_seconds"], "{t}");
            }
        }
    }

    #[test]
    fn a_timed_out_account_says_how_long_it_was_given() {
        assert_eq!(AccountError::TimedOut(ACCOUNT_TIMEOUT).to_string(), "timed out after 300 s");
    }

    #[test]
    fn summary_counts() {
        let case = |a: &str, st: &str, sev: &str| CaseModel {
            account_id: a.into(),
            status: st.into(),
            severity_code: sev.into(),
            ..Default::default()
        };
        let s = summarize(&[case("1", "resolved", "low"), case("1", "opened", "urgent"), case("2", "opened", "low")]);
        assert_eq!((s.total, s.open), (3, 2));
        assert_eq!(s.by_status["opened"], 2);
        assert_eq!(s.by_severity["low"], 2);
        assert_eq!(s.by_account["1"], 2);
    }
}
