//! `resource "cima_linked_account"` and `data "cima_linked_account"`: one member account wired
//! into the CIMA pipeline, reached by assuming `access_role_name` into it. This is why the
//! provider exists: one `for_each` over the organization wires every account, where a provider
//! block per account (or a StackSet) would be needed otherwise.
//!
//! In the member account, in us-east-1: the case-reader role the enricher assumes, an events role
//! allowed to put events on the central bus only, a default-bus rule forwarding `aws.support` (and
//! nothing else) to the central bus, and optionally the chat API's read-only role.
//!
//! An organization is never still: an account whose access role cannot be assumed is a warning
//! on read (its last state kept), so it never fails the plan of every other account; its delete
//! forgets it only when Organizations says it is closed or gone.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cima_core::contract::{
    BACKFILL_DETAIL_TYPE, BACKFILL_SOURCE, BackfillRequest, DEFAULT_CASE_READER_ROLE, DEFAULT_ENRICHED_SOURCE,
    DEFAULT_QUERY_ROLE, EVENTS_ROLE, FORWARD_RULE, FORWARD_TARGET, MAX_BACKFILL_DAYS, QUERY_ROLE_ACTIONS,
    SUPPORT_SOURCE,
};
use cima_core::errors::AwsError;
use cima_core::ids;
use cima_core::support::SUPPORT_REGION;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tfplugin::schema::{Attribute, Block, BlockNesting, IdentityAttribute, IdentitySchema, NestedBlock, Schema};
use tfplugin::{AttributePath, Ctx, DataSource, Diagnostic, Diagnostics, PlanChanges, Resource, Type, identity_string};

use crate::clients::Principal;
use crate::config::{Configured, ProviderData};
use crate::events::{EventsApi, EventsError, RuleTarget};
use crate::iam::{IamApi, IamError};
use crate::organizations::OrganizationsError;

/// The member's rules live on its default bus.
const MEMBER_BUS: &str = "default";
const READER_POLICY: &str = "cima-case-reader";
const EVENTS_POLICY: &str = "cima-put-events-central-bus";
const QUERY_POLICY: &str = "cima-chat-read-only";
const WIRED: &str = "wired";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
const FORWARD_MAX_EVENT_AGE_SECONDS: i64 = 86_400;
const FORWARD_MAX_RETRY_ATTEMPTS: i64 = 185;

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct QueryRoleModel {
    pub enabled: Option<bool>,
    pub name: Option<String>,
    pub trusted_role_arn: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct TimeoutsModel {
    pub create: Option<String>,
    pub delete: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct LinkedAccountModel {
    pub account_id: Option<String>,
    pub access_role_name: Option<String>,
    pub central_bus_arn: Option<String>,
    pub enricher_role_arn: Option<String>,
    pub organization_id: Option<String>,
    pub case_reader_role_name: Option<String>,
    pub enriched_source: Option<String>,
    pub dead_letter_queue_arn: Option<String>,
    pub query_role: Option<QueryRoleModel>,
    pub backfill_days: Option<i64>,
    pub tags: Option<BTreeMap<String, String>>,
    pub timeouts: Option<TimeoutsModel>,
    pub id: Option<String>,
    pub case_reader_role_arn: Option<String>,
    pub events_role_arn: Option<String>,
    pub forwarding_rule_arn: Option<String>,
    pub query_role_arn: Option<String>,
    pub status: Option<String>,
}

impl LinkedAccountModel {
    fn account(&self) -> String {
        self.account_id.clone().unwrap_or_default()
    }
    fn reader(&self) -> String {
        self.case_reader_role_name.clone().unwrap_or_else(|| DEFAULT_CASE_READER_ROLE.to_owned())
    }
    fn query(&self) -> Option<&QueryRoleModel> {
        self.query_role.as_ref().filter(|q| q.enabled.unwrap_or(true))
    }
    fn query_name(&self) -> String {
        self.query().and_then(|q| q.name.clone()).unwrap_or_else(|| DEFAULT_QUERY_ROLE.to_owned())
    }
}

pub fn reader_trust(enricher_role_arn: &str, organization_id: Option<&str>) -> serde_json::Value {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": {"AWS": enricher_role_arn},
        "Action": "sts:AssumeRole",
    });
    if let Some(org) = organization_id {
        statement["Condition"] = json!({"StringEquals": {"aws:PrincipalOrgID": org}});
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

/// The case-reader role reads Support and nothing else: the enricher puts what it read on the
/// central bus with its own credentials.
pub fn reader_policy() -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["support:DescribeCases", "support:DescribeCommunications"], "Resource": "*"},
    ]})
}

pub fn events_trust() -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
}

pub fn events_policy(central_bus_arn: &str) -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "events:PutEvents", "Resource": central_bus_arn}]})
}

/// What a member forwards: AWS Support's events only. Enriched events are put on the central
/// bus by the enricher; a member's own `heidi.support` event must go nowhere.
pub fn forward_pattern() -> serde_json::Value {
    json!({"source": [SUPPORT_SOURCE]})
}

pub fn query_trust(trusted: &str, external_id: Option<&str>) -> serde_json::Value {
    let mut statement = json!({"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"});
    if let Some(x) = external_id {
        statement["Condition"] = json!({"StringEquals": {"sts:ExternalId": x}});
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

pub fn query_policy() -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": QUERY_ROLE_ACTIONS, "Resource": "*"}]})
}

/// IAM may return `Statement` as an object or an array, and `Action` as a string or a list:
/// compare policies after normalising both.
fn normalise(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    if let Some(s) = v.get("Statement").cloned() {
        let list = if s.is_array() { s } else { json!([s]) };
        let list: Vec<serde_json::Value> = list
            .as_array()
            .into_iter()
            .flatten()
            .map(|st| {
                let mut st = st.clone();
                if let Some(a) = st.get("Action").and_then(|a| a.as_str().map(str::to_owned)) {
                    st["Action"] = json!([a]);
                }
                if let Some(obj) = st.as_object_mut() {
                    obj.remove("Sid");
                }
                st
            })
            .collect();
        v["Statement"] = json!(list);
    }
    v
}

fn same_policy(actual: Option<&serde_json::Value>, expected: &serde_json::Value) -> bool {
    actual.map(normalise) == Some(normalise(expected))
}

/// What is in the member account, and what is wrong with it.
#[derive(Debug, Default)]
pub struct Inspection {
    pub reader_arn: Option<String>,
    pub reader_trusted: Option<String>,
    pub events_arn: Option<String>,
    pub rule_arn: Option<String>,
    pub query_arn: Option<String>,
    pub problems: Vec<String>,
}

fn trusted_principal(trust: &serde_json::Value) -> Option<String> {
    let st = normalise(trust)["Statement"][0].clone();
    match &st["Principal"]["AWS"] {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) => a.first().and_then(|x| x.as_str().map(str::to_owned)),
        _ => None,
    }
}

fn trust_organization(trust: &serde_json::Value) -> Option<String> {
    normalise(trust)["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalOrgID"].as_str().map(str::to_owned)
}

