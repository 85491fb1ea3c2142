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

/// `submittedBy` of the communications AWS's side writes (its engineers' replies).
pub const AWS_SUBMITTER: &str = "Amazon Web Services";

/// Whether a communication was written by AWS's side rather than the customer.
pub fn is_aws_submitter(submitted_by: &str) -> bool {
    submitted_by == AWS_SUBMITTER
}

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
    /// The case does not exist (any more) in the account: retrying cannot help.
    #[error("{operation}: CaseIdNotFound: {message}")]
    CaseIdNotFound { operation: &'static str, message: String },
}

impl SupportError {
    pub fn is_case_not_found(&self) -> bool {
        matches!(self, SupportError::CaseIdNotFound { .. })
    }
}

/// One page of DescribeCases and the token of the next one (`None` on the last page).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CasePage {
    pub cases: Vec<Case>,
    pub next_token: Option<String>,
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
    /// One page of at most `max_results` (10 to 100) cases, newest first, starting at `next_token`,
    /// for callers that must stop between pages and resume later. The default answers everything
    /// as one page.
    async fn describe_cases_page(
        &self,
        q: &CaseQuery,
        next_token: Option<&str>,
        max_results: i32,
    ) -> Result<CasePage, SupportError> {
        let _ = (next_token, max_results);
        Ok(CasePage { cases: self.describe_cases(q).await?, next_token: None })
    }
}

/// One case by id, resolved or not, with every communication: what the enricher reads for each
/// event. A case that does not exist is [`SupportError::CaseIdNotFound`].
pub async fn read_case(api: &dyn SupportApi, case_id: &str) -> Result<Case, SupportError> {
    let q = CaseQuery { case_ids: vec![case_id.to_owned()], include_resolved: true, ..CaseQuery::default() };
    let mut cases = read_cases(api, &q, true).await?;
    match cases.iter().position(|c| c.case_id == case_id) {
        Some(i) => Ok(cases.swap_remove(i)),
        None => Err(SupportError::CaseIdNotFound {
            operation: "DescribeCases",
            message: format!("Could not find case {case_id}"),
        }),
    }
}

/// Fills a case's communications (and so its last communication time) from the API.
pub async fn fill_communications(api: &dyn SupportApi, mut case: Case) -> Result<Case, SupportError> {
    case.communications = api.describe_communications(&case.case_id).await?;
    if let Some(newest) = newest_time(case.communications.iter().map(|m| m.time_created.as_str())) {
        case.last_communication_time = Some(newest.to_owned());
    }
    Ok(case)
}

/// Support times as instants, so `2024-05-01T10:00:00Z` and `2024-05-01T10:00:00.000Z` order by
/// time, not text; text that does not parse sorts before every parsed time.
pub(crate) fn time_key(t: &str) -> (Option<time::OffsetDateTime>, &str) {
    (time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok(), t)
}

pub(crate) fn newest_time<'a>(times: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    times.max_by(|a, b| time_key(a).cmp(&time_key(b)))
}

/// Reads one account's cases: DescribeCases paged to the end, and when `with_communications`
/// every case's communications too.
pub async fn read_cases(
    api: &dyn SupportApi,
    q: &CaseQuery,
    with_communications: bool,
) -> Result<Vec<Case>, SupportError> {
    let cases = api.describe_cases(q).await?;
    if !with_communications {
        return Ok(cases);
    }
    let mut out = Vec::with_capacity(cases.len());
    for c in cases {
        out.push(fill_communications(api, c).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// Cases and communications held in memory, answering like DescribeCases (by id, unknown id:
    /// CaseIdNotFound) and DescribeCommunications (newest first), to test the composition above.
    struct Cases(HashMap<String, (Case, Vec<Communication>)>);

    #[async_trait]
    impl SupportApi for Cases {
        async fn describe_cases(&self, q: &CaseQuery) -> Result<Vec<Case>, SupportError> {
            q.case_ids
                .iter()
                .map(|id| {
                    self.0.get(id).map(|(c, _)| c.clone()).ok_or_else(|| SupportError::CaseIdNotFound {
                        operation: "DescribeCases",
                        message: format!("Could not find case {id}"),
                    })
                })
                .collect()
        }
        async fn describe_communications(&self, case_id: &str) -> Result<Vec<Communication>, SupportError> {
            Ok(self.0.get(case_id).map(|(_, m)| m.clone()).unwrap_or_default())
        }
    }

    #[tokio::test]
    async fn read_case_fills_communications_and_reports_a_vanished_case() {
        let comm = |by: &str, at: &str| Communication {
            body: String::new(),
            submitted_by: by.into(),
            time_created: at.into(),
        };
        let case = Case { case_id: "case-1".into(), last_communication_time: Some("stale".into()), ..Case::default() };
        let comms = vec![comm(AWS_SUBMITTER, "2025-01-02T00:00:00Z"), comm("me", "2025-01-01T00:00:00.000Z")];
        let api = Cases([("case-1".to_owned(), (case, comms.clone()))].into());
        let got = read_case(&api, "case-1").await.expect("found");
        assert_eq!(got.communications, comms);
        assert_eq!(got.last_communication_time.as_deref(), Some("2025-01-02T00:00:00Z"));
        let err = read_case(&api, "case-2").await.expect_err("vanished");
        assert!(err.is_case_not_found(), "{err}");
        assert!(err.to_string().contains("CaseIdNotFound"), "{err}");
        // The default page method answers everything as one last page.
        let q = CaseQuery { case_ids: vec!["case-1".into()], ..CaseQuery::default() };
        let page = api.describe_cases_page(&q, None, 10).await.expect("page");
        assert_eq!((page.cases.len(), page.next_token), (1, None));
    }

    #[test]
    fn severity_names_are_the_real_ones() {
        assert_eq!(severity_name("urgent"), Some("Production system down"));
        assert_eq!(severity_name("critical"), Some("Business-critical system down"));
        assert_eq!(severity_name("high"), Some("Production system impaired"));
        assert_eq!(severity_name("bogus"), None);
        assert!(is_open("reopened") && !is_open("resolved"));
    }
}
