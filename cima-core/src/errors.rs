//! Error text a person can act on, from AWS SDK errors.

use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// An AWS call's error as `code: message` (or the code alone); an error without a code (a
/// refused AssumeRole under the credentials, a timeout, a connection) as [`aws_message`] says it.
pub fn service_message<E: std::error::Error + ProvideErrorMetadata + 'static>(e: &E) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => aws_message(e),
    }
}

/// The AWS error code and message found along `e`'s source chain; without one, the chain's
/// messages joined by ": ".
///
/// A refused AssumeRole reaches the Support or EC2 call that needed its credentials several
/// layers down ("dispatch failure", "an error occurred while loading credentials", "service
/// error"), and the SDK's `DisplayErrorContext` appends the whole error's Debug form, raw
/// response included: neither is what an `account_errors` entry should say.
pub fn aws_message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut layers: Vec<String> = Vec::new();
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(meta) = err.downcast_ref::<ErrorMetadata>() {
            match (meta.code(), meta.message()) {
                (Some(code), Some(message)) => return format!("{code}: {message}"),
                (Some(code), None) => return code.to_owned(),
                _ => {}
            }
        }
        let text = err.to_string();
        if !text.is_empty() && layers.last() != Some(&text) {
            layers.push(text);
        }
        current = err.source();
    }
    layers.join(": ")
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
    fn without_an_aws_error_the_chain_is_joined() {
        let chain = Layer("dispatch failure", Some(Box::new(Layer("timeout", Some(Box::new(Layer("timeout", None)))))));
        assert_eq!(aws_message(&chain), "dispatch failure: timeout");
    }
}
