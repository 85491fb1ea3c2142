//! The function's settings, read once from the environment (names fixed by the deployment
//! contract: the deploying module sets exactly these).

use std::time::Duration;

use cima_core::access::{GROUP_OUS_ENV, GroupOus, MAX_ACCOUNTS_ENV};
use cima_core::cases::FirstResponseTargets;

pub const DEFAULT_CASES_TABLE: &str = "supportcaseevents";
pub const DEFAULT_ACCOUNTS_TABLE: &str = "accountsinfo";
pub const DEFAULT_CACHE_TTL_SECONDS: u64 = 60;
pub const DEFAULT_MAX_ACCOUNTS_PER_REQUEST: usize = 200;
/// Each account id is one Athena-free comparison, but a query string holding more is no console's.
pub const MAX_ACCOUNTS_PER_REQUEST_LIMIT: usize = 1000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub workgroup: String,
    pub database: String,
    pub cases_table: String,
    pub accounts_table: String,
    /// How long a query's rows answer again; zero caches nothing.
    pub cache_ttl: Duration,
    pub first_response_targets: FirstResponseTargets,
    pub max_accounts_per_request: usize,
    /// Cognito groups to the OU paths their members see; empty: everyone sees every account.
    pub group_ous: GroupOus,
}

#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

/// Glue database and table names are written into the SQL text (quoted), so only the characters
/// Glue and Athena name things with are accepted; nothing a request carries is ever one of them.
fn is_identifier(s: &str) -> bool {
    (1..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_workgroup(s: &str) -> bool {
    (1..=128).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl Config {
    /// Reads the settings through `get` (the process environment in `main`).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let non_empty = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let checked = |name: &'static str, default: Option<&str>, ok: fn(&str) -> bool| {
            let value = non_empty(name)
                .or_else(|| default.map(str::to_owned))
                .ok_or(ConfigError { name, message: "required".into() })?;
            if ok(&value) {
                Ok(value)
            } else {
                Err(ConfigError { name, message: format!("{value:?} has characters a Glue or Athena name cannot") })
            }
        };
        let number = |name: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| match non_empty(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or(ConfigError { name, message: format!("{v:?} is not a whole number in {range:?}") }),
        };
        let first_response_targets = match non_empty("FIRST_RESPONSE_TARGETS") {
            None => FirstResponseTargets::default(),
            Some(v) => FirstResponseTargets::parse_json(&v)
                .map_err(|e| ConfigError { name: "FIRST_RESPONSE_TARGETS", message: e.to_string() })?,
        };
        Ok(Config {
            workgroup: checked("ATHENA_WORKGROUP", None, is_workgroup)?,
            database: checked("GLUE_DATABASE", None, is_identifier)?,
            cases_table: checked("CASES_TABLE", Some(DEFAULT_CASES_TABLE), is_identifier)?,
            accounts_table: checked("ACCOUNTS_TABLE", Some(DEFAULT_ACCOUNTS_TABLE), is_identifier)?,
            cache_ttl: Duration::from_secs(number("CACHE_TTL_SECONDS", DEFAULT_CACHE_TTL_SECONDS, 0..=86_400)?),
            first_response_targets,
            group_ous: GroupOus::parse(non_empty(GROUP_OUS_ENV).as_deref())
                .map_err(|e| ConfigError { name: GROUP_OUS_ENV, message: e.to_string() })?,
            max_accounts_per_request: number(
                MAX_ACCOUNTS_ENV,
                DEFAULT_MAX_ACCOUNTS_PER_REQUEST as u64,
                1..=MAX_ACCOUNTS_PER_REQUEST_LIMIT as u64,
            )? as usize,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| map.get(k).cloned()
    }

    const REQUIRED: [(&str, &str); 2] = [("ATHENA_WORKGROUP", "cima"), ("GLUE_DATABASE", "cima_cases")];

    #[test]
    fn defaults_and_overrides() {
        let c = Config::from_env(env(&REQUIRED)).expect("config");
        assert_eq!((c.workgroup.as_str(), c.database.as_str()), ("cima", "cima_cases"));
        assert_eq!((c.cases_table.as_str(), c.accounts_table.as_str()), ("supportcaseevents", "accountsinfo"));
        assert_eq!((c.cache_ttl, c.max_accounts_per_request), (Duration::from_secs(60), 200));
        assert_eq!(c.first_response_targets, FirstResponseTargets::default());
        let mut vars = REQUIRED.to_vec();
        vars.extend([
            ("CASES_TABLE", "events_v2"),
            ("ACCOUNTS_TABLE", " "),
            ("CACHE_TTL_SECONDS", "0"),
            ("MAX_ACCOUNTS_PER_REQUEST", "20"),
            ("FIRST_RESPONSE_TARGETS", r#"{"critical": 10}"#),
        ]);
        let c = Config::from_env(env(&vars)).expect("config");
        assert_eq!((c.cases_table.as_str(), c.accounts_table.as_str()), ("events_v2", "accountsinfo"));
        assert_eq!((c.cache_ttl, c.max_accounts_per_request), (Duration::ZERO, 20));
        assert_eq!(c.first_response_targets.minutes("critical"), Some(10));
        assert_eq!(c.first_response_targets.minutes("urgent"), Some(60));
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(Config::from_env(env(&[])).expect_err("none").name, "ATHENA_WORKGROUP");
        assert_eq!(Config::from_env(env(&REQUIRED[..1])).expect_err("no db").name, "GLUE_DATABASE");
        for (name, value) in [
            ("GLUE_DATABASE", "cases\"; drop"),
            ("CASES_TABLE", "a.b"),
            ("ATHENA_WORKGROUP", "has space"),
            ("CACHE_TTL_SECONDS", "-1"),
            ("MAX_ACCOUNTS_PER_REQUEST", "0"),
            ("MAX_ACCOUNTS_PER_REQUEST", "5000"),
            ("FIRST_RESPONSE_TARGETS", r#"{"sev1": 5}"#),
        ] {
            let mut vars = REQUIRED.to_vec();
            vars.push((name, value));
            assert_eq!(Config::from_env(env(&vars)).expect_err(value).name, name, "{name}={value}");
        }
    }
}
