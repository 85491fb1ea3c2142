//! Building the AWS SDK configuration once, in ConfigureProvider (never at process start).

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::region::Region;

use crate::provider::{DEFAULT_MAX_RETRIES, DEFAULT_REGION, ProviderModel};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsSettings {
    pub region: String,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_attempts: u32,
    pub assume_role: Option<(String, Option<String>, String)>,
}

impl AwsSettings {
    pub fn from_model(m: &ProviderModel) -> Self {
        let retries = u32::try_from(m.max_retries.unwrap_or(DEFAULT_MAX_RETRIES)).unwrap_or(0);
        Self {
            region: m.region.clone().unwrap_or_else(|| DEFAULT_REGION.to_owned()),
            profile: m.profile.clone(),
            endpoint_url: m.endpoint_url.clone(),
            max_attempts: retries + 1,
            assume_role: m.assume_role.as_ref().and_then(|a| {
                a.role_arn.clone().map(|arn| {
                    (
                        arn,
                        a.external_id.clone(),
                        a.session_name.clone().unwrap_or_else(|| "terraform-provider-cima".to_owned()),
                    )
                })
            }),
        }
    }
}

/// Loads the shared configuration. Credentials are resolved lazily by the SDK on first use.
pub async fn load(s: &AwsSettings) -> aws_types::SdkConfig {
    // One HTTP client (one TLS configuration, one connection pool) for every service client the
    // provider builds, per member account included. Left to itself, each SDK client makes its
    // own, and a read across hundreds of accounts holds hundreds of them.
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .region(Region::new(s.region.clone()))
        .retry_config(RetryConfig::standard().with_max_attempts(s.max_attempts));
    if let Some(p) = &s.profile {
        loader = loader.profile_name(p);
    }
    if let Some(e) = &s.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    let base = loader.load().await;
    match &s.assume_role {
        None => base,
        Some((arn, external_id, session)) => {
            let mut b = AssumeRoleProvider::builder(arn).session_name(session).configure(&base);
            if let Some(x) = external_id {
                b = b.external_id(x);
            }
            let creds = b.build().await;
            base.into_builder().credentials_provider(SharedCredentialsProvider::new(creds)).build()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::AssumeRoleModel;

    #[test]
    fn defaults_and_overrides() {
        let s = AwsSettings::from_model(&ProviderModel::default());
        assert_eq!(s.region, "us-east-1");
        assert_eq!(s.max_attempts, 6);
        assert!(s.assume_role.is_none());
        let m = ProviderModel {
            region: Some("eu-west-1".into()),
            max_retries: Some(0),
            assume_role: Some(AssumeRoleModel { role_arn: Some("arn:aws:iam::1:role/x".into()), ..Default::default() }),
            ..Default::default()
        };
        let s = AwsSettings::from_model(&m);
        assert_eq!(s.max_attempts, 1);
        assert_eq!(s.assume_role.unwrap().2, "terraform-provider-cima");
    }
}
