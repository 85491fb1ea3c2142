//! AWS Support cases of one account: the case model, severity names, and "read the cases of an
//! account" behind the `SupportApi` trait. The provider's `cima_cases` and the Lambdas use this
//! one implementation.

mod sdk;

use async_trait::async_trait;
use serde::Serialize;

pub use sdk::SdkSupport;

/// Support answers only here, whatever region the rest of the estate uses.
pub const SUPPORT_REGION: &str = "us-east-1";

/// Severity codes and the names AWS Support gives them (the seed's dashboard swapped two).
pub const SEVERITIES: [(&str, &str); 5] = [
    ("low", "General guidance"),
    ("normal", "System impaired"),
    ("high", "Production system impaired"),
    ("urgent", "Production system down"),
    ("critical", "Business-critical system down"),
];

/// Case statuses AWS Support reports.
pub const STATUSES: [&str; 6] =
    ["opened", "pending-customer-action", "reopened", "resolved", "unassigned", "work-in-progress"];

pub fn severity_name(code: &str) -> Option<&'static str> {
    SEVERITIES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

pub fn is_open(status: &str) -> bool {
    status != "resolved"
}

#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    #[error("{operation}: {message}")]
    Api { operation: &'static str, message: String },
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Communication {
    pub body: String,
    pub submitted_by: String,
    pub time_created: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Case {
    pub case_id: String,
    pub display_id: String,
    pub subject: String,
    pub status: String,
    pub severity_code: String,
    pub service_code: String,
    pub category_code: String,
    pub submitted_by: String,
    pub time_created: String,
    pub cc_email_addresses: Vec<String>,
    pub language: String,
    /// Newest communication's time, from the recent communications DescribeCases returns.
    pub last_communication_time: Option<String>,
    /// Every communication, newest first; filled only when asked for.
    pub communications: Vec<Communication>,
}

/// The DescribeCases filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseQuery {
    pub case_ids: Vec<String>,
    pub after_time: Option<String>,
    pub before_time: Option<String>,
    pub include_resolved: bool,
}

#[async_trait]
pub trait SupportApi: Send + Sync {
    /// Every case matching `q`, paged to the end.
    async fn describe_cases(&self, q: &CaseQuery) -> Result<Vec<Case>, SupportError>;
    /// Every communication of a case, paged to the end, newest first.
    async fn describe_communications(&self, case_id: &str) -> Result<Vec<Communication>, SupportError>;
}

/// Reads one account's cases: DescribeCases paged to the end, and when `with_communications`
/// every case's communications too.
pub async fn read_cases(
    api: &dyn SupportApi,
    q: &CaseQuery,
    with_communications: bool,
) -> Result<Vec<Case>, SupportError> {
    let mut cases = api.describe_cases(q).await?;
    if with_communications {
        for c in &mut cases {
            c.communications = api.describe_communications(&c.case_id).await?;
            if let Some(newest) = c.communications.iter().map(|m| m.time_created.as_str()).max() {
                c.last_communication_time = Some(newest.to_owned());
            }
        }
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_names_are_the_real_ones() {
        assert_eq!(severity_name("urgent"), Some("Production system down"));
        assert_eq!(severity_name("critical"), Some("Business-critical system down"));
        assert_eq!(severity_name("high"), Some("Production system impaired"));
        assert_eq!(severity_name("bogus"), None);
        assert!(is_open("reopened") && !is_open("resolved"));
    }
}
