//! One account's reads: the role is assumed once, then each service the question names is read
//! (every list call paged to the end, at most `MAX_PAGES` pages) and filtered. Items are small
//! JSON objects with the same core fields for every service: `service`, `type`, `id`, `region`,
//! `created`, `tags`, plus what is specific to the service. Calls made per resource (tags, a
//! bucket's location) run a few at a time, the items keeping the listing's order.

use aws_credential_types::provider::ProvideCredentials as _;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::SdkConfig;
use aws_types::region::Region;
use cima_core::sessions::AccountSessions;
use cima_core::support::{CaseQuery, SUPPORT_REGION, SdkSupport, SupportError};
use futures::{StreamExt as _, TryStreamExt as _};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::parse::{Filters, IamEntity, Parsed, Service, TagFilter};
use crate::query_protocol::{self, Element, QueryClient};

mod alarms;
mod balancers;
mod compliance;
pub mod cost;
mod metrics;
mod scaling;
mod stacks;
mod zones;

/// A bound on every pager: a server that keeps answering with new tokens cannot keep us forever.
const MAX_PAGES: usize = 1000;
/// Per-resource calls (tags, a bucket's location) in flight at once, per service and account.
/// The accounts already run in parallel, and IAM and Lambda throttle these calls per account:
/// a few at a time shortens a tag question without inviting throttling errors.
const RESOURCE_READS_AT_ONCE: usize = 4;

/// What one account gave: the items found, and the services that failed in it.
#[derive(Debug, Default)]
pub struct AccountOutcome {
    pub items: Vec<Value>,
    /// Each service that could not be read, and why.
    pub errors: Vec<(Service, ReadError)>,
}

/// Why an account could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The session was built without credentials (the function's configuration, not the account).
    #[error("no credentials provider")]
    NoCredentials,
    /// The read-only role could not be assumed in the account.
    #[error("cannot assume {role_arn}: {message}")]
    AssumeRole { role_arn: String, message: String },
    /// The account did not answer before the fan-out's deadline (the API answers within 29 s).
    #[error("no answer within {} s of the question; left out so the others could be answered", .0.as_secs())]
    TimedOut(std::time::Duration),
}

/// Why one service could not be read in an account; its other services still answer.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// An AWS call failed: `operation` is its name, `message` AWS's code and message.
    #[error("{operation}: {message}")]
    Call { operation: &'static str, message: String },
    #[error(transparent)]
    Support(#[from] SupportError),
}

impl ReadError {
    fn call<E: ProvideErrorMetadata + std::error::Error + 'static>(operation: &'static str, e: &E) -> Self {
        ReadError::Call { operation, message: cima_core::errors::service_message(e) }
    }
}

fn dt(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
}

/// Lambda's `2026-01-02T03:04:05.000+0000` as RFC 3339.
fn lambda_time(t: &str) -> String {
    match t.len().checked_sub(5).map(|i| t.split_at(i)) {
        Some((head, "+0000")) => format!("{head}Z"),
        _ => t.to_owned(),
    }
}

fn tags_value(tags: impl IntoIterator<Item = (String, String)>) -> Value {
    Value::Object(tags.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

fn tag_matches(tags: &Value, filter: &TagFilter) -> bool {
    match (tags.get(&filter.key), &filter.value) {
        (Some(Value::String(v)), Some(want)) => v == want,
        (Some(_), None) => true,
        _ => false,
    }
}

/// The time window as instants, for items that carry a creation time.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    since: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
}

impl Window {
    fn of(parsed: &Parsed) -> Self {
        let at = |s: &Option<String>| s.as_deref().and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok());
        parsed
            .filters
            .time_range
            .as_ref()
            .map(|r| Window { since: at(&r.since), until: at(&r.until) })
            .unwrap_or_default()
    }

    fn is_set(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }

    /// Items without a readable creation time are kept only when no window is asked for.
    fn contains(&self, item: &Value) -> bool {
        if !self.is_set() {
            return true;
        }
        let Some(t) = item.get("created").and_then(Value::as_str).and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        else {
            return false;
        };
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t < u)
    }
}

/// Reads member accounts as `role_name`.
#[derive(Debug)]
pub struct Reader<'a> {
    pub sessions: &'a AccountSessions,
    pub role_name: &'a str,
    pub home_region: &'a str,
}

