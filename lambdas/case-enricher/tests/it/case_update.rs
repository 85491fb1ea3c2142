//! A case opened in a member account, answered by AWS, enriched from the real aws.support event.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{World, invocation};

/// `offset` after an RFC 3339 time, in the Support API's millisecond form.
fn later(t: &str, offset: Duration) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    let parsed = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).expect("rfc 3339");
    (parsed + offset).format(&fmt).expect("formats")
}

#[tokio::test]
async fn enriched_event_lands_on_the_central_bus_with_every_field() {
    let w = World::start(2).await;
    let capture =
        w.aws.capture_events("captured", &json!({"source": ["aws.support"]}), Some(&w.member), None).expect("capture");
    let enriched = w.enriched_capture("enriched-all");
    let member_side = w
        .aws
        .capture_events("member-side", &json!({"source": ["heidi.support"]}), Some(&w.member), None)
        .expect("capture");

    let support = aws_sdk_support::Client::new(&w.member_config().await);
    let case_id = w.create_case(&support, "Lambda throttled in production").await;
    let created =
        support.describe_cases().case_id_list(&case_id).send().await.expect("DescribeCases").cases.unwrap()[0].clone();
    let time_created = created.time_created.clone().expect("time");
    // Two replies from AWS, one and two hours after the case was opened.
    let (first_reply, second_reply) =
        (later(&time_created, Duration::from_secs(3600)), later(&time_created, Duration::from_secs(7200)));
    for (body, at) in [("Looking into it", &first_reply), ("Fixed on our side", &second_reply)] {
        w.aws
            .control(
                "/_localaws/support/communication",
                &json!({"account_id": w.member, "case_id": case_id, "body": body, "time_created": at}),
            )
            .expect("AWS reply");
    }

    // The events Support put on the member's default bus: CreateCase and two AWS replies.
    let support_events = w.aws.drain_events(&capture, 3).expect("drain");
    assert_eq!(
        support_events.iter().map(|e| e["detail"]["event-name"].as_str().unwrap_or_default()).collect::<Vec<_>>(),
        ["CreateCase", "AddCommunicationToCase", "AddCommunicationToCase"]
    );
    let reply_event = support_events[2].clone();
    assert_eq!(reply_event["account"], w.member.as_str());

    let enricher = w.enricher(w.config()).await;
    let answer = enricher.handle(invocation(reply_event.clone(), Duration::from_secs(60))).await.expect("handled");
    assert_eq!(answer["outcome"], "enriched");

    let out = w.aws.drain_events(&enriched, 2).expect("drain");
    assert_eq!(out.len(), 1, "exactly one enriched event: {out:?}");
    assert!(w.aws.drain_events(&member_side, 1).expect("drain").is_empty(), "nothing on the member's bus");
    let e = &out[0];
    assert_eq!((e["source"].as_str(), e["detail-type"].as_str()), (Some("heidi.support"), Some("heidi.support")));
    // Put by the enricher in its own (the central) account; the case's account is in the detail.
    assert_eq!(e["account"], w.org.management_account_id.as_str());
    assert_eq!(e["detail"]["accountId"], w.member.as_str());
    let d = &e["detail"];
    let opener = created.submitted_by.clone().expect("submitter");
    let expected = json!({
        "caseId": case_id,
        "displayId": created.display_id.clone().expect("display id"),
        "subject": "Lambda throttled in production",
        "status": "pending-customer-action",
        "serviceCode": "aws-lambda",
        "categoryCode": "performance",
        "severityCode": "urgent",
        "severityName": "Production system down",
        "submittedBy": opener,
        "timeCreated": time_created,
        "ccEmailAddresses": ["oncall@example.com"],
        "language": "en",
        "submittedRole": opener,
        "lastCommunicationTime": second_reply,
        "firstResponseTime": first_reply,
        "accountId": w.member,
        "accountName": w.account_name(&w.member),
    });
    assert_eq!(d, &expected);
    assert!(opener.starts_with("case-opener@"), "{opener}");

    // Warm container: the account name comes from the cache the second time.
    let started = Instant::now();
    let rounds = 10;
    for _ in 0..rounds {
        enricher.handle(invocation(reply_event.clone(), Duration::from_secs(60))).await.expect("handled again");
    }
    let per_event = started.elapsed() / rounds;
    assert_eq!(enricher_lookups(&enricher), 1);
    assert_eq!(w.aws.drain_events(&enriched, rounds as usize + 1).expect("drain").len(), rounds as usize);
    #[allow(clippy::print_stderr)] // the measurement is the point; nextest shows it with --no-capture
    {
        eprintln!("case-enricher: {per_event:?} per warm Support Case Update event against moto");
    }
}

