//! The three routes over a store of hand-made events, each answer held against the truth worked
//! out by hand below; Athena runs the real SQL (DuckDB in the local AWS) over the objects in S3.

use cima_core::enrich::EnrichedCase;
use serde_json::{Value, json};

use crate::harness::{Event, Store, account, get, ok};

const WEB: &str = "111111111111";
const DATA: &str = "222222222222";
/// Not in the inventory: its name comes from the events, its OU is unknown.
const LEGACY: &str = "333333333333";

/// A case's fixed fields; `at` makes one of its events.
struct Case {
    letter: char,
    account: &'static str,
    severity: &'static str,
    service: &'static str,
    created: &'static str,
    subject: &'static str,
    submitted_by: &'static str,
}

impl Case {
    fn id(&self) -> String {
        format!("case-{}-muen-2025-{}", self.account, self.letter.to_string().repeat(16))
    }

    fn display_id(&self) -> String {
        format!("17000000{}", self.letter as u32)
    }

    /// Event `n` of the case, written at `written`, carrying `status` and the times given.
    fn at(&self, n: u32, written: &str, status: &str, first_response: Option<&str>, last: Option<&str>) -> Event {
        let event_name = match self.account {
            WEB => "Web (old name)",
            DATA => "Data (old name)",
            _ => "Legacy",
        };
        Event {
            id: format!("evt-{}-{n}", self.letter),
            written: written.into(),
            account: self.account.into(),
            detail: EnrichedCase {
                case_id: self.id(),
                display_id: self.display_id(),
                subject: self.subject.into(),
                status: status.into(),
                service_code: self.service.into(),
                category_code: "other".into(),
                severity_code: self.severity.into(),
                submitted_by: self.submitted_by.into(),
                time_created: self.created.into(),
                cc_email_addresses: vec![],
                language: "en".into(),
                submitted_role: Some(self.submitted_by.into()),
                last_communication_time: last.map(str::to_owned),
                first_response_time: first_response.map(str::to_owned),
                account_id: self.account.into(),
                account_name: Some(event_name.into()),
                severity_name: cima_core::support::severity_name(self.severity).map(str::to_owned),
            },
        }
    }
}

const A: Case = Case {
    letter: 'a',
    account: WEB,
    severity: "high",
    service: "amazon-ec2",
    created: "2025-03-01T09:00:00.000Z",
    subject: "Instance unreachable",
    submitted_by: "dev@example.com",
};
const B: Case = Case {
    letter: 'b',
    account: WEB,
    severity: "urgent",
    service: "amazon-s3",
    created: "2025-03-05T12:00:00.000Z",
    subject: "Bucket access denied",
    submitted_by: "ops@example.com",
};
const C: Case = Case {
    letter: 'c',
    account: DATA,
    severity: "low",
    service: "amazon-rds",
    created: "2025-02-10T00:00:00.000Z",
    subject: "Parameter group question",
    submitted_by: "dev@example.com",
};
const D: Case = Case {
    letter: 'd',
    account: LEGACY,
    severity: "critical",
    service: "amazon-ec2",
    created: "2025-01-20T00:00:00.000Z",
    subject: "Everything is down",
    submitted_by: "dev@example.com",
};
const E: Case = Case {
    letter: 'e',
    account: DATA,
    severity: "normal",
    service: "amazon-ec2",
    created: "2025-02-28T18:00:00.000Z",
    subject: "Disk FULL on db-1, it's urgent",
    submitted_by: "ops@example.com",
};
const F: Case = Case {
    letter: 'f',
    account: WEB,
    severity: "normal",
    service: "amazon-ec2",
    created: "2024-12-30T12:00:00.000Z",
    subject: "Quota increase",
    submitted_by: "dev@example.com",
};

