//! Query history in DynamoDB: partition key `userId` (the JWT `sub`), sort key `timestamp` (epoch
//! milliseconds), TTL attribute `ttl` (epoch seconds). DynamoDB deletes expired items lazily, so
//! reads filter them out themselves.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::api::HistoryItem;
use crate::parse::Parsed;

/// A history read pages at most this often to fill `limit` items past expired ones.
const MAX_HISTORY_PAGES: usize = 20;
/// Writes in the same millisecond by the same user move to the next millisecond, this often.
const MAX_PUT_ATTEMPTS: i64 = 5;

#[derive(Clone, Debug)]
pub struct History {
    client: Client,
    table: String,
}

/// One query, as written.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub user_id: &'a str,
    pub timestamp_ms: i64,
    pub query_id: &'a str,
    pub query: &'a str,
    pub parsed: &'a Parsed,
    pub result_count: u64,
    pub ttl: i64,
}

/// Why the history could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// A DynamoDB call failed: `operation` is its name, `message` AWS's code and message.
    #[error("{operation}: {message}")]
    Call { operation: &'static str, message: String },
    /// Every millisecond tried already held an entry of the same user.
    #[error("PutItem: {MAX_PUT_ATTEMPTS} entries already in the same milliseconds")]
    Crowded,
    #[error("the parsed question as JSON: {0}")]
    Encode(#[from] serde_json::Error),
}

impl HistoryError {
    fn call<E: ProvideErrorMetadata + std::error::Error + 'static>(operation: &'static str, e: &E) -> Self {
        HistoryError::Call { operation, message: cima_core::errors::service_message(e) }
    }
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

impl History {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// Writes the entry without overwriting another in the same millisecond; returns the
    /// timestamp used.
    pub async fn put(&self, e: &Entry<'_>) -> Result<i64, HistoryError> {
        let parsed = serde_json::to_string(e.parsed)?;
        let mut ts = e.timestamp_ms;
        for _ in 0..MAX_PUT_ATTEMPTS {
            let out = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("userId", AttributeValue::S(e.user_id.to_owned()))
                .item("timestamp", n(ts))
                .item("queryId", AttributeValue::S(e.query_id.to_owned()))
                .item("query", AttributeValue::S(e.query.to_owned()))
                .item("parsed", AttributeValue::S(parsed.clone()))
                .item("resultCount", n(e.result_count as i64))
                .item("ttl", n(e.ttl))
                .condition_expression("attribute_not_exists(#ts)")
                .expression_attribute_names("#ts", "timestamp")
                .send()
                .await;
            match out {
                Ok(_) => return Ok(ts),
                Err(err) if err.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                    ts += 1
                }
                Err(err) => return Err(HistoryError::call("PutItem", &err)),
            }
        }
        Err(HistoryError::Crowded)
    }

    /// The user's newest `limit` entries that have not expired at `now_s` (epoch seconds).
    pub async fn list(&self, user_id: &str, limit: usize, now_s: i64) -> Result<Vec<HistoryItem>, HistoryError> {
        let mut items = Vec::new();
        let mut start = None;
        for _ in 0..MAX_HISTORY_PAGES {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("userId = :u")
                .filter_expression("attribute_not_exists(#ttl) OR #ttl > :now")
                .expression_attribute_names("#ttl", "ttl")
                .expression_attribute_values(":u", AttributeValue::S(user_id.to_owned()))
                .expression_attribute_values(":now", n(now_s))
                .scan_index_forward(false)
                .limit(limit as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| HistoryError::call("Query", &e))?;
            for item in out.items() {
                if items.len() < limit {
                    items.push(history_item(item));
                }
            }
            match out.last_evaluated_key() {
                Some(key) if items.len() < limit && !key.is_empty() => start = Some(key.clone()),
                _ => break,
            }
        }
        Ok(items)
    }
}

/// A stored entry as listed; attributes it lacks (or holds in another type) are null.
fn history_item(item: &std::collections::HashMap<String, AttributeValue>) -> HistoryItem {
    let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    let num = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<i64>().ok());
    let timestamp = num("timestamp");
    let time = timestamp
        .and_then(|ms| time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok())
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok());
    HistoryItem {
        parsed: s("parsed").and_then(|p| serde_json::from_str(&p).ok()),
        query: s("query"),
        query_id: s("queryId"),
        result_count: num("resultCount"),
        time,
        timestamp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_before() {
        assert_eq!(HistoryError::Crowded.to_string(), "PutItem: 5 entries already in the same milliseconds");
        let call = HistoryError::Call { operation: "Query", message: "ResourceNotFoundException: no table".into() };
        assert_eq!(call.to_string(), "Query: ResourceNotFoundException: no table");
    }
}
