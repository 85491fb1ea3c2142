//! Reading a large result: the CSV object with one GetObject (what the function does) against
//! paging GetQueryResults 1000 rows at a time, on the same execution. Ignored by default:
//! `cargo nextest run -p console-api --test it --run-ignored only -E 'test(measure)' --no-capture`.

use std::time::Instant;

use cima_core::enrich::EnrichedCase;

use crate::harness::{Event, Store, WORKGROUP, ok};

const CASES: usize = 5000;

#[tokio::test]
#[ignore = "a measurement, not a check: run it on purpose"]
async fn measure_result_reading() {
    let store = Store::start().await;
    let events: Vec<Event> = (0..CASES)
        .map(|i| {
            let day = 1 + i % 28;
            let created = format!("2025-02-{day:02}T{:02}:00:00.000Z", i % 24);
            Event {
                id: format!("evt-{i}"),
                written: format!("2025-02-{day:02}T23:00:00Z"),
                account: format!("{:012}", 100_000_000_000u64 + (i % 50) as u64),
                detail: EnrichedCase {
                    case_id: format!("case-{:012}-muen-2025-{i:016x}", 100_000_000_000u64 + (i % 50) as u64),
                    display_id: format!("{}", 170_000_000 + i),
                    subject: format!("Case number {i} about something that needs looking at"),
                    status: if i % 3 == 0 { "resolved" } else { "work-in-progress" }.into(),
                    service_code: "amazon-ec2".into(),
                    category_code: "other".into(),
                    severity_code: ["low", "normal", "high", "urgent", "critical"][i % 5].into(),
                    submitted_by: "dev@example.com".into(),
                    time_created: created.clone(),
                    language: "en".into(),
                    last_communication_time: Some(created.clone()),
                    first_response_time: Some(created),
                    account_id: String::new(),
                    ..EnrichedCase::default()
                },
            }
        })
        .collect();
    store.put_events(&events).await;
    let app = store.app(&[]);
    let started = Instant::now();
    let s = ok(&app, "/cases/summary", "").await;
    let whole_request = started.elapsed();
    assert_eq!(s["total"].as_u64(), Some(CASES as u64));

    let athena = aws_sdk_athena::Client::new(&store.sdk);
    let id = athena
        .list_query_executions()
        .work_group(WORKGROUP)
        .send()
        .await
        .expect("list")
        .query_execution_ids
        .unwrap_or_default()
        .pop()
        .expect("one execution");
    let location = athena
        .get_query_execution()
        .query_execution_id(&id)
        .send()
        .await
        .expect("execution")
        .query_execution
        .and_then(|q| q.result_configuration)
        .and_then(|r| r.output_location)
        .expect("output location");

    let started = Instant::now();
    let (bucket, key) = console_api::athena::split_location(&location).expect("s3 location");
    let object = aws_sdk_s3::Client::new(&store.sdk).get_object().bucket(bucket).key(key).send().await.expect("get");
    let bytes = object.body.collect().await.expect("body").into_bytes();
    let rows = console_api::csv::parse(&bytes).expect("csv").rows.len();
    let one_get = started.elapsed();
    assert_eq!(rows, CASES);

    let started = Instant::now();
    let mut pages = 0;
    let mut paged_rows = 0;
    let mut token: Option<String> = None;
    loop {
        let page = athena
            .get_query_results()
            .query_execution_id(&id)
            .max_results(1000)
            .set_next_token(token.take())
            .send()
            .await
            .expect("page");
        pages += 1;
        paged_rows += page.result_set.and_then(|r| r.rows).map(|r| r.len()).unwrap_or(0);
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    let paged = started.elapsed();
    // The header is the first row of the first page.
    assert_eq!(paged_rows, CASES + 1);
    #[allow(clippy::print_stderr, reason = "the measurement is the output")]
    {
        eprintln!(
            "{CASES} cases, {} bytes of CSV: one GetObject + parse {:.0} ms; {pages} GetQueryResults pages {:.0} ms; \
             the whole first /cases/summary (query + read + summary) {:.0} ms",
            bytes.len(),
            one_get.as_secs_f64() * 1000.0,
            paged.as_secs_f64() * 1000.0,
            whole_request.as_secs_f64() * 1000.0,
        );
    }
}
