//! The contracts between the provider, the Lambdas and the HCL modules, typed once: the events
//! that cross the buses (sources, detail-types, the backfill request) and the names each side
//! must agree on (roles, rules, targets). The enriched event's detail is
//! [`crate::enrich::EnrichedCase`].
//!
//! The HCL modules spell some of these as variable defaults; `aws-standin`'s estate tests read
//! those defaults and compare them with the constants here, so a rename in one place fails a
//! test instead of splitting the pipeline.

use serde::{Deserialize, Serialize};

use crate::ids::is_account_id;

/// AWS Support's own events: case updates and (ignored) CloudTrail records of its API calls.
pub const SUPPORT_SOURCE: &str = "aws.support";
pub const SUPPORT_DETAIL_TYPE: &str = "Support Case Update";
/// CloudTrail events also carry source `aws.support`; they name an API call, not a case.
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";

/// A backfill request on the central bus: the provider sends the first when it links an account,
/// the enricher sends the next with a cursor while the account has more cases.
pub const BACKFILL_SOURCE: &str = "cima.backfill";
pub const BACKFILL_DETAIL_TYPE: &str = "CIMA Backfill Request";
/// DescribeCases reaches back at most a year.
pub const MAX_BACKFILL_DAYS: u64 = 365;

/// The enriched events' source and detail-type unless configured otherwise (kept from the
/// system CIMA replaces, whose dashboards match on them).
pub const DEFAULT_ENRICHED_SOURCE: &str = "heidi.support";
pub const DEFAULT_ENRICHED_DETAIL_TYPE: &str = "heidi.support";

/// The role the enricher assumes in each member account to read its cases.
pub const DEFAULT_CASE_READER_ROLE: &str = "CimaCaseReaderRole";
/// The chat API's read-only role in each member account.
pub const DEFAULT_QUERY_ROLE: &str = "ChatSystemReadOnlyRole";
/// What chat-query's own role may do in the management account to answer about spend: Cost
/// Explorer's one grouped call (modules/chat-api grants it when the function runs there).
pub const COST_ACTIONS: [&str; 1] = ["ce:GetCostAndUsage"];
/// What the member role may do: exactly the calls chat-query makes in a member account (chat-query's
/// `reads` tests hold its calls to this list, and this list to its calls), and nothing that reads
/// data: no S3 object, no secret, no function code (`lambda:GetFunction` hands out a link to it).
pub const QUERY_ROLE_ACTIONS: [&str; 23] = [
    "autoscaling:DescribeAutoScalingGroups",
    "cloudformation:DescribeStacks",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:ListTagsForResource",
    "config:DescribeComplianceByConfigRule",
    "config:GetComplianceDetailsByConfigRule",
    "ec2:DescribeInstances",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTags",
    "iam:ListRoleTags",
    "iam:ListRoles",
    "iam:ListUserTags",
    "iam:ListUsers",
    "lambda:ListFunctions",
    "lambda:ListTags",
    "rds:DescribeDBInstances",
    "route53:ListHostedZones",
    "route53:ListTagsForResource",
    "s3:GetBucketLocation",
    "s3:GetBucketTagging",
    "s3:ListAllMyBuckets",
    "support:DescribeCases",
];
/// The role Organizations creates in every account it creates: how the provider reaches members.
pub const DEFAULT_MEMBER_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";
/// The role a member's forward rule uses to put events on the central bus.
pub const EVENTS_ROLE: &str = "CimaEventForwarderRole";
/// The member account's rule forwarding Support's events to the central bus, and its target id.
pub const FORWARD_RULE: &str = "cima-forward-support";
pub const FORWARD_TARGET: &str = "cima-central-bus";

/// The sources the organization's accounts may put on the central bus: AWS Support's events,
/// forwarded by each member's rule, and a member's backfill request for itself. Enriched events
/// come from the bus's own account (the enricher's), which the bus policy does not govern.
pub const ADMITTED_SOURCES: [&str; 2] = [SUPPORT_SOURCE, BACKFILL_SOURCE];
/// The id of the central bus policy's one statement.
pub const BUS_POLICY_SID: &str = "CimaOrganizationPutEvents";

/// The central bus's policy: PutEvents for principals of `organization_ids` only, and of the
/// [`ADMITTED_SOURCES`] only.
pub fn bus_policy(bus_arn: &str, organization_ids: &[String]) -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": BUS_POLICY_SID,
            "Effect": "Allow",
            "Principal": "*",
            "Action": "events:PutEvents",
            "Resource": bus_arn,
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_ids, "events:source": ADMITTED_SOURCES}},
        }],
    })
}