impl Reader<'_> {
    /// Assumes the role in `account_id` (an error here fails the whole account), then reads every
    /// service of `parsed`; a failing service is reported and the others still answer.
    pub async fn read_account(&self, account_id: &str, parsed: &Parsed) -> Result<AccountOutcome, AccountError> {
        let base = self.sessions.config_for(account_id, self.role_name, self.home_region).await;
        let provider = base.credentials_provider().ok_or(AccountError::NoCredentials)?;
        if let Err(e) = provider.provide_credentials().await {
            let role_arn = cima_core::sessions::role_arn(
                cima_core::sessions::partition(self.home_region),
                account_id,
                self.role_name,
            );
            return Err(AccountError::AssumeRole { role_arn, message: cima_core::errors::aws_message(&e) });
        }
        let region = parsed.filters.region.clone().unwrap_or_else(|| self.home_region.to_owned());
        let in_region = |r: &str| base.clone().into_builder().region(Region::new(r.to_owned())).build();
        // A metric's time range chose its datapoints; it has no creation time to filter.
        let window = if parsed.filters.metric.is_some() { Window::default() } else { Window::of(parsed) };
        let reads = parsed.services.iter().map(|service| {
            let (base, region, window) = (&base, region.clone(), window);
            let cfg = in_region(&region);
            async move {
                let out = match service {
                    Service::Ec2 => ec2(&cfg, parsed).await,
                    Service::S3 => s3(base, parsed).await,
                    Service::Rds => rds(&cfg, parsed).await,
                    Service::Lambda => lambda(&cfg, parsed).await,
                    Service::Iam => iam(base, parsed).await,
                    Service::Support => support(&in_support_region(base), parsed).await,
                    Service::CloudFormation => stacks::stacks(&cfg, parsed).await,
                    Service::Elb => balancers::load_balancers(&cfg, parsed).await,
                    Service::AutoScaling => scaling::groups(&cfg, parsed).await,
                    Service::CloudWatch => match &parsed.filters.metric {
                        Some(m) => metrics::statistics(&cfg, parsed, m).await,
                        None => alarms::alarms(&cfg, parsed).await,
                    },
                    Service::Route53 => zones::hosted_zones(base, parsed).await,
                    Service::Config => compliance::rules(&cfg, parsed).await,
                    // Read once for every account, in the management account (`cost`).
                    Service::Cost => Ok(Vec::new()),
                };
                (*service, out.map(|items| items.into_iter().filter(|i| window.contains(i)).collect::<Vec<_>>()))
            }
        });
        let mut outcome = AccountOutcome::default();
        for (service, result) in futures::future::join_all(reads).await {
            match result {
                Ok(items) => outcome.items.extend(items),
                Err(e) => outcome.errors.push((service, e)),
            }
        }
        Ok(outcome)
    }
}

fn in_support_region(base: &SdkConfig) -> SdkConfig {
    base.clone().into_builder().region(Region::new(SUPPORT_REGION)).build()
}

fn region_of(cfg: &SdkConfig) -> String {
    cfg.region().map(|r| r.as_ref().to_owned()).unwrap_or_default()
}

async fn ec2(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = QueryClient::new(cfg, query_protocol::EC2);
    let f = &parsed.filters;
    let mut filters: Vec<(String, String)> = Vec::new();
    if let Some(state) = &f.state {
        filters.push(("instance-state-name".to_owned(), state.clone()));
    }
    if let Some(tag) = &f.tag {
        filters.push(match &tag.value {
            Some(v) => (format!("tag:{}", tag.key), v.clone()),
            None => ("tag-key".to_owned(), tag.key.clone()),
        });
    }
    let mut params: Vec<(String, String)> = vec![("MaxResults".to_owned(), "1000".to_owned())];
    for (n, (name, value)) in filters.into_iter().enumerate() {
        params.push((format!("Filter.{}.Name", n + 1), name));
        params.push((format!("Filter.{}.Value.1", n + 1), value));
    }
    let region = region_of(cfg);
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut page_params = params.clone();
        page_params.extend(token.take().map(|t| ("NextToken".to_owned(), t)));
        let page = client
            .call("DescribeInstances", &page_params)
            .await
            .map_err(|e| ReadError::call("DescribeInstances", &e))?;
        for i in page.items(&["reservationSet"]).flat_map(|r| r.items(&["instancesSet"])) {
            let tags = tags_value(i.items(&["tagSet"]).map(|t| {
                (t.text(&["key"]).unwrap_or_default().to_owned(), t.text(&["value"]).unwrap_or_default().to_owned())
            }));
            items.push(json!({
                "service": "ec2",
                "type": "instance",
                "id": i.text(&["instanceId"]),
                "name": tags.get("Name"),
                "region": region,
                "state": i.text(&["instanceState", "name"]),
                "instance_type": i.text(&["instanceType"]),
                "created": i.text(&["launchTime"]).and_then(normal_time),
                "tags": tags,
            }));
        }
        token = page.text(&["nextToken"]).filter(|t| !t.is_empty()).map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    Ok(items)
}

