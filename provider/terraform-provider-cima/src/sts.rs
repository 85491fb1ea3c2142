//! Who the provider's own credentials belong to, behind a small trait.

use async_trait::async_trait;
use cima_core::errors::AwsError;

#[async_trait]
pub trait CallerIdentity: Send + Sync {
    /// The account of the credentials the provider calls AWS with, when STS names one.
    async fn account(&self) -> Result<Option<String>, AwsError>;
}

#[derive(Debug)]
pub struct SdkSts {
    client: aws_sdk_sts::Client,
}

impl SdkSts {
    pub fn new(sdk: &aws_types::SdkConfig) -> Self {
        Self { client: aws_sdk_sts::Client::new(sdk) }
    }
}

#[async_trait]
impl CallerIdentity for SdkSts {
    async fn account(&self) -> Result<Option<String>, AwsError> {
        let out = self.client.get_caller_identity().send().await.map_err(|e| AwsError::of(&e))?;
        Ok(out.account)
    }
}
