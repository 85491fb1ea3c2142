//! The handler on an in-memory Athena: routing, refusals, the statements it runs, the cache,
//! paging and the 1 MB page.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use cima_core::cases::{CaseRecord, DEFAULT_SORT, sort_cases};
use cima_core::errors::AwsError;
use serde_json::{Value, json};
use time::macros::datetime;

use super::*;
use crate::fakes::{FakeAthena, Outcome};
use crate::records::{CASE_COLUMNS, row};

const NOW: OffsetDateTime = datetime!(2025-03-10 12:00:00 UTC);

fn config(ttl: u64) -> Config {
    Config::from_env(|k| match k {
        "ATHENA_WORKGROUP" => Some("cima".into()),
        "GLUE_DATABASE" => Some("cima_db".into()),
        "CACHE_TTL_SECONDS" => Some(ttl.to_string()),
        "MAX_ACCOUNTS_PER_REQUEST" => Some("5".into()),
        _ => None,
    })
    .expect("config")
}

/// `n` cases over three accounts, one created per day back from 2025-03-09, every third resolved.
fn records(n: usize, subject_bytes: usize) -> Vec<CaseRecord> {
    let accounts = ["111111111111", "222222222222", "333333333333"];
    (0..n)
        .map(|i| {
            let created = NOW - time::Duration::days(i as i64 + 1);
            let created = created.format(&Rfc3339).expect("time");
            CaseRecord {
                case_id: format!("case-{}-edu1-2025-{i:06x}", accounts[i % 3]),
                display_id: format!("{}", 170_000 + i),
                subject: format!("Case {i} {}", "x".repeat(subject_bytes)),
                status: if i % 3 == 2 { "resolved" } else { "opened" }.into(),
                severity_code: ["low", "normal", "high", "urgent", "critical"][i % 5].into(),
                service_code: "amazon-ec2".into(),
                category_code: "other".into(),
                submitted_by: format!("dev{}@example.com", i % 2),
                time_created: created.clone(),
                last_communication_time: None,
                first_response_time: None,
                account_id: accounts[i % 3].into(),
                account_name: Some(format!("Account {}", i % 3)),
                ou_path: Some(if i % 3 == 0 { "/Production/Web" } else { "/Sandbox" }.into()),
                account_tag: (i % 3 != 2).then(|| ["payments", "identity"][i % 3].to_owned()),
                account_tags: None,
                updated_at: created,
            }
        })
        .collect()
}

fn result_csv(rows: &[CaseRecord]) -> String {
    crate::csv::write(&CASE_COLUMNS, &rows.iter().map(row).collect::<Vec<_>>())
}

/// An app whose Athena answers every latest-cases query with `rows`.
fn app_with(rows: Vec<CaseRecord>, ttl: u64) -> (App, Arc<FakeAthena>) {
    let csv = result_csv(&rows);
    let fake = Arc::new(FakeAthena::new(move |s| {
        if s.name == "latest cases" { Outcome::csv(csv.clone()) } else { Outcome::csv(event_csv(&[])) }
    }));
    let app = App::with_engine(config(ttl), fake.clone(), fake.clone()).with_clock(|| NOW);
    (app, fake)
}

fn event_csv(events: &[(&str, CaseRecord)]) -> String {
    let mut columns = CASE_COLUMNS.to_vec();
    columns.push("event_id");
    let rows: Vec<Vec<Option<String>>> = events
        .iter()
        .map(|(id, c)| {
            let mut r = row(c);
            r.push(Some((*id).to_owned()));
            r
        })
        .collect();
    crate::csv::write(&columns, &rows)
}

fn request(method: &str, path: &str, query: &str, sub: Option<&str>) -> ApiGatewayV2httpRequest {
    let mut context = json!({"http": {"method": method, "path": path}, "stage": "$default", "requestId": "r-1"});
    if let Some(sub) = sub {
        context["authorizer"] = json!({"jwt": {"claims": {"sub": sub}, "scopes": null}});
    }
    serde_json::from_value(json!({
        "version": "2.0", "rawPath": path, "rawQueryString": query, "requestContext": context,
        "headers": {}, "isBase64Encoded": false,
    }))
    .expect("event")
}

async fn get(app: &App, path: &str, query: &str) -> HttpResponse {
    handle(app, request("GET", path, query, Some("user-1"))).await
}