/// An answer's timestamp (`2026-01-02T03:04:05.000Z`) as the SDK's `DateTime` formats it, so
/// every service's `created` reads alike.
fn normal_time(t: &str) -> Option<String> {
    aws_smithy_types::DateTime::from_str(t, Format::DateTime).ok().and_then(|d| d.fmt(Format::DateTime).ok())
}

/// Calls `action` page after page (the token read from `token_out` below the answer's result and
/// sent back as `token_in`), handing each page's result element to `page`; at most [`MAX_PAGES`].
async fn query_pages(
    client: &QueryClient,
    action: &'static str,
    params: &[(String, String)],
    (token_in, token_out): (&str, &str),
    mut page: impl FnMut(&Element),
) -> Result<(), ReadError> {
    let result = format!("{action}Result");
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut page_params = params.to_vec();
        page_params.extend(token.take().map(|t| (token_in.to_owned(), t)));
        let root = client.call(action, &page_params).await.map_err(|e| ReadError::call(action, &e))?;
        let Some(result) = root.child(&result) else { return Ok(()) };
        page(result);
        token = result.text(&[token_out]).filter(|t| !t.is_empty()).map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    Ok(())
}

/// A tag list's entries (`Key`, `Value`; awsQuery's `<member>`s, REST-XML's `<Tag>`s) as a tags object.
fn member_tags(e: &Element, path: &[&str]) -> Value {
    let entries = e.find(path).map(|l| l.children.as_slice()).unwrap_or_default();
    tags_value(
        entries.iter().map(|t| {
            (t.text(&["Key"]).unwrap_or_default().to_owned(), t.text(&["Value"]).unwrap_or_default().to_owned())
        }),
    )
}

async fn s3(base: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = aws_sdk_s3::Client::new(base);
    let mut buckets = Vec::new();
    let mut pages = client.list_buckets().max_buckets(1000).into_paginator().send();
    for _ in 0..MAX_PAGES {
        let Some(page) = pages.next().await else { break };
        let page = page.map_err(|e| ReadError::call("ListBuckets", &e))?;
        buckets.extend(page.buckets().iter().cloned());
    }
    let (client, f) = (&client, &parsed.filters);
    each_resource(buckets, move |b| bucket(client, base, b, f)).await
}

/// One bucket as an item, or `None` when the region or tag filter leaves it out. Location and
/// tags cost a call per bucket: only made when the question filters on them.
async fn bucket(
    client: &aws_sdk_s3::Client,
    base: &SdkConfig,
    b: aws_sdk_s3::types::Bucket,
    f: &Filters,
) -> Result<Option<Value>, ReadError> {
    let name = b.name().unwrap_or_default().to_owned();
    let mut region = b.bucket_region().map(str::to_owned);
    if f.region.is_some() && region.is_none() {
        let loc = client
            .get_bucket_location()
            .bucket(&name)
            .send()
            .await
            .map_err(|e| ReadError::call("GetBucketLocation", &e))?;
        region = Some(match loc.location_constraint().map(|c| c.as_str()) {
            None | Some("") => "us-east-1".to_owned(),
            Some("EU") => "eu-west-1".to_owned(),
            Some(other) => other.to_owned(),
        });
    }
    if let (Some(want), Some(have)) = (&f.region, &region)
        && want != have
    {
        return Ok(None);
    }
    let mut tags = Value::Null;
    if let Some(tag) = &f.tag {
        let regional = region.as_deref().map_or_else(
            || client.clone(),
            |r| aws_sdk_s3::Client::new(&base.clone().into_builder().region(Region::new(r.to_owned())).build()),
        );
        tags = match regional.get_bucket_tagging().bucket(&name).send().await {
            Ok(out) => tags_value(out.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned()))),
            Err(e) if e.code() == Some("NoSuchTagSet") => json!({}),
            Err(e) => return Err(ReadError::call("GetBucketTagging", &e)),
        };
        if !tag_matches(&tags, tag) {
            return Ok(None);
        }
    }
    let mut item = json!({
        "service": "s3",
        "type": "bucket",
        "id": name,
        "name": name,
        "region": region,
        "created": dt(b.creation_date()),
    });
    if !tags.is_null() {
        item["tags"] = tags;
    }
    Ok(Some(item))
}

