//! The SQL the function runs. The text is made of constants and the configured Glue names (checked
//! in [`crate::config`]); every value a request brings goes in as an Athena `ExecutionParameters`
//! literal bound to a `?`, never into the text.

use time::Date;

use crate::config::Config;

/// A query's text and its parameters, in `?` order, as Athena literals.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Statement {
    /// What the query is for, in logs.
    pub name: &'static str,
    pub sql: String,
    pub params: Vec<String>,
}

impl Statement {
    /// The cache key: the text and the parameters, unambiguously joined.
    pub fn key(&self) -> String {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        h.update(self.sql.as_bytes());
        for p in &self.params {
            h.update([0u8]);
            h.update(p.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// A string as an Athena literal: quoted, a quote doubled. The only form a value takes in a
/// parameter.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The Glue tables, quoted once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tables {
    cases: String,
    accounts: String,
}

impl Tables {
    pub fn new(config: &Config) -> Tables {
        let q = |table: &str| format!("\"{}\".\"{}\"", config.database, table);
        Tables { cases: q(&config.cases_table), accounts: q(&config.accounts_table) }
    }
}

/// The detail columns both queries read, named as [`crate::records`] reads them. Both also join
/// the inventory's `tag` (the account's one label) as `account_tag` and `tags` (every tag) as
/// `account_tags`.
const CASE_COLUMNS: &str = "e.detail.caseid AS case_id, e.detail.displayid AS display_id, \
     e.detail.subject AS subject, e.detail.status AS status, e.detail.severitycode AS severity_code, \
     e.detail.servicecode AS service_code, e.detail.categorycode AS category_code, \
     e.detail.submittedby AS submitted_by, e.detail.timecreated AS time_created, \
     e.detail.lastcommunicationtime AS last_communication_time, \
     e.detail.firstresponsetime AS first_response_time, e.account AS account_id, \
     e.detail.accountname AS event_account_name, e.\"time\" AS updated_at";

/// The latest state of every case created from `from` to `to` (inclusive days, UTC).
///
/// A case's events are all written on or after the day it was created, so `from` also prunes the
/// `date_created` partitions; `to` cannot (a case created before it is updated after it) and only
/// filters. `timeCreated` is the same in every event of a case, so filtering before
/// `row_number()` keeps the latest event of every case in range.
pub fn latest_cases(tables: &Tables, from: Option<Date>, to: Option<Date>) -> Statement {
    let mut params = Vec::new();
    let mut filters = String::from("e.detail.caseid IS NOT NULL");
    if let Some(from) = from {
        filters.push_str(" AND e.date_created >= ? AND e.detail.timecreated >= ?");
        params.push(literal(&partition_day(from)));
        params.push(literal(&iso_day(from)));
    }
    if let Some(to) = to {
        filters.push_str(" AND e.detail.timecreated < ?");
        params.push(literal(&iso_day(to.next_day().unwrap_or(to))));
    }
    let sql = format!(
        "SELECT l.case_id, l.display_id, l.subject, l.status, l.severity_code, l.service_code, \
         l.category_code, l.submitted_by, l.time_created, l.last_communication_time, \
         l.first_response_time, l.account_id, coalesce(a.name, l.event_account_name) AS account_name, \
         a.ou_path AS ou_path, a.tag AS account_tag, a.tags AS account_tags, l.updated_at \
         FROM (SELECT {CASE_COLUMNS}, row_number() OVER (PARTITION BY e.detail.caseid \
         ORDER BY e.\"time\" DESC, e.id DESC) AS rn FROM {cases} e WHERE {filters}) l \
         LEFT JOIN {accounts} a ON a.accountid = l.account_id \
         WHERE l.rn = 1",
        cases = tables.cases,
        accounts = tables.accounts,
    );
    Statement { name: "latest cases", sql, params }
}

/// The newest [`MAX_CASE_EVENTS`] events of one case, newest first.
pub fn case_events(tables: &Tables, case_id: &str) -> Statement {
    let sql = format!(
        "SELECT e.id AS event_id, {CASE_COLUMNS}, a.name AS account_name, a.ou_path AS ou_path, \
         a.tag AS account_tag, a.tags AS account_tags \
         FROM {cases} e LEFT JOIN {accounts} a ON a.accountid = e.account \
         WHERE e.detail.caseid = ? ORDER BY e.\"time\" DESC, e.id DESC LIMIT {MAX_CASE_EVENTS}",
        cases = tables.cases,
        accounts = tables.accounts,
    );
    Statement { name: "case events", sql, params: vec![literal(case_id)] }
}

/// The organization's accounts and where each sits, from the inventory: what a request may name.
pub fn inventory(tables: &Tables) -> Statement {
    let sql = format!("SELECT accountid AS account_id, ou_path FROM {accounts}", accounts = tables.accounts);
    Statement { name: "inventory", sql, params: vec![] }
}

/// Events one case's timeline reads; a case has a few dozen in a long life.
pub const MAX_CASE_EVENTS: usize = 1000;

/// `2025/03/01`: the `date_created` partition format.
fn partition_day(d: Date) -> String {
    format!("{:04}/{:02}/{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `2025-03-01`: compared as text with `timeCreated` (`2025-03-01T10:00:00.000Z`).
fn iso_day(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    fn tables() -> Tables {
        let config = Config::from_env(|k| match k {
            "ATHENA_WORKGROUP" => Some("wg".into()),
            "GLUE_DATABASE" => Some("cima_db".into()),
            _ => None,
        })
        .expect("config");
        Tables::new(&config)
    }

    #[test]
    fn dates_become_parameters_and_prune_partitions() {
        let all = latest_cases(&tables(), None, None);
        assert!(all.params.is_empty());
        assert!(!all.sql.contains('?'));
        assert!(all.sql.contains("FROM \"cima_db\".\"supportcaseevents\" e"));
        assert!(all.sql.contains("LEFT JOIN \"cima_db\".\"accountsinfo\" a"));
        for s in [&all, &case_events(&tables(), "case-1")] {
            assert!(s.sql.contains("a.tag AS account_tag, a.tags AS account_tags"), "{}", s.sql);
        }
        assert!(
            all.sql.contains("row_number() OVER (PARTITION BY e.detail.caseid ORDER BY e.\"time\" DESC, e.id DESC)")
        );

        let both = latest_cases(&tables(), Some(date!(2025 - 03 - 01)), Some(date!(2025 - 12 - 31)));
        assert_eq!(both.params, ["'2025/03/01'", "'2025-03-01'", "'2026-01-01'"]);
        assert_eq!(both.sql.matches('?').count(), 3);
        assert!(both.sql.contains("e.date_created >= ?"));
        assert!(!both.sql.contains("2025"));
        let to_only = latest_cases(&tables(), None, Some(date!(2025 - 02 - 28)));
        assert_eq!(to_only.params, ["'2025-03-01'"]);
        assert!(!to_only.sql.contains("date_created"));
        assert_ne!(both.key(), to_only.key());
        assert_eq!(both.key(), latest_cases(&tables(), Some(date!(2025 - 03 - 01)), Some(date!(2025 - 12 - 31))).key());
    }

    #[test]
    fn a_case_id_is_a_quoted_literal() {
        let s = case_events(&tables(), "case-1'); DROP TABLE x; --");
        assert_eq!(s.params, ["'case-1''); DROP TABLE x; --'"]);
        assert!(!s.sql.contains("DROP"));
        assert!(s.sql.ends_with("WHERE e.detail.caseid = ? ORDER BY e.\"time\" DESC, e.id DESC LIMIT 1000"));
        assert_eq!(literal("it's"), "'it''s'");
        let i = inventory(&tables());
        assert_eq!(i.sql, "SELECT accountid AS account_id, ou_path FROM \"cima_db\".\"accountsinfo\"");
        assert!(i.params.is_empty());
    }
}
