//! The EventBridge calls the provider makes, behind a small trait so resource code reads as
//! intent and errors carry the operation and the resource.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::ProvideErrorMetadata;
use aws_sdk_eventbridge::types::{
    DeadLetterConfig, InputTransformer, PutEventsRequestEntry, RetryPolicy, RuleState, Tag, Target,
};
use cima_core::errors::AwsError;
use tfplugin::{Diagnostic, Diagnostics};

#[derive(Debug, thiserror::Error)]
#[error("EventBridge {operation} {resource}: {error}")]
pub struct EventsError {
    pub operation: &'static str,
    pub resource: String,
    pub error: AwsError,
}

impl EventsError {
    pub fn new(operation: &'static str, resource: &str, error: AwsError) -> Self {
        Self { operation, resource: resource.to_owned(), error }
    }

    fn is_not_found(&self) -> bool {
        self.error.code() == Some("ResourceNotFoundException")
    }
}

impl From<EventsError> for Diagnostics {
    fn from(e: EventsError) -> Self {
        Diagnostic::error("EventBridge call failed", e.to_string()).into()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bus {
    pub arn: String,
    pub policy: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    pub arn: String,
    pub pattern: Option<String>,
    pub enabled: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleTarget {
    pub id: String,
    pub arn: String,
    pub role_arn: Option<String>,
    pub dead_letter_arn: Option<String>,
    pub max_event_age_seconds: Option<i64>,
    pub max_retry_attempts: Option<i64>,
    /// What the target receives instead of the event: a template over values picked by JSON path.
    pub input: Option<InputTransform>,
}

/// A target's input transformer: `paths` (placeholder → JSON path) fill `template`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputTransform {
    pub paths: BTreeMap<String, String>,
    pub template: String,
}

#[async_trait]
pub trait EventsApi: Send + Sync {
    async fn create_bus(&self, name: &str, tags: &BTreeMap<String, String>) -> Result<String, EventsError>;
    /// `Ok(None)` when the bus does not exist.
    async fn describe_bus(&self, name: &str) -> Result<Option<Bus>, EventsError>;
    async fn delete_bus(&self, name: &str) -> Result<(), EventsError>;
    async fn put_policy(&self, bus: &str, policy: &str) -> Result<(), EventsError>;
    async fn remove_policy(&self, bus: &str) -> Result<(), EventsError>;
    async fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>, EventsError>;
    async fn set_tags(&self, arn: &str, tags: &BTreeMap<String, String>) -> Result<(), EventsError>;
    async fn put_rule(&self, bus: &str, name: &str, pattern: &str, description: &str) -> Result<String, EventsError>;
    /// `Ok(None)` when the rule does not exist.
    async fn describe_rule(&self, bus: &str, name: &str) -> Result<Option<Rule>, EventsError>;
    async fn delete_rule(&self, bus: &str, name: &str) -> Result<(), EventsError>;
    async fn put_target(&self, bus: &str, rule: &str, target: &RuleTarget) -> Result<(), EventsError>;
    async fn targets(&self, bus: &str, rule: &str) -> Result<Vec<RuleTarget>, EventsError>;
    async fn remove_targets(&self, bus: &str, rule: &str, ids: &[String]) -> Result<(), EventsError>;
    /// Puts one event on `bus` (a name or an ARN); a rejected entry is an error.
    async fn put_event(&self, bus: &str, source: &str, detail_type: &str, detail: &str) -> Result<(), EventsError>;
}

#[derive(Debug)]
pub struct SdkEvents {
    client: Client,
}

impl SdkEvents {
    pub fn new(sdk: &aws_types::SdkConfig) -> Self {
        Self { client: Client::new(sdk) }
    }
}

fn err<E: std::error::Error + ProvideErrorMetadata + 'static>(
    operation: &'static str,
    resource: &str,
    e: &E,
) -> EventsError {
    EventsError::new(operation, resource, AwsError::of(e))
}

/// `Ok(None)` for a bus, rule or target that does not exist.
fn absent<T>(r: Result<T, EventsError>) -> Result<Option<T>, EventsError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A PutTargets or PutEvents entry refused inside a successful response.
fn entry_error(operation: &'static str, resource: &str, code: Option<String>, message: Option<String>) -> EventsError {
    let code = code.unwrap_or_else(|| "FailedEntry".to_owned());
    EventsError::new(operation, resource, AwsError::new(code, message.unwrap_or_default()))
}

#[async_trait]
impl EventsApi for SdkEvents {
    async fn create_bus(&self, name: &str, tags: &BTreeMap<String, String>) -> Result<String, EventsError> {
        let tags: Vec<Tag> = tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect();
        let out = self
            .client
            .create_event_bus()
            .name(name)
            .set_tags(if tags.is_empty() { None } else { Some(tags) })
            .send()
            .await
            .map_err(|e| err("CreateEventBus", name, &e))?;
        Ok(out.event_bus_arn.unwrap_or_default())
    }

