//! What a request can fail with, and the HTTP status each becomes. A failing member account is
//! not here: it is part of a successful answer (`account_errors`).

use crate::api::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request (body, query string) is malformed; `field` names the culprit.
    #[error("{field}: {message}")]
    BadRequest { field: String, message: String },
    #[error("the request carries no verified identity (JWT claims with a `sub`)")]
    Unauthorized,
    #[error("no route {method} {path}")]
    NotFound { method: String, path: String },
    #[error("CORS preflight from an origin that is not allowed")]
    OriginNotAllowed,
    /// The caller may not see what the request names.
    #[error("{0}")]
    Forbidden(String),
    /// A call the whole request depends on failed (Organizations, the history table).
    #[error("{what}: {message}")]
    Upstream { what: &'static str, message: String },
}

impl ApiError {
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadRequest { field: field.into(), message: message.into() }
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthorized => 401,
            ApiError::OriginNotAllowed | ApiError::Forbidden(_) => 403,
            ApiError::NotFound { .. } => 404,
            ApiError::Upstream { .. } => 502,
        }
    }

    /// The JSON body: `{"error": <kind>, "field"?: ..., "message": ...}`.
    pub fn body(&self) -> ErrorBody {
        let error = match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::OriginNotAllowed | ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound { .. } => "not_found",
            ApiError::Upstream { .. } => "upstream_error",
        };
        let field = match self {
            ApiError::BadRequest { field, .. } => Some(field.clone()),
            _ => None,
        };
        ErrorBody { error, field, message: self.to_string() }
    }
}

/// Why a model could not be used to parse a question; every one of them means "fall back".
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("no answer within {0} ms")]
    Timeout(u128),
    #[error("Converse failed: {0}")]
    Call(String),
    #[error("the answer has no text")]
    NoText,
    #[error("the answer is not the expected JSON: {0}")]
    Json(String),
    #[error("the answer is invalid: {0}")]
    Invalid(#[from] crate::parse::Invalid),
}
