//! `resource "cima_linked_account"` and `data "cima_linked_account"`: one member account wired
//! into the CIMA pipeline, reached by assuming `access_role_name` into it. This is why the
//! provider exists: one `for_each` over the organization wires every account, where a provider
//! block per account (or a StackSet) would be needed otherwise.
//!
//! In the member account, in us-east-1: the case-reader role the enricher assumes, an events role
//! allowed to put events on the central bus only, a default-bus rule forwarding `aws.support` and
//! the enriched source to the central bus, and optionally the chat API's read-only role.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cima_core::contract::{
    BACKFILL_DETAIL_TYPE, BACKFILL_SOURCE, BackfillRequest, DEFAULT_CASE_READER_ROLE, DEFAULT_ENRICHED_SOURCE,
    DEFAULT_QUERY_ROLE, EVENTS_ROLE, FORWARD_RULE, FORWARD_TARGET, MAX_BACKFILL_DAYS, SUPPORT_SOURCE,
};
use cima_core::errors::AwsError;
use cima_core::ids;
use cima_core::support::SUPPORT_REGION;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tfplugin::schema::{Attribute, Block, BlockNesting, NestedBlock, Schema};
use tfplugin::{AttributePath, Ctx, DataSource, Diagnostic, Diagnostics, PlanChanges, Resource, Type};

use crate::clients::Principal;
use crate::config::{Configured, ProviderData};
use crate::events::{EventsApi, EventsError, RuleTarget};
use crate::iam::{IamApi, IamError};

/// The member's rules live on its default bus.
const MEMBER_BUS: &str = "default";
const READER_POLICY: &str = "cima-case-reader";
const EVENTS_POLICY: &str = "cima-put-events-central-bus";
const QUERY_POLICY: &str = "cima-chat-read-only";
const WIRED: &str = "wired";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// The chat API's read-only access: these Describe/List/Get families and nothing broader.
const QUERY_ACTIONS: [&str; 28] = [
    "ec2:Describe*",
    "s3:GetBucket*",
    "s3:ListBucket*",
    "s3:ListAllMyBuckets",
    "rds:Describe*",
    "lambda:List*",
    "lambda:Get*",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListMetrics",
    "cloudwatch:GetMetricData",
    "config:GetResourceConfigHistory",
    "config:ListDiscoveredResources",
    "config:GetComplianceDetailsByResource",
    "ce:GetCostAndUsage",
    "ce:GetUsageReport",
    "ce:GetReservationCoverage",
    "iam:GetRole",
    "iam:ListRoles",
    "iam:GetPolicy",
    "iam:ListPolicies",
    "cloudformation:DescribeStacks",
    "cloudformation:ListStacks",
    "elasticloadbalancing:Describe*",
    "autoscaling:Describe*",
    "route53:List*",
    "route53:Get*",
    "support:DescribeCases",
    "support:DescribeCommunications",
];

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
    fn source(&self) -> String {
        self.enriched_source.clone().unwrap_or_else(|| DEFAULT_ENRICHED_SOURCE.to_owned())
    }
    fn query(&self) -> Option<&QueryRoleModel> {
        self.query_role.as_ref().filter(|q| q.enabled.unwrap_or(true))
    }
    fn query_name(&self) -> String {
        self.query().and_then(|q| q.name.clone()).unwrap_or_else(|| DEFAULT_QUERY_ROLE.to_owned())
    }
}

fn partition_of(arn: &str) -> &str {
    ids::parse_arn(arn).map(|a| a.partition).unwrap_or("aws")
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

pub fn reader_policy(partition: &str, account: &str) -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["support:DescribeCases", "support:DescribeCommunications"], "Resource": "*"},
        {"Effect": "Allow", "Action": "events:PutEvents",
         "Resource": format!("arn:{partition}:events:{SUPPORT_REGION}:{account}:event-bus/default")},
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

pub fn forward_pattern(source: &str) -> serde_json::Value {
    json!({"source": [SUPPORT_SOURCE, source]})
}

pub fn query_trust(trusted: &str, external_id: Option<&str>) -> serde_json::Value {
    let mut statement = json!({"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"});
    if let Some(x) = external_id {
        statement["Condition"] = json!({"StringEquals": {"sts:ExternalId": x}});
    }
    json!({"Version": "2012-10-17", "Statement": [statement]})
}

