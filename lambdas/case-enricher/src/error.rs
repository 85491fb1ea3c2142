//! The enricher's errors and how Lambda sees them: every error is reported with the error type
//! `Retryable` (EventBridge's retry policy and then the DLQ should take over) or `NonRetryable`
//! (retrying the same event cannot succeed).

use cima_core::support::SupportError;
use lambda_runtime::Diagnostic;

use crate::aws::CallError;

/// Lambda error type of failures worth retrying (throttling, timeouts, partial PutEvents failures).
pub const RETRYABLE: &str = "Retryable";
/// Lambda error type of failures that the same event would hit again.
pub const NON_RETRYABLE: &str = "NonRetryable";

#[derive(Debug, thiserror::Error)]
pub enum EnricherError {
    /// Not an event this function handles (a CloudTrail event, garbage, a bad backfill request).
    #[error("rejected event: {0}")]
    Rejected(String),
    /// The case is gone from its account; the handler logs and drops such events.
    #[error("case {case_id} not found in account {account}: {source}")]
    CaseNotFound { account: String, case_id: String, source: SupportError },
    #[error("reading AWS Support in account {account}: {source}")]
    Support { account: String, source: SupportError },
    /// The PutEvents call itself failed (after the SDK's own retries, throttling included).
    #[error("PutEvents to {bus}: {source}")]
    PutEvents { bus: String, source: CallError },
    /// Some entries kept failing (FailedEntryCount > 0) after every retry.
    #[error(
        "PutEvents to {bus}: {failed} of {total} entries still failed after {attempts} attempts (last: {last_error})"
    )]
    EntriesFailed { bus: String, failed: usize, total: usize, attempts: u32, last_error: String },
    #[error("configuration: {0}")]
    Config(String),
}

impl EnricherError {
    pub fn is_retryable(&self) -> bool {
        match self {
            EnricherError::Rejected(_) | EnricherError::CaseNotFound { .. } | EnricherError::Config(_) => false,
            EnricherError::Support { .. } | EnricherError::PutEvents { .. } | EnricherError::EntriesFailed { .. } => {
                true
            }
        }
    }

    /// `Retryable` or `NonRetryable`: the error type Lambda reports for this error.
    pub fn error_type(&self) -> &'static str {
        if self.is_retryable() { RETRYABLE } else { NON_RETRYABLE }
    }
}

impl From<EnricherError> for Diagnostic {
    fn from(e: EnricherError) -> Diagnostic {
        Diagnostic { error_type: e.error_type().to_owned(), error_message: e.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_sees_retryable_or_not() {
        let throttled = EnricherError::PutEvents {
            bus: "default".into(),
            source: CallError::Aws(cima_core::errors::AwsError::new("ThrottlingException", "Rate exceeded")),
        };
        let d = Diagnostic::from(throttled);
        assert_eq!(d.error_type, "Retryable");
        assert!(d.error_message.contains("ThrottlingException"), "{}", d.error_message);
        assert_eq!(Diagnostic::from(EnricherError::Rejected("garbage".into())).error_type, "NonRetryable");
        let gone = EnricherError::CaseNotFound {
            account: "111122223333".into(),
            case_id: "case-x".into(),
            source: SupportError::CaseIdNotFound { operation: "DescribeCases", message: "gone".into() },
        };
        assert!(!gone.is_retryable());
        let read = EnricherError::Support {
            account: "111122223333".into(),
            source: SupportError::Api { operation: "DescribeCases", message: "timeout".into() },
        };
        assert_eq!(read.error_type(), RETRYABLE);
    }
}
