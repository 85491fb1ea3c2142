//! What a request can fail with, and the HTTP status each becomes.

use crate::api::ErrorBody;
use crate::athena::QueryError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request (path, query string) is malformed; `field` names the culprit.
    #[error("{field}: {message}")]
    BadRequest { field: String, message: String },
    #[error("the request carries no verified identity (JWT claims with a `sub`)")]
    Unauthorized,
    /// The caller may not see what the request names.
    #[error("{0}")]
    Forbidden(String),
    #[error("no route {method} {path}")]
    NoRoute { method: String, path: String },
    #[error("no case {0}")]
    NoCase(String),
    #[error("{path} answers GET only, not {method}")]
    MethodNotAllowed { method: String, path: String },
    /// Athena or its result bucket failed the query the answer needs.
    #[error("{what}: {error}")]
    Upstream { what: &'static str, error: QueryError },
}

impl ApiError {
    pub fn bad(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadRequest { field: field.into(), message: message.into() }
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthorized => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NoRoute { .. } | ApiError::NoCase(_) => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::Upstream { error: QueryError::Timeout(_), .. } => 504,
            ApiError::Upstream { .. } => 502,
        }
    }

    /// The JSON body: `{"error": <kind>, "field"?: ..., "message": ...}`, as chat-query answers.
    pub fn body(&self) -> ErrorBody {
        let error = match self {
            ApiError::BadRequest { .. } => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NoRoute { .. } | ApiError::NoCase(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Upstream { error: QueryError::Timeout(_), .. } => "upstream_timeout",
            ApiError::Upstream { .. } => "upstream_error",
        };
        let field = match self {
            ApiError::BadRequest { field, .. } => Some(field.clone()),
            _ => None,
        };
        ErrorBody { error, field, message: self.to_string() }
    }
}