    async fn describe_bus(&self, name: &str) -> Result<Option<Bus>, EventsError> {
        let out = absent(
            self.client.describe_event_bus().name(name).send().await.map_err(|e| err("DescribeEventBus", name, &e)),
        )?;
        Ok(out.map(|out| Bus { arn: out.arn.unwrap_or_default(), policy: out.policy }))
    }

    async fn delete_bus(&self, name: &str) -> Result<(), EventsError> {
        self.client.delete_event_bus().name(name).send().await.map_err(|e| err("DeleteEventBus", name, &e))?;
        Ok(())
    }

    async fn put_policy(&self, bus: &str, policy: &str) -> Result<(), EventsError> {
        self.client
            .put_permission()
            .event_bus_name(bus)
            .policy(policy)
            .send()
            .await
            .map_err(|e| err("PutPermission", bus, &e))?;
        Ok(())
    }

    async fn remove_policy(&self, bus: &str) -> Result<(), EventsError> {
        absent(
            self.client
                .remove_permission()
                .event_bus_name(bus)
                .remove_all_permissions(true)
                .send()
                .await
                .map_err(|e| err("RemovePermission", bus, &e)),
        )?;
        Ok(())
    }

    async fn tags(&self, arn: &str) -> Result<BTreeMap<String, String>, EventsError> {
        let out = self
            .client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| err("ListTagsForResource", arn, &e))?;
        Ok(out.tags.unwrap_or_default().into_iter().map(|t| (t.key, t.value)).collect())
    }

