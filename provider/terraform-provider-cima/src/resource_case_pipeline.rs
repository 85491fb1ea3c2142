//! `resource "cima_case_pipeline"` and `data "cima_case_pipeline"`: the central account's part of
//! the CIMA event flow. A custom bus whose policy lets only the organization put events; a rule
//! sending `aws.support` "Support Case Update" events to the enricher; a rule sending the enriched
//! events to the store (Firehose or any target); retry policy and dead-letter queue on both.
//!
//! Read re-reads every part, so a deleted or disabled rule, an edited pattern, a target or policy
//! statement added out of band, a removed DLQ or a deleted bus shows on the next plan and the next
//! apply repairs it.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use cima_core::contract::{self, BUS_POLICY_SID as POLICY_SID, DEFAULT_ENRICHED_SOURCE, support_pattern};
use cima_core::ids;
use serde::{Deserialize, Serialize};
use tfplugin::schema::{Attribute, Block, BlockNesting, IdentityAttribute, IdentitySchema, NestedBlock, Schema};
use tfplugin::{AttributePath, Ctx, DataSource, Diagnostic, Diagnostics, PlanChanges, Resource, Type, identity_string};

use crate::clients::Principal;
use crate::config::{Configured, ProviderData};
use crate::events::{EventsApi, InputTransform, Rule, RuleTarget};

pub const DEFAULT_BUS: &str = "cima-cases";
/// EventBridge's own retry defaults.
pub const DEFAULT_MAX_EVENT_AGE: i64 = 86_400;
pub const DEFAULT_RETRY_ATTEMPTS: i64 = 185;
const ENRICH_TARGET: &str = "enricher";
const STORE_TARGET: &str = "store";
const WIRED: &str = "wired";
/// Tag this resource puts on the buses it creates (value: the bus name), so a create that a
/// killed Terraform never recorded is adopted by the next apply instead of refused.
pub const MARKER_TAG: &str = "cima:case-pipeline";
/// EventBridge's limit on a rule name, and the longest suffix of ours (`<bus>-enrich`).
const MAX_RULE_NAME: usize = 64;
const LONGEST_RULE_SUFFIX: &str = "-enrich";

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct RetryPolicyModel {
    pub maximum_event_age_seconds: Option<i64>,
    pub maximum_retry_attempts: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct CasePipelineModel {
    pub bus_name: Option<String>,
    pub organization_ids: Option<Vec<String>>,
    pub enricher_function_arn: Option<String>,
    pub store_target_arn: Option<String>,
    pub store_role_arn: Option<String>,
    pub dead_letter_queue_arn: Option<String>,
    pub retry_policy: Option<RetryPolicyModel>,
    pub enriched_source: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
    pub id: Option<String>,
    pub bus_arn: Option<String>,
    pub enrich_rule_arn: Option<String>,
    pub store_rule_arn: Option<String>,
    pub enrich_rule_pattern: Option<String>,
    pub store_rule_pattern: Option<String>,
    pub status: Option<String>,
}

impl CasePipelineModel {
    fn bus(&self) -> String {
        self.bus_name.clone().unwrap_or_else(|| DEFAULT_BUS.to_owned())
    }

    fn source(&self) -> String {
        self.enriched_source.clone().unwrap_or_else(|| DEFAULT_ENRICHED_SOURCE.to_owned())
    }

    fn retry(&self) -> (i64, i64) {
        let r = self.retry_policy.clone().unwrap_or_default();
        (
            r.maximum_event_age_seconds.unwrap_or(DEFAULT_MAX_EVENT_AGE),
            r.maximum_retry_attempts.unwrap_or(DEFAULT_RETRY_ATTEMPTS),
        )
    }
}

fn enrich_rule(bus: &str) -> String {
    format!("{bus}-enrich")
}

fn store_rule(bus: &str) -> String {
    format!("{bus}-store")
}

/// The store rule's pattern: the enriched source as the bus's own account (the enricher's) puts
/// it. EventBridge stamps the sender's account on every event, so one another account puts with
/// that source, were the bus policy to admit it, still never reaches the store.
pub fn store_pattern(source: &str, bus_arn: &str) -> serde_json::Value {
    let account = ids::parse_arn(bus_arn).map(|a| a.account).unwrap_or_default();
    serde_json::json!({"source": [source], "account": [account]})
}

/// What the store target receives: the enriched event with the case's account (the detail's
/// `accountId`) as its `account`. The enricher puts every enriched event from the central account
/// (so the store rule can admit only those); the records keep the layout the Athena table and the
/// dashboards read, where `account` is the case's.
pub fn store_input() -> InputTransform {
    let paths = [
        ("id", "$.id"),
        ("detail-type", "$.detail-type"),
        ("source", "$.source"),
        ("account", "$.detail.accountId"),
        ("time", "$.time"),
        ("region", "$.region"),
        ("resources", "$.resources"),
        ("detail", "$.detail"),
    ];
    InputTransform {
        paths: paths.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        template: r#"{"version":"0","id":"<id>","detail-type":"<detail-type>","source":"<source>","account":"<account>","time":"<time>","region":"<region>","resources":<resources>,"detail":<detail>}"#.to_owned(),
    }
}

fn same_pattern(actual: Option<&str>, expected: &serde_json::Value) -> bool {
    actual.and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok()).as_ref() == Some(expected)
}

/// The bus policy ([`cima_core::contract::bus_policy`]) as PutPermission takes it.
pub fn bus_policy(bus_arn: &str, organization_ids: &[String]) -> String {
    contract::bus_policy(bus_arn, organization_ids).to_string()
}

/// The organization ids our statement of a bus policy allows; `None` without our statement.
pub fn policy_organizations(policy: &str) -> Option<Vec<String>> {
    let v: serde_json::Value = serde_json::from_str(policy).ok()?;
    let statements = match &v["Statement"] {
        serde_json::Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    };
    let ours = statements.iter().find(|s| s["Sid"] == POLICY_SID)?;
    match &ours["Condition"]["StringEquals"]["aws:PrincipalOrgID"] {
        serde_json::Value::String(s) => Some(vec![s.clone()]),
        serde_json::Value::Array(a) => Some(a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()),
        _ => None,
    }
}

