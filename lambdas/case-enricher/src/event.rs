//! The events the enricher accepts, parsed from the EventBridge envelope, and everything else
//! rejected with a reason that names what arrived.

use cima_core::contract::{
    BACKFILL_SOURCE, BackfillCursor, BackfillRequest, CLOUDTRAIL_DETAIL_TYPE, SUPPORT_DETAIL_TYPE, SUPPORT_SOURCE,
};
use cima_core::ids::is_account_id;
use serde::Deserialize as _;
use serde_json::Value;

use crate::error::EnricherError;

/// A cursor never skips more than one DescribeCases page.
const MAX_SKIP: usize = 100;

/// What one invocation is asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    CaseUpdate(CaseUpdate),
    /// The cases of the last `days` days of `account`, from `cursor` on (`None` on the first).
    Backfill(BackfillRequest),
}

/// An `aws.support` / `Support Case Update` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseUpdate {
    /// The account that owns the case (the event's `account`, kept along forwarding).
    pub account: String,
    pub case_id: String,
    /// CreateCase, AddCommunicationToCase, ResolveCase or ReopenCase.
    pub event_name: String,
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A short, safe description of a value for log lines (never the whole payload).
fn describe(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > 200 {
        let cut = (0..=200).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        s.truncate(cut);
        s.push('…');
    }
    s
}

pub fn parse(event: &Value) -> Result<Request, EnricherError> {
    let reject = |why: String| Err(EnricherError::Rejected(why));
    if !event.is_object() {
        return reject(format!("not an EventBridge event (a JSON object): {}", describe(event)));
    }
    let (Some(source), Some(detail_type)) = (text(event, "source"), text(event, "detail-type")) else {
        return reject(format!("no source/detail-type: not an EventBridge event: {}", describe(event)));
    };
    let detail = event.get("detail").filter(|d| d.is_object());
    match (source, detail_type) {
        (SUPPORT_SOURCE, SUPPORT_DETAIL_TYPE) => {
            let Some(detail) = detail else { return reject("Support Case Update without a detail object".into()) };
            let account = text(event, "account").unwrap_or_default();
            if !is_account_id(account) {
                return reject(format!("Support Case Update whose account {account:?} is not a 12-digit account id"));
            }
            let case_id = text(detail, "case-id").unwrap_or_default();
            if case_id.is_empty() {
                return reject(format!("Support Case Update without detail.case-id: {}", describe(detail)));
            }
            Ok(Request::CaseUpdate(CaseUpdate {
                account: account.to_owned(),
                case_id: case_id.to_owned(),
                event_name: text(detail, "event-name").unwrap_or_default().to_owned(),
            }))
        }
        (SUPPORT_SOURCE, CLOUDTRAIL_DETAIL_TYPE) => reject(format!(
            "a CloudTrail event ({:?}), not a Support Case Update: the enrich rule must match detail-type too",
            detail.and_then(|d| text(d, "eventName")).unwrap_or("?")
        )),
        (BACKFILL_SOURCE, _) => {
            let Some(detail) = detail else { return reject("backfill request without a detail object".into()) };
            parse_backfill(detail).map(Request::Backfill)
        }
        (s, t) => reject(format!("unexpected source/detail-type {s:?}/{t:?}")),
    }
}

fn parse_backfill(detail: &Value) -> Result<BackfillRequest, EnricherError> {
    let reject = |why: String| Err(EnricherError::Rejected(format!("backfill request {}: {why}", describe(detail))));
    let account = text(detail, "account").unwrap_or_default();
    // Checked field by field (not by deserialising the whole detail) so each refusal says which
    // field was wrong, in the request's own terms.
    let days = detail.get("days").and_then(Value::as_u64).unwrap_or(0);
    let mut request = BackfillRequest { account: account.to_owned(), days, cursor: None };
    if let Err(e) = request.validate() {
        return reject(e.to_string());
    }
    request.cursor = match detail.get("cursor") {
        None | Some(Value::Null) => None,
        Some(c) => match BackfillCursor::deserialize(c) {
            Ok(c)
                if c.skip <= MAX_SKIP
                    && is_rfc3339(&c.after_time)
                    && c.before_time.as_deref().is_none_or(is_rfc3339) =>
            {
                Some(c)
            }
            Ok(_) => return reject(format!("cursor needs RFC 3339 afterTime/beforeTime and skip ≤ {MAX_SKIP}")),
            Err(e) => return reject(format!("cursor: {e}")),
        },
    };
    Ok(request)
}