/// Where a backfill resumes: the query's window, fixed by the first invocation (`afterTime`, and
/// `beforeTime` so cases opened later cannot shift the pages: the live events cover those), the
/// DescribeCases page to fetch (`nextToken`, none for the first page) and how many of its cases
/// are already emitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackfillCursor {
    pub after_time: String,
    #[serde(default)]
    pub before_time: Option<String>,
    #[serde(default)]
    pub next_token: Option<String>,
    #[serde(default)]
    pub skip: usize,
}

/// The detail of a `cima.backfill` event: the cases of the last `days` days of `account`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackfillRequest {
    pub account: String,
    pub days: u64,
    /// Where an earlier invocation stopped; absent (or null) on the first.
    #[serde(default)]
    pub cursor: Option<BackfillCursor>,
}

/// Why a backfill request is refused before any work is done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackfillRequestError {
    #[error("account must be a 12-digit account id")]
    Account,
    #[error("days must be a whole number from 1 to {MAX_BACKFILL_DAYS}")]
    Days,
}

impl BackfillRequest {
    /// The first request for an account, checked the way the enricher checks what it receives.
    pub fn new(account: impl Into<String>, days: u64) -> Result<Self, BackfillRequestError> {
        let r = Self { account: account.into(), days, cursor: None };
        r.validate()?;
        Ok(r)
    }

    pub fn validate(&self) -> Result<(), BackfillRequestError> {
        if !is_account_id(&self.account) {
            return Err(BackfillRequestError::Account);
        }
        if !(1..=MAX_BACKFILL_DAYS).contains(&self.days) {
            return Err(BackfillRequestError::Days);
        }
        Ok(())
    }

    /// The event detail as EventBridge carries it (a JSON string).
    pub fn detail(&self) -> String {
        // A struct of strings and numbers always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The event pattern of the central bus's rule that sends AWS Support case updates to the enricher.
pub fn support_pattern() -> serde_json::Value {
    serde_json::json!({"source": [SUPPORT_SOURCE], "detail-type": [SUPPORT_DETAIL_TYPE]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_request_has_no_cursor_on_the_wire() {
        let r = BackfillRequest::new("111122223333", 90).expect("valid");
        assert_eq!(r.detail(), r#"{"account":"111122223333","days":90,"cursor":null}"#);
        let back: BackfillRequest = serde_json::from_str(r#"{"account":"111122223333","days":90}"#).expect("parse");
        assert_eq!(back, r);
    }

    #[test]
    fn a_continued_request_round_trips_with_its_cursor() {
        let r = BackfillRequest {
            account: "111122223333".into(),
            days: 30,
            cursor: Some(BackfillCursor {
                after_time: "2026-01-01T00:00:00Z".into(),
                before_time: Some("2026-02-01T00:00:00Z".into()),
                next_token: Some("t".into()),
                skip: 3,
            }),
        };
        let v: serde_json::Value = serde_json::from_str(&r.detail()).expect("json");
        assert_eq!(v["cursor"]["afterTime"], "2026-01-01T00:00:00Z");
        assert_eq!(v["cursor"]["nextToken"], "t");
        assert_eq!(serde_json::from_value::<BackfillRequest>(v).expect("parse"), r);
    }

    #[test]
    fn bad_requests_are_refused_with_the_reason() {
        assert_eq!(BackfillRequest::new("12345", 1), Err(BackfillRequestError::Account));
        assert_eq!(BackfillRequest::new("111122223333", 0), Err(BackfillRequestError::Days));
        assert_eq!(BackfillRequest::new("111122223333", MAX_BACKFILL_DAYS + 1), Err(BackfillRequestError::Days));
        assert!(BackfillRequest::new("111122223333", MAX_BACKFILL_DAYS).is_ok());
        let unknown = r#"{"afterTime":"2026-01-01T00:00:00Z","extra":1}"#;
        assert!(serde_json::from_str::<BackfillCursor>(unknown).is_err());
    }

    #[test]
    fn the_support_pattern_matches_case_updates_only() {
        let p = support_pattern();
        assert_eq!(p["source"][0], SUPPORT_SOURCE);
        assert_eq!(p["detail-type"], serde_json::json!([SUPPORT_DETAIL_TYPE]));
    }
}
