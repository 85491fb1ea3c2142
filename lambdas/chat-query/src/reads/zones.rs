//! Route 53 hosted zones, with their record counts: ListHostedZones (REST-XML, one global
//! endpoint) gives both in one call per 100 zones. Tags cost a ListTagsForResource call per zone:
//! made only when the question filters on a tag.

use aws_types::SdkConfig;
use serde_json::{Value, json};

use super::{MAX_PAGES, ReadError, each_resource, member_tags, tag_matches};
use crate::parse::Parsed;
use crate::query_protocol::{self, Element, QueryClient};

pub(super) async fn hosted_zones(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = QueryClient::new(cfg, query_protocol::ROUTE53);
    let version = query_protocol::ROUTE53.version;
    let mut items = Vec::new();
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut path = format!("/{version}/hostedzone?maxitems=100");
        if let Some(m) = marker.take() {
            path.push_str("&marker=");
            path.push_str(&form_urlencoded::byte_serialize(m.as_bytes()).collect::<String>());
        }
        let root = client.get("ListHostedZones", &path).await.map_err(|e| ReadError::call("ListHostedZones", &e))?;
        let zones = root.find(&["HostedZones"]).map(|z| z.children.as_slice()).unwrap_or_default();
        items.extend(zones.iter().map(zone));
        marker = (root.text(&["IsTruncated"]) == Some("true"))
            .then(|| root.text(&["NextMarker"]).unwrap_or_default().to_owned())
            .filter(|m| !m.is_empty());
        if marker.is_none() {
            break;
        }
    }
    let Some(tag) = &parsed.filters.tag else { return Ok(items) };
    let client = &client;
    each_resource(items, move |mut z| async move {
        let id = z["id"].as_str().unwrap_or_default().to_owned();
        let root = client
            .get("ListTagsForResource", &format!("/{version}/tags/hostedzone/{id}"))
            .await
            .map_err(|e| ReadError::call("ListTagsForResource", &e))?;
        z["tags"] = member_tags(&root, &["ResourceTagSet", "Tags"]);
        Ok(tag_matches(&z["tags"], tag).then_some(z))
    })
    .await
}

/// One `<HostedZone>` as an item; its id without the `/hostedzone/` AWS puts before it.
fn zone(z: &Element) -> Value {
    let id = z.text(&["Id"]).unwrap_or_default();
    json!({
        "service": "route53",
        "type": "hosted-zone",
        "id": id.rsplit('/').next().unwrap_or(id),
        "name": z.text(&["Name"]),
        "private": z.text(&["Config", "PrivateZone"]) == Some("true"),
        "record_count": z.text(&["ResourceRecordSetCount"]).and_then(|n| n.parse::<u64>().ok()),
        "comment": z.text(&["Config", "Comment"]),
    })
}
