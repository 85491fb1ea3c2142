//! The JSON the API answers with, as types.

use cima_core::cases::{CaseRecord, Summary, TimelineEntry};
use serde::Serialize;

/// One case as the console lists it: the record, whether it is open, and its Support page.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseRow<'a> {
    #[serde(flatten)]
    pub case: &'a CaseRecord,
    pub open: bool,
    pub console_url: String,
}

impl<'a> CaseRow<'a> {
    pub fn new(case: &'a CaseRecord) -> Self {
        CaseRow { case, open: case.is_open(), console_url: case.console_url() }
    }
}

/// `GET /cases`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CasesPage<'a> {
    /// When the rows were read from the store (RFC 3339).
    pub as_of: String,
    /// Cases matching the filters, over every page.
    pub total: usize,
    /// Where this page starts among them.
    pub offset: usize,
    pub page_size: usize,
    /// Rows on this page: `page_size`, fewer on the last page or when the 1 MB cap cut it.
    pub returned: usize,
    /// The page was cut below `page_size` to stay within 1 MB; the rest follow.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub size_capped: bool,
    /// The order, as `sort` takes it.
    pub sort: String,
    /// Pass as `page_token` with the same filters and sort for the next page; absent on the last.
    pub next_page_token: Option<String>,
    pub cases: Vec<CaseRow<'a>>,
}

/// `GET /cases/summary`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryResponse {
    pub as_of: String,
    #[serde(flatten)]
    pub summary: Summary,
}

/// `GET /cases/{caseId}`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseDetail<'a> {
    pub as_of: String,
    /// The latest state.
    pub case: CaseRow<'a>,
    /// Events stored for the case (repeats included).
    pub event_count: usize,
    /// The first event and every event that changed the case, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// The body of every error answer (chat-query's shape).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// The kind: `bad_request`, `unauthorized`, `not_found`, `method_not_allowed`,
    /// `upstream_error`, `upstream_timeout`.
    pub error: &'static str,
    /// The parameter at fault (400 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::ApiError;

    #[test]
    fn rows_flatten_the_record_and_errors_keep_chat_querys_shape() {
        let case = CaseRecord {
            case_id: "case-1".into(),
            display_id: "12 34".into(),
            status: "resolved".into(),
            ..CaseRecord::default()
        };
        let v = serde_json::to_value(CaseRow::new(&case)).expect("JSON");
        assert_eq!(v["case_id"], "case-1");
        assert_eq!(v["open"], false);
        assert_eq!(v["ou_path"], serde_json::Value::Null);
        assert_eq!((&v["account_tag"], &v["account_tags"]), (&serde_json::Value::Null, &serde_json::Value::Null));
        assert_eq!(
            v["console_url"],
            "https://support.console.aws.amazon.com/support/home#/case/?displayId=12%2034&language=en"
        );
        assert_eq!(
            serde_json::to_value(ApiError::bad("severity", "no").body()).expect("JSON"),
            json!({"error": "bad_request", "field": "severity", "message": "severity: no"})
        );
        let unauthorized = serde_json::to_value(ApiError::Unauthorized.body()).expect("JSON");
        assert_eq!(unauthorized.as_object().map(|o| o.len()), Some(2), "{unauthorized}");
    }
}
