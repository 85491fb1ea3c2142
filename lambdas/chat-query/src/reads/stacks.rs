//! CloudFormation stacks: DescribeStacks lists every stack that is not deleted, with its status,
//! its last drift detection's result and its tags, in one call per page.

use serde_json::{Value, json};

use super::{ReadError, member_tags, normal_time, query_pages, region_of, tag_matches};
use crate::parse::Parsed;
use crate::query_protocol::{self, QueryClient};
use aws_types::SdkConfig;

/// Whether a stack status says its last operation failed: a status ending in `_FAILED`, or
/// `ROLLBACK_COMPLETE` (its creation failed and was rolled back: the stack can only be deleted).
/// `UPDATE_ROLLBACK_COMPLETE` is not: the stack is back in its last working state.
pub(super) fn failed(status: &str) -> bool {
    status.ends_with("_FAILED") || status == "ROLLBACK_COMPLETE" || status == "IMPORT_ROLLBACK_COMPLETE"
}

pub(super) async fn stacks(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = QueryClient::new(cfg, query_protocol::CLOUDFORMATION);
    let (region, f) = (region_of(cfg), &parsed.filters);
    let mut items = Vec::new();
    query_pages(&client, "DescribeStacks", &[], ("NextToken", "NextToken"), |result| {
        for s in result.items(&["Stacks"]) {
            let status = s.text(&["StackStatus"]).unwrap_or_default();
            let drift = s.text(&["DriftInformation", "StackDriftStatus"]).unwrap_or("NOT_CHECKED");
            let wanted = match f.state.as_deref() {
                Some("failed") => failed(status),
                Some("drifted") => drift == "DRIFTED",
                _ => true,
            };
            let tags = member_tags(s, &["Tags"]);
            if !wanted || f.tag.as_ref().is_some_and(|t| !tag_matches(&tags, t)) {
                continue;
            }
            items.push(json!({
                "service": "cloudformation",
                "type": "stack",
                "id": s.text(&["StackName"]),
                "arn": s.text(&["StackId"]),
                "region": region,
                "state": status,
                "status_reason": s.text(&["StackStatusReason"]),
                "drift": drift,
                "created": s.text(&["CreationTime"]).and_then(normal_time),
                "tags": tags,
            }));
        }
    })
    .await?;
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_is_a_failed_operation_not_a_recovered_one() {
        for s in ["CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED", "UPDATE_ROLLBACK_FAILED"] {
            assert!(failed(s), "{s}");
        }
        for s in ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "ROLLBACK_IN_PROGRESS"] {
            assert!(!failed(s), "{s}");
        }
    }
}