fn enricher_lookups(e: &case_enricher::Enricher<crate::harness::Counting<case_enricher::aws::SdkAws>>) -> usize {
    e.aws().name_lookups.load(Ordering::SeqCst)
}

#[tokio::test]
async fn a_case_without_an_aws_reply_has_a_null_first_response() {
    let w = World::start(1).await;
    let capture = w.enriched_capture("enriched");
    let support = aws_sdk_support::Client::new(&w.member_config().await);
    let case_id = w.create_case(&support, "Question about quotas").await;
    support.resolve_case().case_id(&case_id).send().await.expect("resolve");
    let event = json!({"version": "0", "id": "1", "source": "aws.support", "detail-type": "Support Case Update",
                       "account": w.member, "region": "us-east-1", "time": "2025-01-01T00:00:00Z", "resources": [],
                       "detail": {"case-id": case_id, "display-id": "", "communication-id": "",
                                  "event-name": "ResolveCase", "origin": "CUSTOMER"}});
    w.enricher(w.config()).await.handle(invocation(event, Duration::from_secs(60))).await.expect("handled");
    let out = w.aws.drain_events(&capture, 1).expect("drain");
    let d: &Value = &out[0]["detail"];
    assert_eq!(d["status"], "resolved", "resolved cases are read too");
    assert_eq!(d["firstResponseTime"], Value::Null);
    assert_eq!(d["lastCommunicationTime"], d["timeCreated"]);
}

#[tokio::test]
async fn account_names_through_the_organizations_role_and_a_missing_name_does_not_block() {
    let w = World::start(1).await;
    let capture = w.enriched_capture("enriched");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]});
    let params = json!({"RoleName": "CimaOrgReader", "AssumeRolePolicyDocument": trust.to_string()});
    w.aws.tool("call", &[("service", "iam"), ("op", "create_role"), ("params", &params.to_string())]).expect("role");
    let support = aws_sdk_support::Client::new(&w.member_config().await);
    let case_id = w.create_case(&support, "Names").await;
    let event = json!({"source": "aws.support", "detail-type": "Support Case Update", "account": w.member,
                       "detail": {"case-id": case_id, "event-name": "CreateCase"}});

    for (role, expected) in [
        ("arn:aws:iam::123456789012:role/CimaOrgReader", Value::from(w.account_name(&w.member))),
        // AssumeRole refused: the case is still enriched, without a name.
        ("arn:aws:iam::123456789012:role/Missing", Value::Null),
    ] {
        let mut config = w.config();
        config.organizations_role_arn = Some(role.to_owned());
        let aws = case_enricher::aws::SdkAws::new(w.base.clone(), &config.case_reader_role_name, Some(role)).await;
        let enricher = case_enricher::Enricher::new(aws, config);
        let answer = enricher.handle(invocation(event.clone(), Duration::from_secs(60))).await.expect("handled");
        assert_eq!(answer["outcome"], "enriched");
        let out = w.aws.drain_events(&capture, 1).expect("drain");
        assert_eq!(out[0]["detail"]["accountName"], expected, "{role}");
    }
}
