//! Every AWS client a data source or resource uses, as the small traits it calls, handed out by
//! one [`AwsAccess`] that `configure` builds (SDK clients) and unit tests replace (in-memory
//! fakes, `crate::fakes`).

use std::sync::Arc;

use async_trait::async_trait;
use cima_core::org::OrganizationsApi;
use cima_core::support::SupportApi;

use crate::events::EventsApi;
use crate::iam::IamApi;
use crate::organizations::AccountDirectory;
use crate::s3::ObjectStore;
use crate::sts::CallerIdentity;

/// Whose credentials a client calls AWS with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Principal<'a> {
    /// The provider's own credentials.
    Provider,
    /// `role` assumed in member account `account` (once per account and role, then cached).
    Member { account: &'a str, role: &'a str },
}

#[async_trait]
pub trait AwsAccess: Send + Sync {
    fn identity(&self) -> Arc<dyn CallerIdentity>;
    /// The organization the provider's credentials belong to.
    fn organizations(&self) -> Arc<dyn OrganizationsApi>;
    /// One account's standing in that organization, as the provider.
    fn accounts(&self) -> Arc<dyn AccountDirectory>;
    /// S3 as the provider.
    fn store(&self) -> Arc<dyn ObjectStore>;
    /// EventBridge as `who` in `region`; `None` is the provider's region.
    async fn events(&self, who: Principal<'_>, region: Option<&str>) -> Arc<dyn EventsApi>;
    /// IAM as `who`.
    async fn iam(&self, who: Principal<'_>) -> Arc<dyn IamApi>;
    /// AWS Support as `who`, in the one region Support answers in.
    async fn support(&self, who: Principal<'_>) -> Arc<dyn SupportApi>;
}