fn field(r: &HttpResponse) -> String {
    r.body_json()["field"].as_str().unwrap_or("<none>").to_owned()
}

#[tokio::test]
async fn refuses_anonymous_callers_unknown_routes_and_other_methods() {
    let (app, fake) = app_with(records(3, 0), 60);
    for path in ["/cases", "/cases/summary", "/cases/case-111111111111-edu1-2025-000000"] {
        let r = handle(&app, request("GET", path, "", None)).await;
        assert_eq!(r.status_code, 401, "{path}: {}", r.body);
        assert_eq!(r.body_json()["error"], "unauthorized");
        let blank = handle(&app, request("GET", path, "", Some("  "))).await;
        assert_eq!(blank.status_code, 401);
    }
    for path in ["/", "/case", "/cases/a/b", "/history", "/cases/summary/x"] {
        let r = get(&app, path, "").await;
        assert_eq!((r.status_code, r.body_json()["error"].as_str()), (404, Some("not_found")), "{path}");
    }
    for method in ["POST", "DELETE", "PUT", "OPTIONS"] {
        let r = handle(&app, request(method, "/cases", "", Some("u"))).await;
        assert_eq!(r.status_code, 405, "{method}");
        assert_eq!(r.headers.get("allow").map(String::as_str), Some("GET"));
    }
    // A named stage's prefix is not part of the route.
    let mut staged = request("GET", "/prod/cases/summary", "", Some("u"));
    staged.request_context.stage = Some("prod".into());
    assert_eq!(handle(&app, staged).await.status_code, 200);
    assert_eq!(fake.started().len(), 1, "refused requests run nothing");
}

#[tokio::test]
async fn bad_parameters_are_400s_naming_the_parameter_before_any_query() {
    let (app, fake) = app_with(records(3, 0), 60);
    for (path, query, want) in [
        ("/cases", "severity=sev1", "severity"),
        ("/cases/summary", "status=closed", "status"),
        ("/cases", "from=2025-13-01", "from"),
        ("/cases/summary", "to=01/02/2025", "to"),
        ("/cases", "account_id=1,2", "account_id"),
        (
            "/cases",
            "account_id=111111111111,111111111112,111111111113,111111111114,111111111115,111111111116",
            "account_id",
        ),
        ("/cases/summary", "sort=subject", "sort"),
        ("/cases", "sort=-id", "sort"),
        ("/cases", "page_size=1000", "page_size"),
        ("/cases", "page_token=%%%", "page_token"),
        ("/cases", "ou=Production", "ou"),
        ("/cases", "service=EC2", "service"),
        ("/cases/case-1", "q=x", "q"),
        ("/cases/case-1';DROP", "", "caseId"),
        ("/cases/summary", "user_id=someone", "user_id"),
    ] {
        let r = get(&app, path, query).await;
        assert_eq!(r.status_code, 400, "{path}?{query}: {}", r.body);
        assert_eq!(field(&r), want, "{path}?{query}");
        assert_eq!(r.body_json()["error"], "bad_request");
    }
    assert!(fake.started().is_empty());
}

#[tokio::test]
async fn the_summary_is_cima_cores_over_the_filtered_rows() {
    let rows = records(9, 0);
    let (app, fake) = app_with(rows.clone(), 60);
    let r = get(&app, "/cases/summary", "account_id=111111111111&account_id=222222222222").await;
    assert_eq!(r.status_code, 200, "{}", r.body);
    let body = r.body_json();
    let mine: Vec<&CaseRecord> = rows.iter().filter(|c| c.account_id != "333333333333").collect();
    let want = cima_core::cases::summarize(mine.iter().copied(), NOW, &Default::default());
    let mut expected = serde_json::to_value(&want).expect("JSON");
    expected["as_of"] = json!("2025-03-10T12:00:00Z");
    assert_eq!(body, expected);
    assert_eq!((body["total"].as_u64(), body["open"].as_u64()), (Some(6), Some(6)));
    assert_eq!(
        body["by_tag"],
        json!([{"tag": "identity", "cases": 3, "open": 3}, {"tag": "payments", "cases": 3, "open": 3}]),
        "the third account, unlabelled, is filtered out"
    );
    for severity in ["low", "normal", "high", "urgent", "critical"] {
        assert!(body["by_severity"][severity].is_u64(), "{severity}");
    }
    // The named accounts are checked against the inventory, read beside the cases.
    let mut names: Vec<&str> = fake.started().iter().map(|s| s.name).collect();
    names.sort_unstable();
    assert_eq!(names, ["inventory", "latest cases"]);
}

