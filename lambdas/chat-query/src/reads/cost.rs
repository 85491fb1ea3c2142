//! Spend from Cost Explorer: one GetCostAndUsage call in the management account (its
//! consolidated billing sees every member), grouped by linked account (and service when asked),
//! never a call per account. Only the accounts the question reads are asked for, and only they
//! are kept from the answer.

use std::collections::{BTreeMap, BTreeSet};

use aws_types::SdkConfig;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

use super::{MAX_PAGES, ReadError};
use crate::parse::{GroupBy, Parsed};
use crate::query_protocol::{self, QueryClient};

/// The metric summed: what each account was charged, before credits are shared out.
pub const METRIC: &str = "UnblendedCost";

/// Spend over a period: per account, its rows (one per service, or one `total`), most first.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Spend {
    pub rows: BTreeMap<String, Vec<Value>>,
    pub per_account: BTreeMap<String, f64>,
    pub total: f64,
    pub unit: String,
    /// The period's first day and the day after its last (Cost Explorer's `TimePeriod`).
    pub since: String,
    pub until: String,
}

/// The period a question asks about, as Cost Explorer's dates: the time range's days (a range
/// ending mid-day includes that day), else this month so far.
pub fn period(parsed: &Parsed, now: OffsetDateTime) -> (Date, Date) {
    let today = now.date();
    let at = |s: &Option<String>| s.as_deref().and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok());
    let range = parsed.filters.time_range.as_ref();
    let since = range.and_then(|r| at(&r.since)).map_or_else(|| today.replace_day(1).unwrap_or(today), |t| t.date());
    let until = range.and_then(|r| at(&r.until)).map_or(today + Duration::days(1), |t| {
        if t.time() == Time::MIDNIGHT { t.date() } else { t.date() + Duration::days(1) }
    });
    (since, until.max(since + Duration::days(1)))
}

/// An amount to the cent, as every answer shows it (half away from zero, as bills round).
pub fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

fn day(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]")).unwrap_or_default()
}

/// GetCostAndUsage's input for these accounts over this period.
pub fn request(parsed: &Parsed, accounts: &[String], (since, until): (Date, Date)) -> Value {
    let f = &parsed.filters;
    let mut filters = vec![json!({"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": accounts}})];
    if let Some(region) = &f.region {
        filters.push(json!({"Dimensions": {"Key": "REGION", "Values": [region]}}));
    }
    if let Some(tag) = &f.tag {
        filters.push(match &tag.value {
            Some(v) => json!({"Tags": {"Key": tag.key, "Values": [v]}}),
            // Cost Explorer matches a key without a value as "not absent".
            None => json!({"Not": {"Tags": {"Key": tag.key, "MatchOptions": ["ABSENT"]}}}),
        });
    }
    let filter = if filters.len() == 1 { filters.remove(0) } else { json!({ "And": filters }) };
    let mut group_by = vec![json!({"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"})];
    if f.group_by == Some(GroupBy::Service) {
        group_by.push(json!({"Type": "DIMENSION", "Key": "SERVICE"}));
    }
    json!({
        "TimePeriod": {"Start": day(since), "End": day(until)},
        "Granularity": "MONTHLY",
        "Metrics": [METRIC],
        "GroupBy": group_by,
        "Filter": filter,
    })
}

