//! Building the AWS SDK configuration once, in ConfigureProvider (never at process start), and
//! the SDK clients behind [`AwsAccess`]: the only place the provider constructs SDK clients.

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_types::SdkConfig;
use aws_types::region::Region;
use cima_core::org::{OrganizationsApi, SdkOrganizations};
use cima_core::sdk::{SdkPolicy, one_account};
use cima_core::sessions::AccountSessions;
use cima_core::support::{SUPPORT_REGION, SdkSupport, SupportApi};

use crate::clients::{AwsAccess, Principal};
use crate::config::{DEFAULT_MAX_RETRIES, DEFAULT_REGION, ProviderModel, SESSION_NAME, Secret};
use crate::events::{EventsApi, SdkEvents};
use crate::iam::{IamApi, SdkIam};
use crate::organizations::{AccountDirectory, SdkAccountDirectory};
use crate::s3::{ObjectStore, SdkStore};
use crate::sts::{CallerIdentity, SdkSts};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsSettings {
    pub region: String,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_attempts: u32,
    pub assume_role: Option<(String, Option<String>, String)>,
    /// Access key, secret key and session token given in the provider block (e.g. a member's
    /// `cima_member_credentials`), in place of the standard chain.
    pub static_credentials: Option<(String, Secret, Option<Secret>)>,
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
                    (arn, a.external_id.clone(), a.session_name.clone().unwrap_or_else(|| SESSION_NAME.to_owned()))
                })
            }),
            static_credentials: match (&m.access_key, &m.secret_key) {
                (Some(key), Some(secret)) => Some((key.clone(), secret.clone(), m.token.clone())),
                _ => None,
            },
        }
    }
}

/// Loads the shared configuration. Credentials are resolved lazily by the SDK on first use.
pub async fn load(s: &AwsSettings) -> SdkConfig {
    // One HTTP client for every service client, member accounts included, bounded attempts and
    // standard retries for the fan-out (cima_core::sdk); the attempts are the provider block's.
    let mut loader =
        SdkPolicy::DEFAULT.with_max_attempts(s.max_attempts).loader().region(Region::new(s.region.clone()));
    if let Some(p) = &s.profile {
        loader = loader.profile_name(p);
    }
    if let Some(e) = &s.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    if let Some((key, secret, token)) = &s.static_credentials {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            key,
            &secret.0,
            token.as_ref().map(|t| t.0.clone()),
            None,
            "cima-provider-block",
        ));
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

/// [`AwsAccess`] on the AWS SDK: the provider's own clients are built once, member accounts'
/// clients on the credentials `AccountSessions` caches per account and role.
#[derive(Debug)]
pub struct SdkAccess {
    sdk: SdkConfig,
    sessions: AccountSessions,
    identity: Arc<SdkSts>,
    organizations: Arc<SdkOrganizations>,
    accounts: Arc<SdkAccountDirectory>,
    store: Arc<SdkStore>,
    events: Arc<SdkEvents>,
}

impl SdkAccess {
    pub fn new(sdk: SdkConfig) -> Self {
        Self {
            sessions: AccountSessions::new(sdk.clone(), SESSION_NAME),
            identity: Arc::new(SdkSts::new(&sdk)),
            // Organizations answers in the management account only: adaptive retries there.
            organizations: Arc::new(SdkOrganizations::new(aws_sdk_organizations::Client::new(&one_account(&sdk)))),
            accounts: Arc::new(SdkAccountDirectory::new(&one_account(&sdk))),
            store: Arc::new(SdkStore::new(&sdk)),
            events: Arc::new(SdkEvents::new(&sdk)),
            sdk,
        }
    }

    /// The SDK configuration acting as `who` in `region` (`None`: the provider's region).
    async fn config(&self, who: Principal<'_>, region: Option<&str>) -> SdkConfig {
        let region = region.map(str::to_owned).or_else(|| self.sdk.region().map(|r| r.as_ref().to_owned()));
        match who {
            Principal::Provider => match region {
                Some(r) => self.sdk.clone().into_builder().region(Region::new(r)).build(),
                None => self.sdk.clone(),
            },
            Principal::Member { account, role } => {
                self.sessions.config_for(account, role, region.as_deref().unwrap_or(DEFAULT_REGION)).await
            }
        }
    }
}

#[async_trait]
impl AwsAccess for SdkAccess {
    fn identity(&self) -> Arc<dyn CallerIdentity> {
        self.identity.clone()
    }

    fn organizations(&self) -> Arc<dyn OrganizationsApi> {
        self.organizations.clone()
    }

    fn accounts(&self) -> Arc<dyn AccountDirectory> {
        self.accounts.clone()
    }

    fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    async fn events(&self, who: Principal<'_>, region: Option<&str>) -> Arc<dyn EventsApi> {
        if who == Principal::Provider && region.is_none() {
            return self.events.clone();
        }
        Arc::new(SdkEvents::new(&self.config(who, region).await))
    }

    async fn iam(&self, who: Principal<'_>) -> Arc<dyn IamApi> {
        // IAM is global: asked in the members' region, it shares their cached session.
        Arc::new(SdkIam::new(&self.config(who, Some(SUPPORT_REGION)).await))
    }

    async fn support(&self, who: Principal<'_>) -> Arc<dyn SupportApi> {
        Arc::new(SdkSupport::new(aws_sdk_support::Client::new(&self.config(who, Some(SUPPORT_REGION)).await)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AssumeRoleModel;

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