/// A failed call in the member account.
#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error(transparent)]
    Iam(#[from] IamError),
    #[error(transparent)]
    Events(#[from] EventsError),
}

impl MemberError {
    fn aws(&self) -> &AwsError {
        match self {
            MemberError::Iam(e) => &e.error,
            MemberError::Events(e) => &e.error,
        }
    }

    /// The provider may not act in the account: most often its access role cannot be assumed.
    pub fn is_access_denied(&self) -> bool {
        self.aws().is_access_denied()
    }
}

/// One member account's clients, acting as its access role.
pub(crate) struct Member {
    account: String,
    role: String,
    iam: Arc<dyn IamApi>,
    events: Arc<dyn EventsApi>,
}

impl Member {
    pub(crate) async fn of(c: &Configured, m: &LinkedAccountModel) -> Self {
        let account = m.account();
        let role = m.access_role_name.clone().unwrap_or_else(|| c.member_access_role_name.clone());
        let who = Principal::Member { account: &account, role: &role };
        let iam = c.aws.iam(who).await;
        let events = c.aws.events(who, Some(SUPPORT_REGION)).await;
        Self { account, role, iam, events }
    }

    /// A failed call as Terraform shows it; a refusal names the account and the role used.
    pub(crate) fn failed(&self, e: MemberError) -> Diagnostics {
        if e.is_access_denied() {
            return Diagnostic::error(
                format!("Cannot act in account {}", self.account),
                format!(
                    "{e}\nThe provider acts in the account as the role {:?}: check that it exists, trusts the provider's credentials and may manage IAM roles and EventBridge rules (access_role_name, or the provider's member_access_role_name).",
                    self.role
                ),
            )
            .into();
        }
        match e {
            MemberError::Iam(e) => e.into(),
            MemberError::Events(e) => e.into(),
        }
    }

    /// Read of an account the provider may not act in: a warning, so one such account never
    /// fails the plan of every other one; the state stays as last read.
    fn unreadable(&self, e: &MemberError, standing: &Standing) -> Diagnostic {
        let next = if standing.may_forget() {
            "Remove the account from the configuration: the provider then forgets it without deleting anything."
        } else {
            "Restore the role, its trust of the provider's credentials or its permissions (access_role_name, or the provider's member_access_role_name); until then this account's wiring can be neither changed nor removed."
        };
        Diagnostic::warning(
            format!("Cannot reach account {}: its wiring was not read", self.account),
            format!(
                "{e}\nThe provider acts in the account as the role {:?}. {} The state is kept as last read, and plan and apply go on for every other account. {next}",
                self.role,
                standing.describe()
            ),
        )
    }

    /// Delete of an account the provider may not act in. A closed or departed account is
    /// forgotten with a warning (nothing there can be deleted, by anyone); any other keeps its
    /// resource, so wiring that is probably still there is never silently dropped from the state.
    fn undeletable(&self, e: &MemberError, standing: &Standing) -> Result<Diagnostic, Diagnostics> {
        if standing.may_forget() {
            return Ok(Diagnostic::warning(
                format!("Account {} could not be reached: nothing was deleted", self.account),
                format!(
                    "{e}\n{} Its CIMA roles and forwarding rule, if still there, are left as they are, and the resource is removed from the state.",
                    standing.describe()
                ),
            ));
        }
        Err(Diagnostic::error(
            format!("Cannot unwire account {}", self.account),
            format!(
                "{e}\nThe provider acts in the account as the role {:?}. {} Its CIMA roles and forwarding rule are probably still there, so the resource stays in the state until the provider can act in the account: restore the role, its trust or its permissions and apply again. To forget the wiring without deleting it, use `terraform state rm`.",
                self.role,
                standing.describe()
            ),
        )
        .into())
    }
}

/// Where an account the provider cannot reach stands in the organization: this decides whether
/// its resource may be forgotten.
#[derive(Debug)]
enum Standing {
    /// SUSPENDED or PENDING_CLOSURE: closed, and no role in it can be assumed.
    Closed(String),
    /// No longer in the organization (left it, or closed for good).
    Gone,
    /// In the organization with this status (ACTIVE).
    Member(String),
    /// Organizations could not tell.
    Unknown(OrganizationsError),
}

impl Standing {
    async fn of(c: &Configured, account: &str) -> Self {
        match c.aws.accounts().account_status(account).await {
            Ok(None) => Standing::Gone,
            Ok(Some(s)) if s == "SUSPENDED" || s == "PENDING_CLOSURE" => Standing::Closed(s),
            Ok(Some(s)) => Standing::Member(s),
            Err(e) => Standing::Unknown(e),
        }
    }

    fn may_forget(&self) -> bool {
        matches!(self, Standing::Closed(_) | Standing::Gone)
    }

    fn describe(&self) -> String {
        match self {
            Standing::Closed(s) => {
                format!("The account is {s} in the organization: it is closed, and no role in it can be assumed.")
            }
            Standing::Gone => "The account is no longer in the organization.".to_owned(),
            Standing::Member(s) => format!("The account is {s} in the organization."),
            Standing::Unknown(e) => format!("Its status in the organization could not be checked: {e}."),
        }
    }
}

pub async fn inspect(
    iam: &dyn IamApi,
    events: &dyn EventsApi,
    want: &LinkedAccountModel,
) -> Result<Inspection, MemberError> {
    let central = want.central_bus_arn.clone().unwrap_or_default();
    let mut i = Inspection::default();

    let reader = want.reader();
    match iam.get_role(&reader).await? {
        None => i.problems.push("case-reader role missing".to_owned()),
        Some(r) => {
            let trusted = trusted_principal(&r.trust);
            let named = i.problems.len();
            if let Some(enricher) = &want.enricher_role_arn
                && trusted.as_deref() != Some(enricher.as_str())
            {
                i.problems.push(format!(
                    "case-reader role trusts {}",
                    trusted.clone().unwrap_or_else(|| "another principal".to_owned())
                ));
            }
            if let Some(org) = &want.organization_id
                && trust_organization(&r.trust).as_deref() != Some(org.as_str())
            {
                i.problems.push(format!("case-reader role trust does not require aws:PrincipalOrgID {org}"));
            }
            // Anything else in the trust (a second statement, another condition) is drift too.
            // Without organization_id, whichever organization condition is there is accepted.
            let org = want.organization_id.clone().or_else(|| trust_organization(&r.trust));
            if let Some(enricher) = &want.enricher_role_arn
                && i.problems.len() == named
                && !same_policy(Some(&r.trust), &reader_trust(enricher, org.as_deref()))
            {
                i.problems.push("case-reader role trust changed".to_owned());
            }
            attached_problem(iam, &reader, "case-reader role", &mut i.problems).await?;
            if !same_policy(iam.get_role_policy(&reader, READER_POLICY).await?.as_ref(), &reader_policy()) {
                i.problems.push("case-reader role policy missing or changed".to_owned());
            }
            i.reader_trusted = trusted;
            i.reader_arn = Some(r.arn);
        }
    }
    match iam.get_role(EVENTS_ROLE).await? {
        None => i.problems.push("events role missing".to_owned()),
        Some(r) => {
            if !same_policy(Some(&r.trust), &events_trust()) {
                i.problems.push("events role trust changed".to_owned());
            }
            attached_problem(iam, EVENTS_ROLE, "events role", &mut i.problems).await?;
            if !same_policy(iam.get_role_policy(EVENTS_ROLE, EVENTS_POLICY).await?.as_ref(), &events_policy(&central)) {
                i.problems.push("events role policy missing or changed".to_owned());
            }
            i.events_arn = Some(r.arn);
        }
    }
    match events.describe_rule(MEMBER_BUS, FORWARD_RULE).await? {
        None => i.problems.push("forwarding rule missing".to_owned()),
        Some(rule) => {
            let pattern = rule.pattern.as_deref().and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok());
            if pattern != Some(forward_pattern()) {
                i.problems.push("forwarding rule pattern changed".to_owned());
            }
            if !rule.enabled {
                i.problems.push("forwarding rule disabled".to_owned());
            }
            let targets = events.targets(MEMBER_BUS, FORWARD_RULE).await?;
            match targets.iter().find(|t| t.id == FORWARD_TARGET) {
                None => i.problems.push("forwarding rule has no target".to_owned()),
                Some(t) if t.arn != central => i.problems.push(format!("rule targets {}", t.arn)),
                Some(t) if i.events_arn.is_some() && t.role_arn != i.events_arn => {
                    i.problems.push(format!("forwarding target acts as {}", t.role_arn.as_deref().unwrap_or("no role")))
                }
                Some(t) if want.dead_letter_queue_arn.is_some() && t.dead_letter_arn != want.dead_letter_queue_arn => {
                    i.problems.push(format!(
                        "forwarding target's dead-letter queue is {}",
                        t.dead_letter_arn.as_deref().unwrap_or("none")
                    ))
                }
                Some(_) => {}
            }
            // Our rule forwards to the central bus only: anything else on it leaks the cases.
            for t in targets.iter().filter(|t| t.id != FORWARD_TARGET) {
                i.problems.push(format!("forwarding rule has an extra target {} ({})", t.id, t.arn));
            }
            i.rule_arn = Some(rule.arn);
        }
    }
    if want.query().is_some() {
        match iam.get_role(&want.query_name()).await? {
            None => i.problems.push("query role missing".to_owned()),
            Some(r) => {
                if let Some(trusted) = want.query().and_then(|q| q.trusted_role_arn.as_deref())
                    && !same_policy(
                        Some(&r.trust),
                        &query_trust(trusted, want.query().and_then(|q| q.external_id.as_deref())),
                    )
                {
                    i.problems.push("query role trust changed".to_owned());
                }
                attached_problem(iam, &want.query_name(), "query role", &mut i.problems).await?;
                if !same_policy(iam.get_role_policy(&want.query_name(), QUERY_POLICY).await?.as_ref(), &query_policy())
                {
                    i.problems.push("query role policy missing or changed".to_owned());
                }
                i.query_arn = Some(r.arn);
            }
        }
    }
    Ok(i)
}

/// CIMA's roles carry their one inline policy and nothing else: a managed policy attached out of
/// band widens what the role may do, and makes IAM refuse to delete the role (DeleteConflict).
async fn attached_problem(
    iam: &dyn IamApi,
    role: &str,
    label: &str,
    problems: &mut Vec<String>,
) -> Result<(), IamError> {
    let attached = iam.attached_policies(role).await?;
    if !attached.is_empty() {
        problems.push(format!("{label} has managed policies attached: {}", attached.join(", ")));
    }
    Ok(())
}