/// Adds up the answers' groups: per account and service (or `total`), over every month.
pub fn add_up(pages: &[Value], accounts: &[String], (since, until): (Date, Date)) -> Spend {
    let wanted: BTreeSet<&str> = accounts.iter().map(String::as_str).collect();
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut unit = String::new();
    let groups = pages
        .iter()
        .flat_map(|p| p["ResultsByTime"].as_array().into_iter().flatten())
        .flat_map(|r| r["Groups"].as_array().into_iter().flatten());
    for g in groups {
        let keys: Vec<&str> = g["Keys"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let Some(account) = keys.first().filter(|a| wanted.contains(**a)) else { continue };
        let metric = &g["Metrics"][METRIC];
        let Some(amount) = metric["Amount"].as_str().and_then(|a| a.parse::<f64>().ok()) else { continue };
        if let Some(u) = metric["Unit"].as_str() {
            unit = u.to_owned();
        }
        let service = keys.get(1).copied().unwrap_or("total");
        *sums.entry(((*account).to_owned(), service.to_owned())).or_default() += amount;
    }
    let mut spend = Spend { since: day(since), until: day(until), unit, ..Spend::default() };
    for ((account, service), amount) in sums {
        spend.total += amount;
        *spend.per_account.entry(account.clone()).or_default() += amount;
        spend.rows.entry(account).or_default().push(json!({
            "service": "cost",
            "type": "cost",
            "id": service,
            "amount": cents(amount),
            "unit": spend.unit,
            "since": spend.since,
            "until": spend.until,
        }));
    }
    for rows in spend.rows.values_mut() {
        rows.sort_by(|a, b| {
            b["amount"].as_f64().partial_cmp(&a["amount"].as_f64()).unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    spend
}

/// Reads the spend of `accounts` with the management account's session `cfg`.
pub async fn spend(
    cfg: &SdkConfig,
    parsed: &Parsed,
    accounts: &[String],
    now: OffsetDateTime,
) -> Result<Spend, ReadError> {
    let span = period(parsed, now);
    if accounts.is_empty() {
        return Ok(add_up(&[], accounts, span));
    }
    let client = QueryClient::new(cfg, query_protocol::COST_EXPLORER);
    let input = request(parsed, accounts, span);
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut page_input = input.clone();
        if let Some(t) = token.take() {
            page_input["NextPageToken"] = Value::String(t);
        }
        let page =
            client.json("GetCostAndUsage", &page_input).await.map_err(|e| ReadError::call("GetCostAndUsage", &e))?;
        token = page["NextPageToken"].as_str().filter(|t| !t.is_empty()).map(str::to_owned);
        pages.push(page);
        if token.is_none() {
            break;
        }
    }
    Ok(add_up(&pages, accounts, span))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::parse::parse;

    const NOW: OffsetDateTime = datetime!(2026-11-23 18:30:00 UTC);

    #[test]
    fn periods_are_the_days_asked_for() {
        let days = |q: &str| {
            let (a, b) = period(&parse(q, NOW), NOW);
            (day(a), day(b))
        };
        assert_eq!(days("what did each account spend last month"), ("2026-10-01".into(), "2026-11-01".into()));
        assert_eq!(days("how much did we spend"), ("2026-11-01".into(), "2026-11-24".into()));
        assert_eq!(days("spend since 2026-06-15"), ("2026-06-15".into(), "2026-11-24".into()));
        assert_eq!(days("cost between 2026-01-01 and 2026-03-31"), ("2026-01-01".into(), "2026-04-01".into()));
        assert_eq!(days("spend today"), ("2026-11-23".into(), "2026-11-24".into()));
    }

    #[test]
    fn the_request_filters_the_accounts_and_groups_as_asked() {
        let accounts = vec!["111111111111".to_owned()];
        let span = period(&parse("spend", NOW), NOW);
        let plain = request(&parse("what did we spend", NOW), &accounts, span);
        assert_eq!(plain["Filter"], json!({"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": ["111111111111"]}}));
        assert_eq!(plain["GroupBy"], json!([{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"}]));
        assert_eq!((plain["Granularity"].as_str(), plain["Metrics"][0].as_str()), (Some("MONTHLY"), Some(METRIC)));
        let narrow = request(&parse("cost per service in eu-west-1 tagged team", NOW), &accounts, span);
        assert_eq!(narrow["GroupBy"][1], json!({"Type": "DIMENSION", "Key": "SERVICE"}));
        assert_eq!(narrow["Filter"]["And"][1], json!({"Dimensions": {"Key": "REGION", "Values": ["eu-west-1"]}}));
        assert_eq!(narrow["Filter"]["And"][2], json!({"Not": {"Tags": {"Key": "team", "MatchOptions": ["ABSENT"]}}}));
    }

    #[test]
    fn months_add_up_per_account_and_service_and_other_accounts_are_dropped() {
        let group = |a: &str, s: &str, amount: &str| json!({"Keys": [a, s], "Metrics": {METRIC: {"Amount": amount, "Unit": "USD"}}});
        let page = json!({"ResultsByTime": [
            {"Groups": [group("111111111111", "Amazon EC2", "10.004"), group("111111111111", "AWS Lambda", "1"),
                        group("999999999999", "Amazon EC2", "500")]},
            {"Groups": [group("111111111111", "Amazon EC2", "5"), group("222222222222", "Amazon S3", "not a number")]},
        ]});
        let accounts = vec!["111111111111".to_owned(), "222222222222".to_owned()];
        let spend = add_up(&[page], &accounts, period(&parse("spend", NOW), NOW));
        assert_eq!(spend.rows.keys().collect::<Vec<_>>(), ["111111111111"], "another account's spend is not shown");
        let rows = &spend.rows["111111111111"];
        assert_eq!((rows[0]["id"].as_str(), rows[0]["amount"].as_f64()), (Some("Amazon EC2"), Some(15.0)));
        assert_eq!((rows[1]["id"].as_str(), rows[1]["amount"].as_f64()), (Some("AWS Lambda"), Some(1.0)));
        assert!((spend.total - 16.004).abs() < 1e-9);
        assert_eq!(spend.unit, "USD");
    }
}
