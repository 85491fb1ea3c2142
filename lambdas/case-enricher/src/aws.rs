//! The AWS the handler needs, behind small traits (so tests can drive the handler against the
//! local AWS or substitute a piece), and their implementations on the AWS SDK.

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_types::SdkConfig;
use cima_core::errors::AwsError;
use cima_core::sdk::{SdkPolicy, one_account};
use cima_core::sessions::AccountSessions;
use cima_core::support::{SUPPORT_REGION, SdkSupport, SupportApi};

/// One PutEvents entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub source: String,
    pub detail_type: String,
    /// JSON text.
    pub detail: String,
    /// `None`: the default bus of the account the credentials belong to.
    pub bus_name: Option<String>,
}

/// Why PutEvents refused one entry (`ErrorCode: ErrorMessage`).
pub type EntryError = String;

/// A call the handler makes that failed as a whole (after the SDK's own retries).
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("PutEvents answered {answered} results for {sent} entries")]
    ResultCount { answered: usize, sent: usize },
    #[error("DescribeAccount answered without a name")]
    NoAccountName,
}

#[async_trait]
pub trait EventBus: Send + Sync {
    /// PutEvents of at most 10 entries; one outcome per entry, in order (`Some` = that entry failed).
    /// `Err` when the call itself failed (after the SDK's retries).
    async fn put_events(&self, entries: &[Entry]) -> Result<Vec<Option<EntryError>>, CallError>;
}

/// Everything the handler reaches in AWS.
#[async_trait]
pub trait Aws: Send + Sync {
    /// AWS Support of `account_id`, through the case-reader role.
    async fn support(&self, account_id: &str) -> Arc<dyn SupportApi>;
    /// The function's own account (the central bus lives there).
    fn central_bus(&self) -> Arc<dyn EventBus>;
    /// The account's name in the organization (Organizations DescribeAccount), uncached.
    async fn account_name(&self, account_id: &str) -> Result<String, CallError>;
}

/// Timeouts and retries of every SDK client the function builds.
pub const SDK_POLICY: SdkPolicy = SdkPolicy::DEFAULT;

/// The SDK configuration from the environment (credentials, region, and `AWS_ENDPOINT_URL` for
/// local runs), with [`SDK_POLICY`] and one shared HTTP client for every service client built
/// from it.
pub async fn load_config() -> SdkConfig {
    SDK_POLICY.loader().load().await
}

/// [`Aws`] on the SDK: member accounts through `role_name` (one AssumeRole per account, cached
/// for the container's life), Organizations with the function's credentials or through
/// `organizations_role_arn`.
#[derive(Debug)]
pub struct SdkAws {
    sessions: AccountSessions,
    role_name: String,
    central: Arc<SdkEventBus>,
    organizations: aws_sdk_organizations::Client,
}

impl SdkAws {
    pub async fn new(base: SdkConfig, role_name: &str, organizations_role_arn: Option<&str>) -> Self {
        let organizations = match organizations_role_arn {
            // Organizations and the central bus are one account each: adaptive retries there.
            None => aws_sdk_organizations::Client::new(&one_account(&base)),
            Some(arn) => {
                let creds =
                    AssumeRoleProvider::builder(arn).session_name("cima-case-enricher").configure(&base).build().await;
                let conf =
                    base.clone().into_builder().credentials_provider(SharedCredentialsProvider::new(creds)).build();
                aws_sdk_organizations::Client::new(&one_account(&conf))
            }
        };
        SdkAws {
            central: Arc::new(SdkEventBus(aws_sdk_eventbridge::Client::new(&one_account(&base)))),
            sessions: AccountSessions::new(base, "cima-case-enricher"),
            role_name: role_name.to_owned(),
            organizations,
        }
    }

    async fn member(&self, account_id: &str) -> SdkConfig {
        // Support answers only in us-east-1.
        self.sessions.config_for(account_id, &self.role_name, SUPPORT_REGION).await
    }
}

#[async_trait]
impl Aws for SdkAws {
    async fn support(&self, account_id: &str) -> Arc<dyn SupportApi> {
        Arc::new(SdkSupport::new(aws_sdk_support::Client::new(&self.member(account_id).await)))
    }

    fn central_bus(&self) -> Arc<dyn EventBus> {
        self.central.clone()
    }

    async fn account_name(&self, account_id: &str) -> Result<String, CallError> {
        let out =
            self.organizations.describe_account().account_id(account_id).send().await.map_err(|e| AwsError::of(&e))?;
        out.account.and_then(|a| a.name).ok_or(CallError::NoAccountName)
    }
}

/// [`EventBus`] on the SDK's EventBridge client.
#[derive(Clone, Debug)]
pub struct SdkEventBus(pub aws_sdk_eventbridge::Client);

#[async_trait]
impl EventBus for SdkEventBus {
    async fn put_events(&self, entries: &[Entry]) -> Result<Vec<Option<EntryError>>, CallError> {
        let request = entries
            .iter()
            .map(|e| {
                PutEventsRequestEntry::builder()
                    .source(&e.source)
                    .detail_type(&e.detail_type)
                    .detail(&e.detail)
                    .set_event_bus_name(e.bus_name.clone())
                    .build()
            })
            .collect::<Vec<_>>();
        let out = self.0.put_events().set_entries(Some(request)).send().await.map_err(|e| AwsError::of(&e))?;
        let results = out.entries.unwrap_or_default();
        if results.len() != entries.len() {
            return Err(CallError::ResultCount { answered: results.len(), sent: entries.len() });
        }
        Ok(results
            .into_iter()
            .map(|r| r.error_code.map(|code| format!("{code}: {}", r.error_message.as_deref().unwrap_or("no message"))))
            .collect())
    }
}