fn parse_duration(s: &str) -> Option<Duration> {
    let (num, unit) = s.trim().split_at(s.trim().find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = num.parse().ok()?;
    match unit {
        "s" => Some(Duration::from_secs(n)),
        "m" => Some(Duration::from_secs(n * 60)),
        "h" => Some(Duration::from_secs(n * 3600)),
        _ => None,
    }
}

pub fn validate_linked(c: &LinkedAccountModel) -> Diagnostics {
    let mut d = Diagnostics::new();
    let root = AttributePath::root();
    if let Some(p) = c.account_id.as_deref().and_then(ids::account_id_problem) {
        d.push(Diagnostic::error("Invalid account id", p).at(root.clone().attribute("account_id")));
    }
    if let Some(o) = &c.organization_id
        && !ids::is_organization_id(o)
    {
        d.push(
            Diagnostic::error("Invalid organization id", format!("{o:?} is not an organization id (o-…)."))
                .at(root.clone().attribute("organization_id")),
        );
    }
    if let Some(arn) = &c.central_bus_arn {
        if let Some(p) = ids::arn_problem(arn, Some("events")) {
            d.push(Diagnostic::error("Invalid central_bus_arn", p).at(root.clone().attribute("central_bus_arn")));
        } else if let Some(enricher) = &c.enricher_role_arn
            && let (Some(a), Some(b)) = (ids::parse_arn(arn), ids::parse_arn(enricher))
            && a.partition != b.partition
        {
            d.push(
                Diagnostic::error(
                    "ARNs in different partitions",
                    format!(
                        "The central bus is in partition {:?} but the enricher role in {:?}.",
                        a.partition, b.partition
                    ),
                )
                .at(root.clone().attribute("central_bus_arn")),
            );
        }
    }
    if let Some(arn) = &c.enricher_role_arn
        && let Some(p) = ids::arn_problem(arn, Some("iam"))
    {
        d.push(Diagnostic::error("Invalid enricher_role_arn", p).at(root.clone().attribute("enricher_role_arn")));
    }
    if let Some(arn) = &c.dead_letter_queue_arn
        && let Some(p) = ids::arn_problem(arn, Some("sqs"))
    {
        d.push(
            Diagnostic::error("Invalid dead_letter_queue_arn", p).at(root.clone().attribute("dead_letter_queue_arn")),
        );
    }
    if let Some(n) = c.backfill_days
        && !(0..=MAX_BACKFILL_DAYS).contains(&u64::try_from(n).unwrap_or(u64::MAX))
    {
        d.push(
            Diagnostic::error(
                "Invalid backfill_days",
                format!("{n} is not between 0 and {MAX_BACKFILL_DAYS} (AWS Support keeps cases for 12 months)."),
            )
            .at(root.clone().attribute("backfill_days")),
        );
    }
    if let Some(q) = &c.query_role
        && let Some(arn) = &q.trusted_role_arn
        && let Some(p) = ids::arn_problem(arn, Some("iam"))
    {
        d.push(
            Diagnostic::error("Invalid trusted_role_arn", p)
                .at(root.clone().attribute("query_role").attribute("trusted_role_arn")),
        );
    }
    if let Some(t) = &c.timeouts {
        for (name, v) in [("create", &t.create), ("delete", &t.delete)] {
            let problem = match v.as_deref().map(parse_duration) {
                Some(None) => "is not a duration such as \"30s\", \"10m\" or \"1h\"",
                Some(Some(Duration::ZERO)) => "would give up before the first call; a timeout is longer than 0",
                _ => continue,
            };
            d.push(
                Diagnostic::error("Invalid timeout", format!("{:?} {problem}.", v.as_deref().unwrap_or_default()))
                    .at(root.clone().attribute("timeouts").attribute(name)),
            );
        }
    }
    let query_name = c.query_role.as_ref().and_then(|q| q.name.as_ref());
    let names = [
        (root.clone().attribute("access_role_name"), c.access_role_name.as_ref()),
        (root.clone().attribute("case_reader_role_name"), c.case_reader_role_name.as_ref()),
        (root.clone().attribute("query_role").attribute("name"), query_name),
    ];
    for (path, name) in names {
        if let Some(problem) = name.and_then(|n| ids::role_name_problem(n)) {
            d.push(Diagnostic::error("Invalid role name", problem).at(path));
        }
    }
    if let Some(problem) = c.enriched_source.as_deref().and_then(ids::event_source_problem) {
        d.push(Diagnostic::error("Invalid enriched_source", problem).at(root.clone().attribute("enriched_source")));
    } else if c.enriched_source.as_deref() == Some(SUPPORT_SOURCE) {
        d.push(
            Diagnostic::error(
                "Invalid enriched_source",
                format!(
                    "{SUPPORT_SOURCE:?} is the source of AWS Support's own events; enriched events need their own."
                ),
            )
            .at(root.clone().attribute("enriched_source")),
        );
    }
    d.extend(crate::tags::problems(c.tags.as_ref(), &root));
    d
}

/// How often, and after how long at first, the first use of a fresh role is retried: IAM is
/// eventually consistent, so a role just created can be refused for a few seconds.
#[derive(Clone, Copy, Debug)]
struct RoleRetry {
    attempts: u32,
    first_delay: Duration,
}

const ROLE_RETRY: RoleRetry = RoleRetry { attempts: 6, first_delay: Duration::from_millis(500) };

pub struct LinkedAccountResource {
    data: Arc<ProviderData>,
    role_retry: RoleRetry,
}

impl LinkedAccountResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data, role_retry: ROLE_RETRY }
    }

    /// Creates or repairs every part (each step is idempotent), then reads back the result.
    async fn wire(&self, ctx: &Ctx, c: &Configured, m: &LinkedAccountModel) -> Result<LinkedAccountModel, Diagnostics> {
        let member = Member::of(c, m).await;
        ctx.run(&format!("wiring account {}", member.account), async {
            self.put_parts(&member, m).await.map_err(|e| member.failed(e))
        })
        .await?;
        observe(&member, m.clone()).await.map_err(|e| member.failed(e))
    }

    async fn put_parts(&self, member: &Member, m: &LinkedAccountModel) -> Result<(), MemberError> {
        let (iam, events) = (member.iam.as_ref(), member.events.as_ref());
        let central = m.central_bus_arn.clone().unwrap_or_default();
        let tags: Vec<(String, String)> = m.tags.clone().unwrap_or_default().into_iter().collect();
        let reader = m.reader();
        let enricher = m.enricher_role_arn.clone().unwrap_or_default();
        ensure_role(
            iam,
            &reader,
            &reader_trust(&enricher, m.organization_id.as_deref()),
            "CIMA: lets the case enricher read this account's Support cases",
            &tags,
        )
        .await?;
        iam.put_role_policy(&reader, READER_POLICY, &reader_policy().to_string()).await?;
        let events_role = ensure_role(
            iam,
            EVENTS_ROLE,
            &events_trust(),
            "CIMA: lets EventBridge forward case events to the central bus",
            &tags,
        )
        .await?;
        iam.put_role_policy(EVENTS_ROLE, EVENTS_POLICY, &events_policy(&central).to_string()).await?;
        if let Some(q) = m.query() {
            let trusted = q.trusted_role_arn.clone().unwrap_or_default();
            ensure_role(
                iam,
                &m.query_name(),
                &query_trust(&trusted, q.external_id.as_deref()),
                "CIMA chat API: read-only queries",
                &tags,
            )
            .await?;
            iam.put_role_policy(&m.query_name(), QUERY_POLICY, &query_policy().to_string()).await?;
        }
        events
            .put_rule(
                MEMBER_BUS,
                FORWARD_RULE,
                &forward_pattern().to_string(),
                "CIMA: Support case events to the central bus",
            )
            .await?;
        let extra: Vec<String> = events
            .targets(MEMBER_BUS, FORWARD_RULE)
            .await?
            .into_iter()
            .filter(|t| t.id != FORWARD_TARGET)
            .map(|t| t.id)
            .collect();
        events.remove_targets(MEMBER_BUS, FORWARD_RULE, &extra).await?;
        let target = RuleTarget {
            id: FORWARD_TARGET.to_owned(),
            arn: central.clone(),
            role_arn: Some(events_role),
            dead_letter_arn: m.dead_letter_queue_arn.clone(),
            // EventBridge's own defaults, written down so the target always states them.
            max_event_age_seconds: Some(FORWARD_MAX_EVENT_AGE_SECONDS),
            max_retry_attempts: Some(FORWARD_MAX_RETRY_ATTEMPTS),
            input: None,
        };
        // The target is the events role's first use: retry a refusal a bounded number of times,
        // backing off, while the fresh role becomes usable everywhere.
        let mut delay = self.role_retry.first_delay;
        let mut attempt = 1;
        loop {
            match events.put_target(MEMBER_BUS, FORWARD_RULE, &target).await {
                Ok(()) => return Ok(()),
                Err(err) if attempt < self.role_retry.attempts && err.error.is_access_denied() => {
                    tracing::debug!(attempt, error = %err, "role not usable yet; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                    attempt += 1;
                }
                Err(err) => return Err(err.into()),
            }
        }
    }

    fn timeout(limit: Option<&String>) -> Duration {
        limit.and_then(|t| parse_duration(t)).unwrap_or(DEFAULT_TIMEOUT)
    }
}

/// The role with this trust (updated when it differs, created when missing) and no managed
/// policy attached (detached when one is); its ARN.
async fn ensure_role(
    iam: &dyn IamApi,
    name: &str,
    trust: &serde_json::Value,
    description: &str,
    tags: &[(String, String)],
) -> Result<String, IamError> {
    let found = match iam.get_role(name).await? {
        Some(r) => r,
        None => match iam.create_role(name, &trust.to_string(), description, tags).await {
            Ok(arn) => return Ok(arn),
            // A CreateRole attempt that timed out had made the role before its retry asked
            // again: it is ours, adopted as a role found.
            Err(e) if e.error.code() == Some("EntityAlreadyExists") => iam.get_role(name).await?.ok_or(e)?,
            Err(e) => return Err(e),
        },
    };
    if !same_policy(Some(&found.trust), trust) {
        iam.update_trust(name, &trust.to_string()).await?;
    }
    for arn in iam.attached_policies(name).await? {
        iam.detach_policy(name, &arn).await?;
    }
    Ok(found.arn)
}

/// State as found in the account, inputs kept as configured.
pub(crate) async fn observe(member: &Member, m: LinkedAccountModel) -> Result<LinkedAccountModel, MemberError> {
    let i = inspect(member.iam.as_ref(), member.events.as_ref(), &m).await?;
    Ok(LinkedAccountModel {
        id: Some(m.account()),
        case_reader_role_arn: i.reader_arn,
        events_role_arn: i.events_arn,
        forwarding_rule_arn: i.rule_arn,
        query_role_arn: i.query_arn,
        status: Some(if i.problems.is_empty() {
            WIRED.to_owned()
        } else {
            format!("drifted: {}", i.problems.join("; "))
        }),
        ..m
    })
}

/// Asks the enricher, through the central bus, to read the account's recent cases. Sent as the
/// member itself (through its access role): EventBridge stamps the sender's account on the event,
/// and the enricher backfills only the account a request comes from.
pub(crate) async fn request_backfill(c: &Configured, m: &LinkedAccountModel, days: u64) -> Result<(), Diagnostics> {
    let failed = |detail: String| Diagnostic::error("Cannot request the backfill", detail);
    let request = BackfillRequest::new(m.account(), days)
        .map_err(|e| failed(e.to_string()).at(AttributePath::root().attribute("backfill_days")))?;
    let central = m.central_bus_arn.clone().unwrap_or_default();
    let member = Member::of(c, m).await;
    member
        .events
        .put_event(&central, BACKFILL_SOURCE, BACKFILL_DETAIL_TYPE, &request.detail())
        .await
        .map_err(|e| failed(e.to_string()).into())
}

