//! The provider block's model and defaults, and what every data source and resource shares once
//! the provider is configured. Resources import this module; it imports none of them.

use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use tfplugin::{Diagnostic, Diagnostics};

use crate::clients::AwsAccess;

pub const DEFAULT_REGION: &str = "us-east-1";
/// 32, from bench/cases-scale.md: reading 1000 accounts at 25 ms per call took 4.0 s at 16,
/// 2.5 s at 32 and 2.0 s at 64. Past 32 the provider's own CPU per account binds on two cores,
/// while doubling again would double the AssumeRole rate against the caller's STS quota.
pub const DEFAULT_MAX_CONCURRENCY: i64 = 32;
pub const MAX_CONCURRENCY_LIMIT: i64 = 256;
pub const DEFAULT_MAX_RETRIES: i64 = 5;
pub const MAX_RETRIES_LIMIT: i64 = 25;
/// Session name of the provider's AssumeRole calls unless `assume_role.session_name` says otherwise.
pub const SESSION_NAME: &str = "terraform-provider-cima";

#[derive(Debug, Default, Deserialize)]
pub struct ProviderModel {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub assume_role: Option<AssumeRoleModel>,
    pub endpoint_url: Option<String>,
    pub member_access_role_name: Option<String>,
    pub max_concurrency: Option<i64>,
    pub max_retries: Option<i64>,
    pub access_key: Option<String>,
    pub secret_key: Option<Secret>,
    pub token: Option<Secret>,
}

/// A credential from the provider block: deserialized as text, never shown by Debug.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AssumeRoleModel {
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
}

/// What `configure` produced; shared by every data source and resource.
pub struct Configured {
    pub aws: Arc<dyn AwsAccess>,
    pub member_access_role_name: String,
    pub max_concurrency: usize,
    caller_account: tokio::sync::OnceCell<Option<String>>,
}

impl std::fmt::Debug for Configured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Configured")
            .field("member_access_role_name", &self.member_access_role_name)
            .field("max_concurrency", &self.max_concurrency)
            .finish_non_exhaustive()
    }
}

impl Configured {
    pub fn new(aws: Arc<dyn AwsAccess>, member_access_role_name: String, max_concurrency: usize) -> Self {
        Self { aws, member_access_role_name, max_concurrency, caller_account: Default::default() }
    }

    /// The account the provider's own credentials belong to (asked once); `None` when STS cannot
    /// tell, in which case every account is reached through its role.
    pub async fn caller_account(&self) -> Option<String> {
        self.caller_account
            .get_or_init(|| async {
                self.aws.identity().account().await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "GetCallerIdentity failed");
                    None
                })
            })
            .await
            .clone()
    }
}

/// Why the provider has no AWS clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotConfigured {
    #[error(
        "The provider configuration depends on values that are not known until apply, so the provider cannot call AWS during this plan. Apply the resources it depends on first (for example with -target)."
    )]
    UnknownValues,
    #[error("Terraform asked the provider to stop while it was loading the AWS configuration.")]
    Stopped,
}

#[derive(Debug, Default)]
pub struct ProviderData {
    configured: OnceLock<Result<Configured, NotConfigured>>,
}

impl ProviderData {
    /// Records what `configure` produced. Terraform configures a provider instance once; a
    /// second call keeps the first result.
    pub fn set(&self, configured: Result<Configured, NotConfigured>) {
        let _ = self.configured.set(configured);
    }

    /// The configured clients, or the diagnostic that explains why there are none.
    pub fn get(&self) -> Result<&Configured, Diagnostics> {
        match self.configured.get() {
            Some(Ok(c)) => Ok(c),
            Some(Err(why)) => Err(Diagnostic::error("Provider not configured", why.to_string()).into()),
            None => Err(Diagnostic::error(
                "Provider not configured",
                "Terraform did not configure the cima provider before using it. This is a bug in Terraform or the provider.",
            )
            .into()),
        }
    }

    /// Provider data already configured with `c`, for unit tests of the resources.
    #[cfg(test)]
    pub fn configured(c: Configured) -> Arc<Self> {
        let data = Self::default();
        data.set(Ok(c));
        Arc::new(data)
    }
}