async fn rds(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = aws_sdk_rds::Client::new(cfg);
    let f = &parsed.filters;
    let region = region_of(cfg);
    let mut pages = client.describe_db_instances().into_paginator().send();
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let Some(page) = pages.next().await else { break };
        let page = page.map_err(|e| ReadError::call("DescribeDBInstances", &e))?;
        for d in page.db_instances() {
            let tags = tags_value(
                d.tag_list()
                    .iter()
                    .map(|t| (t.key().unwrap_or_default().to_owned(), t.value().unwrap_or_default().to_owned())),
            );
            let status = d.db_instance_status().unwrap_or_default();
            // EC2 words map onto RDS statuses: a running database is an available one.
            let state_ok = match f.state.as_deref() {
                None => true,
                Some("running") => status == "available",
                Some(s) => status == s,
            };
            if !state_ok || f.tag.as_ref().is_some_and(|t| !tag_matches(&tags, t)) {
                continue;
            }
            items.push(json!({
                "service": "rds",
                "type": "db-instance",
                "id": d.db_instance_identifier(),
                "region": region,
                "state": status,
                "engine": d.engine(),
                "instance_class": d.db_instance_class(),
                "created": dt(d.instance_create_time()),
                "tags": tags,
            }));
        }
    }
    Ok(items)
}

async fn lambda(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = aws_sdk_lambda::Client::new(cfg);
    let region = region_of(cfg);
    let mut functions = Vec::new();
    let mut pages = client.list_functions().into_paginator().send();
    for _ in 0..MAX_PAGES {
        let Some(page) = pages.next().await else { break };
        let page = page.map_err(|e| ReadError::call("ListFunctions", &e))?;
        functions.extend(page.functions().iter().cloned());
    }
    let (client, region, f) = (&client, region.as_str(), &parsed.filters);
    each_resource(functions, move |func| async move {
        let item = json!({
            "service": "lambda",
            "type": "function",
            "id": func.function_name(),
            "arn": func.function_arn(),
            "region": region,
            "runtime": func.runtime().map(|r| r.as_str()),
            "created": func.last_modified().map(lambda_time),
        });
        let Some(tag) = &f.tag else { return Ok(Some(item)) };
        let arn = func.function_arn().unwrap_or_default();
        let out = client.list_tags().resource(arn).send().await.map_err(|e| ReadError::call("ListTags", &e))?;
        Ok(with_tags(item, out.tags().cloned().unwrap_or_default(), tag))
    })
    .await
}

async fn iam(base: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = aws_sdk_iam::Client::new(base);
    let f = &parsed.filters;
    let mut items = Vec::new();
    if f.iam_entity != Some(IamEntity::User) {
        let mut roles = Vec::new();
        let mut pages = client.list_roles().into_paginator().send();
        for _ in 0..MAX_PAGES {
            let Some(page) = pages.next().await else { break };
            let page = page.map_err(|e| ReadError::call("ListRoles", &e))?;
            roles.extend(page.roles().iter().cloned());
        }
        let client = &client;
        items.extend(
            each_resource(roles, move |r| async move {
                let item = json!({
                    "service": "iam", "type": "role", "id": r.role_name(), "arn": r.arn(), "path": r.path(),
                    "created": dt(Some(r.create_date())),
                });
                let Some(tag) = &f.tag else { return Ok(Some(item)) };
                let out = client
                    .list_role_tags()
                    .role_name(r.role_name())
                    .send()
                    .await
                    .map_err(|e| ReadError::call("ListRoleTags", &e))?;
                Ok(with_tags(item, out.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())), tag))
            })
            .await?,
        );
    }
    if f.iam_entity != Some(IamEntity::Role) {
        let mut users = Vec::new();
        let mut pages = client.list_users().into_paginator().send();
        for _ in 0..MAX_PAGES {
            let Some(page) = pages.next().await else { break };
            let page = page.map_err(|e| ReadError::call("ListUsers", &e))?;
            users.extend(page.users().iter().cloned());
        }
        let client = &client;
        items.extend(
            each_resource(users, move |u| async move {
                let item = json!({
                    "service": "iam", "type": "user", "id": u.user_name(), "arn": u.arn(), "path": u.path(),
                    "created": dt(Some(u.create_date())),
                });
                let Some(tag) = &f.tag else { return Ok(Some(item)) };
                let out = client
                    .list_user_tags()
                    .user_name(u.user_name())
                    .send()
                    .await
                    .map_err(|e| ReadError::call("ListUserTags", &e))?;
                Ok(with_tags(item, out.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())), tag))
            })
            .await?,
        );
    }
    Ok(items)
}