fn schema_block(data_source: bool) -> Block {
    let s = |name: &str, d: &str| Attribute::new(name, Type::String).computed().description(d);
    let mut b = Block::new(if data_source {
        "Checks one member account's CIMA wiring without changing anything: `healthy` and the list of `problems` (\"forwarding rule missing\", \"rule targets <other bus>\", \"case-reader role trusts <other principal>\", \"access role cannot be assumed\", …)."
    } else {
        "Wires one member account into the CIMA pipeline, reached by assuming `access_role_name` into it: a case-reader role trusted only by the enricher's role, an events role allowed to put events on the central bus only, a default-bus rule in us-east-1 forwarding `aws.support` events (and nothing else: the enricher puts enriched events on the central bus itself) to the central bus, and optionally the chat API's read-only role. Read re-reads every part, so anything deleted or edited out of band shows on plan in `status` and the next apply repairs it: a role, trust or inline policy missing or changed, a managed policy attached to a CIMA role (detached; delete detaches it too), the forwarding rule missing, disabled, retargeted or given another target. An account the provider cannot act in (access role deleted or refused, an SCP, the account closed) is a warning on read, not an error: its state is kept as last read, and every other account plans and applies as usual. Removing such an account from the configuration succeeds with a warning, deleting nothing, when Organizations reports it SUSPENDED, PENDING_CLOSURE or no longer in the organization; an ACTIVE account that refuses fails the delete and its resource stays in the state until the provider can reach it (or `terraform state rm`), so wiring that is probably still there is never forgotten silently. Import by account id, or by `<account id>,access_role_name=<role>,case_reader_role_name=<role>,query_role_name=<role>` with the names that are not the defaults."
    })
    .attribute(Attribute::new("account_id", Type::String).required().description("The member account (12 digits). Changing it replaces the wiring."))
    .attribute(Attribute::new("access_role_name", Type::String).optional().description("Role assumed in the member account. Default: the provider's `member_access_role_name`."))
    .attribute(Attribute::new("central_bus_arn", Type::String).required().description("ARN of the central bus (`cima_case_pipeline.bus_arn`)."))
    .attribute(Attribute::new("enricher_role_arn", Type::String).required().description("The enricher function's role: the only principal the case-reader role trusts."))
    .attribute(Attribute::new("organization_id", Type::String).optional().description("When set, the case-reader role's trust also requires aws:PrincipalOrgID."))
    .attribute(Attribute::new("case_reader_role_name", Type::String).optional().description(format!("Default `{DEFAULT_CASE_READER_ROLE}`. Changing it replaces the wiring.")))
    .attribute(Attribute::new("enriched_source", Type::String).optional().deprecated().description(format!("Deprecated, no effect: members forward only `aws.support`, and the enricher puts enriched events (default source `{DEFAULT_ENRICHED_SOURCE}`) on the central bus itself, so a member cannot forge a record. Remove it from the configuration.")))
    .attribute(Attribute::new("dead_letter_queue_arn", Type::String).optional().description("SQS queue (usually the central pipeline's, `cima-central`'s `dlq_arn`) for the events the forwarding rule could not deliver after its retries (24 hours, 185 attempts), so none is lost silently. Its policy must let `events.amazonaws.com` send from this account's `cima-forward-support` rule."));
    if !data_source {
        b = b
            .attribute(Attribute::new("backfill_days", Type::Number).optional().description(
                "On create, ask the enricher to backfill this many days of existing cases (0 to 365, default 0). The request is put on the central bus as the member (through `access_role_name`): the enricher backfills only the account a request comes from.",
            ))
            .attribute(
                Attribute::new("tags", Type::Map(Box::new(Type::String)))
                    .optional()
                    .description("Tags on the roles created."),
            )
            .block(NestedBlock::new(
                "query_role",
                BlockNesting::Single,
                Block::new("The chat API's read-only role in the member account.")
                    .attribute(
                        Attribute::new("enabled", Type::Bool)
                            .optional()
                            .description("Default `true` when the block is present."),
                    )
                    .attribute(
                        Attribute::new("name", Type::String)
                            .optional()
                            .description(format!("Default `{DEFAULT_QUERY_ROLE}`.")),
                    )
                    .attribute(
                        Attribute::new("trusted_role_arn", Type::String)
                            .required()
                            .description("The chat API Lambda's role, the only principal trusted."),
                    )
                    .attribute(
                        Attribute::new("external_id", Type::String)
                            .optional()
                            .sensitive()
                            .description("External id the trust requires."),
                    ),
            ))
            .block(NestedBlock::new(
                "timeouts",
                BlockNesting::Single,
                Block::new("Bounds on create and delete, as \"30s\", \"10m\", \"1h\". Default 10m each.")
                    .attribute(Attribute::new("create", Type::String).optional().description("Create timeout."))
                    .attribute(Attribute::new("delete", Type::String).optional().description("Delete timeout.")),
            ));
    }
    if data_source {
        b = b
            .attribute(
                Attribute::new("healthy", Type::Bool)
                    .computed()
                    .description("True when every part is present and as CIMA wires it."),
            )
            .attribute(
                Attribute::new("problems", Type::List(Box::new(Type::String)))
                    .computed()
                    .description("What is missing or drifted; empty when healthy."),
            );
    } else {
        b = b
            .attribute(s("id", "The account id."))
            .attribute(s("case_reader_role_arn", "ARN of the case-reader role; null when missing."))
            .attribute(s("events_role_arn", "ARN of the events role; null when missing."))
            .attribute(s("forwarding_rule_arn", "ARN of the forwarding rule; null when missing."))
            .attribute(s("query_role_arn", "ARN of the query role; null when not wired."))
            .attribute(s(
                "status",
                "`wired`, or `drifted: …` naming what is missing or changed (the next apply repairs it).",
            ));
    }
    b
}

#[async_trait]
impl Resource for LinkedAccountResource {
    const TYPE_NAME: &'static str = "cima_linked_account";
    type Model = LinkedAccountModel;

    fn schema(&self) -> Schema {
        Schema::new(schema_block(false))
    }

    fn validate(&self, config: &LinkedAccountModel) -> Diagnostics {
        validate_linked(config)
    }

    fn requires_replace(&self) -> Vec<AttributePath> {
        vec![AttributePath::root().attribute("account_id"), AttributePath::root().attribute("case_reader_role_name")]
    }

    fn stable_computed(&self) -> Vec<&'static str> {
        vec!["id", "case_reader_role_arn", "events_role_arn", "forwarding_rule_arn", "query_role_arn"]
    }

    async fn modify_plan(
        &self,
        _: &Ctx,
        prior: Option<&LinkedAccountModel>,
        _: &LinkedAccountModel,
        changes: &mut PlanChanges,
    ) -> Result<(), Diagnostics> {
        if let Some(p) = prior
            && p.status.as_deref() != Some(WIRED)
        {
            changes.unknown.extend(
                ["status", "case_reader_role_arn", "events_role_arn", "forwarding_rule_arn", "query_role_arn"]
                    .map(String::from),
            );
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Ctx,
        config: LinkedAccountModel,
        _: &mut Diagnostics,
    ) -> Result<LinkedAccountModel, Diagnostics> {
        let c = self.data.get()?;
        let limit = Self::timeout(config.timeouts.as_ref().and_then(|t| t.create.as_ref()));
        let m = tokio::time::timeout(limit, self.wire(ctx, c, &config)).await.map_err(|_| {
            Diagnostics::from(Diagnostic::error(
                "Timed out",
                format!("Wiring account {} took longer than {limit:?}.", config.account()),
            ))
        })??;
        if let Some(days) = config.backfill_days.and_then(|d| u64::try_from(d).ok()).filter(|d| *d > 0) {
            request_backfill(c, &config, days).await?;
        }
        Ok(m)
    }

    async fn read(
        &self,
        _ctx: &Ctx,
        state: LinkedAccountModel,
        diags: &mut Diagnostics,
    ) -> Result<Option<LinkedAccountModel>, Diagnostics> {
        let c = self.data.get()?;
        let member = Member::of(c, &state).await;
        let m = match observe(&member, state.clone()).await {
            Ok(m) => m,
            Err(e) if e.is_access_denied() => {
                diags.push(member.unreadable(&e, &Standing::of(c, &member.account).await));
                return Ok(Some(state));
            }
            Err(e) => return Err(member.failed(e)),
        };
        let nothing_left =
            m.case_reader_role_arn.is_none() && m.events_role_arn.is_none() && m.forwarding_rule_arn.is_none();
        Ok(if nothing_left { None } else { Some(m) })
    }

    async fn update(
        &self,
        ctx: &Ctx,
        prior: LinkedAccountModel,
        config: LinkedAccountModel,
        _: &mut Diagnostics,
    ) -> Result<LinkedAccountModel, Diagnostics> {
        let c = self.data.get()?;
        if prior.query().is_some() && config.query().is_none() {
            let member = Member::of(c, &prior).await;
            member.iam.delete_role(&prior.query_name()).await.map_err(|e| member.failed(e.into()))?;
        }
        self.wire(ctx, c, &config).await
    }

    async fn delete(&self, ctx: &Ctx, prior: LinkedAccountModel, diags: &mut Diagnostics) -> Result<(), Diagnostics> {
        let c = self.data.get()?;
        let limit = Self::timeout(prior.timeouts.as_ref().and_then(|t| t.delete.as_ref()));
        let member = Member::of(c, &prior).await;
        let (iam, events) = (member.iam.as_ref(), member.events.as_ref());
        let work = async {
            // Only what this resource created: our rule's targets, our rule, our roles. Targets
            // added to our rule out of band go too: EventBridge deletes no rule that has any.
            let ids: Vec<String> = events.targets(MEMBER_BUS, FORWARD_RULE).await?.into_iter().map(|t| t.id).collect();
            events.remove_targets(MEMBER_BUS, FORWARD_RULE, &ids).await?;
            events.delete_rule(MEMBER_BUS, FORWARD_RULE).await?;
            iam.delete_role(EVENTS_ROLE).await?;
            iam.delete_role(&prior.reader()).await?;
            if prior.query().is_some() {
                iam.delete_role(&prior.query_name()).await?;
            }
            Ok::<_, MemberError>(())
        };
        let outcome = ctx
            .run(&format!("unwiring account {}", prior.account()), async {
                tokio::time::timeout(limit, work).await.map_err(|_| {
                    Diagnostics::from(Diagnostic::error("Timed out", format!("Unwiring took longer than {limit:?}.")))
                })
            })
            .await?;
        match outcome {
            Ok(()) => Ok(()),
            Err(e) if e.is_access_denied() => {
                diags.push(member.undeletable(&e, &Standing::of(c, &member.account).await)?);
                Ok(())
            }
            Err(e) => Err(member.failed(e)),
        }
    }

    /// The member account: what `list "cima_linked_account"` finds and `import { identity = … }`
    /// names. Import by identity reads the wiring under the provider's role names, as an import
    /// id of the account alone does.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::new(vec![IdentityAttribute::required(
            "account_id",
            Type::String,
            "The member account the wiring is in (12 digits).",
        )]))
    }

    fn identity(&self, state: &LinkedAccountModel) -> Option<serde_json::Value> {
        state.account_id.as_ref().map(|a| serde_json::json!({ "account_id": a }))
    }

    fn import_id(&self, identity: &serde_json::Value) -> Result<String, Diagnostics> {
        identity_string(identity, "account_id").map(str::to_owned)
    }

    async fn import(&self, _ctx: &Ctx, id: &str, _: &mut Diagnostics) -> Result<LinkedAccountModel, Diagnostics> {
        let names = parse_import_id(id).map_err(|why| Diagnostic::error("Invalid import id", why))?;
        let c = self.data.get()?;
        let member = Member::of(c, &names).await;
        let found = deployed(&member, names.clone()).await.map_err(|e| member.failed(e))?;
        match found {
            Some(d) if d.has_rule_target && d.has_reader => Ok(d.model),
            _ => Err(Diagnostic::error(
                "Nothing to import",
                format!(
                    "Account {} has no CIMA forwarding rule or no case-reader role named {:?}.",
                    names.account(),
                    names.reader()
                ),
            )
            .into()),
        }
    }
}

/// What of CIMA's wiring an account holds, read back as the inputs that made it.
pub(crate) struct Deployed {
    pub model: LinkedAccountModel,
    /// The forwarding rule has CIMA's target (so the central bus is known).
    pub has_rule_target: bool,
    /// The case-reader role exists (so the enricher and organization are known).
    pub has_reader: bool,
}