#[tokio::test]
async fn user_text_never_reaches_the_sql() {
    let (app, fake) = app_with(records(3, 0), 60);
    let hostile = "x'; DROP TABLE supportcaseevents; --";
    let encoded: String = hostile.bytes().map(|b| format!("%{b:02X}")).collect();
    let r = get(
        &app,
        "/cases",
        &format!("q={encoded}&submitter=o'brien@example.com&ou=/Prod'--&from=2025-01-01&to=2025-02-01&sort=-subject"),
    )
    .await;
    assert_eq!(r.status_code, 200, "{}", r.body);
    let r = get(&app, "/cases/case-111111111111-edu1-2025-00000a", "").await;
    assert_eq!(r.status_code, 404, "{}", r.body);
    let started = fake.started();
    assert_eq!(started.len(), 2);
    for s in &started {
        for text in
            ["DROP", "o'brien", "Prod'", "2025-01-01", "2025/01/01", "2025-02-02", "case-111111111111", "subject DESC"]
        {
            assert!(!s.sql.contains(text), "{text:?} in {}", s.sql);
        }
        assert_eq!(s.sql.matches('?').count(), s.params.len(), "{}", s.sql);
    }
    assert_eq!(started[0].params, ["'2025/01/01'", "'2025-01-01'", "'2025-02-02'"]);
    assert_eq!(started[1].params, ["'case-111111111111-edu1-2025-00000a'"]);
}

#[tokio::test(start_paused = true)]
async fn one_query_per_date_range_while_the_rows_are_fresh() {
    let (app, fake) = app_with(records(6, 0), 60);
    for (path, query) in [
        ("/cases/summary", "from=2025-03-01"),
        ("/cases", "from=2025-03-01"),
        ("/cases", "from=2025-03-01&severity=low&sort=account_id"),
        ("/cases/summary", "from=2025-03-01&q=case&ou=/Sandbox"),
    ] {
        assert_eq!(get(&app, path, query).await.status_code, 200);
    }
    assert_eq!(fake.started().len(), 1, "filters other than the dates are served from the cached rows");
    get(&app, "/cases", "from=2025-03-02").await;
    assert_eq!(fake.started().len(), 2, "another date range is another query");
    tokio::time::advance(Duration::from_secs(59)).await;
    get(&app, "/cases/summary", "from=2025-03-01").await;
    assert_eq!(fake.started().len(), 2);
    tokio::time::advance(Duration::from_secs(2)).await;
    get(&app, "/cases/summary", "from=2025-03-01").await;
    assert_eq!(fake.started().len(), 3, "past the TTL the store is read again");

    let (uncached, fake) = app_with(records(6, 0), 0);
    get(&uncached, "/cases/summary", "").await;
    get(&uncached, "/cases/summary", "").await;
    assert_eq!(fake.started().len(), 2, "CACHE_TTL_SECONDS=0 caches nothing");
}

/// Every page of `/cases?query`, following the tokens.
async fn all_pages(app: &App, query: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let q = match &token {
            Some(t) => format!("{query}&page_token={t}"),
            None => query.to_owned(),
        };
        let r = get(app, "/cases", &q).await;
        assert_eq!(r.status_code, 200, "{}", r.body);
        assert!(r.body.len() <= crate::paging::MAX_PAGE_BYTES, "{} bytes", r.body.len());
        let body = r.body_json();
        token = body["next_page_token"].as_str().map(str::to_owned);
        pages.push(body);
        if token.is_none() || pages.len() > 1000 {
            return pages;
        }
    }
}

