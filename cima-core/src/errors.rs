//! Error text a person can act on, from AWS SDK errors: the one formatter every crate uses.

use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Codes AWS services answer when the caller may not do what it asked (IAM policy, SCP, a
/// role's trust, a suspended account's credentials).
const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "AuthFailure",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
];

/// Codes that say "slow down": retrying later can succeed.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "ProvisionedThroughputExceededException",
];

/// An AWS error as people read it (`code: message`), with the code kept so callers decide on
/// the code, never on the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct AwsError {
    code: Option<String>,
    text: String,
}

impl AwsError {
    /// A service call's error: its own code and message, else what its source chain holds.
    pub fn of<E: std::error::Error + ProvideErrorMetadata + 'static>(e: &E) -> Self {
        match e.code() {
            Some(code) => Self { code: Some(code.to_owned()), text: code_message(code, e.message()) },
            None => Self::from_chain(e),
        }
    }

    /// The AWS error found along `e`'s source chain (a refused AssumeRole under the
    /// credentials layers); without one, the chain's messages joined by ": ".
    pub fn from_chain(e: &(dyn std::error::Error + 'static)) -> Self {
        let mut layers: Vec<String> = Vec::new();
        let mut current = Some(e);
        while let Some(err) = current {
            if let Some(code) = err.downcast_ref::<ErrorMetadata>().and_then(|m| m.code().map(|c| (c, m.message()))) {
                return Self { code: Some(code.0.to_owned()), text: code_message(code.0, code.1) };
            }
            let text = err.to_string();
            if !text.is_empty() && layers.last() != Some(&text) {
                layers.push(text);
            }
            current = err.source();
        }
        Self { code: None, text: layers.join(": ") }
    }

    /// An error with a known code, for fakes and tests.
    pub fn new(code: impl Into<String>, message: impl AsRef<str>) -> Self {
        let code = code.into();
        let text = code_message(&code, Some(message.as_ref()).filter(|m| !m.is_empty()));
        Self { code: Some(code), text }
    }

    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The caller may not do this: a missing permission, a role it cannot assume, an SCP.
    pub fn is_access_denied(&self) -> bool {
        self.code().is_some_and(|c| ACCESS_DENIED_CODES.contains(&c))
    }

    pub fn is_throttling(&self) -> bool {
        self.code().is_some_and(|c| THROTTLING_CODES.contains(&c))
    }
}

fn code_message(code: &str, message: Option<&str>) -> String {
    match message {
        Some(m) => format!("{code}: {m}"),
        None => code.to_owned(),
    }
}

/// An AWS call's error as `code: message` (or the code alone); an error without a code (a
/// refused AssumeRole under the credentials, a timeout, a connection) as [`aws_message`] says it.
pub fn service_message<E: std::error::Error + ProvideErrorMetadata + 'static>(e: &E) -> String {
    AwsError::of(e).text
}

/// The AWS error code and message found along `e`'s source chain; without one, the chain's
/// messages joined by ": ".
///
/// A refused AssumeRole reaches the Support or EC2 call that needed its credentials several
/// layers down ("dispatch failure", "an error occurred while loading credentials", "service
/// error"), and the SDK's `DisplayErrorContext` appends the whole error's Debug form, raw
/// response included: neither is what an `account_errors` entry should say.
pub fn aws_message(e: &(dyn std::error::Error + 'static)) -> String {
    AwsError::from_chain(e).text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<dyn std::error::Error + 'static>>);

    impl std::fmt::Display for Layer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref()
        }
    }

    #[test]
    fn finds_the_aws_error_under_the_credentials_layers() {
        let meta = ErrorMetadata::builder()
            .code("AccessDenied")
            .message("User: arn:aws:sts::111111111111:user/ci is not authorized to perform: sts:AssumeRole")
            .build();
        let chain = Layer(
            "dispatch failure",
            Some(Box::new(Layer("an error occurred while loading credentials", Some(Box::new(meta))))),
        );
        assert_eq!(
            aws_message(&chain),
            "AccessDenied: User: arn:aws:sts::111111111111:user/ci is not authorized to perform: sts:AssumeRole"
        );
        let code_only = Layer("service error", Some(Box::new(ErrorMetadata::builder().code("Throttling").build())));
        assert_eq!(aws_message(&code_only), "Throttling");
    }

    #[test]
    fn the_code_is_kept_for_decisions() {
        let chain = Layer(
            "dispatch failure",
            Some(Box::new(ErrorMetadata::builder().code("AccessDenied").message("not authorized").build())),
        );
        let e = AwsError::from_chain(&chain);
        assert_eq!((e.code(), e.to_string().as_str()), (Some("AccessDenied"), "AccessDenied: not authorized"));
        assert!(e.is_access_denied() && !e.is_throttling());
        assert!(AwsError::new("ThrottlingException", "Rate exceeded").is_throttling());
        assert!(!AwsError::new("NoSuchEntity", "").is_access_denied());
        assert_eq!(AwsError::new("NoSuchEntity", "").to_string(), "NoSuchEntity");
        let plain = AwsError::from_chain(&Layer("timeout", None));
        assert_eq!((plain.code(), plain.to_string().as_str()), (None, "timeout"));
    }

    #[test]
    fn without_an_aws_error_the_chain_is_joined() {
        let chain = Layer("dispatch failure", Some(Box::new(Layer("timeout", Some(Box::new(Layer("timeout", None)))))));
        assert_eq!(aws_message(&chain), "dispatch failure: timeout");
    }
}
