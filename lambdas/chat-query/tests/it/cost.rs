//! Spend: one grouped GetCostAndUsage in the management account for every account read (no
//! account's role assumed), summed per account and service, another account's spend left out.

use std::collections::BTreeMap;

use cima_testkit::OrgSpec;
use serde_json::{Value, json};

use crate::harness::{Local, post_query};

fn group(keys: &[&str], amount: &str) -> Value {
    json!({"Keys": keys, "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}})
}

fn rows(body: &Value) -> BTreeMap<String, Vec<(String, f64)>> {
    body["results"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(a, items)| {
            let rows = items.as_array().into_iter().flatten();
            (
                a.clone(),
                rows.map(|r| (r["id"].as_str().unwrap_or("").to_owned(), r["amount"].as_f64().unwrap_or(-1.0)))
                    .collect(),
            )
        })
        .filter(|(_, r): &(String, Vec<_>)| !r.is_empty())
        .collect()
}

#[tokio::test]
async fn spend_is_one_grouped_call_over_the_accounts_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let local = Local::start_logged(&dir.path().join("requests.tsv")).await;
    let org = local.aws.seed_org(&OrgSpec { accounts: 4, seed: 21, suspended: 0 }).expect("org");
    let ids: Vec<String> = org.accounts.iter().filter(|a| a.status == "ACTIVE").map(|a| a.id.clone()).collect();
    assert_eq!(ids.len(), 5);
    let outsider = "999999999999";
    // Two months, as Cost Explorer answers a monthly breakdown; an account outside the
    // organization in the answer must not reach the caller.
    let by_account = json!({"ResultsByTime": [
        {"TimePeriod": {"Start": "2026-10-01", "End": "2026-11-01"}, "Groups": [
            group(&[&ids[0]], "120.50"), group(&[&ids[1]], "30"), group(&[outsider], "999")]},
        {"TimePeriod": {"Start": "2026-11-01", "End": "2026-11-15"}, "Groups": [
            group(&[&ids[0]], "0.25"), group(&[&ids[2]], "7.125")]},
    ]});
    let by_service = json!({"ResultsByTime": [{"TimePeriod": {"Start": "2026-11-01", "End": "2026-11-15"}, "Groups": [
        group(&[&ids[0], "Amazon Elastic Compute Cloud - Compute"], "80"),
        group(&[&ids[0], "AWS Lambda"], "3.5"),
        group(&[&ids[3], "Amazon Simple Storage Service"], "12")]}]});
    local.aws.queue_cost_and_usage(&[by_account, by_service]).expect("Cost Explorer answers queued");
    let app = local.app(&[]).await;
    let before = local.aws.requests().expect("request log").len();

    let resp = post_query("auditor", json!({"query": "what did each account spend last month?"})).send(&app).await;
    assert_eq!(resp.status_code, 200, "{}", resp.body);
    let body = resp.body_json();
    assert_eq!(body["parsed"]["intent"], "sum", "{body}");
    let want = BTreeMap::from([
        (ids[0].clone(), vec![("total".to_owned(), 120.75)]),
        (ids[1].clone(), vec![("total".to_owned(), 30.0)]),
        (ids[2].clone(), vec![("total".to_owned(), 7.13)]),
    ]);
    assert_eq!(rows(&body), want, "{body}");
    assert_eq!(body["spend"]["total"], json!(157.88), "{body}");
    assert_eq!(
        (body["spend"]["unit"].as_str(), body["spend"]["source"].as_str()),
        (Some("USD"), Some("Cost Explorer"))
    );
    let (since, until) = (body["spend"]["since"].as_str().unwrap_or(""), body["spend"]["until"].as_str().unwrap_or(""));
    assert!(since.ends_with("-01") && until.ends_with("-01") && since < until, "a calendar month: {since} to {until}");
    let name = |i: usize| org.account(&ids[i]).map(|a| a.name.clone()).unwrap_or_default();
    assert_eq!(
        body["answer"],
        format!(
            "USD 157.88 spent from {since} up to {until} across 3 of 5 accounts. Most: {} (USD 120.75), {} (USD 30.00), {} (USD 7.13).",
            name(0),
            name(1),
            name(2)
        ),
        "{body}"
    );
    assert_eq!(body["counts"], json!({"cost": 3}));
    let served = local.aws.requests().expect("request log");
    let tally = cima_testkit::tally(&served[before..]);
    assert_eq!(tally.get("AWSInsightsIndexService.GetCostAndUsage").map(|t| t.0), Some(1), "{tally:?}");
    assert!(!tally.contains_key("AssumeRole"), "spend needs no account's role: {tally:?}");

    let resp = post_query("auditor", json!({"query": "how much did we spend per service this month"})).send(&app).await;
    let body = resp.body_json();
    assert_eq!(body["parsed"]["filters"]["group_by"], "service", "{body}");
    let want = BTreeMap::from([
        (
            ids[0].clone(),
            vec![("Amazon Elastic Compute Cloud - Compute".to_owned(), 80.0), ("AWS Lambda".to_owned(), 3.5)],
        ),
        (ids[3].clone(), vec![("Amazon Simple Storage Service".to_owned(), 12.0)]),
    ]);
    assert_eq!(rows(&body), want, "most first within an account: {body}");
}
