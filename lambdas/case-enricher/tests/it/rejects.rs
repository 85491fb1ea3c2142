//! Events the enricher must not enrich: a vanished case (dropped, logged), CloudTrail events and
//! garbage (rejected, logged, never a panic), each with its one log line.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Logs, World, invocation};

#[tokio::test]
async fn vanished_cases_are_dropped_and_other_shapes_rejected_with_a_log_line() {
    let w = World::start(1).await;
    let capture = w.enriched_capture("enriched");
    let enricher = w.enricher(w.config()).await;
    let (logs, _guard) = Logs::capture();

    let vanished = format!("case-{}-dead-2025-0000000000000000", w.member);
    let event = json!({"version": "0", "id": "1", "source": "aws.support", "detail-type": "Support Case Update",
                       "account": w.member, "region": "us-east-1", "time": "2025-01-01T00:00:00Z", "resources": [],
                       "detail": {"case-id": vanished, "event-name": "AddCommunicationToCase", "origin": "AWS"}});
    let answer = enricher.handle(invocation(event, Duration::from_secs(60))).await.expect("dropped, not failed");
    assert_eq!(answer["outcome"], "dropped");
    assert!(answer["reason"].as_str().unwrap_or_default().contains("CaseIdNotFound"), "{answer}");
    let line = &logs.with_message("case vanished: event dropped")[0];
    assert_eq!(line["account"], w.member.as_str());
    assert_eq!(line["case_id"], vanished.as_str());
    assert_eq!(line["outcome"], "dropped");
    assert_eq!(line["error_type"], "NonRetryable");
    assert_eq!(line["level"], "WARN");
    assert!(line["duration_ms"].as_f64().is_some(), "{line}");

    let cloudtrail = json!({"version": "0", "id": "2", "source": "aws.support",
                            "detail-type": "AWS API Call via CloudTrail", "account": w.member,
                            "detail": {"eventSource": "support.amazonaws.com", "eventName": "DescribeCases"}});
    let garbage: Vec<Value> = vec![
        cloudtrail,
        json!("not an event"),
        json!(null),
        json!([{"source": "aws.support"}]),
        json!({"source": "aws.support", "detail-type": "Support Case Update", "account": w.member, "detail": {}}),
        json!({"source": "cima.backfill", "detail-type": "CIMA Backfill Request",
               "detail": {"account": w.member, "days": 9999}}),
    ];
    for payload in &garbage {
        let err = enricher.handle(invocation(payload.clone(), Duration::from_secs(60))).await.expect_err("rejected");
        assert!(err.to_string().starts_with("rejected event: "), "{err}");
        assert_eq!(lambda_runtime::Diagnostic::from(err).error_type, "NonRetryable");
    }
    let rejected = logs.with_message("event not handled");
    assert_eq!(rejected.len(), garbage.len());
    assert!(rejected.iter().all(|l| l["outcome"] == "rejected" && l["error_type"] == "NonRetryable"));
    assert!(rejected[0]["error"].as_str().unwrap_or_default().contains("CloudTrail event (\"DescribeCases\")"));
    // Exactly one summary line per event, and nothing reached the bus.
    assert_eq!(logs.lines().iter().filter(|l| l["request_id"] == "test-request").count(), garbage.len() + 1);
    assert!(w.aws.drain_events(&capture, 1).expect("drain").is_empty());
}