/// Reads the wiring under `names`' role names: the central bus from the forwarding rule's target,
/// the enricher and organization from the case-reader role's trust, the chat API's principal
/// from the query role's trust. `None` when the account has none of CIMA's pieces (the rule,
/// the case-reader role, the events role).
pub(crate) async fn deployed(member: &Member, names: LinkedAccountModel) -> Result<Option<Deployed>, MemberError> {
    let rule = member.events.describe_rule(MEMBER_BUS, FORWARD_RULE).await?;
    let target = match &rule {
        Some(_) => member.events.targets(MEMBER_BUS, FORWARD_RULE).await?.into_iter().find(|t| t.id == FORWARD_TARGET),
        None => None,
    };
    let reader = member.iam.get_role(&names.reader()).await?;
    if rule.is_none() && reader.is_none() && member.iam.get_role(EVENTS_ROLE).await?.is_none() {
        return Ok(None);
    }
    let query = member.iam.get_role(&names.query_name()).await?.map(|q| QueryRoleModel {
        name: names.query_role.as_ref().and_then(|q| q.name.clone()),
        trusted_role_arn: trusted_principal(&q.trust),
        external_id: trust_external_id(&q.trust),
        ..QueryRoleModel::default()
    });
    let (has_rule_target, has_reader) = (target.is_some(), reader.is_some());
    let model = LinkedAccountModel {
        dead_letter_queue_arn: target.as_ref().and_then(|t| t.dead_letter_arn.clone()),
        central_bus_arn: target.map(|t| t.arn),
        enricher_role_arn: reader.as_ref().and_then(|r| trusted_principal(&r.trust)),
        organization_id: reader.as_ref().and_then(|r| trust_organization(&r.trust)),
        // Deprecated, and nothing in AWS says what it was.
        enriched_source: None,
        query_role: query,
        ..names
    };
    Ok(Some(Deployed { model, has_rule_target, has_reader }))
}

/// `<account id>` or `<account id>,<name>=<value>,…` with the names the wiring was made with
/// when they are not the defaults: `access_role_name`, `case_reader_role_name`,
/// `query_role_name`. The model holds exactly the names given.
fn parse_import_id(id: &str) -> Result<LinkedAccountModel, String> {
    const FORM: &str = "Import by `<account id>`, or `<account id>,access_role_name=<role>,case_reader_role_name=<role>,query_role_name=<role>` with any of the names that are not the defaults.";
    let mut parts = id.split(',');
    let account = parts.next().unwrap_or_default().trim();
    if !ids::is_account_id(account) {
        return Err(format!("{account:?} is not a 12-digit account id. {FORM}"));
    }
    let mut m = LinkedAccountModel { account_id: Some(account.to_owned()), ..LinkedAccountModel::default() };
    for part in parts {
        let (key, value) = part.split_once('=').map(|(k, v)| (k.trim(), v.trim())).unwrap_or((part.trim(), ""));
        if value.is_empty() {
            return Err(format!("{part:?} is not <name>=<value>. {FORM}"));
        }
        let slot = match key {
            "access_role_name" => &mut m.access_role_name,
            "case_reader_role_name" => &mut m.case_reader_role_name,
            "query_role_name" => &mut m.query_role.get_or_insert_with(QueryRoleModel::default).name,
            _ => return Err(format!("{key:?} is not a name an import id takes. {FORM}")),
        };
        if slot.replace(value.to_owned()).is_some() {
            return Err(format!("{key} is given twice. {FORM}"));
        }
    }
    Ok(m)
}

fn trust_external_id(trust: &serde_json::Value) -> Option<String> {
    normalise(trust)["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"].as_str().map(str::to_owned)
}

/// `data "cima_linked_account"`: the health check.
pub struct LinkedAccountDataSource {
    data: Arc<ProviderData>,
}

impl LinkedAccountDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct HealthModel {
    pub account_id: Option<String>,
    pub access_role_name: Option<String>,
    pub central_bus_arn: Option<String>,
    pub enricher_role_arn: Option<String>,
    pub organization_id: Option<String>,
    pub case_reader_role_name: Option<String>,
    pub enriched_source: Option<String>,
    pub dead_letter_queue_arn: Option<String>,
    pub healthy: Option<bool>,
    pub problems: Option<Vec<String>>,
}

#[async_trait]
impl DataSource for LinkedAccountDataSource {
    const TYPE_NAME: &'static str = "cima_linked_account";
    type Model = HealthModel;

    fn schema(&self) -> Schema {
        Schema::new(schema_block(true))
    }