pub fn events() -> Vec<Event> {
    vec![
        // a: answered after 45 min, resolved 2.9375 days after creation (its last communication).
        A.at(1, "2025-03-01T09:00:05Z", "unassigned", None, None),
        A.at(
            2,
            "2025-03-01T10:00:00Z",
            "work-in-progress",
            Some("2025-03-01T09:45:00.000Z"),
            Some("2025-03-01T09:45:00.000Z"),
        ),
        A.at(3, "2025-03-04T08:00:00Z", "resolved", Some("2025-03-01T09:45:00.000Z"), Some("2025-03-04T07:30:00.000Z")),
        // b: answered after 90 min (urgent: 60), open 5 days; its last two events share a second,
        // and the larger id is the later.
        B.at(1, "2025-03-05T12:00:10Z", "opened", None, None),
        B.at(2, "2025-03-05T13:30:00Z", "opened", Some("2025-03-05T13:30:00Z"), Some("2025-03-05T13:30:00Z")),
        B.at(3, "2025-03-05T13:30:00Z", "work-in-progress", Some("2025-03-05T13:30:00Z"), Some("2025-03-05T13:30:00Z")),
        // c: updated weeks after it was created (a later partition); answered after 360 min.
        C.at(1, "2025-02-10T00:00:30Z", "opened", None, None),
        C.at(
            2,
            "2025-03-08T00:00:00Z",
            "pending-customer-action",
            Some("2025-02-10T06:00:00.000Z"),
            Some("2025-03-08T00:00:00.000Z"),
        ),
        // d: never answered (critical: 15 min), open 49.5 days.
        D.at(1, "2025-01-20T00:01:00Z", "opened", None, None),
        // e: two events in the same second (the larger id is the later), then a backfill's repeat.
        E.at(1, "2025-02-28T18:00:05Z", "opened", None, None),
        E.at(
            2,
            "2025-02-28T18:00:05Z",
            "work-in-progress",
            Some("2025-02-28T20:00:00.000Z"),
            Some("2025-02-28T20:00:00.000Z"),
        ),
        E.at(
            3,
            "2025-03-09T00:00:00Z",
            "work-in-progress",
            Some("2025-02-28T20:00:00.000Z"),
            Some("2025-02-28T20:00:00.000Z"),
        ),
        // f: answered after 120 min, resolved exactly 3 days after creation.
        F.at(1, "2024-12-30T12:00:01Z", "opened", None, None),
        F.at(2, "2025-01-02T12:00:00Z", "resolved", Some("2024-12-30T14:00:00.000Z"), Some("2025-01-02T12:00:00.000Z")),
    ]
}

async fn store() -> Store {
    let store = Store::start().await;
    store.put_events(&events()).await;
    store
        .put_accounts(
            &[
                account(WEB, "Web Prod", "/Production/Web", &[("env", "prod"), ("team", "web")]),
                account(DATA, "Data, Prod", "/Production/Data", &[("env", "prod")]),
            ],
            Some("team"),
        )
        .await;
    store
}