/// The statements of a bus policy, whether IAM-style JSON holds one or a list.
fn policy_statements(policy: &str) -> Vec<serde_json::Value> {
    match serde_json::from_str::<serde_json::Value>(policy).map(|mut v| v["Statement"].take()) {
        Ok(serde_json::Value::Array(a)) => a,
        Ok(serde_json::Value::Null) | Err(_) => Vec::new(),
        Ok(one) => vec![one],
    }
}

/// A statement with the shapes IAM-style JSON allows for one meaning reduced to one.
fn normal_statement(s: &serde_json::Value) -> serde_json::Value {
    let mut s = s.clone();
    for key in ["Action", "Resource"] {
        if let Some(one) = s[key].as_str().map(str::to_owned) {
            s[key] = serde_json::json!([one]);
        }
    }
    if s["Principal"] == serde_json::json!({"AWS": "*"}) {
        s["Principal"] = serde_json::json!("*");
    }
    for key in ["aws:PrincipalOrgID", "events:source"] {
        let values = &mut s["Condition"]["StringEquals"][key];
        if let Some(one) = values.as_str().map(str::to_owned) {
            *values = serde_json::json!([one]);
        }
    }
    s
}

/// What in the bus policy this resource did not put there: statements beside ours, or ours
/// edited beyond its organizations (which `organization_ids` shows).
fn policy_problems(policy: Option<&str>, bus_arn: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for s in policy.map(policy_statements).unwrap_or_default() {
        if s["Sid"] != POLICY_SID {
            problems.push(format!("bus policy has an extra statement {}", s["Sid"].as_str().unwrap_or("without Sid")));
            continue;
        }
        let orgs = policy_organizations(policy.unwrap_or_default()).unwrap_or_default();
        let ours = policy_statements(&bus_policy(bus_arn, &orgs)).swap_remove(0);
        if normal_statement(&s) != normal_statement(&ours) {
            problems.push(format!("bus policy statement {POLICY_SID} changed"));
        }
    }
    problems
}

/// What is wrong with one of the pipeline's rules that its attributes do not show; `input` is
/// what our target must receive instead of the event.
fn rule_problems(
    name: &str,
    rule: Option<&Rule>,
    targets: &[RuleTarget],
    ours: &str,
    input: Option<&InputTransform>,
) -> Vec<String> {
    let mut problems = Vec::new();
    match rule {
        None => problems.push(format!("rule {name} missing")),
        Some(r) if !r.enabled => problems.push(format!("rule {name} disabled")),
        Some(_) => {}
    }
    if targets.iter().any(|t| t.id == ours && t.input.as_ref() != input) {
        problems.push(format!("rule {name} target {ours} input changed"));
    }
    for t in targets.iter().filter(|t| t.id != ours) {
        problems.push(format!("rule {name} has an extra target {} ({})", t.id, t.arn));
    }
    problems
}

/// Reads every part of the pipeline on `bus`; `None` when the bus is gone. `prior` decides how
/// defaults the configuration left out are reported (absent stays absent while unchanged).
pub async fn read_pipeline(
    api: &dyn EventsApi,
    bus: &str,
    prior: &CasePipelineModel,
) -> Result<Option<CasePipelineModel>, Diagnostics> {
    let Some(b) = api.describe_bus(bus).await? else { return Ok(None) };
    let enrich = api.describe_rule(bus, &enrich_rule(bus)).await?;
    let store = api.describe_rule(bus, &store_rule(bus)).await?;
    let enrich_targets = api.targets(bus, &enrich_rule(bus)).await?;
    let store_targets = api.targets(bus, &store_rule(bus)).await?;
    let tags = api.tags(&b.arn).await?;
    let et = enrich_targets.iter().find(|t| t.id == ENRICH_TARGET);
    let st = store_targets.iter().find(|t| t.id == STORE_TARGET);

    // The enriched source is what the store rule matches on.
    let source = store
        .as_ref()
        .and_then(|r| r.pattern.as_deref())
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .and_then(|v| v["source"][0].as_str().map(str::to_owned));
    let dlq = match (et, st) {
        (Some(a), Some(b)) if a.dead_letter_arn == b.dead_letter_arn => a.dead_letter_arn.clone(),
        // Either target without the DLQ is drift: report none so the plan restores it.
        _ => None,
    };
    let retry = match (et, st) {
        (Some(a), Some(b))
            if (a.max_event_age_seconds, a.max_retry_attempts) == (b.max_event_age_seconds, b.max_retry_attempts) =>
        {
            Some(RetryPolicyModel {
                maximum_event_age_seconds: a.max_event_age_seconds,
                maximum_retry_attempts: a.max_retry_attempts,
            })
        }
        _ => None,
    };
    // A block the configuration omitted stays omitted while the defaults are in force.
    let retry = match (&prior.retry_policy, retry) {
        (None, Some(r))
            if (r.maximum_event_age_seconds, r.maximum_retry_attempts)
                == (Some(DEFAULT_MAX_EVENT_AGE), Some(DEFAULT_RETRY_ATTEMPTS)) =>
        {
            None
        }
        (_, r) => r,
    };
    let organization_ids = b.policy.as_deref().and_then(policy_organizations).filter(|o| !o.is_empty());
    let mut problems = policy_problems(b.policy.as_deref(), &b.arn);
    problems.extend(rule_problems(&enrich_rule(bus), enrich.as_ref(), &enrich_targets, ENRICH_TARGET, None));
    problems.extend(rule_problems(
        &store_rule(bus),
        store.as_ref(),
        &store_targets,
        STORE_TARGET,
        Some(&store_input()),
    ));
    let status = if problems.is_empty() { WIRED.to_owned() } else { format!("drifted: {}", problems.join("; ")) };
    Ok(Some(CasePipelineModel {
        bus_name: Some(bus.to_owned()),
        organization_ids: match (&prior.organization_ids, organization_ids) {
            (Some(p), None) if p.is_empty() => Some(Vec::new()),
            (_, o) => o,
        },
        enricher_function_arn: et.map(|t| t.arn.clone()),
        store_target_arn: st.map(|t| t.arn.clone()),
        store_role_arn: st.and_then(|t| t.role_arn.clone()),
        dead_letter_queue_arn: dlq,
        retry_policy: retry,
        enriched_source: source.or_else(|| prior.enriched_source.clone()),
        tags: match (&prior.tags, tags.into_iter().filter(|(k, _)| k != MARKER_TAG).collect::<BTreeMap<_, _>>()) {
            (None, t) if t.is_empty() => None,
            (_, t) => Some(t),
        },
        id: Some(bus.to_owned()),
        bus_arn: Some(b.arn),
        enrich_rule_arn: enrich.as_ref().map(|r| r.arn.clone()),
        store_rule_arn: store.as_ref().map(|r| r.arn.clone()),
        enrich_rule_pattern: enrich.and_then(|r| r.pattern),
        store_rule_pattern: store.and_then(|r| r.pattern),
        status: Some(status),
    }))
}

