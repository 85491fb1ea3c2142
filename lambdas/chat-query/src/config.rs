//! The function's settings, read once from the environment (names fixed by the deployment
//! contract).

use std::time::Duration;

use cima_core::access::{GROUP_OUS_ENV, GroupOus, MAX_ACCOUNTS_ENV};
use cima_core::contract::DEFAULT_QUERY_ROLE;
use cima_core::sdk::SdkPolicy;

pub const DEFAULT_MAX_CONCURRENCY: usize = 64;
pub const DEFAULT_HISTORY_TTL_DAYS: i64 = 30;
/// Bedrock must answer within this, or the deterministic parser answers instead.
pub const DEFAULT_MODEL_TIMEOUT: Duration = Duration::from_secs(3);
/// Leaves API Gateway's 29 s room for the model's parse (at most 3 s) and the history write.
pub const DEFAULT_ACCOUNT_DEADLINE: Duration = Duration::from_secs(22);
/// Timeouts and retries of every SDK client: short attempts and backoff, so an account whose
/// calls keep failing has given up, with its own error, well before the deadline.
pub const SDK_POLICY: SdkPolicy = SdkPolicy::UNDER_DEADLINE;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub history_table: String,
    pub query_role_name: String,
    /// Exact origins; a request from any other origin gets no CORS headers.
    pub cors_allowed_origins: Vec<String>,
    pub bedrock_model_id: Option<String>,
    pub model_timeout: Duration,
    pub max_concurrency: usize,
    pub history_ttl_days: i64,
    pub organizations_role_arn: Option<String>,
    /// Regions read for regional services when the question names none: the function's own.
    pub home_region: String,
    /// How long after a question arrives the accounts still unread are given up (reported in
    /// `account_errors`), so the answer beats API Gateway's 29 s.
    pub account_deadline: Duration,
    /// Cognito groups to the OU paths their members may ask about; empty: every account.
    pub group_ous: GroupOus,
    /// The most accounts one question may name in `account_ids`.
    pub max_accounts_per_request: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

impl Config {
    /// Reads the settings through `get` (the process environment in `main`).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let non_empty = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let history_table = non_empty("HISTORY_TABLE_NAME")
            .ok_or(ConfigError { name: "HISTORY_TABLE_NAME", message: "required".into() })?;
        let number = |name: &'static str, default: i64, range: std::ops::RangeInclusive<i64>| match non_empty(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or(ConfigError { name, message: format!("{v:?} is not a whole number in {range:?}") }),
        };
        Ok(Config {
            history_table,
            query_role_name: non_empty("QUERY_ROLE_NAME").unwrap_or_else(|| DEFAULT_QUERY_ROLE.to_owned()),
            cors_allowed_origins: non_empty("CORS_ALLOWED_ORIGINS")
                .map(|v| v.split(',').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect())
                .unwrap_or_default(),
            bedrock_model_id: non_empty("BEDROCK_MODEL_ID"),
            model_timeout: DEFAULT_MODEL_TIMEOUT,
            max_concurrency: number("MAX_CONCURRENCY", DEFAULT_MAX_CONCURRENCY as i64, 1..=256)? as usize,
            history_ttl_days: number("HISTORY_TTL_DAYS", DEFAULT_HISTORY_TTL_DAYS, 1..=3650)?,
            organizations_role_arn: non_empty("ORGANIZATIONS_ROLE_ARN"),
            account_deadline: Duration::from_secs(number(
                "ACCOUNT_DEADLINE_SECONDS",
                DEFAULT_ACCOUNT_DEADLINE.as_secs() as i64,
                1..=28,
            )? as u64),
            group_ous: GroupOus::parse(non_empty(GROUP_OUS_ENV).as_deref())
                .map_err(|e| ConfigError { name: GROUP_OUS_ENV, message: e.to_string() })?,
            max_accounts_per_request: number(
                MAX_ACCOUNTS_ENV,
                crate::MAX_ACCOUNT_IDS as i64,
                1..=crate::MAX_ACCOUNT_IDS as i64,
            )? as usize,
            home_region: non_empty("AWS_REGION")
                .or_else(|| non_empty("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".to_owned()),
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

    #[test]
    fn defaults_and_overrides() {
        let c = Config::from_env(env(&[("HISTORY_TABLE_NAME", "h")])).expect("config");
        assert_eq!(c.query_role_name, DEFAULT_QUERY_ROLE);
        assert_eq!((c.max_concurrency, c.history_ttl_days), (64, 30));
        assert!(c.cors_allowed_origins.is_empty() && c.bedrock_model_id.is_none());
        let c = Config::from_env(env(&[
            ("HISTORY_TABLE_NAME", "h"),
            ("CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example,"),
            ("MAX_CONCURRENCY", "4"),
            ("BEDROCK_MODEL_ID", " "),
        ]))
        .expect("config");
        assert_eq!(c.cors_allowed_origins, ["https://a.example", "https://b.example"]);
        assert_eq!(c.max_concurrency, 4);
        assert_eq!(c.bedrock_model_id, None);
    }

    #[test]
    fn bad_values_name_the_variable() {
        assert_eq!(Config::from_env(env(&[])).expect_err("no table").name, "HISTORY_TABLE_NAME");
        let e = Config::from_env(env(&[("HISTORY_TABLE_NAME", "h"), ("MAX_CONCURRENCY", "0")])).expect_err("zero");
        assert_eq!(e.name, "MAX_CONCURRENCY");
        let e = Config::from_env(env(&[("HISTORY_TABLE_NAME", "h"), ("MAX_ACCOUNTS_PER_REQUEST", "1001")]))
            .expect_err("over the hard limit");
        assert_eq!(e.name, "MAX_ACCOUNTS_PER_REQUEST");
        let e = Config::from_env(env(&[("HISTORY_TABLE_NAME", "h"), ("GROUP_OUS", r#"{"web": ["Production"]}"#)]))
            .expect_err("not a path");
        assert_eq!(e.name, "GROUP_OUS");
        assert!(e.message.contains("\"Production\" is not an OU path"), "{}", e.message);
    }
}
