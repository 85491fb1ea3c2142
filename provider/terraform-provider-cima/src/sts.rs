//! Who the provider's own credentials belong to, and short-lived credentials for a member
//! account, behind a small trait.

use std::time::SystemTime;

use async_trait::async_trait;
use cima_core::errors::AwsError;

/// The caller STS names: account, ARN and user id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// Credentials an AssumeRole gave; the secret parts never reach logs (no Debug of their values).
#[derive(Clone, PartialEq, Eq)]
pub struct RoleCredentials {
    pub role_arn: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: SystemTime,
}

impl std::fmt::Debug for RoleCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleCredentials")
            .field("role_arn", &self.role_arn)
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait CallerIdentity: Send + Sync {
    /// The account of the credentials the provider calls AWS with, when STS names one.
    async fn account(&self) -> Result<Option<String>, AwsError>;

    /// Who the provider's credentials are.
    async fn caller(&self) -> Result<Caller, AwsError>;

    /// Assumes `role_name` in `account_id` as the provider, for `duration_seconds`.
    async fn assume_role(
        &self,
        account_id: &str,
        role_name: &str,
        session_name: &str,
        duration_seconds: i32,
    ) -> Result<RoleCredentials, AwsError>;
}

#[derive(Debug)]
pub struct SdkSts {
    client: aws_sdk_sts::Client,
    partition: &'static str,
}

impl SdkSts {
    pub fn new(sdk: &aws_types::SdkConfig) -> Self {
        let region = sdk.region().map_or("us-east-1", |r| r.as_ref());
        Self { client: aws_sdk_sts::Client::new(sdk), partition: cima_core::sessions::partition(region) }
    }
}

#[async_trait]
impl CallerIdentity for SdkSts {
    async fn account(&self) -> Result<Option<String>, AwsError> {
        let out = self.client.get_caller_identity().send().await.map_err(|e| AwsError::of(&e))?;
        Ok(out.account)
    }

    async fn caller(&self) -> Result<Caller, AwsError> {
        let out = self.client.get_caller_identity().send().await.map_err(|e| AwsError::of(&e))?;
        Ok(Caller {
            account: out.account.unwrap_or_default(),
            arn: out.arn.unwrap_or_default(),
            user_id: out.user_id.unwrap_or_default(),
        })
    }

    async fn assume_role(
        &self,
        account_id: &str,
        role_name: &str,
        session_name: &str,
        duration_seconds: i32,
    ) -> Result<RoleCredentials, AwsError> {
        let role_arn = cima_core::sessions::role_arn(self.partition, account_id, role_name);
        let out = self
            .client
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name(session_name)
            .duration_seconds(duration_seconds)
            .send()
            .await
            .map_err(|e| AwsError::of(&e))?;
        let c = out.credentials.ok_or_else(|| AwsError::new("NoCredentials", "AssumeRole answered no credentials"))?;
        Ok(RoleCredentials {
            role_arn,
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: c.session_token,
            expiration: SystemTime::try_from(c.expiration).unwrap_or(SystemTime::UNIX_EPOCH),
        })
    }
}