fn case_ids(pages: &[Value]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p["cases"].as_array().cloned().unwrap_or_default())
        .map(|c| c["case_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_follow_their_tokens_in_order_without_overlap() {
    let rows = records(20, 0);
    let (app, fake) = app_with(rows.clone(), 60);
    let pages = all_pages(&app, "page_size=7&sort=-severity_code,account_id&status=opened").await;
    let sizes: Vec<u64> = pages.iter().map(|p| p["returned"].as_u64().unwrap_or(0)).collect();
    // 20 cases, every third resolved: 14 open.
    assert_eq!(sizes, [7, 7]);
    assert_eq!(pages[0]["total"], 14);
    assert_eq!((pages[1]["offset"].as_u64(), pages[1]["next_page_token"].is_null()), (Some(7), true));
    assert_eq!(pages[0]["sort"], "-severity_code,account_id");
    let mut want: Vec<&CaseRecord> = rows.iter().filter(|c| c.status == "opened").collect();
    sort_cases(&mut want, &cima_core::cases::parse_sort("-severity_code,account_id").expect("sort"));
    let want: Vec<String> = want.iter().map(|c| c.case_id.clone()).collect();
    assert_eq!(case_ids(&pages), want);
    let first = &pages[0]["cases"][0];
    assert_eq!(first["open"], true);
    assert_eq!(
        first["console_url"],
        format!(
            "https://support.console.aws.amazon.com/support/home#/case/?displayId={}&language=en",
            first["display_id"].as_str().unwrap_or_default()
        )
    );
    assert!(pages[0].get("size_capped").is_none(), "only said when it happened");

    // The default order is newest first.
    let newest = all_pages(&app, "page_size=500").await;
    let mut want: Vec<&CaseRecord> = rows.iter().collect();
    sort_cases(&mut want, &[DEFAULT_SORT]);
    assert_eq!(case_ids(&newest), want.iter().map(|c| c.case_id.clone()).collect::<Vec<_>>());
    assert_eq!(newest[0]["sort"], "-time_created");
    assert_eq!(fake.started().len(), 1);
}

#[tokio::test]
async fn tokens_are_refused_with_other_filters_or_when_altered() {
    let (app, _) = app_with(records(20, 0), 60);
    let first = get(&app, "/cases", "page_size=5&severity=low,high").await.body_json();
    let token = first["next_page_token"].as_str().expect("a next page").to_owned();
    let ok = get(&app, "/cases", &format!("severity=high,low&page_size=9&page_token={token}")).await;
    assert_eq!(ok.status_code, 200, "the same filters in another spelling and another page size: {}", ok.body);
    assert_eq!(ok.body_json()["offset"], 5);
    for query in [
        format!("page_size=5&severity=low&page_token={token}"),
        format!("page_size=5&severity=low,high&sort=subject&page_token={token}"),
        format!("page_size=5&severity=low,high&page_token={}A", token),
        format!("page_size=5&severity=low,high&page_token={}", "A".repeat(300)),
    ] {
        let r = get(&app, "/cases", &query).await;
        assert_eq!((r.status_code, field(&r)), (400, "page_token".to_owned()), "{query}: {}", r.body);
    }
    // A hand-made token with another offset but the old check.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let json = String::from_utf8(b64.decode(&token).expect("b64")).expect("utf8");
    let forged = b64.encode(json.replace("\"o\":5", "\"o\":0"));
    assert_ne!(forged, token);
    let r = get(&app, "/cases", &format!("page_size=5&severity=low,high&page_token={forged}")).await;
    assert_eq!((r.status_code, field(&r)), (400, "page_token".to_owned()));
}

#[tokio::test]
async fn a_page_stays_within_one_megabyte() {
    // 300 cases of ~6 KB each: 500 per page would be ~1.8 MB.
    let rows = records(300, 6000);
    let (app, _) = app_with(rows.clone(), 60);
    let pages = all_pages(&app, "page_size=500").await;
    assert!(pages.len() >= 2, "{} pages", pages.len());
    assert_eq!(pages[0]["size_capped"], true);
    assert!(pages[0]["returned"].as_u64().unwrap_or(0) > 100);
    let ids = case_ids(&pages);
    assert_eq!(ids.len(), 300);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), 300, "no case twice");
    // The last page is not capped: it holds the rest.
    assert!(pages.last().and_then(|p| p.get("size_capped")).is_none());
}

