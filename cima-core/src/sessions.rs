//! Credentials for member accounts: one AssumeRole per (account, role), cached for the life of
//! the process and renewed before they expire. Every account's AssumeRole goes through one STS
//! client: `aws_config`'s `AssumeRoleProvider` builds a client of its own per role, about 20 KiB
//! and its set-up CPU each, which over a thousand accounts was a fifth of a read's memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_sdk_sts::error::SdkError;
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_types::SdkConfig;
use aws_types::region::Region;

/// The partition of an AWS region (`aws`, `aws-cn`, `aws-us-gov`), for building role ARNs.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

pub fn role_arn(partition: &str, account_id: &str, role_name: &str) -> String {
    format!("arn:{partition}:iam::{account_id}:role/{role_name}")
}

/// Credentials are renewed this long before they expire, so none expires in flight.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// One AssumeRole per (account, role) for every client and direct caller: the SDK caches
/// identities per client configuration, and a direct `provide_credentials` call (to tell a
/// refused role from a failing service) bypasses that cache. Refusals are not kept, so a role
/// created later is picked up on the next call.
#[derive(Debug)]
struct CachedAssumeRole {
    sts: aws_sdk_sts::Client,
    account_id: String,
    role_arn: String,
    session_name: String,
    current: futures::lock::Mutex<Option<Credentials>>,
}

fn still_fresh(c: &Credentials, now: SystemTime) -> bool {
    c.expiry().is_none_or(|expiry| expiry > now + RENEW_BEFORE)
}

impl ProvideCredentials for CachedAssumeRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            // Held across the call: concurrent first users of an account wait for one AssumeRole.
            let mut current = self.current.lock().await;
            if let Some(c) = current.as_ref().filter(|c| still_fresh(c, SystemTime::now())) {
                return Ok(c.clone());
            }
            let fresh = self.assume().await?;
            *current = Some(fresh.clone());
            Ok(fresh)
        })
    }
}

impl CachedAssumeRole {
    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        let out = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .send()
            .await
            .map_err(|e| match &e {
                // What the SDK's own provider calls configuration errors: retrying cannot help.
                SdkError::ServiceError(c)
                    if matches!(
                        c.err(),
                        AssumeRoleError::RegionDisabledException(_)
                            | AssumeRoleError::MalformedPolicyDocumentException(_)
                    ) =>
                {
                    CredentialsError::invalid_configuration(e)
                }
                _ => CredentialsError::provider_error(e),
            })?;
        let c =
            out.credentials.ok_or_else(|| CredentialsError::unhandled("AssumeRole answered without credentials"))?;
        let expiry = SystemTime::try_from(c.expiration)
            .map_err(|_| CredentialsError::unhandled("AssumeRole answered an expiration out of range"))?;
        Ok(Credentials::builder()
            .access_key_id(c.access_key_id)
            .secret_access_key(c.secret_access_key)
            .session_token(c.session_token)
            .expiry(expiry)
            .account_id(self.account_id.as_str())
            .provider_name("cima-assume-role")
            .build())
    }
}

#[derive(Debug)]
pub struct AccountSessions {
    base: SdkConfig,
    /// Acting with `base`'s credentials: the one client every AssumeRole goes through.
    sts: aws_sdk_sts::Client,
    session_name: String,
    cache: Mutex<HashMap<(String, String, String), SdkConfig>>,
}

impl AccountSessions {
    pub fn new(base: SdkConfig, session_name: impl Into<String>) -> Self {
        Self {
            sts: aws_sdk_sts::Client::new(&base),
            base,
            session_name: session_name.into(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn base(&self) -> &SdkConfig {
        &self.base
    }

    /// SDK configuration acting as `role_name` in `account_id`, in `region`. The role is assumed
    /// lazily on the first call made with it; a refused AssumeRole surfaces as that call's error.
    pub async fn config_for(&self, account_id: &str, role_name: &str, region: &str) -> SdkConfig {
        let key = (account_id.to_owned(), role_name.to_owned(), region.to_owned());
        if let Some(c) = self.cache.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return c;
        }
        let base_region = self.base.region().map(|r| r.as_ref().to_owned()).unwrap_or_else(|| region.to_owned());
        let arn = role_arn(partition(&base_region), account_id, role_name);
        let provider = CachedAssumeRole {
            sts: self.sts.clone(),
            account_id: account_id.to_owned(),
            role_arn: arn,
            session_name: self.session_name.clone(),
            current: futures::lock::Mutex::new(None),
        };
        let config = self
            .base
            .clone()
            .into_builder()
            .region(Region::new(region.to_owned()))
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        if let Ok(mut m) = self.cache.lock() {
            m.insert(key, config.clone());
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_follow_the_partition() {
        assert_eq!(role_arn(partition("us-east-1"), "123456789012", "R"), "arn:aws:iam::123456789012:role/R");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }

    #[test]
    fn credentials_are_renewed_before_they_expire() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let expiring = |secs| Credentials::new("AKID", "SECRET", None, Some(now + Duration::from_secs(secs)), "test");
        assert!(still_fresh(&expiring(3600), now));
        assert!(!still_fresh(&expiring(299), now));
        assert!(still_fresh(&Credentials::new("AKID", "SECRET", None, None, "test"), now));
    }
}
