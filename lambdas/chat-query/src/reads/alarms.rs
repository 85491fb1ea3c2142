//! CloudWatch alarms, metric and composite: DescribeAlarms filters by state on the server. An
//! alarm's tags cost a ListTagsForResource call each: made only when the question filters on a tag.

use aws_types::SdkConfig;
use serde_json::{Value, json};

use super::{ReadError, each_resource, member_tags, normal_time, query_pages, region_of, tag_matches};
use crate::parse::{Parsed, Service};
use crate::query_protocol::{self, Element, QueryClient};

pub(super) async fn alarms(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = QueryClient::new(cfg, query_protocol::CLOUDWATCH);
    let (region, f) = (region_of(cfg), &parsed.filters);
    let mut params = vec![
        ("MaxRecords".to_owned(), "100".to_owned()),
        ("AlarmTypes.member.1".to_owned(), "MetricAlarm".to_owned()),
        ("AlarmTypes.member.2".to_owned(), "CompositeAlarm".to_owned()),
    ];
    if let Some(state) = f.state.as_deref().filter(|s| Service::CloudWatch.takes_state(s)) {
        params.push(("StateValue".to_owned(), state.to_ascii_uppercase()));
    }
    let item = |a: &Element, kind: &str| {
        json!({
            "service": "cloudwatch",
            "type": "alarm",
            "id": a.text(&["AlarmName"]),
            "arn": a.text(&["AlarmArn"]),
            "kind": kind,
            "region": region,
            "state": a.text(&["StateValue"]),
            "state_reason": a.text(&["StateReason"]),
            "state_updated": a.text(&["StateUpdatedTimestamp"]).and_then(normal_time),
            "metric": a.text(&["MetricName"]),
            "namespace": a.text(&["Namespace"]),
        })
    };
    let mut items = Vec::new();
    query_pages(&client, "DescribeAlarms", &params, ("NextToken", "NextToken"), |result| {
        items.extend(result.items(&["MetricAlarms"]).map(|a| item(a, "metric")));
        items.extend(result.items(&["CompositeAlarms"]).map(|a| item(a, "composite")));
    })
    .await?;
    let Some(tag) = &f.tag else { return Ok(items) };
    let client = &client;
    each_resource(items, move |mut alarm| async move {
        let arn = alarm["arn"].as_str().unwrap_or_default().to_owned();
        let root = client
            .call("ListTagsForResource", &[("ResourceARN".to_owned(), arn)])
            .await
            .map_err(|e| ReadError::call("ListTagsForResource", &e))?;
        alarm["tags"] = member_tags(&root, &["ListTagsForResourceResult", "Tags"]);
        Ok(tag_matches(&alarm["tags"], tag).then_some(alarm))
    })
    .await
}
