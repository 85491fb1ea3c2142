//! Credentials for member accounts: one AssumeRole per (account, role), cached for the life of
//! the process and refreshed by the SDK before they expire.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
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
    inner: AssumeRoleProvider,
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
            let fresh = self.inner.provide_credentials().await?;
            *current = Some(fresh.clone());
            Ok(fresh)
        })
    }
}

#[derive(Debug)]
pub struct AccountSessions {
    base: SdkConfig,
    session_name: String,
    cache: Mutex<HashMap<(String, String, String), SdkConfig>>,
}

impl AccountSessions {
    pub fn new(base: SdkConfig, session_name: impl Into<String>) -> Self {
        Self { base, session_name: session_name.into(), cache: Mutex::new(HashMap::new()) }
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
        let inner =
            AssumeRoleProvider::builder(arn).session_name(&self.session_name).configure(&self.base).build().await;
        let provider = CachedAssumeRole { inner, current: futures::lock::Mutex::new(None) };
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