pub fn validate_pipeline(c: &CasePipelineModel) -> Diagnostics {
    let mut d = Diagnostics::new();
    let root = AttributePath::root();
    if let Some(b) = &c.bus_name
        && (b.is_empty()
            || b.len() > 256
            || b == "default"
            || !b.bytes().all(|x| x.is_ascii_alphanumeric() || b"._-".contains(&x)))
    {
        d.push(
            Diagnostic::error(
                "Invalid bus_name",
                format!("{b:?} must be 1 to 256 letters, digits, '.', '_' or '-', and not \"default\"."),
            )
            .at(root.clone().attribute("bus_name")),
        );
    }
    if let Some(b) = &c.bus_name
        && b.len() + LONGEST_RULE_SUFFIX.len() > MAX_RULE_NAME
    {
        d.push(
            Diagnostic::error(
                "Invalid bus_name",
                format!(
                    "{b:?} is {} characters; the rules named after it ({b}{LONGEST_RULE_SUFFIX} is the longest) may have at most {MAX_RULE_NAME}, so a bus name has at most {}.",
                    b.len(),
                    MAX_RULE_NAME - LONGEST_RULE_SUFFIX.len()
                ),
            )
            .at(root.clone().attribute("bus_name")),
        );
    }
    if c.tags.iter().flatten().any(|(k, _)| k == MARKER_TAG) {
        d.push(
            Diagnostic::error(
                "Invalid tags",
                format!("The tag key {MARKER_TAG:?} is the provider's own: it marks the buses it made."),
            )
            .at(root.clone().attribute("tags").key(MARKER_TAG)),
        );
    }
    d.extend(crate::tags::problems(c.tags.as_ref(), &root));
    for (i, o) in c.organization_ids.iter().flatten().enumerate() {
        if !ids::is_organization_id(o) {
            d.push(
                Diagnostic::error(
                    "Invalid organization id",
                    format!("{o:?} is not an organization id (o- and 10 to 32 lowercase letters or digits)."),
                )
                .at(root.clone().attribute("organization_ids").index(i as i64)),
            );
        }
    }
    let arns: [(&str, &Option<String>, Option<&str>); 4] = [
        ("enricher_function_arn", &c.enricher_function_arn, Some("lambda")),
        ("store_target_arn", &c.store_target_arn, None),
        ("store_role_arn", &c.store_role_arn, Some("iam")),
        ("dead_letter_queue_arn", &c.dead_letter_queue_arn, Some("sqs")),
    ];
    for (attr, v, service) in arns {
        if let Some(arn) = v
            && let Some(problem) = ids::arn_problem(arn, service)
        {
            d.push(Diagnostic::error(format!("Invalid {attr}"), problem).at(root.clone().attribute(attr)));
        }
    }
    if let Some(r) = &c.retry_policy {
        let path = root.clone().attribute("retry_policy");
        if let Some(a) = r.maximum_event_age_seconds
            && !(60..=86_400).contains(&a)
        {
            d.push(
                Diagnostic::error("Invalid maximum_event_age_seconds", format!("{a} is not between 60 and 86400."))
                    .at(path.clone().attribute("maximum_event_age_seconds")),
            );
        }
        if let Some(a) = r.maximum_retry_attempts
            && !(0..=185).contains(&a)
        {
            d.push(
                Diagnostic::error("Invalid maximum_retry_attempts", format!("{a} is not between 0 and 185."))
                    .at(path.attribute("maximum_retry_attempts")),
            );
        }
    }
    d
}

/// The pipeline lives in the provider's own account and region.
async fn bus_events(c: &Configured) -> Arc<dyn EventsApi> {
    c.aws.events(Principal::Provider, None).await
}

pub struct CasePipelineResource {
    data: Arc<ProviderData>,
}

impl CasePipelineResource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }

    /// Puts every part; each call is an upsert, so create and update share it.
    async fn put_all(
        &self,
        ctx: &Ctx,
        config: CasePipelineModel,
        creating: bool,
    ) -> Result<CasePipelineModel, Diagnostics> {
        let api = bus_events(self.data.get()?).await;
        let bus = config.bus();
        let mut tags = config.tags.clone().unwrap_or_default();
        tags.insert(MARKER_TAG.to_owned(), bus.clone());
        ctx.run("wiring the case pipeline", async {
            let (arn, policy) = match api.describe_bus(&bus).await? {
                Some(b) if !creating => (b.arn, b.policy),
                // Ours, left by a create whose Terraform was killed before recording it: adopt it,
                // as every other part is put anyway.
                Some(b) if api.tags(&b.arn).await?.get(MARKER_TAG) == Some(&bus) => {
                    tracing::info!(bus, "adopting the bus an interrupted create made");
                    (b.arn, b.policy)
                }
                Some(_) => {
                    return Err(Diagnostic::error(
                        "Event bus already exists",
                        format!("A bus named {bus:?} exists already. Import it with `terraform import <address> {bus}` or choose another bus_name."),
                    )
                    .at(AttributePath::root().attribute("bus_name"))
                    .into());
                }
                None => (api.create_bus(&bus, &tags).await?, None),
            };
            api.set_tags(&arn, &tags).await?;
            match config.organization_ids.as_deref() {
                Some(orgs) if !orgs.is_empty() => {
                    // The policy is ours alone. AWS replaces the whole policy on PutPermission
                    // with a Policy, moto merges it into what is there: removing first gives
                    // exactly ours with either.
                    if policy.as_deref().is_some_and(|p| policy_statements(p).iter().any(|s| s["Sid"] != POLICY_SID)) {
                        api.remove_policy(&bus).await?;
                    }
                    api.put_policy(&bus, &bus_policy(&arn, orgs)).await?
                }
                _ => api.remove_policy(&bus).await?,
            }
            let (age, attempts) = config.retry();
            let target = |id: &str, arn: &str, role: Option<String>, input: Option<InputTransform>| RuleTarget {
                id: id.to_owned(),
                arn: arn.to_owned(),
                role_arn: role,
                dead_letter_arn: config.dead_letter_queue_arn.clone(),
                max_event_age_seconds: Some(age),
                max_retry_attempts: Some(attempts),
                input,
            };
            let enricher = config.enricher_function_arn.clone().unwrap_or_default();
            let store = config.store_target_arn.clone().unwrap_or_default();
            api.put_rule(&bus, &enrich_rule(&bus), &support_pattern().to_string(), "CIMA: Support case updates to the enricher")
                .await
                ?;
            api.put_target(&bus, &enrich_rule(&bus), &target(ENRICH_TARGET, &enricher, None, None)).await?;
            api.put_rule(&bus, &store_rule(&bus), &store_pattern(&config.source(), &arn).to_string(), "CIMA: enriched case events to the store")
                .await
                ?;
            api.put_target(&bus, &store_rule(&bus), &target(STORE_TARGET, &store, config.store_role_arn.clone(), Some(store_input())))
                .await
                ?;
            // Each rule delivers to its one target: anything added beside it goes.
            for (rule, ours) in [(enrich_rule(&bus), ENRICH_TARGET), (store_rule(&bus), STORE_TARGET)] {
                let extra: Vec<String> =
                    api.targets(&bus, &rule).await?.into_iter().map(|t| t.id).filter(|id| id != ours).collect();
                api.remove_targets(&bus, &rule, &extra).await?;
            }
            read_pipeline(api.as_ref(), &bus, &config)
                .await?
                .ok_or_else(|| Diagnostic::error("Event bus vanished", format!("{bus} disappeared while it was being wired.")).into())
        })
        .await
        .map(|read| CasePipelineModel {
            // Inputs as configured; computed parts as AWS now reports them.
            bus_name: Some(bus.clone()),
            enriched_source: Some(config.source()),
            ..CasePipelineModel { organization_ids: config.organization_ids.clone(), retry_policy: config.retry_policy.clone(), tags: config.tags.clone(), ..read }
        })
    }
}