fn is_rfc3339(s: &str) -> bool {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn support_event(detail: Value) -> Value {
        json!({"version": "0", "id": "e1", "detail-type": "Support Case Update", "source": "aws.support",
               "account": "111122223333", "time": "2025-01-01T00:00:00Z", "region": "us-east-1",
               "resources": [], "detail": detail})
    }

    fn rejected(v: Value) -> String {
        match parse(&v) {
            Err(e @ EnricherError::Rejected(_)) => e.to_string(),
            other => panic!("expected a rejection of {v}, got {other:?}"),
        }
    }

    #[test]
    fn support_case_update() {
        let v = support_event(json!({"case-id": "case-1", "display-id": "1", "communication-id": "c",
                                     "event-name": "CreateCase", "origin": "CUSTOMER"}));
        assert_eq!(
            parse(&v).expect("parses"),
            Request::CaseUpdate(CaseUpdate {
                account: "111122223333".into(),
                case_id: "case-1".into(),
                event_name: "CreateCase".into()
            })
        );
    }

    #[test]
    fn cloudtrail_and_garbage_are_rejected_with_a_reason() {
        let trail = json!({"source": "aws.support", "detail-type": "AWS API Call via CloudTrail",
                           "account": "111122223333", "detail": {"eventName": "DescribeCases"}});
        assert!(rejected(trail).contains("CloudTrail event (\"DescribeCases\")"));
        assert!(rejected(json!("hello")).contains("not an EventBridge event"));
        assert!(rejected(json!([1, 2])).contains("not an EventBridge event"));
        assert!(rejected(json!({})).contains("no source/detail-type"));
        assert!(rejected(json!({"source": "aws.ec2", "detail-type": "x"})).contains("unexpected source"));
        assert!(rejected(support_event(json!({"display-id": "1"}))).contains("without detail.case-id"));
        assert!(rejected(support_event(json!("case-1"))).contains("without a detail object"));
        let mut bad_account = support_event(json!({"case-id": "c"}));
        bad_account["account"] = json!("1234");
        assert!(rejected(bad_account).contains("not a 12-digit"));
        let long = json!({"source": "x".repeat(1000), "detail-type": "é".repeat(500)});
        assert!(rejected(long).len() < 3000);
    }

    #[test]
    fn backfill_requests_and_cursors() {
        let first = json!({"source": "cima.backfill", "detail-type": "CIMA Backfill Request",
                           "detail": {"account": "111122223333", "days": 365}});
        assert_eq!(
            parse(&first).expect("parses"),
            Request::Backfill(BackfillRequest { account: "111122223333".into(), days: 365, cursor: None })
        );
        let next = json!({"source": "cima.backfill", "detail-type": "CIMA Backfill Request",
                          "detail": {"account": "111122223333", "days": 30,
                                     "cursor": {"afterTime": "2025-01-01T00:00:00Z", "nextToken": "t", "skip": 3}}});
        let Request::Backfill(b) = parse(&next).expect("parses") else { panic!("backfill") };
        assert_eq!(
            b.cursor,
            Some(BackfillCursor {
                after_time: "2025-01-01T00:00:00Z".into(),
                before_time: None,
                next_token: Some("t".into()),
                skip: 3
            })
        );
        for detail in [
            json!({"account": "111122223333", "days": 366}),
            json!({"account": "111122223333", "days": 0}),
            json!({"account": "111122223333", "days": "30"}),
            json!({"account": "111122223333", "days": 1.5}),
            json!({"account": "x", "days": 3}),
            json!({"account": "111122223333", "days": 3, "cursor": {"afterTime": "yesterday"}}),
            json!({"account": "111122223333", "days": 3,
                   "cursor": {"afterTime": "2025-01-01T00:00:00Z", "beforeTime": "now"}}),
            json!({"account": "111122223333", "days": 3, "cursor": {"afterTime": "2025-01-01T00:00:00Z", "skip": 500}}),
            json!({"account": "111122223333", "days": 3, "cursor": {"afterTime": "2025-01-01T00:00:00Z", "x": 1}}),
        ] {
            let v = json!({"source": "cima.backfill", "detail-type": "CIMA Backfill Request", "detail": detail});
            assert!(rejected(v).starts_with("rejected event: backfill request"));
        }
    }

    #[test]
    fn cursors_round_trip_in_camel_case() {
        let c = BackfillCursor {
            after_time: "2025-01-01T00:00:00Z".into(),
            before_time: Some("2025-01-31T00:00:00.250Z".into()),
            next_token: None,
            skip: 0,
        };
        let v = serde_json::to_value(&c).expect("json");
        assert_eq!(
            v,
            json!({"afterTime": "2025-01-01T00:00:00Z", "beforeTime": "2025-01-31T00:00:00.250Z",
                   "nextToken": null, "skip": 0})
        );
        assert_eq!(BackfillCursor::deserialize(&v).expect("back"), c);
    }
}
