//! The JSON the API answers with, as types. Every struct lists its fields in alphabetical order:
//! the order these bodies have had on the wire since they were first built as sorted JSON maps, so
//! a client comparing bytes sees no change (a test below keeps it so).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::parse::{Parsed, Service};

/// `POST /query`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryResponse {
    /// Accounts that could not be read (no `service`), and services that failed in an account.
    pub account_errors: Vec<AccountErrorRow>,
    pub accounts: AccountTally,
    /// One sentence for people.
    pub answer: String,
    /// Items per service over every account (0 for a service named but not found).
    pub counts: BTreeMap<&'static str, usize>,
    /// What the parser assumed or dropped, and accounts the question named but did not match.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub parsed: Parsed,
    pub query_id: String,
    /// Per account read: its items (list) or its count per service (count).
    pub results: BTreeMap<String, AccountResults>,
    /// What the accounts spent, when the question asked (its rows are in `results`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spend: Option<SpendTotal>,
    /// Only when a list was cut at [`crate::MAX_RESULT_ITEMS`] items.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// What went wrong around the answer (the history not written).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// `spend`: the total over the accounts read, and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpendTotal {
    pub metric: &'static str,
    /// The period's first day, and the day after its last.
    pub since: String,
    pub source: &'static str,
    pub total: f64,
    pub unit: String,
    pub until: String,
}

/// One entry of `account_errors`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountErrorRow {
    pub account_id: String,
    pub message: String,
    /// The service that failed; absent when the whole account could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
}

/// `accounts`: how many were read, answered with at least one item, failed entirely.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AccountTally {
    pub failed: usize,
    pub queried: usize,
    pub with_results: usize,
}

/// One account's entry in `results`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AccountResults {
    /// A list question: the items (their shape is the service's, see [`crate::reads`]).
    Items(Vec<Value>),
    /// A count question: one row per service that answered in the account.
    Counts(Vec<ServiceCount>),
}

/// `{"count": n, "service": "ec2"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceCount {
    pub count: usize,
    pub service: Service,
}

/// `GET /history`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryResponse {
    pub count: usize,
    pub items: Vec<HistoryItem>,
    pub limit: usize,
}

/// One past question as `GET /history` lists it. Every field is optional: entries are read back
/// as stored, by whichever version wrote them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HistoryItem {
    /// The parsed question as it was answered (JSON as stored).
    pub parsed: Option<Value>,
    pub query: Option<String>,
    pub query_id: Option<String>,
    pub result_count: Option<i64>,
    /// `timestamp` as RFC 3339.
    pub time: Option<String>,
    /// Epoch milliseconds.
    pub timestamp: Option<i64>,
}