#[tokio::test]
async fn a_case_with_its_timeline() {
    let base = records(1, 0).remove(0);
    let id = base.case_id.clone();
    let at = |time: &str, status: &str| CaseRecord { updated_at: time.into(), status: status.into(), ..base.clone() };
    let events = event_csv(&[
        ("e3", at("2025-03-09T15:00:00Z", "resolved")),
        ("e1", at("2025-03-09T12:00:00Z", "unassigned")),
        ("e2", at("2025-03-09T13:00:00Z", "work-in-progress")),
        ("e2b", at("2025-03-09T14:00:00Z", "work-in-progress")),
    ]);
    let wanted = id.clone();
    let fake = Arc::new(FakeAthena::new(move |s| {
        if s.params == [crate::sql::literal(&wanted)] {
            Outcome::csv(events.clone())
        } else {
            Outcome::csv(event_csv(&[]))
        }
    }));
    let app = App::with_engine(config(60), fake.clone(), fake.clone()).with_clock(|| NOW);
    let r = get(&app, &format!("/cases/{id}"), "").await;
    assert_eq!(r.status_code, 200, "{}", r.body);
    let body = r.body_json();
    assert_eq!((body["case"]["status"].as_str(), body["case"]["open"].as_bool()), (Some("resolved"), Some(false)));
    assert_eq!(body["case"]["updated_at"], "2025-03-09T15:00:00Z");
    assert_eq!(body["event_count"], 4);
    let steps: Vec<&str> =
        body["timeline"].as_array().expect("timeline").iter().filter_map(|e| e["event_id"].as_str()).collect();
    assert_eq!(steps, ["e1", "e2", "e3"]);
    assert_eq!(
        body["timeline"][2]["changes"],
        json!([{"field": "status", "from": "work-in-progress", "to": "resolved"}])
    );

    let r = get(&app, "/cases/case-999999999999-edu1-2025-ffffff", "").await;
    assert_eq!((r.status_code, r.body_json()["error"].as_str()), (404, Some("not_found")), "{}", r.body);
    assert!(r.body_json()["message"].as_str().unwrap_or_default().contains("case-999999999999-edu1-2025-ffffff"));
}

#[tokio::test(start_paused = true)]
async fn athena_failures_are_502_with_the_engines_reason_and_timeouts_504() {
    let failed = Arc::new(FakeAthena::new(|_| Outcome::Ended("FAILED", "HIVE_BAD_DATA: Error parsing field value")));
    let app = App::with_engine(config(60), failed.clone(), failed.clone());
    let r = get(&app, "/cases/summary", "").await;
    assert_eq!((r.status_code, r.body_json()["error"].as_str()), (502, Some("upstream_error")));
    let message = r.body_json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("FAILED: HIVE_BAD_DATA: Error parsing field value"), "{message}");
    // A failure is not cached.
    get(&app, "/cases/summary", "").await;
    assert_eq!(failed.started().len(), 2);

    let denied = Arc::new(FakeAthena::new(|_| {
        Outcome::StartError(AwsError::new(
            "AccessDeniedException",
            "not authorized to perform athena:StartQueryExecution",
        ))
    }));
    let app = App::with_engine(config(60), denied.clone(), denied);
    let r = get(&app, "/cases", "").await;
    assert_eq!(r.status_code, 502);
    assert!(
        r.body_json()["message"].as_str().unwrap_or_default().contains("StartQueryExecution: AccessDeniedException")
    );

    let slow = Arc::new(FakeAthena::new(|_| Outcome::csv("\"x\"\n")).pending_polls(usize::MAX));
    let app = App::with_engine(config(60), slow.clone(), slow.clone());
    let started = tokio::time::Instant::now();
    let r = get(&app, "/cases/summary", "").await;
    assert_eq!(started.elapsed(), Polling::default().deadline);
    assert_eq!((r.status_code, r.body_json()["error"].as_str()), (504, Some("upstream_timeout")), "{}", r.body);
    assert_eq!(slow.stopped().len(), 1);
}

/// A request as a member of `groups` (the claim in API Gateway's form).
fn request_as(path: &str, query: &str, groups: &str) -> ApiGatewayV2httpRequest {
    let mut r = request("GET", path, query, Some("user-2"));
    if let Some(jwt) = r.request_context.authorizer.as_mut().and_then(|a| a.jwt.as_mut()) {
        jwt.claims.insert("cognito:groups".into(), groups.into());
    }
    r
}