fn ids(page: &Value) -> Vec<String> {
    page["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["case_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The ids `/cases?query` lists, oldest first.
async fn listed(app: &console_api::App, query: &str) -> Vec<String> {
    ids(&ok(app, "/cases", &format!("{query}&sort=time_created")).await)
}

fn case_ids(cases: &[&Case]) -> Vec<String> {
    cases.iter().map(|c| c.id()).collect()
}

#[tokio::test]
async fn the_summary_over_the_latest_state_of_every_case() {
    let store = store().await;
    let app = store.app(&[]);
    let s = ok(&app, "/cases/summary", "").await;
    assert_eq!((s["total"].as_u64(), s["open"].as_u64()), (Some(6), Some(4)), "{s}");
    assert_eq!(s["by_severity"], json!({"low": 1, "normal": 2, "high": 1, "urgent": 1, "critical": 1}));
    assert_eq!(
        s["by_status"],
        json!({"opened": 1, "pending-customer-action": 1, "reopened": 0, "resolved": 2, "unassigned": 0, "work-in-progress": 2})
    );
    assert_eq!(
        s["by_account"],
        json!([
            {"account_id": WEB, "account_name": "Web Prod", "cases": 3, "open": 1},
            {"account_id": DATA, "account_name": "Data, Prod", "cases": 2, "open": 2},
            {"account_id": LEGACY, "account_name": "Legacy", "cases": 1, "open": 1},
        ])
    );
    assert_eq!(
        s["by_service"],
        json!([
            {"service_code": "amazon-ec2", "cases": 4, "open": 2},
            {"service_code": "amazon-rds", "cases": 1, "open": 1},
            {"service_code": "amazon-s3", "cases": 1, "open": 1},
        ])
    );
    assert_eq!(
        s["by_ou"],
        json!([
            {"ou_path": "/Production/Web", "cases": 3, "open": 1},
            {"ou_path": "/Production/Data", "cases": 2, "open": 2},
            {"ou_path": null, "cases": 1, "open": 1},
        ])
    );
    // Labelled by team: Data has no team tag and Legacy is not in the inventory, so both are "";
    // on a tie of cases the unlabelled list last.
    assert_eq!(
        s["by_tag"],
        json!([
            {"tag": "web", "cases": 3, "open": 1},
            {"tag": "", "cases": 3, "open": 3},
        ])
    );
    let buckets = |v: &Value| -> Vec<(String, u64)> {
        v.as_array()
            .expect("buckets")
            .iter()
            .map(|b| (b["label"].as_str().unwrap_or_default().to_owned(), b["cases"].as_u64().unwrap_or(99)))
            .collect()
    };
    let pairs = |v: &[(&str, u64)]| v.iter().map(|(l, n)| ((*l).to_owned(), *n)).collect::<Vec<_>>();
    assert_eq!(
        buckets(&s["long_running"]["buckets"]),
        pairs(&[("<1d", 0), ("1-7d", 1), ("7-30d", 2), ("30-90d", 1), (">=90d", 0)])
    );
    let oldest: Vec<(String, u64)> = s["long_running"]["oldest"]
        .as_array()
        .expect("oldest")
        .iter()
        .map(|o| (o["case_id"].as_str().unwrap_or_default().to_owned(), o["age_days"].as_u64().unwrap_or(0)))
        .collect();
    assert_eq!(oldest, [(D.id(), 49), (C.id(), 28), (E.id(), 9), (B.id(), 5)]);
    assert_eq!(
        s["long_running"]["oldest"][0]["console_url"],
        format!("https://support.console.aws.amazon.com/support/home#/case/?displayId={}&language=en", D.display_id())
    );
    assert_eq!(
        buckets(&s["resolution_days"]["buckets"]),
        pairs(&[("<1d", 0), ("1-3d", 1), ("3-7d", 1), ("7-14d", 0), ("14-30d", 0), (">=30d", 0)])
    );
    // a: 2.9375 days, f: 3 days.
    assert_eq!(
        (s["resolution_days"]["resolved"].as_u64(), s["resolution_days"]["median_days"].as_f64()),
        (Some(2), Some(3.0))
    );
    let fr = |severity: &str| {
        let r = &s["first_response"][severity];
        (
            r["target_minutes"].as_u64(),
            r["responded"].as_u64(),
            r["median_minutes"].as_f64(),
            r["breaches"].as_u64(),
            r["awaiting_over_target"].as_u64(),
        )
    };
    assert_eq!(fr("low"), (Some(1440), Some(1), Some(360.0), Some(0), Some(0)));
    assert_eq!(fr("normal"), (Some(720), Some(2), Some(120.0), Some(0), Some(0)));
    assert_eq!(fr("high"), (Some(240), Some(1), Some(45.0), Some(0), Some(0)));
    assert_eq!(fr("urgent"), (Some(60), Some(1), Some(90.0), Some(1), Some(0)));
    assert_eq!(fr("critical"), (Some(15), Some(0), None, Some(1), Some(1)));
    let weeks: Vec<(String, u64, u64)> = s["weekly"]
        .as_array()
        .expect("weekly")
        .iter()
        .map(|w| {
            (
                w["week"].as_str().unwrap_or_default().to_owned(),
                w["opened"].as_u64().unwrap_or(99),
                w["resolved"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    let want: Vec<(String, u64, u64)> = [
        ("2025-W01", 1, 1),
        ("2025-W02", 0, 0),
        ("2025-W03", 0, 0),
        ("2025-W04", 1, 0),
        ("2025-W05", 0, 0),
        ("2025-W06", 0, 0),
        ("2025-W07", 1, 0),
        ("2025-W08", 0, 0),
        ("2025-W09", 2, 0),
        ("2025-W10", 1, 1),
    ]
    .iter()
    .map(|(w, o, r)| ((*w).to_owned(), *o, *r))
    .collect();
    assert_eq!(weeks, want);
    assert_eq!(s["weekly"][0]["week_start"], "2024-12-30");
    // The first-response targets come from the environment.
    let strict = store.app(&[("FIRST_RESPONSE_TARGETS", r#"{"high": 30}"#)]);
    let s = ok(&strict, "/cases/summary", "").await;
    assert_eq!(s["first_response"]["high"]["breaches"], 1);
}

#[tokio::test]
async fn filters_narrow_the_cases_and_from_prunes_the_partitions() {
    let store = store().await;
    let app = store.app(&[]);
    assert_eq!(listed(&app, "from=2025-03-01").await, case_ids(&[&A, &B]));
    assert_eq!(listed(&app, "to=2025-02-10").await, case_ids(&[&F, &D, &C]));
    assert_eq!(listed(&app, "from=2025-02-01&to=2025-02-28").await, case_ids(&[&C, &E]));
    assert_eq!(listed(&app, "ou=/Production").await, case_ids(&[&F, &C, &E, &A, &B]));
    assert_eq!(listed(&app, "ou=/Production/Data/").await, case_ids(&[&C, &E]));
    assert_eq!(listed(&app, "ou=/Prod").await, Vec::<String>::new());
    assert_eq!(listed(&app, &format!("account_id={LEGACY}")).await, case_ids(&[&D]));
    assert_eq!(listed(&app, &format!("account_id={WEB},{LEGACY}")).await, case_ids(&[&F, &D, &A, &B]));
    assert_eq!(listed(&app, "q=disk%20full").await, case_ids(&[&E]));
    assert_eq!(listed(&app, "q=it's").await, case_ids(&[&E]));
    assert_eq!(listed(&app, "status=work-in-progress&status=resolved").await, case_ids(&[&F, &E, &A, &B]));
    assert_eq!(listed(&app, "severity=normal,critical").await, case_ids(&[&F, &D, &E]));
    assert_eq!(listed(&app, "service=amazon-ec2&severity=normal").await, case_ids(&[&F, &E]));
    assert_eq!(listed(&app, "submitter=OPS@example.com").await, case_ids(&[&E, &B]));
    let s = ok(&app, "/cases/summary", "from=2025-03-01").await;
    assert_eq!((s["total"].as_u64(), s["open"].as_u64()), (Some(2), Some(1)));
    assert_eq!(s["by_tag"], json!([{"tag": "web", "cases": 2, "open": 1}]), "by_tag honours the filters");
    let s = ok(&app, "/cases/summary", "ou=/Production/Data").await;
    assert_eq!(s["by_tag"], json!([{"tag": "", "cases": 2, "open": 2}]));

    // Four date ranges, four Athena queries of the cases; every other filter came from their
    // cached rows. The account_id filters read the inventory once, beside them.
    let (executions, inventory): (Vec<_>, Vec<_>) = store
        .executions()
        .await
        .into_iter()
        .partition(|(_, info)| info["sql"].as_str().is_some_and(|sql| sql.contains("supportcaseevents")));
    assert_eq!(executions.len(), 4, "{executions:?}");
    assert_eq!(inventory.len(), 1, "{inventory:?}");
    let (_, from_query) = executions
        .iter()
        .find(|(params, _)| params.first().map(String::as_str) == Some("'2025/03/01'"))
        .expect("the from=2025-03-01 query");
    assert_eq!(from_query["state"], "SUCCEEDED");
    let mut read: Vec<String> = from_query["objects_read"]
        .as_array()
        .expect("objects read")
        .iter()
        .filter_map(|o| o.as_str())
        .filter(|o| o.contains("/DataCollection-data/"))
        .map(|o| o.rsplit('/').next().unwrap_or_default().to_owned())
        .collect();
    read.sort();
    // c's update of 2025-03-08 is read (and left out by its creation day); nothing before March.
    assert_eq!(
        read,
        [
            "cima-events-1-2025-03-01-x",
            "cima-events-1-2025-03-04-x",
            "cima-events-1-2025-03-05-x",
            "cima-events-1-2025-03-08-x",
            "cima-events-1-2025-03-09-x"
        ]
    );
}

#[tokio::test]
async fn pages_in_any_order_with_links_and_the_inventorys_names() {
    let store = store().await;
    let app = store.app(&[]);
    let first = ok(&app, "/cases", "page_size=4").await;
    assert_eq!(ids(&first), case_ids(&[&B, &A, &E, &C]));
    assert_eq!(
        (first["total"].as_u64(), first["returned"].as_u64(), first["sort"].as_str()),
        (Some(6), Some(4), Some("-time_created"))
    );
    let token = first["next_page_token"].as_str().expect("a second page");
    let second = ok(&app, "/cases", &format!("page_size=4&page_token={token}")).await;
    assert_eq!(ids(&second), case_ids(&[&D, &F]));
    assert_eq!((second["offset"].as_u64(), second["next_page_token"].is_null()), (Some(4), true));

    let b = &first["cases"][0];
    assert_eq!(b["status"], "work-in-progress");
    assert_eq!(b["open"], true);
    assert_eq!(b["account_name"], "Web Prod", "the inventory's name wins over the event's");
    assert_eq!(b["ou_path"], "/Production/Web");
    assert_eq!(b["account_tag"], "web", "the inventory's tag column: the team label");
    assert_eq!(b["account_tags"], "env=prod;team=web", "its tags column: every tag");
    assert_eq!(b["first_response_time"], "2025-03-05T13:30:00Z");
    assert_eq!(b["updated_at"], "2025-03-05T13:30:00Z");
    assert_eq!(
        b["console_url"],
        format!("https://support.console.aws.amazon.com/support/home#/case/?displayId={}&language=en", B.display_id())
    );
    let e = &first["cases"][2];
    assert_eq!((e["status"].as_str(), e["account_name"].as_str()), (Some("work-in-progress"), Some("Data, Prod")));
    assert_eq!((e["account_tag"].is_null(), e["account_tags"].as_str()), (true, Some("env=prod")), "no team tag");
    let d = &second["cases"][0];
    assert_eq!((d["account_name"].as_str(), d["ou_path"].is_null()), (Some("Legacy"), true));
    assert!(d["account_tag"].is_null() && d["account_tags"].is_null(), "not in the inventory");

    let by_severity = ok(&app, "/cases", "sort=severity_code").await;
    assert_eq!(ids(&by_severity), case_ids(&[&C, &E, &F, &A, &B, &D]));
    let by_account = ok(&app, "/cases", "sort=-account_name,time_created").await;
    assert_eq!(ids(&by_account), case_ids(&[&F, &A, &B, &D, &C, &E]));
    // A token of one order is refused with another.
    let r = get(&app, "/cases", &format!("page_size=4&sort=subject&page_token={token}")).await;
    assert_eq!((r.status_code, r.body_json()["field"].as_str()), (400, Some("page_token")), "{}", r.body);
    assert_eq!(store.executions().await.len(), 1, "one date range, one query");
}

#[tokio::test]
async fn a_case_and_its_timeline() {
    let store = store().await;
    let app = store.app(&[]);
    let e = ok(&app, &format!("/cases/{}", E.id()), "").await;
    assert_eq!(e["case"]["status"], "work-in-progress", "the larger id of two events in one second is the later");
    assert_eq!(e["case"]["account_name"], "Data, Prod");
    assert_eq!(e["event_count"], 3);
    assert_eq!(
        e["timeline"],
        json!([
            {"time": "2025-02-28T18:00:05Z", "event_id": "evt-e-1", "status": "opened", "severity_code": "normal", "changes": []},
            {"time": "2025-02-28T18:00:05Z", "event_id": "evt-e-2", "status": "work-in-progress", "severity_code": "normal", "changes": [
                {"field": "status", "from": "opened", "to": "work-in-progress"},
                {"field": "last_communication_time", "from": null, "to": "2025-02-28T20:00:00.000Z"},
                {"field": "first_response_time", "from": null, "to": "2025-02-28T20:00:00.000Z"},
            ]},
        ])
    );
    let a = ok(&app, &format!("/cases/{}", A.id()), "").await;
    let steps: Vec<&str> =
        a["timeline"].as_array().expect("timeline").iter().filter_map(|t| t["status"].as_str()).collect();
    assert_eq!(steps, ["unassigned", "work-in-progress", "resolved"]);
    assert_eq!(a["case"]["open"], false);

    let r = get(&app, "/cases/case-999999999999-muen-2025-zzzz", "").await;
    assert_eq!((r.status_code, r.body_json()["error"].as_str()), (404, Some("not_found")), "{}", r.body);
    // The id went to Athena as a parameter only.
    let executions = store.executions().await;
    assert!(executions.iter().any(|(p, _)| p == &[format!("'{}'", E.id())]), "{executions:?}");
}

#[tokio::test]
async fn the_engines_failure_is_a_502_with_its_reason() {
    let store = store().await;
    let app = store.app(&[("CASES_TABLE", "nosuchtable")]);
    let r = get(&app, "/cases/summary", "").await;
    assert_eq!(r.status_code, 502, "{}", r.body);
    let body = r.body_json();
    assert_eq!(body["error"], "upstream_error");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.contains("FAILED") && message.contains("nosuchtable"), "{message}");

    // No claims, no query.
    let anonymous = console_api::handle(&app, crate::harness::request("GET", "/cases", "", None)).await;
    assert_eq!(anonymous.status_code, 401);
    assert_eq!(store.executions().await.len(), 1);
}

#[tokio::test]
async fn an_inventory_written_before_the_tags_column_still_reads() {
    // The table reads columns by position; an object from before `tags` was added has one column
    // fewer, and its `tag` then held every tag.
    let store = Store::start().await;
    store.put_events(&events()).await;
    let old = "accountid,arn,email,name,status,joinedmethod,joinedtimestamp,tag,ou_path\n\
         111111111111,arn:aws:organizations::123456789012:account/o-exampleorg1/111111111111,\
         aws+111111111111@example.com,Web Prod,ACTIVE,CREATED,2024-01-01T00:00:00Z,env=prod;team=web,/Production/Web\n";
    store.put(crate::harness::INVENTORY_KEY, old.to_owned()).await;
    let app = store.app(&[]);
    let b = ok(&app, &format!("/cases/{}", B.id()), "").await;
    let case = &b["case"];
    assert_eq!((case["account_name"].as_str(), case["ou_path"].as_str()), (Some("Web Prod"), Some("/Production/Web")));
    assert_eq!((case["account_tag"].as_str(), case["account_tags"].is_null()), (Some("env=prod;team=web"), true));
}

/// The store keeps the dashboard's contract: its dataset query (the latest row of each case by
/// time, ties broken by event id, joined with `accountsinfo` for the name and the one-label
/// `tag`) runs as Athena SQL over the objects, without the function.
#[tokio::test]
async fn the_dashboards_dataset_query_runs_over_the_store() {
    use aws_sdk_athena::types::QueryExecutionState;
    let store = store().await;
    let athena = aws_sdk_athena::Client::new(&store.sdk);
    let sql = "SELECT c.detail.caseid AS caseid, c.detail.status AS status, c.account AS account, \
                      a.name AS accountname, a.tag AS tag, a.ou_path AS ou_path \
               FROM (SELECT e.*, row_number() OVER (PARTITION BY e.detail.caseid ORDER BY e.\"time\" DESC, e.id DESC) AS rn \
                     FROM supportcaseevents e) c \
               LEFT JOIN accountsinfo a ON c.account = a.accountid \
               WHERE c.rn = 1 ORDER BY caseid";
    let id = athena
        .start_query_execution()
        .query_string(sql)
        .work_group(crate::harness::WORKGROUP)
        .query_execution_context(
            aws_sdk_athena::types::QueryExecutionContext::builder().database(crate::harness::DATABASE).build(),
        )
        .send()
        .await
        .expect("StartQueryExecution")
        .query_execution_id
        .expect("an id");
    // Bounded: the local engine finishes in well under a second per poll.
    let mut state = None;
    for _ in 0..300 {
        let q = athena.get_query_execution().query_execution_id(&id).send().await.expect("GetQueryExecution");
        let status = q.query_execution.and_then(|q| q.status).expect("status");
        state = status.state.clone();
        match state {
            Some(QueryExecutionState::Succeeded) => break,
            Some(QueryExecutionState::Failed | QueryExecutionState::Cancelled) => {
                panic!("the dataset query failed: {:?}", status.state_change_reason)
            }
            _ => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    assert_eq!(state, Some(QueryExecutionState::Succeeded));
    let rows = athena
        .get_query_results()
        .query_execution_id(&id)
        .send()
        .await
        .expect("GetQueryResults")
        .result_set
        .and_then(|r| r.rows)
        .unwrap_or_default();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .skip(1) // the header row
        .map(|r| r.data().iter().map(|d| d.var_char_value().unwrap_or("").to_owned()).collect())
        .collect();
    let row = |c: &Case, status: &str, name: &str, tag: &str, ou: &str| {
        vec![c.id(), status.to_owned(), c.account.to_owned(), name.to_owned(), tag.to_owned(), ou.to_owned()]
    };
    assert_eq!(
        cells,
        vec![
            // Case ids start with the account.
            row(&A, "resolved", "Web Prod", "web", "/Production/Web"),
            row(&B, "work-in-progress", "Web Prod", "web", "/Production/Web"),
            row(&F, "resolved", "Web Prod", "web", "/Production/Web"),
            row(&C, "pending-customer-action", "Data, Prod", "", "/Production/Data"),
            row(&E, "work-in-progress", "Data, Prod", "", "/Production/Data"),
            row(&D, "opened", "", "", ""),
        ]
    );
}