/// `item` with its `tags`, or `None` when they do not match `filter`.
fn with_tags(mut item: Value, tags: impl IntoIterator<Item = (String, String)>, filter: &TagFilter) -> Option<Value> {
    let tags = tags_value(tags);
    if !tag_matches(&tags, filter) {
        return None;
    }
    item["tags"] = tags;
    Some(item)
}

/// Turns each resource into an item (`None`: a filter leaves it out) with at most
/// [`RESOURCE_READS_AT_ONCE`] in flight, keeping the resources' order; the first failure in that
/// order fails the service, as a sequential read would.
async fn each_resource<T, F, Fut>(resources: Vec<T>, item: F) -> Result<Vec<Value>, ReadError>
where
    F: FnMut(T) -> Fut,
    Fut: Future<Output = Result<Option<Value>, ReadError>>,
{
    let items: Vec<Option<Value>> =
        futures::stream::iter(resources).map(item).buffered(RESOURCE_READS_AT_ONCE).try_collect().await?;
    Ok(items.into_iter().flatten().collect())
}

async fn support(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let api = SdkSupport::new(aws_sdk_support::Client::new(cfg));
    let f = &parsed.filters;
    let range = f.time_range.clone().unwrap_or(crate::parse::TimeRange { since: None, until: None });
    let q = CaseQuery {
        case_ids: Vec::new(),
        after_time: range.since,
        before_time: range.until,
        // Open cases are every status but resolved, which DescribeCases leaves out by default.
        include_resolved: !matches!(f.status.as_deref(), Some(crate::parse::OPEN_STATUS)),
    };
    let cases = cima_core::support::read_cases(&api, &q, false).await?;
    Ok(cases
        .into_iter()
        .filter(|c| f.severity.as_ref().is_none_or(|s| &c.severity_code == s))
        .filter(|c| match f.status.as_deref() {
            None => true,
            Some(crate::parse::OPEN_STATUS) => cima_core::support::is_open(&c.status),
            Some(s) => c.status == s,
        })
        .map(|c| {
            json!({
                "service": "support",
                "type": "case",
                "id": c.case_id,
                "display_id": c.display_id,
                "subject": c.subject,
                "status": c.status,
                "severity": c.severity_code,
                "severity_name": cima_core::support::severity_name(&c.severity_code),
                "service_code": c.service_code,
                "region": SUPPORT_REGION,
                "created": c.time_created,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AWS operations named in a reader's code (its tests left out).
    fn operations(source: &str) -> std::collections::BTreeSet<String> {
        let code = source.split("#[cfg(test)]").next().unwrap_or_default();
        code.split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| {
                ["Describe", "List", "Get"].iter().any(|p| s.starts_with(p))
                    && s.len() > 6
                    && s.bytes().all(|b| b.is_ascii_alphabetic())
                    // An answer's result element, not an operation.
                    && !s.ends_with("Result")
            })
            .map(str::to_owned)
            .collect()
    }

    /// The member role's policy (cima-core's contract, which `cima_linked_account` and the
    /// chat-api module grant) is exactly what the readers call: a read added without its action
    /// would be AccessDenied in every account, and an action no reader calls is privilege for nothing.
    #[test]
    fn the_query_role_grants_exactly_the_calls_the_readers_make() {
        use std::collections::BTreeSet;

        // Each file with the service prefix of every call it makes (mod.rs makes several services').
        let sources: [(&str, Option<&str>); 8] = [
            (include_str!("mod.rs"), None),
            (include_str!("stacks.rs"), Some("cloudformation")),
            (include_str!("balancers.rs"), Some("elasticloadbalancing")),
            (include_str!("scaling.rs"), Some("autoscaling")),
            (include_str!("alarms.rs"), Some("cloudwatch")),
            (include_str!("metrics.rs"), Some("cloudwatch")),
            (include_str!("zones.rs"), Some("route53")),
            (include_str!("compliance.rs"), Some("config")),
        ];
        let granted = &cima_core::contract::QUERY_ROLE_ACTIONS;
        for (source, prefix) in sources.iter().filter_map(|(s, p)| Some((s, (*p)?))) {
            for op in operations(source) {
                assert!(granted.contains(&format!("{prefix}:{op}").as_str()), "{prefix}:{op} is not granted");
            }
        }
        let mut called: BTreeSet<String> = sources.iter().flat_map(|(s, _)| operations(s)).collect();
        // S3's ListBuckets is authorised as s3:ListAllMyBuckets; Support cases are read by
        // cima-core's reader, without their communications.
        assert!(called.remove("ListBuckets"));
        called.extend(["ListAllMyBuckets".to_owned(), "DescribeCases".to_owned()]);
        let granted: BTreeSet<String> =
            granted.iter().map(|a| a.split_once(':').map_or(*a, |(_, op)| op).to_owned()).collect();
        assert_eq!(called, granted);
        // Spend is read in the management account by the function's own role, never by the
        // member role: exactly Cost Explorer's call, which the member role does not have.
        let spend: BTreeSet<String> =
            operations(include_str!("cost.rs")).into_iter().map(|op| format!("ce:{op}")).collect();
        let allowed: BTreeSet<String> = cima_core::contract::COST_ACTIONS.iter().map(|a| (*a).to_owned()).collect();
        assert_eq!(spend, allowed);
        assert!(!granted.iter().any(|a| spend.contains(&format!("ce:{a}"))));
    }

    #[test]
    fn lambda_times_become_rfc3339() {
        assert_eq!(lambda_time("2026-01-02T03:04:05.000+0000"), "2026-01-02T03:04:05.000Z");
        assert_eq!(lambda_time("2026-01-02T03:04:05Z"), "2026-01-02T03:04:05Z");
    }

    #[test]
    fn errors_read_as_before() {
        let support =
            ReadError::from(SupportError::Api { operation: "DescribeCases", message: "Throttling: x".into() });
        assert_eq!(support.to_string(), "DescribeCases: Throttling: x");
        let call = ReadError::Call { operation: "ListTags", message: "AccessDeniedException: no".into() };
        assert_eq!(call.to_string(), "ListTags: AccessDeniedException: no");
        assert_eq!(AccountError::NoCredentials.to_string(), "no credentials provider");
    }

    #[tokio::test]
    async fn resources_are_read_a_few_at_a_time_in_order() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (in_flight, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let read = |fail: Option<usize>| {
            let (in_flight, peak) = (&in_flight, &peak);
            each_resource((0..20).collect(), move |i: usize| async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                // Later resources finish first.
                for _ in 0..(20 - i) {
                    tokio::task::yield_now().await;
                }
                in_flight.fetch_sub(1, Ordering::SeqCst);
                if fail.is_some_and(|f| i >= f) {
                    return Err(ReadError::Call { operation: "ListRoleTags", message: format!("role {i}") });
                }
                Ok((!i.is_multiple_of(3)).then(|| json!(i)))
            })
        };
        let items = read(None).await.expect("no failure");
        let want: Vec<Value> = (0..20usize).filter(|i| !i.is_multiple_of(3)).map(|i| json!(i)).collect();
        assert_eq!(items, want);
        assert!((2..=RESOURCE_READS_AT_ONCE).contains(&peak.load(Ordering::SeqCst)), "{peak:?}");
        let err = read(Some(7)).await.expect_err("a failure");
        assert_eq!(err.to_string(), "ListRoleTags: role 7");
    }

    #[test]
    fn tags_and_windows_filter_items() {
        let item = json!({"created": "2026-03-01T00:00:00Z", "tags": {"env": "prod"}});
        let tags = &item["tags"];
        assert!(tag_matches(tags, &TagFilter { key: "env".into(), value: Some("prod".into()) }));
        assert!(tag_matches(tags, &TagFilter { key: "env".into(), value: None }));
        assert!(!tag_matches(tags, &TagFilter { key: "env".into(), value: Some("dev".into()) }));
        assert!(!tag_matches(tags, &TagFilter { key: "team".into(), value: None }));
        let at = |s: &str| OffsetDateTime::parse(s, &Rfc3339).ok();
        let w = Window { since: at("2026-01-01T00:00:00Z"), until: at("2026-03-01T00:00:00Z") };
        assert!(!w.contains(&item), "until is exclusive");
        assert!(Window { since: at("2026-03-01T00:00:00Z"), until: None }.contains(&item));
        assert!(!w.contains(&json!({})), "no creation time, no match inside a window");
        assert!(Window::default().contains(&json!({})));
    }
}
