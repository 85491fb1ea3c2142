//! Where one account stands in the organization (Organizations DescribeAccount), behind a small
//! trait: a member account that cannot be reached is forgotten only when it is closed or gone.

use async_trait::async_trait;
use aws_sdk_organizations::Client;
use cima_core::errors::AwsError;

#[derive(Debug, thiserror::Error)]
#[error("Organizations {operation} {resource}: {error}")]
pub struct OrganizationsError {
    pub operation: &'static str,
    pub resource: String,
    pub error: AwsError,
}

impl OrganizationsError {
    pub fn new(operation: &'static str, resource: &str, error: AwsError) -> Self {
        Self { operation, resource: resource.to_owned(), error }
    }
}

#[async_trait]
pub trait AccountDirectory: Send + Sync {
    /// The account's status in the organization (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`);
    /// `None` when the organization has no such account (it left, or closed for good).
    async fn account_status(&self, account_id: &str) -> Result<Option<String>, OrganizationsError>;
}

#[derive(Debug)]
pub struct SdkAccountDirectory {
    client: Client,
}

impl SdkAccountDirectory {
    pub fn new(sdk: &aws_types::SdkConfig) -> Self {
        Self { client: Client::new(sdk) }
    }
}

#[async_trait]
impl AccountDirectory for SdkAccountDirectory {
    async fn account_status(&self, account_id: &str) -> Result<Option<String>, OrganizationsError> {
        match self.client.describe_account().account_id(account_id).send().await {
            Ok(out) => Ok(out.account.and_then(|a| a.status).map(|s| s.as_str().to_owned())),
            Err(e) => {
                let error = AwsError::of(&e);
                if error.code() == Some("AccountNotFoundException") {
                    Ok(None)
                } else {
                    Err(OrganizationsError::new("DescribeAccount", account_id, error))
                }
            }
        }
    }
}