/// The body of every error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// The kind: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `upstream_error`.
    pub error: &'static str,
    /// The request field at fault (400 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;
    use crate::parse::parse;

    /// The bytes as a sorted JSON map writes them: what these bodies were before they were types.
    fn sorted<T: Serialize>(v: &T) -> String {
        serde_json::to_value(v).expect("JSON").to_string()
    }

    fn query_response() -> QueryResponse {
        let now = datetime!(2026-11-23 18:30:00 UTC);
        QueryResponse {
            account_errors: vec![
                AccountErrorRow { account_id: "111111111111".into(), message: "cannot assume".into(), service: None },
                AccountErrorRow {
                    account_id: "222222222222".into(),
                    message: "ListRoles: AccessDenied: no".into(),
                    service: Some(Service::Iam),
                },
            ],
            accounts: AccountTally { failed: 1, queried: 3, with_results: 1 },
            answer: "1 EC2 instance across 1 of 3 accounts.".into(),
            counts: BTreeMap::from([("ec2", 1), ("iam", 0)]),
            notes: vec!["several regions named; only eu-west-1 is used".into()],
            parsed: parse(
                "running roles and ec2 instances tagged env=prod in eu-west-1 or us-east-1 in account 123456789012 since 2026-01-01",
                now,
            ),
            query_id: "q-1".into(),
            results: BTreeMap::from([
                ("222222222222".to_owned(), AccountResults::Items(vec![json!({"service": "ec2", "id": "i-1"})])),
                (
                    "333333333333".to_owned(),
                    AccountResults::Counts(vec![ServiceCount { count: 2, service: Service::Ec2 }]),
                ),
            ]),
            spend: None,
            truncated: true,
            warnings: vec!["the query was not saved to the history: PutItem: boom".into()],
        }
    }

    #[test]
    fn bodies_keep_their_wire_shape_and_order() {
        let full = query_response();
        let text = serde_json::to_string(&full).expect("JSON");
        assert_eq!(text, sorted(&full));
        assert_eq!(
            text,
            concat!(
                r#"{"account_errors":[{"account_id":"111111111111","message":"cannot assume"},"#,
                r#"{"account_id":"222222222222","message":"ListRoles: AccessDenied: no","service":"iam"}],"#,
                r#""accounts":{"failed":1,"queried":3,"with_results":1},"#,
                r#""answer":"1 EC2 instance across 1 of 3 accounts.","counts":{"ec2":1,"iam":0},"#,
                r#""notes":["several regions named; only eu-west-1 is used"],"#,
                r#""parsed":{"filters":{"account":{"id":"123456789012"},"iam_entity":"role","region":"eu-west-1","#,
                r#""severity":null,"state":"running","status":null,"tag":{"key":"env","value":"prod"},"#,
                r#""time_range":{"since":"2026-01-01T00:00:00Z","until":null}},"intent":"list","#,
                r#""notes":["several regions named; only eu-west-1 is used"],"services":["ec2","iam"],"#,
                r#""source":"deterministic"},"query_id":"q-1","#,
                r#""results":{"222222222222":[{"id":"i-1","service":"ec2"}],"333333333333":[{"count":2,"service":"ec2"}]},"#,
                r#""truncated":true,"warnings":["the query was not saved to the history: PutItem: boom"]}"#,
            )
        );

        // Optional fields are left out, not null.
        let plain = QueryResponse { notes: vec![], truncated: false, warnings: vec![], ..full };
        let v = serde_json::to_value(&plain).expect("JSON");
        let keys: Vec<&str> = v.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(keys, ["account_errors", "accounts", "answer", "counts", "parsed", "query_id", "results"]);

        let history = HistoryResponse {
            count: 2,
            items: vec![
                HistoryItem {
                    parsed: Some(json!({"intent": "count"})),
                    query: Some("how many buckets".into()),
                    query_id: Some("q-1".into()),
                    result_count: Some(4),
                    time: Some("2026-11-23T18:30:00Z".into()),
                    timestamp: Some(1_795_458_600_000),
                },
                HistoryItem::default(),
            ],
            limit: 20,
        };
        let text = serde_json::to_string(&history).expect("JSON");
        assert_eq!(text, sorted(&history));
        assert_eq!(
            text,
            concat!(
                r#"{"count":2,"items":[{"parsed":{"intent":"count"},"query":"how many buckets","query_id":"q-1","#,
                r#""result_count":4,"time":"2026-11-23T18:30:00Z","timestamp":1795458600000},"#,
                r#"{"parsed":null,"query":null,"query_id":null,"result_count":null,"time":null,"timestamp":null}],"#,
                r#""limit":20}"#,
            )
        );

        let bad = crate::error::ApiError::bad("query", "required").body();
        assert_eq!(
            serde_json::to_string(&bad).expect("JSON"),
            r#"{"error":"bad_request","field":"query","message":"query: required"}"#
        );
        let other = crate::error::ApiError::Unauthorized.body();
        assert_eq!(serde_json::to_string(&other).expect("JSON"), sorted(&other));
        assert_eq!(
            serde_json::to_value(&other).expect("JSON"),
            json!({"error": "unauthorized", "message": other.message})
        );
    }
}