pub fn query_policy() -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": QUERY_ACTIONS, "Resource": "*"}]})
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
struct Member {
    account: String,
    role: String,
    iam: Arc<dyn IamApi>,
    events: Arc<dyn EventsApi>,
}

impl Member {
    async fn of(c: &Configured, m: &LinkedAccountModel) -> Self {
        let account = m.account();
        let role = m.access_role_name.clone().unwrap_or_else(|| c.member_access_role_name.clone());
        let who = Principal::Member { account: &account, role: &role };
        let iam = c.aws.iam(who).await;
        let events = c.aws.events(who, Some(SUPPORT_REGION)).await;
        Self { account, role, iam, events }
    }

    /// A failed call as Terraform shows it; a refusal names the account and the role used.
    fn failed(&self, e: MemberError) -> Diagnostics {
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
}

pub async fn inspect(
    iam: &dyn IamApi,
    events: &dyn EventsApi,
    want: &LinkedAccountModel,
) -> Result<Inspection, MemberError> {
    let account = want.account();
    let central = want.central_bus_arn.clone().unwrap_or_default();
    let partition = partition_of(&central).to_owned();
    let mut i = Inspection::default();

    let reader = want.reader();
    match iam.get_role(&reader).await? {
        None => i.problems.push("case-reader role missing".to_owned()),
        Some(r) => {
            let trusted = trusted_principal(&r.trust);
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
            if !same_policy(
                iam.get_role_policy(&reader, READER_POLICY).await?.as_ref(),
                &reader_policy(&partition, &account),
            ) {
                i.problems.push("case-reader role policy missing or changed".to_owned());
            }
            i.reader_trusted = trusted;
            i.reader_arn = Some(r.arn);
        }
    }
    match iam.get_role(EVENTS_ROLE).await? {
        None => i.problems.push("events role missing".to_owned()),
        Some(r) => {
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
            if pattern != Some(forward_pattern(&want.source())) {
                i.problems.push("forwarding rule pattern changed".to_owned());
            }
            let targets = events.targets(MEMBER_BUS, FORWARD_RULE).await?;
            match targets.iter().find(|t| t.id == FORWARD_TARGET) {
                None => i.problems.push("forwarding rule has no target".to_owned()),
                Some(t) if t.arn != central => i.problems.push(format!("rule targets {}", t.arn)),
                Some(_) => {}
            }
            i.rule_arn = Some(rule.arn);
        }
    }
    if want.query().is_some() {
        match iam.get_role(&want.query_name()).await? {
            None => i.problems.push("query role missing".to_owned()),
            Some(r) => {
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
    if let Some(a) = &c.account_id
        && !ids::is_account_id(a)
    {
        d.push(
            Diagnostic::error("Invalid account id", format!("{a:?} is not a 12-digit AWS account id."))
                .at(root.clone().attribute("account_id")),
        );
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
            if let Some(v) = v
                && parse_duration(v).is_none()
            {
                d.push(
                    Diagnostic::error(
                        "Invalid timeout",
                        format!("{v:?} is not a duration such as \"30s\", \"10m\" or \"1h\"."),
                    )
                    .at(root.clone().attribute("timeouts").attribute(name)),
                );
            }
        }
    }
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
        observe(&member, m.clone()).await
    }

    async fn put_parts(&self, member: &Member, m: &LinkedAccountModel) -> Result<(), MemberError> {
        let (iam, events) = (member.iam.as_ref(), member.events.as_ref());
        let central = m.central_bus_arn.clone().unwrap_or_default();
        let partition = partition_of(&central).to_owned();
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
        iam.put_role_policy(&reader, READER_POLICY, &reader_policy(&partition, &member.account).to_string()).await?;
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
                &forward_pattern(&m.source()).to_string(),
                "CIMA: Support case events to the central bus",
            )
            .await?;
        let target = RuleTarget {
            id: FORWARD_TARGET.to_owned(),
            arn: central.clone(),
            role_arn: Some(events_role),
            ..RuleTarget::default()
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

/// The role with this trust (updated when it differs, created when missing); its ARN.
async fn ensure_role(
    iam: &dyn IamApi,
    name: &str,
    trust: &serde_json::Value,
    description: &str,
    tags: &[(String, String)],
) -> Result<String, IamError> {
    match iam.get_role(name).await? {
        Some(r) => {
            if !same_policy(Some(&r.trust), trust) {
                iam.update_trust(name, &trust.to_string()).await?;
            }
            Ok(r.arn)
        }
        None => iam.create_role(name, &trust.to_string(), description, tags).await,
    }
}

/// State as found in the account, inputs kept as configured.
async fn observe(member: &Member, m: LinkedAccountModel) -> Result<LinkedAccountModel, Diagnostics> {
    let i = inspect(member.iam.as_ref(), member.events.as_ref(), &m).await.map_err(|e| member.failed(e))?;
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

/// Asks the enricher, through the central bus, to read the account's recent cases.
async fn request_backfill(c: &Configured, m: &LinkedAccountModel, days: u64) -> Result<(), Diagnostics> {
    let failed = |detail: String| Diagnostic::error("Cannot request the backfill", detail);
    let request = BackfillRequest::new(m.account(), days)
        .map_err(|e| failed(e.to_string()).at(AttributePath::root().attribute("backfill_days")))?;
    let central = m.central_bus_arn.clone().unwrap_or_default();
    let events = c.aws.events(Principal::Provider, Some(SUPPORT_REGION)).await;
    events
        .put_event(&central, BACKFILL_SOURCE, BACKFILL_DETAIL_TYPE, &request.detail())
        .await
        .map_err(|e| failed(e.to_string()).into())
}

fn schema_block(data_source: bool) -> Block {
    let s = |name: &str, d: &str| Attribute::new(name, Type::String).computed().description(d);
    let mut b = Block::new(if data_source {
        "Checks one member account's CIMA wiring without changing anything: `healthy` and the list of `problems` (\"forwarding rule missing\", \"rule targets <other bus>\", \"case-reader role trusts <other principal>\", \"access role cannot be assumed\", …)."
    } else {
        "Wires one member account into the CIMA pipeline, reached by assuming `access_role_name` into it: a case-reader role trusted only by the enricher's role, an events role allowed to put events on the central bus only, a default-bus rule in us-east-1 forwarding `aws.support` and the enriched events to the central bus, and optionally the chat API's read-only role. Read re-reads every part, so anything deleted or edited out of band shows on plan. Import by account id."
    })
    .attribute(Attribute::new("account_id", Type::String).required().description("The member account (12 digits). Changing it replaces the wiring."))
    .attribute(Attribute::new("access_role_name", Type::String).optional().description("Role assumed in the member account. Default: the provider's `member_access_role_name`."))
    .attribute(Attribute::new("central_bus_arn", Type::String).required().description("ARN of the central bus (`cima_case_pipeline.bus_arn`)."))
    .attribute(Attribute::new("enricher_role_arn", Type::String).required().description("The enricher function's role: the only principal the case-reader role trusts."))
    .attribute(Attribute::new("organization_id", Type::String).optional().description("When set, the case-reader role's trust also requires aws:PrincipalOrgID."))
    .attribute(Attribute::new("case_reader_role_name", Type::String).optional().description(format!("Default `{DEFAULT_CASE_READER_ROLE}`. Changing it replaces the wiring.")))
    .attribute(Attribute::new("enriched_source", Type::String).optional().description(format!("Source of enriched events, forwarded too. Default `{DEFAULT_ENRICHED_SOURCE}`.")));
    if !data_source {
        b = b
            .attribute(Attribute::new("backfill_days", Type::Number).optional().description(
                "On create, ask the enricher to backfill this many days of existing cases (0 to 365, default 0).",
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
        _: &mut Diagnostics,
    ) -> Result<Option<LinkedAccountModel>, Diagnostics> {
        let c = self.data.get()?;
        // The framework reports an `Err`'s diagnostics itself; nothing to add to `diags` here.
        let m = observe(&Member::of(c, &state).await, state).await?;
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

    async fn delete(&self, ctx: &Ctx, prior: LinkedAccountModel, _: &mut Diagnostics) -> Result<(), Diagnostics> {
        let c = self.data.get()?;
        let limit = Self::timeout(prior.timeouts.as_ref().and_then(|t| t.delete.as_ref()));
        let member = Member::of(c, &prior).await;
        let (iam, events) = (member.iam.as_ref(), member.events.as_ref());
        let work = async {
            // Only what this resource created: our rule's target, our rule, our roles.
            events.remove_targets(MEMBER_BUS, FORWARD_RULE, &[FORWARD_TARGET.to_owned()]).await?;
            events.delete_rule(MEMBER_BUS, FORWARD_RULE).await?;
            iam.delete_role(EVENTS_ROLE).await?;
            iam.delete_role(&prior.reader()).await?;
            if prior.query().is_some() {
                iam.delete_role(&prior.query_name()).await?;
            }
            Ok::<_, MemberError>(())
        };
        let work = async { work.await.map_err(|e| member.failed(e)) };
        ctx.run(&format!("unwiring account {}", prior.account()), async {
            tokio::time::timeout(limit, work).await.map_err(|_| {
                Diagnostics::from(Diagnostic::error("Timed out", format!("Unwiring took longer than {limit:?}.")))
            })?
        })
        .await
    }

    async fn import(&self, _ctx: &Ctx, id: &str, _: &mut Diagnostics) -> Result<LinkedAccountModel, Diagnostics> {
        if !ids::is_account_id(id) {
            return Err(Diagnostic::error("Invalid import id", format!("{id:?} is not a 12-digit account id.")).into());
        }
        let c = self.data.get()?;
        // The central bus and enricher come from what is deployed: the rule's target and the
        // case-reader role's trust.
        let probe = LinkedAccountModel { account_id: Some(id.to_owned()), ..LinkedAccountModel::default() };
        let member = Member::of(c, &probe).await;
        let central = member
            .events
            .targets(MEMBER_BUS, FORWARD_RULE)
            .await
            .map_err(|e| member.failed(e.into()))?
            .into_iter()
            .find(|t| t.id == FORWARD_TARGET)
            .map(|t| t.arn);
        let reader = member.iam.get_role(DEFAULT_CASE_READER_ROLE).await.map_err(|e| member.failed(e.into()))?;
        let (Some(central), Some(reader)) = (central, reader) else {
            return Err(Diagnostic::error(
                "Nothing to import",
                format!("Account {id} has no CIMA forwarding rule or case-reader role."),
            )
            .into());
        };
        let org = trust_organization(&reader.trust);
        Ok(LinkedAccountModel {
            account_id: Some(id.to_owned()),
            central_bus_arn: Some(central),
            enricher_role_arn: trusted_principal(&reader.trust),
            organization_id: org,
            ..LinkedAccountModel::default()
        })
    }
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

    fn config() -> LinkedAccountModel {
        LinkedAccountModel {
            account_id: Some(MEMBER.into()),
            central_bus_arn: Some(CENTRAL.into()),
            enricher_role_arn: Some(ENRICHER.into()),
            organization_id: Some(ORGANIZATION.into()),
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
        assert_eq!(reader.policies[READER_POLICY], reader_policy("aws", MEMBER));
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
        assert_eq!(pattern, json!({"source": ["aws.support", "heidi.support"]}));
        assert_eq!(
            events.targets_of(MEMBER_BUS, FORWARD_RULE),
            [RuleTarget {
                id: FORWARD_TARGET.into(),
                arn: CENTRAL.into(),
                role_arn: Some(events_role.arn.clone()),
                ..RuleTarget::default()
            }]
        );
        assert_eq!(m.forwarding_rule_arn.as_deref(), Some(rule.arn.as_str()));
        assert!(member.events(PROVIDER_REGION).state().rules.is_empty(), "nothing in the provider's region");
        // No backfill unless asked.
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

        // The request goes on the central bus with the provider's own credentials.
        let sent = aws.account(PROVIDER_ACCOUNT).events(SUPPORT_REGION).state().sent.clone();
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
        aws.account(PROVIDER_ACCOUNT).events(SUPPORT_REGION).ops.fail("PutEvents", "AccessDeniedException");
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
                            Some(json!({"source": ["aws.support"]}).to_string());
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
                roles_after.values().map(|r| (&r.trust, &r.policies)).collect::<Vec<_>>(),
                roles_before.values().map(|r| (&r.trust, &r.policies)).collect::<Vec<_>>(),
                "{problem}: roles as wired"
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
        let err = read(&r, LinkedAccountModel { status: Some("wired".into()), ..config() }).await.unwrap_err();
        assert_eq!(only_error(&err).summary, format!("Cannot act in account {MEMBER}"));

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

    #[test]
    fn policies_compare_whatever_shape_iam_returns() {
        let a = json!({"Version": "2012-10-17", "Statement": {"Sid": "x", "Effect": "Allow", "Action": "events:PutEvents", "Resource": "r"}});
        let b = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["events:PutEvents"], "Resource": "r"}]});
        assert!(same_policy(Some(&a), &b));
        assert!(!same_policy(None, &b));
    }

    #[test]
    fn query_policy_has_no_wildcard_service() {
        for a in QUERY_ACTIONS {
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