/// `records` over an app whose inventory lists the three accounts (two in /Sandbox, one in
/// /Production/Web) and whose groups map as `group_ous`.
fn scoped_app(group_ous: Option<&str>) -> (App, Arc<FakeAthena>) {
    let rows = records(9, 0);
    let csv = result_csv(&rows);
    let inventory = crate::csv::write(
        &["account_id", "ou_path"],
        &[
            vec![Some("111111111111".into()), Some("/Production/Web".into())],
            vec![Some("222222222222".into()), Some("/Sandbox".into())],
            vec![Some("333333333333".into()), Some("/Sandbox".into())],
        ],
    );
    let events = event_csv(&[("e1", rows[0].clone())]);
    let fake = Arc::new(FakeAthena::new(move |s| match s.name {
        "latest cases" => Outcome::csv(csv.clone()),
        "inventory" => Outcome::csv(inventory.clone()),
        _ => Outcome::csv(events.clone()),
    }));
    let group_ous = group_ous.map(str::to_owned);
    let config = Config::from_env(move |k| match k {
        "ATHENA_WORKGROUP" => Some("cima".into()),
        "GLUE_DATABASE" => Some("cima_db".into()),
        "MAX_ACCOUNTS_PER_REQUEST" => Some("2".into()),
        "GROUP_OUS" => group_ous.clone(),
        _ => None,
    })
    .expect("config");
    (App::with_engine(config, fake.clone(), fake.clone()).with_clock(|| NOW), fake)
}

#[tokio::test]
async fn only_the_organizations_accounts_and_at_most_the_cap() {
    let (app, fake) = scoped_app(None);
    let r = get(&app, "/cases", "account_id=111111111111&account_id=444444444444").await;
    assert_eq!((r.status_code, field(&r)), (400, "account_id".to_owned()), "{}", r.body);
    let message = r.body_json()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("not accounts of the organization, nor of any stored case: 444444444444"), "{message}");
    assert!(!message.contains("111111111111"), "{message}");
    let r =
        get(&app, "/cases/summary", "account_id=111111111111&account_id=222222222222&account_id=333333333333").await;
    assert_eq!((r.status_code, field(&r)), (400, "account_id".to_owned()), "{}", r.body);
    let r = get(&app, "/cases/summary", "account_id=222222222222").await;
    assert_eq!(r.status_code, 200, "{}", r.body);
    assert_eq!(r.body_json()["total"], 3);
    // No account named: no inventory read.
    let before = fake.started().iter().filter(|s| s.name == "inventory").count();
    assert_eq!(get(&app, "/cases", "").await.status_code, 200);
    assert_eq!(fake.started().iter().filter(|s| s.name == "inventory").count(), before);
}

#[tokio::test]
async fn a_group_sees_only_its_ous_cases() {
    let mapping = r#"{"web": ["/Production/Web"], "sandbox": ["/Sandbox"], "empty-ou": ["/Nowhere"]}"#;
    let (app, _) = scoped_app(Some(mapping));
    let total = |r: &HttpResponse| r.body_json()["total"].as_u64();

    let web = handle(&app, request_as("/cases/summary", "", "[web]")).await;
    assert_eq!((web.status_code, total(&web)), (200, Some(3)), "{}", web.body);
    let accounts = web.body_json()["by_account"].clone();
    assert_eq!(accounts.as_array().map(Vec::len), Some(1), "{accounts}");
    assert_eq!(accounts[0]["account_id"], "111111111111");
    let both = handle(&app, request_as("/cases", "", "[web sandbox]")).await;
    assert_eq!(total(&both), Some(9));
    assert_eq!(total(&handle(&app, request_as("/cases", "", "[empty-ou]")).await), Some(0));

    // An account outside the caller's OUs is refused by name; one inside is answered.
    let r = handle(&app, request_as("/cases", "account_id=222222222222", "[web]")).await;
    assert_eq!((r.status_code, r.body_json()["error"].as_str()), (403, Some("forbidden")), "{}", r.body);
    assert!(r.body_json()["message"].as_str().unwrap_or_default().contains("222222222222"));
    let r = handle(&app, request_as("/cases", "account_id=111111111111", "[web]")).await;
    assert_eq!((r.status_code, total(&r)), (200, Some(3)));

    // A case of another OU is as unknown as a case that does not exist.
    let id = records(1, 0).remove(0).case_id;
    assert_eq!(handle(&app, request_as(&format!("/cases/{id}"), "", "[web]")).await.status_code, 200);
    let r = handle(&app, request_as(&format!("/cases/{id}"), "", "[sandbox]")).await;
    assert_eq!((r.status_code, r.body_json()["error"].as_str()), (404, Some("not_found")));

    // Groups that map to nothing see nothing, and are told why.
    for groups in ["[other]", ""] {
        let r = handle(&app, request_as("/cases/summary", "", groups)).await;
        assert_eq!((r.status_code, r.body_json()["error"].as_str()), (403, Some("forbidden")), "{groups}");
        assert!(r.body_json()["message"].as_str().unwrap_or_default().contains("group_ous"));
    }
}
