//! Load balancers: Application, Network and Gateway ones (Elastic Load Balancing v2), then Classic
//! ones, which the same endpoint serves under its older API version. Their tags cost a
//! DescribeTags call per 20 load balancers: made only when the question filters on a tag.

use aws_types::SdkConfig;
use serde_json::{Value, json};

use super::{ReadError, member_tags, normal_time, query_pages, region_of, tag_matches};
use crate::parse::Parsed;
use crate::query_protocol::{self, QueryClient};

/// DescribeTags takes at most this many load balancers a call.
const TAGS_PER_CALL: usize = 20;

pub(super) async fn load_balancers(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let region = region_of(cfg);
    let f = &parsed.filters;
    let page_size = [("PageSize".to_owned(), "400".to_owned())];

    let v2 = QueryClient::new(cfg, query_protocol::ELB);
    let mut items = Vec::new();
    query_pages(&v2, "DescribeLoadBalancers", &page_size, ("Marker", "NextMarker"), |result| {
        for lb in result.items(&["LoadBalancers"]) {
            items.push(json!({
                "service": "elb",
                "type": "load-balancer",
                "id": lb.text(&["LoadBalancerName"]),
                "arn": lb.text(&["LoadBalancerArn"]),
                "kind": lb.text(&["Type"]),
                "region": region,
                "state": lb.text(&["State", "Code"]),
                "scheme": lb.text(&["Scheme"]),
                "dns_name": lb.text(&["DNSName"]),
                "vpc_id": lb.text(&["VpcId"]),
                "created": lb.text(&["CreatedTime"]).and_then(normal_time),
            }));
        }
    })
    .await?;
    let classic = QueryClient::new(cfg, query_protocol::ELB_CLASSIC);
    query_pages(&classic, "DescribeLoadBalancers", &page_size, ("Marker", "NextMarker"), |result| {
        for lb in result.items(&["LoadBalancerDescriptions"]) {
            items.push(json!({
                "service": "elb",
                "type": "load-balancer",
                "id": lb.text(&["LoadBalancerName"]),
                "kind": "classic",
                "region": region,
                "state": Value::Null,
                "scheme": lb.text(&["Scheme"]),
                "dns_name": lb.text(&["DNSName"]),
                "vpc_id": lb.text(&["VPCId"]),
                "created": lb.text(&["CreatedTime"]).and_then(normal_time),
            }));
        }
    })
    .await?;
    if let Some(state) = &f.state {
        items.retain(|i| i["state"].as_str().is_some_and(|s| s.eq_ignore_ascii_case(state)));
    }
    let Some(tag) = &f.tag else { return Ok(items) };
    let (mut v2_items, mut classic_items): (Vec<Value>, Vec<Value>) = (Vec::new(), Vec::new());
    for item in items {
        if item["kind"] == "classic" { classic_items.push(item) } else { v2_items.push(item) }
    }
    tag_all(&v2, &mut v2_items, "ResourceArns", "arn", "ResourceArn").await?;
    tag_all(&classic, &mut classic_items, "LoadBalancerNames", "id", "LoadBalancerName").await?;
    Ok(v2_items.into_iter().chain(classic_items).filter(|i| tag_matches(&i["tags"], tag)).collect())
}

/// Sets each item's `tags` from DescribeTags, [`TAGS_PER_CALL`] at a time: `param` names the
/// list the call takes, filled from each item's `key`; `answer_key` names the load balancer in
/// the answer's tag descriptions.
async fn tag_all(
    client: &QueryClient,
    items: &mut [Value],
    param: &str,
    key: &str,
    answer_key: &str,
) -> Result<(), ReadError> {
    for chunk in items.chunks_mut(TAGS_PER_CALL) {
        let params: Vec<(String, String)> = chunk
            .iter()
            .enumerate()
            .map(|(n, i)| (format!("{param}.member.{}", n + 1), i[key].as_str().unwrap_or_default().to_owned()))
            .collect();
        let root = client.call("DescribeTags", &params).await.map_err(|e| ReadError::call("DescribeTags", &e))?;
        for item in chunk.iter_mut() {
            let described = root
                .items(&["DescribeTagsResult", "TagDescriptions"])
                .find(|d| d.text(&[answer_key]) == item[key].as_str());
            item["tags"] = described.map_or_else(|| json!({}), |d| member_tags(d, &["Tags"]));
        }
    }
    Ok(())
}
