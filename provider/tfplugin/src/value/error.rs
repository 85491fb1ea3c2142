//! The one error type of the value model.

use std::fmt;

use crate::path::AttributePath;

/// Something was wrong with a value, its type or its encoding, at `path`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// A strict conversion met a value Terraform does not know yet.
    #[error("value{} is not known yet", At(path))]
    Unknown { path: AttributePath },
    /// The value does not have the shape the type (or the Rust target) wants.
    #[error("wrong type for value{}: {message}", At(path))]
    Type { path: AttributePath, message: String },
    /// A number cannot be parsed or does not fit the target.
    #[error("invalid number{}: {message}", At(path))]
    Number { path: AttributePath, message: String },
    /// The msgpack bytes are malformed or do not match the type.
    #[error("invalid msgpack{}: {message}", At(path))]
    Msgpack { path: AttributePath, message: String },
    /// The JSON text is malformed or does not match the type.
    #[error("invalid JSON{}: {message}", At(path))]
    Json { path: AttributePath, message: String },
    /// Anything else, e.g. a serde message such as a missing field.
    #[error("{message}{}", At(path))]
    Other { path: AttributePath, message: String },
}

impl ValueError {
    /// Where in the value the problem is.
    pub fn path(&self) -> &AttributePath {
        match self {
            Self::Unknown { path }
            | Self::Type { path, .. }
            | Self::Number { path, .. }
            | Self::Msgpack { path, .. }
            | Self::Json { path, .. }
            | Self::Other { path, .. } => path,
        }
    }

    /// The message without the path, for diagnostics that carry the path separately.
    pub fn message(&self) -> String {
        match self {
            Self::Unknown { .. } => "value is not known yet".to_owned(),
            Self::Type { message, .. }
            | Self::Number { message, .. }
            | Self::Msgpack { message, .. }
            | Self::Json { message, .. }
            | Self::Other { message, .. } => message.clone(),
        }
    }

    pub(crate) fn type_at(path: &AttributePath, message: impl Into<String>) -> Self {
        Self::Type { path: path.clone(), message: message.into() }
    }

    pub(crate) fn number_at(path: &AttributePath, message: impl Into<String>) -> Self {
        Self::Number { path: path.clone(), message: message.into() }
    }

    pub(crate) fn msgpack_at(path: &AttributePath, message: impl Into<String>) -> Self {
        Self::Msgpack { path: path.clone(), message: message.into() }
    }

    pub(crate) fn json_at(path: &AttributePath, message: impl Into<String>) -> Self {
        Self::Json { path: path.clone(), message: message.into() }
    }

    /// Same error, placed at `path` (used where the error was made without knowing it).
    pub(crate) fn with_path(mut self, new_path: AttributePath) -> Self {
        match &mut self {
            Self::Unknown { path }
            | Self::Type { path, .. }
            | Self::Number { path, .. }
            | Self::Msgpack { path, .. }
            | Self::Json { path, .. }
            | Self::Other { path, .. } => *path = new_path,
        }
        self
    }
}

/// Renders " at <path>", or nothing for the root, so root errors read naturally.
struct At<'a>(&'a AttributePath);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { Ok(()) } else { write!(f, " at {}", self.0) }
    }
}