    async fn set_tags(&self, arn: &str, tags: &BTreeMap<String, String>) -> Result<(), EventsError> {
        let current = self.tags(arn).await?;
        let stale: Vec<String> = current.keys().filter(|k| !tags.contains_key(*k)).cloned().collect();
        if !stale.is_empty() {
            self.client
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(|e| err("UntagResource", arn, &e))?;
        }
        if !tags.is_empty() && &current != tags {
            let list: Vec<Tag> = tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect();
            self.client
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(list))
                .send()
                .await
                .map_err(|e| err("TagResource", arn, &e))?;
        }
        Ok(())
    }

    async fn put_rule(&self, bus: &str, name: &str, pattern: &str, description: &str) -> Result<String, EventsError> {
        let out = self
            .client
            .put_rule()
            .event_bus_name(bus)
            .name(name)
            .event_pattern(pattern)
            .description(description)
            .state(RuleState::Enabled)
            .send()
            .await
            .map_err(|e| err("PutRule", name, &e))?;
        Ok(out.rule_arn.unwrap_or_default())
    }

    async fn describe_rule(&self, bus: &str, name: &str) -> Result<Option<Rule>, EventsError> {
        let out = absent(
            self.client
                .describe_rule()
                .event_bus_name(bus)
                .name(name)
                .send()
                .await
                .map_err(|e| err("DescribeRule", name, &e)),
        )?;
        Ok(out.map(|out| Rule {
            arn: out.arn.unwrap_or_default(),
            pattern: out.event_pattern,
            enabled: out.state == Some(RuleState::Enabled),
        }))
    }

    async fn delete_rule(&self, bus: &str, name: &str) -> Result<(), EventsError> {
        absent(
            self.client
                .delete_rule()
                .event_bus_name(bus)
                .name(name)
                .send()
                .await
                .map_err(|e| err("DeleteRule", name, &e)),
        )?;
        Ok(())
    }

    async fn put_target(&self, bus: &str, rule: &str, t: &RuleTarget) -> Result<(), EventsError> {
        let retry = RetryPolicy::builder()
            .set_maximum_event_age_in_seconds(t.max_event_age_seconds.and_then(|v| i32::try_from(v).ok()))
            .set_maximum_retry_attempts(t.max_retry_attempts.and_then(|v| i32::try_from(v).ok()))
            .build();
        let input = t
            .input
            .as_ref()
            .map(|i| {
                InputTransformer::builder()
                    .set_input_paths_map(Some(i.paths.clone().into_iter().collect()))
                    .input_template(&i.template)
                    .build()
            })
            .transpose()
            .map_err(|e| EventsError::new("PutTargets", rule, AwsError::from_chain(&e)))?;
        let target = Target::builder()
            .id(&t.id)
            .arn(&t.arn)
            .set_role_arn(t.role_arn.clone())
            .retry_policy(retry)
            .set_dead_letter_config(t.dead_letter_arn.as_ref().map(|a| DeadLetterConfig::builder().arn(a).build()))
            .set_input_transformer(input)
            .build()
            .map_err(|e| EventsError::new("PutTargets", rule, AwsError::from_chain(&e)))?;
        let out = self
            .client
            .put_targets()
            .event_bus_name(bus)
            .rule(rule)
            .targets(target)
            .send()
            .await
            .map_err(|e| err("PutTargets", rule, &e))?;
        // PutTargets reports per-target failures in a 200 response: never let one pass silently.
        match out.failed_entries.unwrap_or_default().into_iter().next() {
            Some(f) => Err(entry_error("PutTargets", rule, f.error_code, f.error_message)),
            None if out.failed_entry_count > 0 => Err(entry_error("PutTargets", rule, None, None)),
            None => Ok(()),
        }
    }

    async fn targets(&self, bus: &str, rule: &str) -> Result<Vec<RuleTarget>, EventsError> {
        let out = absent(
            self.client
                .list_targets_by_rule()
                .event_bus_name(bus)
                .rule(rule)
                .send()
                .await
                .map_err(|e| err("ListTargetsByRule", rule, &e)),
        )?;
        Ok(out
            .and_then(|out| out.targets)
            .unwrap_or_default()
            .into_iter()
            .map(|t| RuleTarget {
                id: t.id,
                arn: t.arn,
                role_arn: t.role_arn,
                dead_letter_arn: t.dead_letter_config.and_then(|d| d.arn),
                max_event_age_seconds: t
                    .retry_policy
                    .as_ref()
                    .and_then(|r| r.maximum_event_age_in_seconds)
                    .map(i64::from),
                max_retry_attempts: t.retry_policy.as_ref().and_then(|r| r.maximum_retry_attempts).map(i64::from),
                input: t.input_transformer.map(|i| InputTransform {
                    paths: i.input_paths_map.unwrap_or_default().into_iter().collect(),
                    template: i.input_template,
                }),
            })
            .collect())
    }

    async fn remove_targets(&self, bus: &str, rule: &str, ids: &[String]) -> Result<(), EventsError> {
        if ids.is_empty() {
            return Ok(());
        }
        absent(
            self.client
                .remove_targets()
                .event_bus_name(bus)
                .rule(rule)
                .set_ids(Some(ids.to_vec()))
                .send()
                .await
                .map_err(|e| err("RemoveTargets", rule, &e)),
        )?;
        Ok(())
    }

    async fn put_event(&self, bus: &str, source: &str, detail_type: &str, detail: &str) -> Result<(), EventsError> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(bus)
            .source(source)
            .detail_type(detail_type)
            .detail(detail)
            .build();
        let out = self.client.put_events().entries(entry).send().await.map_err(|e| err("PutEvents", bus, &e))?;
        // Like PutTargets, PutEvents refuses entries inside a successful response.
        match out.entries.unwrap_or_default().into_iter().find(|e| e.error_code.is_some()) {
            Some(f) => Err(entry_error("PutEvents", bus, f.error_code, f.error_message)),
            None if out.failed_entry_count > 0 => Err(entry_error("PutEvents", bus, None, None)),
            None => Ok(()),
        }
    }
}