fn schema_block(data_source: bool) -> Block {
    // In the data source everything but bus_name is read.
    let input = |a: Attribute, required: bool| {
        if data_source {
            Attribute { required: false, optional: false, computed: true, ..a }
        } else if required {
            a.required()
        } else {
            a.optional()
        }
    };
    let mut block = Block::new(if data_source {
        "Reads an existing CIMA case pipeline by its bus name."
    } else {
        "The central account's part of the CIMA event flow: a custom event bus whose policy lets only the organization's accounts put events (aws:PrincipalOrgID), and only AWS Support's and backfill requests (events:source `aws.support`, `cima.backfill`), a rule sending `aws.support` \"Support Case Update\" events to the enricher function, and a rule sending the enriched events (source `enriched_source`, put by the bus's own account: the enricher's) to the store target (Firehose or any EventBridge target), with a retry policy and a dead-letter queue on both targets. Read re-reads every part, so drift shows on plan and apply repairs it. The bus policy and the two rules are this resource's alone: a statement added to the policy, a target added to a rule or a rule disabled out of band shows in `status` and is undone on apply. Import by bus name."
    });
    block = block
        .attribute(if data_source {
            Attribute::new("bus_name", Type::String).required().description("Name of the pipeline's event bus.")
        } else {
            Attribute::new("bus_name", Type::String).optional().computed().description(format!("Name of the custom event bus. Default `{DEFAULT_BUS}`. Changing it replaces the pipeline."))
        })
        .attribute(input(Attribute::new("organization_ids", Type::List(Box::new(Type::String))).description("Organizations (`o-…`) whose accounts may put events on the bus. Empty or unset: no bus policy."), false))
        .attribute(input(Attribute::new("enricher_function_arn", Type::String).description("Lambda function that enriches case events (target of the `<bus>-enrich` rule)."), true))
        .attribute(input(Attribute::new("store_target_arn", Type::String).description("Where enriched events go (target of the `<bus>-store` rule): a Firehose delivery stream or any EventBridge target."), true))
        .attribute(input(Attribute::new("store_role_arn", Type::String).description("Role EventBridge uses to reach the store target (Firehose needs one)."), false))
        .attribute(input(Attribute::new("dead_letter_queue_arn", Type::String).description("SQS queue for events EventBridge could not deliver to either target."), false));
    let source = Attribute::new("enriched_source", Type::String).description(format!("Source of the enriched events the store rule matches. Default `{DEFAULT_ENRICHED_SOURCE}` (existing Athena tables depend on it)."));
    block = block.attribute(if data_source {
        Attribute { computed: true, ..source }
    } else {
        source.optional().computed()
    });
    block = block.attribute(input(
        Attribute::new("tags", Type::Map(Box::new(Type::String))).description("Tags on the event bus."),
        false,
    ));
    for (name, d) in [
        ("id", "The bus name."),
        ("bus_arn", "ARN of the event bus."),
        ("enrich_rule_arn", "ARN of the `<bus>-enrich` rule; null when it is missing."),
        ("store_rule_arn", "ARN of the `<bus>-store` rule; null when it is missing."),
        ("enrich_rule_pattern", "The enrich rule's event pattern as AWS reports it."),
        ("store_rule_pattern", "The store rule's event pattern as AWS reports it."),
        (
            "status",
            "`wired`, or `drifted: …` naming what is not as this resource makes it: a rule missing or disabled, a target added to a CIMA rule, a statement added to the bus policy or ours edited (the next apply repairs it).",
        ),
    ] {
        block = block.attribute(Attribute::new(name, Type::String).computed().description(d));
    }
    let retry = Block::new(format!("Retry policy of both targets. Default: {DEFAULT_MAX_EVENT_AGE} s and {DEFAULT_RETRY_ATTEMPTS} attempts, EventBridge's own defaults."))
        .attribute(input(Attribute::new("maximum_event_age_seconds", Type::Number).description("Give up on an event after this many seconds (60 to 86400)."), false))
        .attribute(input(Attribute::new("maximum_retry_attempts", Type::Number).description("Retries before the event goes to the dead-letter queue (0 to 185)."), false));
    if data_source {
        block.attribute(
            Attribute::nested("retry_policy", tfplugin::schema::ObjectNesting::Single, retry.attributes)
                .computed()
                .description("Retry policy of the targets; null when the targets disagree."),
        )
    } else {
        block.block(NestedBlock::new("retry_policy", BlockNesting::Single, retry))
    }
}

