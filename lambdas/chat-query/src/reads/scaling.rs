//! Auto Scaling groups: DescribeAutoScalingGroups gives each group's sizes, its instances and
//! its tags in one call per page.

use aws_types::SdkConfig;
use serde_json::{Value, json};

use super::{ReadError, member_tags, normal_time, query_pages, region_of, tag_matches};
use crate::parse::Parsed;
use crate::query_protocol::{self, QueryClient};

pub(super) async fn groups(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = QueryClient::new(cfg, query_protocol::AUTOSCALING);
    let (region, f) = (region_of(cfg), &parsed.filters);
    let number = |e: &crate::query_protocol::Element, name: &str| e.text(&[name]).and_then(|t| t.parse::<u64>().ok());
    let mut items = Vec::new();
    let params = [("MaxRecords".to_owned(), "100".to_owned())];
    query_pages(&client, "DescribeAutoScalingGroups", &params, ("NextToken", "NextToken"), |result| {
        for g in result.items(&["AutoScalingGroups"]) {
            let tags = member_tags(g, &["Tags"]);
            if f.tag.as_ref().is_some_and(|t| !tag_matches(&tags, t)) {
                continue;
            }
            items.push(json!({
                "service": "autoscaling",
                "type": "auto-scaling-group",
                "id": g.text(&["AutoScalingGroupName"]),
                "arn": g.text(&["AutoScalingGroupARN"]),
                "region": region,
                "min_size": number(g, "MinSize"),
                "max_size": number(g, "MaxSize"),
                "desired_capacity": number(g, "DesiredCapacity"),
                "instances": g.items(&["Instances"]).count(),
                "created": g.text(&["CreatedTime"]).and_then(normal_time),
                "tags": tags,
            }));
        }
    })
    .await?;
    Ok(items)
}