    async fn read(&self, _ctx: &Ctx, config: HealthModel, _: &mut Diagnostics) -> Result<HealthModel, Diagnostics> {
        let c = self.data.get()?;
        let want = LinkedAccountModel {
            account_id: config.account_id.clone(),
            access_role_name: config.access_role_name.clone(),
            central_bus_arn: config.central_bus_arn.clone(),
            enricher_role_arn: config.enricher_role_arn.clone(),
            organization_id: config.organization_id.clone(),
            case_reader_role_name: config.case_reader_role_name.clone(),
            enriched_source: config.enriched_source.clone(),
            dead_letter_queue_arn: config.dead_letter_queue_arn.clone(),
            ..LinkedAccountModel::default()
        };
        let member = Member::of(c, &want).await;
        let problems = match inspect(member.iam.as_ref(), member.events.as_ref(), &want).await {
            Ok(i) => i.problems,
            // A refusal is a finding of the health check, not a failure of it.
            Err(e) if e.is_access_denied() => vec![format!("access role cannot be assumed: {e}")],
            Err(e) => return Err(member.failed(e)),
        };
        Ok(HealthModel { healthy: Some(problems.is_empty()), problems: Some(problems), ..config })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::fakes::{ACCESS_ROLE, FakeAws, FakeRole, ORGANIZATION, PROVIDER_ACCOUNT, PROVIDER_REGION, SentEvent};

    const MEMBER: &str = "111122223333";
    const CENTRAL: &str = "arn:aws:events:us-east-1:123456789012:event-bus/cima-central";
    const ENRICHER: &str = "arn:aws:iam::123456789012:role/cima-enricher";
    const CHAT: &str = "arn:aws:iam::123456789012:role/chat-api";
    const DLQ: &str = "arn:aws:sqs:us-east-1:123456789012:cima-case-events-dlq";

    /// IAM as a retried CreateRole meets it: the first attempt made the role but its answer
    /// was lost, so the GetRole before it said "none" and the retry says "exists".
    struct LostCreateAnswer(crate::fakes::FakeIam, std::sync::atomic::AtomicBool);

    #[async_trait]
    impl IamApi for LostCreateAnswer {
        async fn get_role(&self, name: &str) -> Result<Option<crate::iam::Role>, IamError> {
            if !self.1.swap(true, std::sync::atomic::Ordering::SeqCst) {
                return Ok(None);
            }
            self.0.get_role(name).await
        }
        async fn create_role(
            &self,
            name: &str,
            trust: &str,
            description: &str,
            tags: &[(String, String)],
        ) -> Result<String, IamError> {
            self.0.create_role(name, trust, description, tags).await
        }
        async fn update_trust(&self, name: &str, trust: &str) -> Result<(), IamError> {
            self.0.update_trust(name, trust).await
        }
        async fn get_role_policy(&self, role: &str, policy: &str) -> Result<Option<serde_json::Value>, IamError> {
            self.0.get_role_policy(role, policy).await
        }
        async fn put_role_policy(&self, role: &str, policy: &str, document: &str) -> Result<(), IamError> {
            self.0.put_role_policy(role, policy, document).await
        }
        async fn attached_policies(&self, role: &str) -> Result<Vec<String>, IamError> {
            self.0.attached_policies(role).await
        }
        async fn detach_policy(&self, role: &str, policy_arn: &str) -> Result<(), IamError> {
            self.0.detach_policy(role, policy_arn).await
        }
        async fn delete_role(&self, name: &str) -> Result<(), IamError> {
            self.0.delete_role(name).await
        }
    }

    #[tokio::test]
    async fn a_role_whose_create_answer_was_lost_is_adopted() {
        let iam = LostCreateAnswer(crate::fakes::FakeIam::new(MEMBER), std::sync::atomic::AtomicBool::new(false));
        let first_trust = serde_json::json!({"Version": "2012-10-17", "Statement": []});
        let made = iam.0.create_role("CimaEventsRole", &first_trust.to_string(), "", &[]).await.unwrap();
        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "events.amazonaws.com"}}]});
        let arn =
            ensure_role(&iam, "CimaEventsRole", &trust, "d", &[]).await.expect("adopted, not EntityAlreadyExists");
        assert_eq!(arn, made);
        let found = iam.0.get_role("CimaEventsRole").await.unwrap().unwrap();
        assert!(same_policy(Some(&found.trust), &trust), "the adopted role's trust is ours: {}", found.trust);
    }

    fn config() -> LinkedAccountModel {
        LinkedAccountModel {
            account_id: Some(MEMBER.into()),
            central_bus_arn: Some(CENTRAL.into()),
            enricher_role_arn: Some(ENRICHER.into()),
            organization_id: Some(ORGANIZATION.into()),
            dead_letter_queue_arn: Some(DLQ.into()),
            ..LinkedAccountModel::default()
        }
    }

    fn with_query_role(m: LinkedAccountModel) -> LinkedAccountModel {
        let query_role = QueryRoleModel { trusted_role_arn: Some(CHAT.into()), ..QueryRoleModel::default() };
        LinkedAccountModel { query_role: Some(query_role), ..m }
    }

    /// The resource on fakes, retrying a fresh role's refusal without waiting.
    fn resource(aws: &Arc<FakeAws>) -> LinkedAccountResource {
        LinkedAccountResource {
            data: aws.provider_data(),
            role_retry: RoleRetry { attempts: ROLE_RETRY.attempts, first_delay: Duration::ZERO },
        }
    }

    async fn create(r: &LinkedAccountResource, m: LinkedAccountModel) -> Result<LinkedAccountModel, Diagnostics> {
        Resource::create(r, &Ctx::default(), m, &mut Diagnostics::new()).await
    }

    async fn read(r: &LinkedAccountResource, m: LinkedAccountModel) -> Result<Option<LinkedAccountModel>, Diagnostics> {
        Resource::read(r, &Ctx::default(), m, &mut Diagnostics::new()).await
    }

    async fn update(
        r: &LinkedAccountResource,
        prior: LinkedAccountModel,
        m: LinkedAccountModel,
    ) -> Result<LinkedAccountModel, Diagnostics> {
        Resource::update(r, &Ctx::default(), prior, m, &mut Diagnostics::new()).await
    }

    async fn health(aws: &Arc<FakeAws>, access_role: Option<&str>) -> Result<HealthModel, Diagnostics> {
        let ds = LinkedAccountDataSource::new(aws.provider_data());
        let config = HealthModel {
            account_id: Some(MEMBER.into()),
            access_role_name: access_role.map(str::to_owned),
            central_bus_arn: Some(CENTRAL.into()),
            enricher_role_arn: Some(ENRICHER.into()),
            ..HealthModel::default()
        };
        DataSource::read(&ds, &Ctx::default(), config, &mut Diagnostics::new()).await
    }

    fn only_error(d: &Diagnostics) -> &Diagnostic {
        let mut errors = d.iter().filter(|d| d.is_error());
        let first = errors.next().expect("an error");
        assert!(errors.next().is_none(), "{d}");
        first
    }

    #[tokio::test]
    async fn create_wires_every_part_in_the_member_account() {
        let aws = FakeAws::new();
        let m = create(&resource(&aws), config()).await.unwrap();
        assert_eq!(m.status.as_deref(), Some("wired"));
        assert_eq!(m.id.as_deref(), Some(MEMBER));

        let member = aws.account(MEMBER);
        let roles = member.iam.roles().clone();
        let reader = &roles[DEFAULT_CASE_READER_ROLE];
        assert_eq!(reader.trust, reader_trust(ENRICHER, Some(ORGANIZATION)));
        assert_eq!(reader.policies[READER_POLICY], reader_policy());
        assert!(!reader.policies[READER_POLICY].to_string().contains("events:"), "the reader only reads Support");
        let events_role = &roles[EVENTS_ROLE];
        assert_eq!(events_role.trust, events_trust());
        assert_eq!(events_role.policies[EVENTS_POLICY], events_policy(CENTRAL));
        assert_eq!(roles.len(), 2, "no query role unless asked: {:?}", roles.keys());
        assert_eq!(m.case_reader_role_arn.as_deref(), Some(reader.arn.as_str()));
        assert_eq!(m.events_role_arn.as_deref(), Some(events_role.arn.as_str()));
        assert_eq!(m.query_role_arn, None);

        // The rule is on the member's default bus in us-east-1, where Support's events arrive.
        let events = member.events(SUPPORT_REGION).state().clone();
        let rule = events.rule(MEMBER_BUS, FORWARD_RULE).expect("forwarding rule");
        let pattern: Value = serde_json::from_str(rule.pattern.as_deref().unwrap()).unwrap();
        assert_eq!(pattern, json!({"source": ["aws.support"]}), "a member's own heidi.support events stay home");
        assert_eq!(
            events.targets_of(MEMBER_BUS, FORWARD_RULE),
            [RuleTarget {
                id: FORWARD_TARGET.into(),
                arn: CENTRAL.into(),
                role_arn: Some(events_role.arn.clone()),
                dead_letter_arn: Some(DLQ.into()),
                max_event_age_seconds: Some(86_400),
                max_retry_attempts: Some(185),
                input: None,
            }]
        );
        assert_eq!(m.forwarding_rule_arn.as_deref(), Some(rule.arn.as_str()));
        assert!(member.events(PROVIDER_REGION).state().rules.is_empty(), "nothing in the provider's region");
        // No backfill unless asked.
        assert!(member.events(SUPPORT_REGION).state().sent.is_empty());
        assert!(aws.account(PROVIDER_ACCOUNT).events(SUPPORT_REGION).state().sent.is_empty());
    }

    #[tokio::test]
    async fn create_wires_the_query_role_and_asks_for_a_backfill() {
        let aws = FakeAws::new();
        let mut want = with_query_role(config());
        want.backfill_days = Some(30);
        if let Some(q) = want.query_role.as_mut() {
            q.external_id = Some("shared-secret".into());
        }
        let m = create(&resource(&aws), want).await.unwrap();
        assert_eq!(m.status.as_deref(), Some("wired"));

        let role = aws.account(MEMBER).iam.roles()[DEFAULT_QUERY_ROLE].clone();
        assert_eq!(role.trust, query_trust(CHAT, Some("shared-secret")));
        assert_eq!(role.policies[QUERY_POLICY], query_policy());
        assert_eq!(m.query_role_arn.as_deref(), Some(role.arn.as_str()));

        // The request goes on the central bus as the member itself (EventBridge stamps its
        // account on it; the enricher backfills only the sender), never as the provider.
        assert!(aws.account(PROVIDER_ACCOUNT).events(SUPPORT_REGION).state().sent.is_empty());
        let sent = aws.account(MEMBER).events(SUPPORT_REGION).state().sent.clone();
        let request = BackfillRequest::new(MEMBER, 30).unwrap();
        assert_eq!(
            sent,
            [SentEvent {
                bus: CENTRAL.into(),
                source: BACKFILL_SOURCE.into(),
                detail_type: BACKFILL_DETAIL_TYPE.into(),
                detail: request.detail(),
            }]
        );
    }

    #[tokio::test]
    async fn a_refused_backfill_fails_the_create() {
        let aws = FakeAws::new();
        aws.account(MEMBER).events(SUPPORT_REGION).ops.fail("PutEvents", "AccessDeniedException");
        let err = create(&resource(&aws), LinkedAccountModel { backfill_days: Some(7), ..config() }).await.unwrap_err();
        let d = only_error(&err);
        assert_eq!(d.summary, "Cannot request the backfill");
        assert!(d.detail.starts_with(&format!("EventBridge PutEvents {CENTRAL}: AccessDeniedException")), "{d}");
    }

    /// One way a part can break out of band, and what read says about it.
    type Breakage = (fn(&FakeAws), &'static str);

    fn breakages() -> Vec<Breakage> {
        fn iam(aws: &FakeAws, f: impl FnOnce(&mut BTreeMap<String, FakeRole>)) {
            f(&mut aws.account(MEMBER).iam.roles());
        }
        fn events(aws: &FakeAws, f: impl FnOnce(&mut crate::fakes::EventsState)) {
            f(&mut aws.account(MEMBER).events(SUPPORT_REGION).state());
        }
        fn rule() -> (String, String) {
            (MEMBER_BUS.to_owned(), FORWARD_RULE.to_owned())
        }
        vec![
            (|aws| iam(aws, |r| drop(r.remove(DEFAULT_CASE_READER_ROLE))), "case-reader role missing"),
            (
                |aws| iam(aws, |r| drop(r.get_mut(DEFAULT_CASE_READER_ROLE).unwrap().policies.remove(READER_POLICY))),
                "case-reader role policy missing or changed",
            ),
            (
                |aws| {
                    iam(aws, |r| {
                        let intruder = "arn:aws:iam::123456789012:role/intruder";
                        r.get_mut(DEFAULT_CASE_READER_ROLE).unwrap().trust = reader_trust(intruder, Some(ORGANIZATION));
                    })
                },
                "case-reader role trusts arn:aws:iam::123456789012:role/intruder",
            ),
            (
                |aws| iam(aws, |r| r.get_mut(DEFAULT_CASE_READER_ROLE).unwrap().trust = reader_trust(ENRICHER, None)),
                "case-reader role trust does not require aws:PrincipalOrgID o-abcdefghij",
            ),
            (|aws| iam(aws, |r| drop(r.remove(EVENTS_ROLE))), "events role missing"),
            (
                |aws| {
                    iam(aws, |r| {
                        let elsewhere = "arn:aws:events:us-east-1:123456789012:event-bus/elsewhere";
                        r.get_mut(EVENTS_ROLE).unwrap().policies.insert(EVENTS_POLICY.into(), events_policy(elsewhere));
                    })
                },
                "events role policy missing or changed",
            ),
            (
                |aws| {
                    events(aws, |s| {
                        s.targets.remove(&rule());
                        s.rules.remove(&rule());
                    })
                },
                "forwarding rule missing",
            ),
            (
                |aws| {
                    events(aws, |s| {
                        s.rules.get_mut(&rule()).unwrap().pattern =
                            Some(json!({"source": ["aws.support", "heidi.support"]}).to_string());
                    })
                },
                "forwarding rule pattern changed",
            ),
            (|aws| events(aws, |s| s.targets_mut(MEMBER_BUS, FORWARD_RULE).clear()), "forwarding rule has no target"),
            (
                |aws| {
                    events(aws, |s| {
                        s.targets_mut(MEMBER_BUS, FORWARD_RULE)[0].arn =
                            "arn:aws:events:us-east-1:123456789012:event-bus/elsewhere".into();
                    })
                },
                "rule targets arn:aws:events:us-east-1:123456789012:event-bus/elsewhere",
            ),
            (|aws| events(aws, |s| s.rules.get_mut(&rule()).unwrap().enabled = false), "forwarding rule disabled"),
            (
                |aws| {
                    events(aws, |s| {
                        s.targets_mut(MEMBER_BUS, FORWARD_RULE).push(RuleTarget {
                            id: "copy".into(),
                            arn: "arn:aws:sqs:us-east-1:111122223333:cases".into(),
                            ..RuleTarget::default()
                        });
                    })
                },
                "forwarding rule has an extra target copy (arn:aws:sqs:us-east-1:111122223333:cases)",
            ),
            (
                |aws| {
                    events(aws, |s| {
                        s.targets_mut(MEMBER_BUS, FORWARD_RULE)[0].role_arn =
                            Some("arn:aws:iam::111122223333:role/other".into());
                    })
                },
                "forwarding target acts as arn:aws:iam::111122223333:role/other",
            ),
            (
                |aws| events(aws, |s| s.targets_mut(MEMBER_BUS, FORWARD_RULE)[0].dead_letter_arn = None),
                "forwarding target's dead-letter queue is none",
            ),
            (
                |aws| {
                    iam(aws, |r| {
                        let trust = &mut r.get_mut(DEFAULT_CASE_READER_ROLE).unwrap().trust;
                        trust["Statement"].as_array_mut().unwrap().push(json!({"Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"}));
                    })
                },
                "case-reader role trust changed",
            ),
            (
                |aws| {
                    iam(aws, |r| {
                        let anyone = "arn:aws:iam::999999999999:root";
                        r.get_mut(EVENTS_ROLE).unwrap().trust = query_trust(anyone, None);
                    })
                },
                "events role trust changed",
            ),
            (
                |aws| {
                    iam(aws, |r| {
                        let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
                        r.get_mut(EVENTS_ROLE).unwrap().attached.insert(admin.into());
                    })
                },
                "events role has managed policies attached: arn:aws:iam::aws:policy/AdministratorAccess",
            ),
            (
                |aws| {
                    iam(aws, |r| {
                        let attached = &mut r.get_mut(DEFAULT_CASE_READER_ROLE).unwrap().attached;
                        attached.insert("arn:aws:iam::aws:policy/ReadOnlyAccess".into());
                        attached.insert("arn:aws:iam::111122223333:policy/extra".into());
                    })
                },
                "case-reader role has managed policies attached: arn:aws:iam::111122223333:policy/extra, arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
        ]
    }

    #[tokio::test]
    async fn read_names_each_drift_and_update_repairs_it() {
        for (break_it, problem) in breakages() {
            let aws = FakeAws::new();
            let r = resource(&aws);
            let wired = create(&r, config()).await.unwrap();
            let roles_before = aws.account(MEMBER).iam.roles().clone();
            break_it(&aws);

            let drifted = read(&r, wired.clone()).await.unwrap().expect("still there");
            assert_eq!(drifted.status, Some(format!("drifted: {problem}")), "{problem}");
            let mut changes = PlanChanges::default();
            Resource::modify_plan(&r, &Ctx::default(), Some(&drifted), &config(), &mut changes).await.unwrap();
            assert!(changes.unknown.contains(&"status".to_owned()), "{problem}: plan shows an update");

            let repaired = update(&r, drifted, config()).await.unwrap();
            assert_eq!(repaired.status.as_deref(), Some("wired"), "{problem}");
            let reread = read(&r, repaired).await.unwrap().unwrap();
            assert_eq!(reread.status.as_deref(), Some("wired"), "{problem}");
            let roles_after = aws.account(MEMBER).iam.roles().clone();
            assert_eq!(
                roles_after.values().map(|r| (&r.trust, &r.policies, &r.attached)).collect::<Vec<_>>(),
                roles_before.values().map(|r| (&r.trust, &r.policies, &r.attached)).collect::<Vec<_>>(),
                "{problem}: roles as wired"
            );
            let events = aws.account(MEMBER).events(SUPPORT_REGION).state().clone();
            assert!(events.rule(MEMBER_BUS, FORWARD_RULE).unwrap().enabled, "{problem}: rule enabled");
            let targets = events.targets_of(MEMBER_BUS, FORWARD_RULE);
            assert_eq!(targets.len(), 1, "{problem}: one target");
            let t = &targets[0];
            assert_eq!(
                (t.dead_letter_arn.as_deref(), t.max_event_age_seconds, t.max_retry_attempts),
                (Some(DLQ), Some(86_400), Some(185)),
                "{problem}: the target keeps its dead-letter queue and retry policy"
            );
        }
    }

    #[tokio::test]
    async fn a_wired_account_plans_nothing_and_a_bare_one_is_gone() {
        let aws = FakeAws::new();
        let r = resource(&aws);
        let wired = create(&r, config()).await.unwrap();
        let mut changes = PlanChanges::default();
        Resource::modify_plan(&r, &Ctx::default(), Some(&wired), &config(), &mut changes).await.unwrap();
        assert!(changes.unknown.is_empty(), "{:?}", changes.unknown);
        assert_eq!(read(&r, wired.clone()).await.unwrap().as_ref(), Some(&wired));

        aws.account(MEMBER).iam.roles().clear();
        {
            let events = aws.account(MEMBER).events(SUPPORT_REGION);
            let mut state = events.state();
            state.targets.clear();
            state.rules.clear();
        }
        assert_eq!(read(&r, wired).await.unwrap(), None, "nothing left: Terraform plans a create");
    }

    #[tokio::test]
    async fn removing_the_query_role_block_deletes_the_role() {
        let aws = FakeAws::new();
        let r = resource(&aws);
        let with = create(&r, with_query_role(config())).await.unwrap();
        assert!(aws.account(MEMBER).iam.roles().contains_key(DEFAULT_QUERY_ROLE));
        let without = update(&r, with, config()).await.unwrap();
        assert!(!aws.account(MEMBER).iam.roles().contains_key(DEFAULT_QUERY_ROLE));
        assert_eq!((without.status.as_deref(), without.query_role_arn), (Some("wired"), None));
    }

    #[tokio::test]
    async fn delete_removes_what_it_made_and_nothing_else() {
        let aws = FakeAws::new();
        let member = aws.account(MEMBER);
        let access = FakeRole { arn: format!("arn:aws:iam::{MEMBER}:role/{ACCESS_ROLE}"), ..FakeRole::default() };
        member.iam.roles().insert(ACCESS_ROLE.into(), access);
        let other =
            RuleTarget { id: "mine".into(), arn: "arn:aws:sqs:us-east-1:111122223333:q".into(), ..Default::default() };
        let events = member.events(SUPPORT_REGION);
        events.put_rule(MEMBER_BUS, "someone-elses", "{}", "").await.unwrap();
        events.put_target(MEMBER_BUS, "someone-elses", &other).await.unwrap();

        let r = resource(&aws);
        let wired = create(&r, with_query_role(config())).await.unwrap();
        Resource::delete(&r, &Ctx::default(), wired, &mut Diagnostics::new()).await.unwrap();

        assert_eq!(member.iam.roles().keys().collect::<Vec<_>>(), [ACCESS_ROLE]);
        let state = events.state();
        assert_eq!(state.rules.keys().map(|(_, n)| n.as_str()).collect::<Vec<_>>(), ["someone-elses"]);
        assert_eq!(state.targets_of(MEMBER_BUS, "someone-elses"), [other]);
    }

    #[tokio::test]
    async fn an_account_whose_access_role_is_refused_says_so() {
        let aws = FakeAws::new();
        aws.refuse(MEMBER);
        let r = resource(&aws);

        let err = create(&r, config()).await.unwrap_err();
        let d = only_error(&err);
        assert_eq!(d.summary, format!("Cannot act in account {MEMBER}"));
        assert!(d.detail.starts_with("IAM GetRole CimaCaseReaderRole: AccessDenied: User: "), "{d}");
        assert!(d.detail.contains(&format!("as the role \"{ACCESS_ROLE}\"")), "{d}");
        // Read warns instead (an_unreachable_account_is_a_warning_on_read_and_keeps_its_state).

        // The health check reports it as a finding, with AWS's own words.
        let h = health(&aws, Some("NoSuchAccessRole")).await.unwrap();
        assert_eq!(h.healthy, Some(false));
        let problems = h.problems.unwrap();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].starts_with("access role cannot be assumed: IAM GetRole CimaCaseReaderRole: AccessDenied: "),
            "{problems:?}"
        );
        assert!(problems[0].ends_with(&format!("arn:aws:iam::{MEMBER}:role/NoSuchAccessRole")), "{problems:?}");
    }

    #[tokio::test]
    async fn health_reports_findings_and_fails_on_other_errors() {
        let aws = FakeAws::new();
        create(&resource(&aws), config()).await.unwrap();
        let h = health(&aws, None).await.unwrap();
        assert_eq!((h.healthy, h.problems), (Some(true), Some(Vec::new())));

        aws.account(MEMBER).iam.roles().remove(EVENTS_ROLE);
        let h = health(&aws, None).await.unwrap();
        assert_eq!((h.healthy, h.problems), (Some(false), Some(vec!["events role missing".to_owned()])));

        // Throttling is no finding about the account: the read fails.
        aws.account(MEMBER).iam.ops.fail("GetRole", "Throttling");
        let err = health(&aws, None).await.unwrap_err();
        let d = only_error(&err);
        assert_eq!(d.summary, "IAM call failed");
        assert!(d.detail.starts_with("IAM GetRole CimaCaseReaderRole: Throttling"), "{d}");
    }

    #[tokio::test]
    async fn a_fresh_role_refused_at_first_use_is_retried_other_errors_are_not() {
        let aws = FakeAws::new();
        let events = aws.account(MEMBER).events(SUPPORT_REGION);
        events.ops.fail_times("PutTargets", "AccessDeniedException", 2);
        let m = create(&resource(&aws), config()).await.unwrap();
        assert_eq!(m.status.as_deref(), Some("wired"));
        assert_eq!(events.ops.count("PutTargets"), 3);

        let aws = FakeAws::new();
        let events = aws.account(MEMBER).events(SUPPORT_REGION);
        events.ops.fail_times("PutTargets", "ValidationException", 1);
        let err = create(&resource(&aws), config()).await.unwrap_err();
        let d = only_error(&err);
        assert_eq!(d.summary, "EventBridge call failed");
        assert!(d.detail.starts_with("EventBridge PutTargets cima-forward-support: ValidationException"), "{d}");
        assert_eq!(events.ops.count("PutTargets"), 1);

        let aws = FakeAws::new();
        let events = aws.account(MEMBER).events(SUPPORT_REGION);
        events.ops.fail("PutTargets", "AccessDeniedException");
        let err = create(&resource(&aws), config()).await.unwrap_err();
        assert_eq!(only_error(&err).summary, format!("Cannot act in account {MEMBER}"));
        assert_eq!(events.ops.count("PutTargets"), ROLE_RETRY.attempts as usize, "bounded");
    }

    #[tokio::test]
    async fn import_reads_the_inputs_back_from_what_is_deployed() {
        let aws = FakeAws::new();
        let r = resource(&aws);
        let wired = create(&r, config()).await.unwrap();
        let imported = Resource::import(&r, &Ctx::default(), MEMBER, &mut Diagnostics::new()).await.unwrap();
        assert_eq!(imported.central_bus_arn.as_deref(), Some(CENTRAL));
        assert_eq!(imported.enricher_role_arn.as_deref(), Some(ENRICHER));
        assert_eq!(imported.organization_id.as_deref(), Some(ORGANIZATION));
        assert_eq!(read(&r, imported).await.unwrap().as_ref(), Some(&wired));

        let bare = "444455556666";
        let err = Resource::import(&r, &Ctx::default(), bare, &mut Diagnostics::new()).await.unwrap_err();
        assert_eq!(only_error(&err).summary, "Nothing to import");
        let err = Resource::import(&r, &Ctx::default(), "4444", &mut Diagnostics::new()).await.unwrap_err();
        assert_eq!(only_error(&err).summary, "Invalid import id");
    }

    async fn read_with(
        r: &LinkedAccountResource,
        m: LinkedAccountModel,
    ) -> (Result<Option<LinkedAccountModel>, Diagnostics>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let got = Resource::read(r, &Ctx::default(), m, &mut diags).await;
        (got, diags)
    }

    async fn delete_with(r: &LinkedAccountResource, m: LinkedAccountModel) -> (Result<(), Diagnostics>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let got = Resource::delete(r, &Ctx::default(), m, &mut diags).await;
        (got, diags)
    }

    fn only_warning(d: &Diagnostics) -> &Diagnostic {
        assert!(!d.has_errors(), "{d}");
        assert_eq!(d.len(), 1, "{d}");
        d.iter().next().unwrap()
    }

    /// The call refused, AWS's code and words, and nothing of the SDK's or our own types.
    fn says_aws_refusal(call: &str, detail: &str) {
        assert!(detail.starts_with(&format!("{call}: AccessDenied: User: ")), "{detail}");
        assert!(
            detail.contains(&format!("sts:AssumeRole on resource: arn:aws:iam::{MEMBER}:role/{ACCESS_ROLE}")),
            "{detail}"
        );
        for debug in ["AwsError", "IamError", "Some(", "{ code"] {
            assert!(!detail.contains(debug), "no Debug dump: {detail}");
        }
    }

    #[tokio::test]
    async fn an_unreachable_account_is_a_warning_on_read_and_keeps_its_state() {
        const OTHER: &str = "444455556666";
        let aws = FakeAws::new();
        aws.org.add(MEMBER, "ACTIVE", &[]);
        let r = resource(&aws);
        let wired = create(&r, config()).await.unwrap();
        let other = create(&r, LinkedAccountModel { account_id: Some(OTHER.into()), ..config() }).await.unwrap();
        aws.refuse(MEMBER);

        let (got, diags) = read_with(&r, wired.clone()).await;
        assert_eq!(got.unwrap().as_ref(), Some(&wired), "the state as last read");
        let w = only_warning(&diags);
        assert_eq!(w.summary, format!("Cannot reach account {MEMBER}: its wiring was not read"));
        says_aws_refusal("IAM GetRole CimaCaseReaderRole", &w.detail);
        assert!(w.detail.contains("The account is ACTIVE in the organization."), "{w}");
        assert!(w.detail.contains("Restore the role"), "{w}");
        let mut changes = PlanChanges::default();
        Resource::modify_plan(&r, &Ctx::default(), Some(&wired), &config(), &mut changes).await.unwrap();
        assert!(changes.unknown.is_empty(), "no change planned for it: {:?}", changes.unknown);

        // Every other account reads as usual.
        let (got, diags) = read_with(&r, other.clone()).await;
        assert_eq!((got.unwrap(), diags.is_empty()), (Some(other), true));

        // A closed account says what to do about it.
        aws.org.set_status(MEMBER, "SUSPENDED");
        let (_, diags) = read_with(&r, wired.clone()).await;
        let w = only_warning(&diags);
        assert!(w.detail.contains("The account is SUSPENDED in the organization: it is closed"), "{w}");
        assert!(w.detail.contains("Remove the account from the configuration"), "{w}");

        // Anything but a refusal still fails the read.
        let aws = FakeAws::new();
        let r = resource(&aws);
        let wired = create(&r, config()).await.unwrap();
        aws.account(MEMBER).iam.ops.fail("GetRole", "ServiceFailure");
        let (got, _) = read_with(&r, wired).await;
        assert_eq!(only_error(&got.unwrap_err()).summary, "IAM call failed");
    }

    #[tokio::test]
    async fn removing_a_closed_or_departed_account_deletes_nothing_and_says_so() {
        for status in [Some("SUSPENDED"), Some("PENDING_CLOSURE"), None] {
            let aws = FakeAws::new();
            if let Some(s) = status {
                aws.org.add(MEMBER, s, &[]);
            }
            let r = resource(&aws);
            let wired = create(&r, config()).await.unwrap();
            aws.refuse(MEMBER);

            let (got, diags) = delete_with(&r, wired).await;
            got.unwrap_or_else(|e| panic!("{status:?}: {e}"));
            let w = only_warning(&diags);
            assert_eq!(w.summary, format!("Account {MEMBER} could not be reached: nothing was deleted"));
            says_aws_refusal("EventBridge ListTargetsByRule cima-forward-support", &w.detail);
            let standing = match status {
                Some(s) => format!("The account is {s} in the organization: it is closed"),
                None => "The account is no longer in the organization.".to_owned(),
            };
            assert!(w.detail.contains(&standing), "{w}");
            assert!(w.detail.contains("the resource is removed from the state"), "{w}");
            assert_eq!(aws.account(MEMBER).iam.roles().len(), 2, "{status:?}: nothing deleted");
        }
    }

    #[tokio::test]
    async fn an_active_account_that_refuses_keeps_its_resource() {
        let aws = FakeAws::new();
        aws.org.add(MEMBER, "ACTIVE", &[]);
        let r = resource(&aws);
        let wired = create(&r, config()).await.unwrap();
        aws.refuse(MEMBER);

        let (got, diags) = delete_with(&r, wired.clone()).await;
        assert!(diags.is_empty(), "{diags}");
        let err = got.unwrap_err();
        let e = only_error(&err);
        assert_eq!(e.summary, format!("Cannot unwire account {MEMBER}"));
        says_aws_refusal("EventBridge ListTargetsByRule cima-forward-support", &e.detail);
        assert!(e.detail.contains("The account is ACTIVE in the organization."), "{e}");
        assert!(e.detail.contains("the resource stays in the state"), "{e}");
        assert!(e.detail.contains("terraform state rm"), "{e}");

        // When Organizations cannot tell, nothing is forgotten either.
        aws.org.ops.fail("DescribeAccount", "AccessDeniedException");
        let (got, _) = delete_with(&r, wired).await;
        let err = got.unwrap_err();
        let e = only_error(&err);
        assert!(
            e.detail.contains(&format!(
                "Its status in the organization could not be checked: Organizations DescribeAccount {MEMBER}: AccessDeniedException: "
            )),
            "{e}"
        );
    }

    #[tokio::test]
    async fn query_role_drift_is_named_and_repaired() {
        let aws = FakeAws::new();
        let r = resource(&aws);
        let want = with_query_role(config());
        let wired = create(&r, want.clone()).await.unwrap();
        {
            let member = aws.account(MEMBER);
            let mut roles = member.iam.roles();
            let q = roles.get_mut(DEFAULT_QUERY_ROLE).unwrap();
            q.trust = query_trust("arn:aws:iam::999999999999:root", None);
            q.attached.insert("arn:aws:iam::aws:policy/AdministratorAccess".into());
        }
        let drifted = read(&r, wired).await.unwrap().unwrap();
        assert_eq!(
            drifted.status.as_deref(),
            Some(
                "drifted: query role trust changed; query role has managed policies attached: arn:aws:iam::aws:policy/AdministratorAccess"
            )
        );
        let repaired = update(&r, drifted, want).await.unwrap();
        assert_eq!(repaired.status.as_deref(), Some("wired"));
        let q = aws.account(MEMBER).iam.roles()[DEFAULT_QUERY_ROLE].clone();
        assert_eq!((q.trust, q.attached.len()), (query_trust(CHAT, None), 0));
    }

    #[tokio::test]
    async fn delete_removes_targets_added_to_our_rule() {
        let aws = FakeAws::new();
        let r = resource(&aws);
        let wired = create(&r, config()).await.unwrap();
        let extra =
            RuleTarget { id: "copy".into(), arn: "arn:aws:sqs:us-east-1:111122223333:q".into(), ..Default::default() };
        aws.account(MEMBER).events(SUPPORT_REGION).state().targets_mut(MEMBER_BUS, FORWARD_RULE).push(extra);
        Resource::delete(&r, &Ctx::default(), wired, &mut Diagnostics::new()).await.unwrap();
        assert!(aws.account(MEMBER).events(SUPPORT_REGION).state().rules.is_empty());
    }

    #[tokio::test]
    async fn import_with_non_default_names_round_trips() {
        let aws = FakeAws::new();
        let r = resource(&aws);
        let want = LinkedAccountModel {
            access_role_name: Some("CimaAdmin".into()),
            case_reader_role_name: Some("AcmeCaseReader".into()),
            query_role: Some(QueryRoleModel {
                name: Some("AcmeChatQuery".into()),
                trusted_role_arn: Some(CHAT.into()),
                external_id: Some("shared-secret".into()),
                ..QueryRoleModel::default()
            }),
            ..config()
        };
        let wired = create(&r, want).await.unwrap();
        assert_eq!(wired.status.as_deref(), Some("wired"));
        let id = format!(
            "{MEMBER},access_role_name=CimaAdmin,case_reader_role_name=AcmeCaseReader,query_role_name=AcmeChatQuery"
        );
        let imported = Resource::import(&r, &Ctx::default(), &id, &mut Diagnostics::new()).await.unwrap();
        assert_eq!(read(&r, imported).await.unwrap().as_ref(), Some(&wired));

        // Without the names, nothing of it is found under the defaults.
        let err = Resource::import(&r, &Ctx::default(), MEMBER, &mut Diagnostics::new()).await.unwrap_err();
        assert!(only_error(&err).detail.contains("no case-reader role named \"CimaCaseReaderRole\""), "{err}");

        // The default query role is found without being named.
        let aws = FakeAws::new();
        let r = resource(&aws);
        let wired = create(&r, with_query_role(config())).await.unwrap();
        let imported = Resource::import(&r, &Ctx::default(), MEMBER, &mut Diagnostics::new()).await.unwrap();
        assert_eq!(read(&r, imported).await.unwrap().as_ref(), Some(&wired));
    }

    #[test]
    fn import_ids_name_only_known_names_once() {
        let m = parse_import_id("111122223333, access_role_name = Admin").unwrap();
        assert_eq!((m.account(), m.access_role_name.as_deref()), (MEMBER.to_owned(), Some("Admin")));
        assert_eq!(m.query_role, None);
        for bad in [
            "4444",
            "111122223333,colour=blue",
            "111122223333,access_role_name",
            "111122223333,access_role_name=",
            "111122223333,query_role_name=A,query_role_name=B",
        ] {
            let why = parse_import_id(bad).unwrap_err();
            assert!(why.contains("Import by `<account id>`"), "{bad}: {why}");
        }
    }

    #[test]
    fn policies_compare_whatever_shape_iam_returns() {
        let a = json!({"Version": "2012-10-17", "Statement": {"Sid": "x", "Effect": "Allow", "Action": "events:PutEvents", "Resource": "r"}});
        let b = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["events:PutEvents"], "Resource": "r"}]});
        assert!(same_policy(Some(&a), &b));
        assert!(!same_policy(None, &b));
    }

    #[test]
    fn query_policy_has_no_wildcard_service() {
        for a in QUERY_ROLE_ACTIONS {
            let (service, action) = a.split_once(':').unwrap();
            assert!(service != "*" && action != "*", "{a}");
            assert!(["Describe", "List", "Get"].iter().any(|p| action.starts_with(p)), "{a}");
        }
    }

    #[test]
    fn validation_paths_and_durations() {
        let c = LinkedAccountModel {
            account_id: Some("12345".into()),
            central_bus_arn: Some("arn:aws-cn:events:cn-north-1:123456789012:event-bus/cima".into()),
            enricher_role_arn: Some("arn:aws:iam::123456789012:role/enricher".into()),
            organization_id: Some("abc".into()),
            backfill_days: Some(400),
            ..Default::default()
        };
        let paths: Vec<String> =
            validate_linked(&c).iter().map(|d| d.attribute.as_ref().unwrap().to_string()).collect();
        assert_eq!(paths, ["account_id", "organization_id", "central_bus_arn", "backfill_days"]);
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("ten"), None);
    }
}
