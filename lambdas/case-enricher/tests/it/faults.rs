//! PutEvents failures injected into the local AWS: refused entries are re-put, throttling is
//! retried by the SDK, and what keeps failing fails the invocation as retryable.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{World, invocation};

fn case_event(account: &str, case_id: &str) -> Value {
    json!({"version": "0", "id": "1", "source": "aws.support", "detail-type": "Support Case Update",
           "account": account, "region": "us-east-1", "time": "2025-01-01T00:00:00Z", "resources": [],
           "detail": {"case-id": case_id, "display-id": "", "communication-id": "",
                      "event-name": "CreateCase", "origin": "CUSTOMER"}})
}

fn injected(state: &Value, kind: &str) -> u64 {
    state["injected"][kind].as_u64().expect("counter")
}

#[tokio::test]
async fn refused_entries_and_throttling_are_retried_and_persistent_refusal_fails_retryable() {
    let w = World::start(1).await;
    let capture = w.enriched_capture("enriched");
    let support = aws_sdk_support::Client::new(&w.member_config().await);
    let case_id = w.create_case(&support, "Faulty bus").await;
    let enricher = w.enricher(w.config()).await;
    let event = case_event(&w.member, &case_id);
    let handle = || enricher.handle(invocation(event.clone(), Duration::from_secs(60)));

    // One refused entry: re-put, delivered once.
    w.aws.put_events_faults(Some(&w.org.management_account_id), 1, 0).expect("fault");
    assert_eq!(handle().await.expect("retried")["outcome"], "enriched");
    let state = w.aws.put_events_faults(Some(&w.org.management_account_id), 0, 0).expect("state");
    assert_eq!(injected(&state, "failed_entries"), 1);
    assert_eq!(w.aws.drain_events(&capture, 2).expect("drain").len(), 1);

    // Two throttled calls: the SDK's retries absorb them.
    w.aws.put_events_faults(Some(&w.org.management_account_id), 0, 2).expect("fault");
    assert_eq!(handle().await.expect("retried")["outcome"], "enriched");
    let state = w.aws.put_events_faults(Some(&w.org.management_account_id), 0, 0).expect("state");
    assert_eq!(injected(&state, "throttled_calls"), 2);
    assert_eq!(w.aws.drain_events(&capture, 2).expect("drain").len(), 1);

    // Refused on every attempt: the invocation fails, as Retryable, and nothing is delivered.
    let attempts = enricher.config().put_retry.attempts;
    w.aws.put_events_faults(Some(&w.org.management_account_id), 100, 0).expect("fault");
    let err = handle().await.expect_err("keeps failing");
    let state = w.aws.put_events_faults(Some(&w.org.management_account_id), 0, 0).expect("state");
    assert_eq!(injected(&state, "failed_entries"), 1 + u64::from(attempts));
    let text = err.to_string();
    assert!(text.contains(&format!("1 of 1 entries still failed after {attempts} attempts")), "{text}");
    assert!(text.contains("InternalFailure"), "{text}");
    let diagnostic = lambda_runtime::Diagnostic::from(err);
    assert_eq!(diagnostic.error_type, "Retryable");
    assert!(w.aws.drain_events(&capture, 1).expect("drain").is_empty());

    // Throttled beyond the SDK's patience: retryable too.
    w.aws.put_events_faults(Some(&w.org.management_account_id), 0, 50).expect("fault");
    let err = handle().await.expect_err("throttled throughout");
    assert!(err.to_string().contains("ThrottlingException"), "{err}");
    assert_eq!(err.error_type(), "Retryable");
}
