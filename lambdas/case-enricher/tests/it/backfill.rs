//! Backfill: an account's cases emitted over several invocations, continued through the central
//! bus with a cursor, every case exactly once.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::harness::{CENTRAL_BUS, World, invocation};

/// Opens `n` cases in the member account (a few at a time) and returns their ids.
async fn open_cases(w: &World, n: usize) -> BTreeSet<String> {
    let support = aws_sdk_support::Client::new(&w.member_config().await);
    let ids: Vec<String> = futures::stream::iter(0..n)
        .map(|i| {
            let support = support.clone();
            async move { w.create_case(&support, &format!("Backfilled case {i}")).await }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    ids.into_iter().collect()
}

/// A backfill request for `account` as the account itself sends it (the provider, through the
/// member's access role).
fn request(account: &str, days: u64) -> Value {
    request_by(account, account, days)
}

fn request_by(sender: &str, account: &str, days: u64) -> Value {
    json!({"version": "0", "id": "b1", "source": "cima.backfill", "detail-type": "CIMA Backfill Request",
           "account": sender, "region": "us-east-1", "time": "2025-01-01T00:00:00Z", "resources": [],
           "detail": {"account": account, "days": days}})
}

fn case_ids(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["detail"]["caseId"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn backfill_of_120_cases_over_two_invocations_emits_each_once() {
    let w = World::start(1).await;
    let opened = open_cases(&w, 120).await;
    assert_eq!(opened.len(), 120);
    let enriched = w.enriched_capture("enriched");
    let continuations = w
        .aws
        .capture_events("continuations", &json!({"source": ["cima.backfill"]}), None, Some(CENTRAL_BUS))
        .expect("capture");

    let mut config = w.config();
    config.max_cases_per_invocation = 60;
    let enricher = w.enricher(config).await;

    let started = std::time::Instant::now();
    let first = enricher.handle(invocation(request(&w.member, 30), Duration::from_secs(900))).await.expect("first");
    let mut handler_time = started.elapsed();
    assert_eq!(first["outcome"], "backfill-continued");
    assert_eq!(first["emitted"], 60);
    assert!(first["cursor"]["nextToken"].is_string(), "{first}");

    // The continuation went to the central bus as a backfill request carrying the cursor.
    let next = w.aws.drain_events(&continuations, 2).expect("drain");
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(
        (next[0]["source"].as_str(), next[0]["detail-type"].as_str()),
        (Some("cima.backfill"), Some("CIMA Backfill Request"))
    );
    assert_eq!(next[0]["detail"], json!({"account": w.member, "days": 30, "cursor": first["cursor"]}));

    let started = std::time::Instant::now();
    let second = enricher.handle(invocation(next[0].clone(), Duration::from_secs(900))).await.expect("second");
    handler_time += started.elapsed();
    assert_eq!(second["outcome"], "backfilled");
    assert_eq!(second["emitted"], 60);
    assert_eq!(second["cursor"], Value::Null);
    assert!(w.aws.drain_events(&continuations, 1).expect("drain").is_empty(), "no third invocation asked for");

    // One more than expected: the drain waits for extras and sees none.
    let events = w.aws.drain_events(&enriched, 121).expect("drain");
    let ids = case_ids(&events);
    assert_eq!(ids.len(), 120);
    assert_eq!(ids.iter().cloned().collect::<BTreeSet<_>>(), opened, "every case once, nothing else");
    assert!(events.iter().all(|e| e["detail"]["accountName"] == w.account_name(&w.member).as_str()));
    #[allow(clippy::print_stderr)] // the measurement is the point; nextest shows it with --no-capture
    {
        eprintln!("case-enricher: backfill {:?} per case against moto ({handler_time:?} for 120)", handler_time / 120);
    }
}

#[tokio::test]
async fn a_short_deadline_stops_mid_page_and_the_cursor_resumes_there() {
    let w = World::start(1).await;
    let opened = open_cases(&w, 25).await;
    let enriched = w.enriched_capture("enriched");
    let enricher = w.enricher(w.config()).await;
    let margin = enricher.config().deadline_margin;

    // Less time left than the margin: one batch (progress is guaranteed), then a cursor.
    let short = margin - Duration::from_millis(1);
    let first = enricher.handle(invocation(request(&w.member, 1), short)).await.expect("first");
    assert_eq!((first["outcome"].as_str(), first["emitted"].as_u64()), (Some("backfill-continued"), Some(10)));
    assert_eq!(first["cursor"]["skip"], 10, "{first}");
    assert_eq!(first["cursor"]["nextToken"], Value::Null, "still on the first page");

    // As the enricher puts it on the central bus: from its own account.
    let continuation = json!({"source": "cima.backfill", "detail-type": "CIMA Backfill Request",
                              "account": w.org.management_account_id,
                              "detail": {"account": w.member, "days": 1, "cursor": first["cursor"]}});
    let second = enricher.handle(invocation(continuation, Duration::from_secs(900))).await.expect("second");
    assert_eq!((second["outcome"].as_str(), second["emitted"].as_u64()), (Some("backfilled"), Some(15)));

    let ids = case_ids(&w.aws.drain_events(&enriched, 26).expect("drain"));
    assert_eq!(ids.len(), 25);
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), opened);
}

#[tokio::test]
async fn a_backfill_without_a_central_bus_is_a_configuration_error() {
    let w = World::start(1).await;
    open_cases(&w, 12).await;
    let mut config = w.config();
    config.central_bus_name = None;
    config.max_cases_per_invocation = 10;
    let err = w
        .enricher(config)
        .await
        .handle(invocation(request(&w.member, 1), Duration::from_secs(900)))
        .await
        .expect_err("cannot continue");
    assert!(err.to_string().contains("CENTRAL_BUS_NAME"), "{err}");
    assert_eq!(lambda_runtime::Diagnostic::from(err).error_type, "NonRetryable");
}

#[tokio::test]
async fn an_account_cannot_ask_for_another_accounts_cases() {
    let w = World::start(2).await;
    open_cases(&w, 3).await;
    let other = w.org.members().map(|a| a.id.clone()).find(|a| *a != w.member).expect("a second member");
    let enriched = w.enriched_capture("enriched");
    let enricher = w.enricher(w.config()).await;

    let err = enricher
        .handle(invocation(request_by(&other, &w.member, 30), Duration::from_secs(60)))
        .await
        .expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "rejected event: backfill request for account {} put by account {other}: an account may ask only for its own cases",
            w.member
        )
    );
    assert_eq!(lambda_runtime::Diagnostic::from(err).error_type, "NonRetryable");
    assert!(w.aws.drain_events(&enriched, 1).expect("drain").is_empty(), "nothing read, nothing emitted");

    // The account itself may; so may the function's own account (its continuations).
    let own = enricher.handle(invocation(request(&w.member, 30), Duration::from_secs(60))).await.expect("own");
    assert_eq!(own["emitted"], 3);
    let central = request_by(&w.org.management_account_id, &w.member, 30);
    assert_eq!(enricher.handle(invocation(central, Duration::from_secs(60))).await.expect("central")["emitted"], 3);
    assert_eq!(w.aws.drain_events(&enriched, 7).expect("drain").len(), 6);
}