#[async_trait]
impl Resource for CasePipelineResource {
    const TYPE_NAME: &'static str = "cima_case_pipeline";
    type Model = CasePipelineModel;

    fn schema(&self) -> Schema {
        Schema::new(schema_block(false))
    }

    fn validate(&self, config: &CasePipelineModel) -> Diagnostics {
        validate_pipeline(config)
    }

    fn requires_replace(&self) -> Vec<AttributePath> {
        vec![AttributePath::root().attribute("bus_name")]
    }

    fn stable_computed(&self) -> Vec<&'static str> {
        vec!["id", "bus_arn", "bus_name", "enriched_source"]
    }

    async fn modify_plan(
        &self,
        _ctx: &Ctx,
        prior: Option<&CasePipelineModel>,
        config: &CasePipelineModel,
        changes: &mut PlanChanges,
    ) -> Result<(), Diagnostics> {
        let Some(prior) = prior else { return Ok(()) };
        // Parts that are not inputs: a missing rule or an edited pattern forces an update.
        let source = config
            .enriched_source
            .clone()
            .or_else(|| prior.enriched_source.clone())
            .unwrap_or_else(|| DEFAULT_ENRICHED_SOURCE.to_owned());
        let drifted = prior.enrich_rule_arn.is_none()
            || prior.store_rule_arn.is_none()
            || !same_pattern(prior.enrich_rule_pattern.as_deref(), &support_pattern())
            || !same_pattern(
                prior.store_rule_pattern.as_deref(),
                &store_pattern(&source, prior.bus_arn.as_deref().unwrap_or_default()),
            )
            || prior.status.as_deref().is_some_and(|s| s != WIRED);
        if drifted {
            changes.unknown.extend(
                ["enrich_rule_arn", "store_rule_arn", "enrich_rule_pattern", "store_rule_pattern", "status"]
                    .map(String::from),
            );
        }
        Ok(())
    }

    async fn create(
        &self,
        ctx: &Ctx,
        config: CasePipelineModel,
        _: &mut Diagnostics,
    ) -> Result<CasePipelineModel, Diagnostics> {
        self.put_all(ctx, config, true).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        state: CasePipelineModel,
        _: &mut Diagnostics,
    ) -> Result<Option<CasePipelineModel>, Diagnostics> {
        let api = bus_events(self.data.get()?).await;
        let bus = state.id.clone().unwrap_or_else(|| state.bus());
        ctx.run("reading the case pipeline", read_pipeline(api.as_ref(), &bus, &state)).await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _prior: CasePipelineModel,
        config: CasePipelineModel,
        _: &mut Diagnostics,
    ) -> Result<CasePipelineModel, Diagnostics> {
        self.put_all(ctx, config, false).await
    }

    async fn delete(&self, ctx: &Ctx, prior: CasePipelineModel, _: &mut Diagnostics) -> Result<(), Diagnostics> {
        let api = bus_events(self.data.get()?).await;
        let bus = prior.bus();
        ctx.run("deleting the case pipeline", async {
            for rule in [enrich_rule(&bus), store_rule(&bus)] {
                let ids: Vec<String> = api.targets(&bus, &rule).await?.into_iter().map(|t| t.id).collect();
                api.remove_targets(&bus, &rule, &ids).await?;
                api.delete_rule(&bus, &rule).await?;
            }
            if api.describe_bus(&bus).await?.is_some() {
                api.delete_bus(&bus).await?;
            }
            Ok(())
        })
        .await
    }

    /// The central bus names the pipeline in the provider's account and region (they are the
    /// provider block's, so the identity does not repeat them).
    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema::new(vec![IdentityAttribute::required(
            "bus_name",
            Type::String,
            "The central event bus the pipeline is built around.",
        )]))
    }

    fn identity(&self, state: &CasePipelineModel) -> Option<serde_json::Value> {
        state.bus_name.as_ref().map(|b| serde_json::json!({ "bus_name": b }))
    }

    fn import_id(&self, identity: &serde_json::Value) -> Result<String, Diagnostics> {
        identity_string(identity, "bus_name").map(str::to_owned)
    }

    async fn import(&self, _ctx: &Ctx, id: &str, _: &mut Diagnostics) -> Result<CasePipelineModel, Diagnostics> {
        if id.is_empty() {
            return Err(Diagnostic::error("Invalid import id", "Import a case pipeline by its bus name.").into());
        }
        // Read fills in the rest; an imported pipeline reports everything it finds.
        Ok(CasePipelineModel {
            id: Some(id.to_owned()),
            bus_name: Some(id.to_owned()),
            retry_policy: Some(RetryPolicyModel::default()),
            tags: Some(BTreeMap::new()),
            ..CasePipelineModel::default()
        })
    }
}

/// `data "cima_case_pipeline"`: the same read, by bus name.
pub struct CasePipelineDataSource {
    data: Arc<ProviderData>,
}

impl CasePipelineDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

#[async_trait]
impl DataSource for CasePipelineDataSource {
    const TYPE_NAME: &'static str = "cima_case_pipeline";
    type Model = CasePipelineModel;

    fn schema(&self) -> Schema {
        Schema::new(schema_block(true))
    }

    async fn read(
        &self,
        ctx: &Ctx,
        config: CasePipelineModel,
        _: &mut Diagnostics,
    ) -> Result<CasePipelineModel, Diagnostics> {
        let api = bus_events(self.data.get()?).await;
        let bus = config.bus();
        let everything = CasePipelineModel {
            retry_policy: Some(RetryPolicyModel::default()),
            tags: Some(BTreeMap::new()),
            ..CasePipelineModel::default()
        };
        ctx.run("reading the case pipeline", read_pipeline(api.as_ref(), &bus, &everything)).await?.ok_or_else(|| {
            Diagnostic::error("No such case pipeline", format!("There is no event bus named {bus:?}."))
                .at(AttributePath::root().attribute("bus_name"))
                .into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeAws, FakeEvents, ORGANIZATION, PROVIDER_ACCOUNT, PROVIDER_REGION};

    const ENRICHER: &str = "arn:aws:lambda:eu-west-1:123456789012:function:cima-enricher";
    const STORE: &str = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/cima-cases";
    const STORE_ROLE: &str = "arn:aws:iam::123456789012:role/cima-firehose";
    const DLQ: &str = "arn:aws:sqs:eu-west-1:123456789012:cima-dlq";

    fn config() -> CasePipelineModel {
        CasePipelineModel {
            organization_ids: Some(vec![ORGANIZATION.into()]),
            enricher_function_arn: Some(ENRICHER.into()),
            store_target_arn: Some(STORE.into()),
            store_role_arn: Some(STORE_ROLE.into()),
            dead_letter_queue_arn: Some(DLQ.into()),
            retry_policy: Some(RetryPolicyModel {
                maximum_event_age_seconds: Some(3600),
                maximum_retry_attempts: Some(10),
            }),
            tags: Some(BTreeMap::from([("team".into(), "cima".into())])),
            ..CasePipelineModel::default()
        }
    }

    /// The pipeline's bus lives in the provider's account and region.
    fn bus_fake(aws: &FakeAws) -> Arc<FakeEvents> {
        aws.account(PROVIDER_ACCOUNT).events(PROVIDER_REGION)
    }

    async fn create(r: &CasePipelineResource, m: CasePipelineModel) -> Result<CasePipelineModel, Diagnostics> {
        Resource::create(r, &Ctx::default(), m, &mut Diagnostics::new()).await
    }

    async fn read(r: &CasePipelineResource, m: CasePipelineModel) -> Result<Option<CasePipelineModel>, Diagnostics> {
        Resource::read(r, &Ctx::default(), m, &mut Diagnostics::new()).await
    }

    async fn plans_unknown(r: &CasePipelineResource, prior: &CasePipelineModel) -> Vec<String> {
        let mut changes = PlanChanges::default();
        Resource::modify_plan(r, &Ctx::default(), Some(prior), &config(), &mut changes).await.unwrap();
        changes.unknown
    }

    #[tokio::test]
    async fn create_wires_the_bus_both_rules_and_their_targets() {
        let aws = FakeAws::new();
        let r = CasePipelineResource::new(aws.provider_data());
        let m = create(&r, config()).await.unwrap();

        let state = bus_fake(&aws).state().clone();
        let bus = &state.buses[DEFAULT_BUS];
        assert_eq!(m.bus_arn.as_deref(), Some(bus.arn.as_str()));
        assert_eq!(policy_organizations(bus.policy.as_deref().unwrap()), Some(vec![ORGANIZATION.to_owned()]));
        assert_eq!(
            state.tags[&bus.arn],
            BTreeMap::from([("team".to_owned(), "cima".to_owned()), (MARKER_TAG.to_owned(), DEFAULT_BUS.to_owned())]),
            "the user's tags and the provider's mark"
        );
        assert_eq!(
            m.tags,
            Some(BTreeMap::from([("team".to_owned(), "cima".to_owned())])),
            "the mark is not the user's"
        );
        let enrich = state.rule(DEFAULT_BUS, "cima-cases-enrich").expect("enrich rule");
        assert!(same_pattern(enrich.pattern.as_deref(), &support_pattern()));
        let store = state.rule(DEFAULT_BUS, "cima-cases-store").expect("store rule");
        assert_eq!(
            store.pattern.as_deref().map(|p| serde_json::from_str::<serde_json::Value>(p).unwrap()),
            Some(
                serde_json::json!({"source": ["heidi.support"], "account": [ids::parse_arn(&bus.arn).unwrap().account]})
            ),
            "only the bus's own account's enriched events reach the store"
        );
        let target = |id: &str, arn: &str, role: Option<&str>, input: Option<InputTransform>| RuleTarget {
            id: id.into(),
            arn: arn.into(),
            role_arn: role.map(str::to_owned),
            dead_letter_arn: Some(DLQ.into()),
            max_event_age_seconds: Some(3600),
            max_retry_attempts: Some(10),
            input,
        };
        assert_eq!(state.targets_of(DEFAULT_BUS, "cima-cases-enrich"), [target(ENRICH_TARGET, ENRICHER, None, None)]);
        assert_eq!(
            state.targets_of(DEFAULT_BUS, "cima-cases-store"),
            [target(STORE_TARGET, STORE, Some(STORE_ROLE), Some(store_input()))],
            "the store receives the event with the case's account"
        );

        assert_eq!(m.id.as_deref(), Some(DEFAULT_BUS));
        assert_eq!(m.enriched_source.as_deref(), Some(DEFAULT_ENRICHED_SOURCE));
        assert_eq!(m.enrich_rule_arn.as_deref(), Some(enrich.arn.as_str()));
        assert_eq!(m.store_rule_arn.as_deref(), Some(store.arn.as_str()));
        // Read finds exactly what create reported: the next plan is empty.
        assert_eq!(read(&r, m.clone()).await.unwrap().as_ref(), Some(&m));
        assert!(plans_unknown(&r, &m).await.is_empty());
    }

    #[tokio::test]
    async fn an_existing_bus_is_not_taken_over_on_create() {
        let aws = FakeAws::new();
        bus_fake(&aws).create_bus(DEFAULT_BUS, &BTreeMap::new()).await.unwrap();
        let r = CasePipelineResource::new(aws.provider_data());
        let err = create(&r, config()).await.unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.summary, "Event bus already exists");
        assert_eq!(d.attribute.as_ref().map(ToString::to_string).as_deref(), Some("bus_name"));
        assert!(bus_fake(&aws).state().rules.is_empty(), "nothing wired onto someone else's bus");
    }

    #[tokio::test]
    async fn a_bus_a_killed_create_made_is_adopted() {
        let aws = FakeAws::new();
        let r = CasePipelineResource::new(aws.provider_data());
        let first = create(&r, config()).await.unwrap();
        // Terraform died before recording it; a rule of it went too.
        bus_fake(&aws).state().rules.remove(&(DEFAULT_BUS.to_owned(), "cima-cases-store".to_owned()));
        let again = create(&r, config()).await.expect("adopted, not refused");
        assert_eq!(again.bus_arn, first.bus_arn);
        assert_eq!(again.status.as_deref(), Some(WIRED), "{:?}", again.status);
        assert_eq!(bus_fake(&aws).state().buses.len(), 1);
    }

    #[test]
    fn bus_names_leave_room_for_rule_names_and_the_mark_is_reserved() {
        let ok = "b".repeat(MAX_RULE_NAME - LONGEST_RULE_SUFFIX.len());
        assert!(!validate_pipeline(&CasePipelineModel { bus_name: Some(ok.clone()), ..config() }).has_errors());
        let long = validate_pipeline(&CasePipelineModel { bus_name: Some(format!("{ok}x")), ..config() });
        let d = long.iter().next().expect("an error");
        assert!(d.detail.contains("at most 57"), "{d:?}");
        let marked =
            CasePipelineModel { tags: Some(BTreeMap::from([(MARKER_TAG.to_owned(), "x".to_owned())])), ..config() };
        let d = validate_pipeline(&marked);
        assert_eq!(
            d.iter().filter_map(|d| d.attribute.as_ref()).map(ToString::to_string).collect::<Vec<_>>(),
            [format!("tags[\"{MARKER_TAG}\"]")]
        );
    }

    #[tokio::test]
    async fn drift_shows_on_read_and_plan_and_update_repairs_it() {
        /// What breaks, how, and how read shows it.
        type Drift = (&'static str, fn(&mut crate::fakes::EventsState), fn(&CasePipelineModel) -> bool);
        let cases: [Drift; 10] = [
            (
                "enrich rule deleted",
                |s| {
                    s.targets_mut(DEFAULT_BUS, "cima-cases-enrich").clear();
                    s.rules.remove(&(DEFAULT_BUS.to_owned(), "cima-cases-enrich".to_owned()));
                },
                |m| m.enrich_rule_arn.is_none() && m.enricher_function_arn.is_none(),
            ),
            (
                "store pattern edited",
                |s| {
                    let key = (DEFAULT_BUS.to_owned(), "cima-cases-store".to_owned());
                    s.rules.get_mut(&key).unwrap().pattern = Some(r#"{"source":["other"]}"#.into());
                },
                |m| m.enriched_source.as_deref() == Some("other"),
            ),
            (
                "dead-letter queue removed from one target",
                |s| s.targets_mut(DEFAULT_BUS, "cima-cases-store")[0].dead_letter_arn = None,
                |m| m.dead_letter_queue_arn.is_none(),
            ),
            (
                "retry policy changed on one target",
                |s| s.targets_mut(DEFAULT_BUS, "cima-cases-enrich")[0].max_retry_attempts = Some(0),
                |m| m.retry_policy.is_none(),
            ),
            (
                "bus policy removed",
                |s| s.buses.get_mut(DEFAULT_BUS).unwrap().policy = None,
                |m| m.organization_ids.is_none(),
            ),
            (
                "the store's input transformer removed (records would carry the central account)",
                |s| s.targets_mut(DEFAULT_BUS, "cima-cases-store")[0].input = None,
                |m| m.status.as_deref() == Some("drifted: rule cima-cases-store target store input changed"),
            ),
            (
                "store rule disabled",
                |s| s.rules.get_mut(&(DEFAULT_BUS.to_owned(), "cima-cases-store".to_owned())).unwrap().enabled = false,
                |m| m.status.as_deref() == Some("drifted: rule cima-cases-store disabled"),
            ),
            (
                "a target added to the enrich rule",
                |s| {
                    s.targets_mut(DEFAULT_BUS, "cima-cases-enrich").push(RuleTarget {
                        id: "copy".into(),
                        arn: "arn:aws:sqs:eu-west-1:999999999999:copy".into(),
                        ..RuleTarget::default()
                    })
                },
                |m| {
                    m.status.as_deref()
                        == Some(
                            "drifted: rule cima-cases-enrich has an extra target copy (arn:aws:sqs:eu-west-1:999999999999:copy)",
                        )
                },
            ),
            (
                "a statement added to the bus policy",
                |s| {
                    let bus = s.buses.get_mut(DEFAULT_BUS).unwrap();
                    let mut policy: serde_json::Value = serde_json::from_str(bus.policy.as_deref().unwrap()).unwrap();
                    policy["Statement"].as_array_mut().unwrap().push(serde_json::json!({
                        "Sid": "anyone", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                        "Action": "events:PutEvents", "Resource": bus.arn.clone()}));
                    bus.policy = Some(policy.to_string());
                },
                |m| {
                    m.status.as_deref() == Some("drifted: bus policy has an extra statement anyone")
                        && m.organization_ids.as_deref() == Some(&[ORGANIZATION.to_owned()][..])
                },
            ),
            (
                "our bus policy statement widened",
                |s| {
                    let bus = s.buses.get_mut(DEFAULT_BUS).unwrap();
                    let mut policy: serde_json::Value = serde_json::from_str(bus.policy.as_deref().unwrap()).unwrap();
                    policy["Statement"][0]["Action"] = serde_json::json!("events:*");
                    bus.policy = Some(policy.to_string());
                },
                |m| m.status.as_deref() == Some("drifted: bus policy statement CimaOrganizationPutEvents changed"),
            ),
        ];
        for (what, break_it, shows) in cases {
            let aws = FakeAws::new();
            let r = CasePipelineResource::new(aws.provider_data());
            let wired = create(&r, config()).await.unwrap();
            break_it(&mut bus_fake(&aws).state());

            let drifted = read(&r, wired.clone()).await.unwrap().expect("bus still there");
            assert!(shows(&drifted), "{what}: {drifted:#?}");
            assert_ne!(drifted, wired, "{what}");
            if drifted.status != wired.status {
                assert!(plans_unknown(&r, &drifted).await.contains(&"status".to_owned()), "{what}: plan shows it");
            }
            let repaired =
                Resource::update(&r, &Ctx::default(), drifted, config(), &mut Diagnostics::new()).await.unwrap();
            assert_eq!(repaired, wired, "{what}: repaired");
            assert_eq!(read(&r, repaired).await.unwrap().as_ref(), Some(&wired), "{what}: reads as wired");
            assert_eq!(wired.status.as_deref(), Some(WIRED), "{what}");
        }
    }

    #[tokio::test]
    async fn a_missing_rule_or_edited_pattern_plans_the_rules_anew() {
        let aws = FakeAws::new();
        let r = CasePipelineResource::new(aws.provider_data());
        let wired = create(&r, config()).await.unwrap();
        let gone = CasePipelineModel { store_rule_arn: None, ..wired.clone() };
        assert!(plans_unknown(&r, &gone).await.contains(&"store_rule_arn".to_owned()));
        let edited = CasePipelineModel { enrich_rule_pattern: Some(r#"{"source":["aws.support"]}"#.into()), ..wired };
        assert!(plans_unknown(&r, &edited).await.contains(&"enrich_rule_pattern".to_owned()));
    }

    #[tokio::test]
    async fn a_deleted_bus_reads_as_gone_and_delete_removes_everything() {
        let aws = FakeAws::new();
        let r = CasePipelineResource::new(aws.provider_data());
        let wired = create(&r, config()).await.unwrap();
        Resource::delete(&r, &Ctx::default(), wired.clone(), &mut Diagnostics::new()).await.unwrap();
        let state = bus_fake(&aws).state().clone();
        assert!(state.buses.is_empty() && state.rules.is_empty(), "{state:?}");
        assert!(state.targets.values().all(Vec::is_empty));
        assert_eq!(read(&r, wired).await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_imported_pipeline_reads_as_created() {
        let aws = FakeAws::new();
        let r = CasePipelineResource::new(aws.provider_data());
        let wired = create(&r, config()).await.unwrap();
        let imported = Resource::import(&r, &Ctx::default(), DEFAULT_BUS, &mut Diagnostics::new()).await.unwrap();
        assert_eq!(read(&r, imported).await.unwrap().as_ref(), Some(&wired));
        let err = Resource::import(&r, &Ctx::default(), "", &mut Diagnostics::new()).await.unwrap_err();
        assert_eq!(err.iter().next().unwrap().summary, "Invalid import id");
    }

    #[tokio::test]
    async fn defaults_left_out_of_the_configuration_stay_out_of_the_state() {
        let aws = FakeAws::new();
        let r = CasePipelineResource::new(aws.provider_data());
        let minimal = CasePipelineModel {
            enricher_function_arn: Some(ENRICHER.into()),
            store_target_arn: Some(STORE.into()),
            ..CasePipelineModel::default()
        };
        let m = create(&r, minimal).await.unwrap();
        assert_eq!((m.retry_policy.as_ref(), m.tags.as_ref(), m.organization_ids.as_ref()), (None, None, None));
        let targets = bus_fake(&aws).state().targets_of(DEFAULT_BUS, "cima-cases-enrich").to_vec();
        assert_eq!(
            (targets[0].max_event_age_seconds, targets[0].max_retry_attempts),
            (Some(DEFAULT_MAX_EVENT_AGE), Some(DEFAULT_RETRY_ATTEMPTS)),
            "EventBridge's defaults, written out"
        );
        assert_eq!(bus_fake(&aws).state().buses[DEFAULT_BUS].policy, None, "no organizations, no policy");
        assert_eq!(read(&r, m.clone()).await.unwrap().as_ref(), Some(&m));
    }

    #[tokio::test]
    async fn the_data_source_reads_everything_by_bus_name() {
        let aws = FakeAws::new();
        let wired = create(&CasePipelineResource::new(aws.provider_data()), config()).await.unwrap();
        let ds = CasePipelineDataSource::new(aws.provider_data());
        let ask = |bus: &str| CasePipelineModel { bus_name: Some(bus.into()), ..CasePipelineModel::default() };
        let got = DataSource::read(&ds, &Ctx::default(), ask(DEFAULT_BUS), &mut Diagnostics::new()).await.unwrap();
        assert_eq!(got, wired);
        let err = DataSource::read(&ds, &Ctx::default(), ask("elsewhere"), &mut Diagnostics::new()).await.unwrap_err();
        assert_eq!(err.iter().next().unwrap().summary, "No such case pipeline");
    }

    #[tokio::test]
    async fn an_eventbridge_error_names_the_call() {
        let aws = FakeAws::new();
        bus_fake(&aws).ops.fail("PutRule", "LimitExceededException");
        let err = create(&CasePipelineResource::new(aws.provider_data()), config()).await.unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.summary, "EventBridge call failed");
        assert!(d.detail.starts_with("EventBridge PutRule cima-cases-enrich: LimitExceededException"), "{d}");
    }

    #[test]
    fn policy_round_trip() {
        let p = bus_policy("arn:aws:events:us-east-1:123456789012:event-bus/cima", &["o-abcdefghij".into()]);
        assert_eq!(policy_organizations(&p), Some(vec!["o-abcdefghij".to_owned()]));
        assert_eq!(policy_organizations(r#"{"Statement":[{"Sid":"other"}]}"#), None);
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(
            v["Statement"][0]["Condition"]["StringEquals"]["events:source"],
            serde_json::json!(["aws.support", "cima.backfill"]),
            "members may put Support's events and their own backfill requests, nothing else"
        );
    }

    #[test]
    fn a_policy_admitting_every_source_is_drift() {
        let arn = "arn:aws:events:us-east-1:123456789012:event-bus/cima";
        let ours = bus_policy(arn, &["o-abcdefghij".into()]);
        assert!(policy_problems(Some(&ours), arn).is_empty());
        let mut widened: serde_json::Value = serde_json::from_str(&ours).unwrap();
        widened["Statement"][0]["Condition"]["StringEquals"].as_object_mut().unwrap().remove("events:source");
        assert_eq!(
            policy_problems(Some(&widened.to_string()), arn),
            ["bus policy statement CimaOrganizationPutEvents changed"]
        );
    }

    #[test]
    fn patterns_compare_as_json() {
        assert!(same_pattern(
            Some(r#"{ "detail-type": ["Support Case Update"], "source": ["aws.support"] }"#),
            &support_pattern()
        ));
        assert!(!same_pattern(Some(r#"{"source": ["aws.support"]}"#), &support_pattern()));
        assert!(!same_pattern(None, &support_pattern()));
    }

    #[test]
    fn validation_paths() {
        let c = CasePipelineModel {
            organization_ids: Some(vec!["o-abcdefghij".into(), "abcdefghij".into()]),
            enricher_function_arn: Some("arn:aws:sqs:us-east-1:123456789012:q".into()),
            store_role_arn: Some("not-an-arn".into()),
            retry_policy: Some(RetryPolicyModel { maximum_event_age_seconds: Some(5), maximum_retry_attempts: None }),
            ..Default::default()
        };
        let paths: Vec<String> =
            validate_pipeline(&c).iter().map(|d| d.attribute.as_ref().unwrap().to_string()).collect();
        assert_eq!(
            paths,
            [
                "organization_ids[1]",
                "enricher_function_arn",
                "store_role_arn",
                "retry_policy.maximum_event_age_seconds"
            ]
        );
    }
}
