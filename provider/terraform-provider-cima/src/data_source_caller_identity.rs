//! `data "cima_caller_identity"`: the account, ARN and user id the provider acts as (STS
//! GetCallerIdentity), so a configuration can check which account a provider block reaches, for
//! instance one given a member's `cima_member_credentials`.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::{Ctx, DataSource, Diagnostic, Diagnostics, Type};

use crate::config::ProviderData;

/// Every attribute, in schema order.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CallerIdentityModel {
    pub account_id: Option<String>,
    pub arn: Option<String>,
    pub user_id: Option<String>,
}

pub struct CallerIdentityDataSource {
    data: Arc<ProviderData>,
}

impl CallerIdentityDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

#[async_trait]
impl DataSource for CallerIdentityDataSource {
    const TYPE_NAME: &'static str = "cima_caller_identity";
    type Model = CallerIdentityModel;

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Who the provider acts as: the account, ARN and user id STS names for its credentials.")
                .attribute(Attribute::new("account_id", Type::String).computed().description("The account."))
                .attribute(
                    Attribute::new("arn", Type::String)
                        .computed()
                        .description("The ARN of the caller (a user, or an assumed role's session)."),
                )
                .attribute(Attribute::new("user_id", Type::String).computed().description("The caller's unique id.")),
        )
    }

    async fn read(
        &self,
        ctx: &Ctx,
        _config: CallerIdentityModel,
        _diags: &mut Diagnostics,
    ) -> Result<CallerIdentityModel, Diagnostics> {
        let c = self.data.get()?;
        let caller = ctx
            .run("asking STS who the provider is", async {
                c.aws.identity().caller().await.map_err(|e| {
                    Diagnostics::from(Diagnostic::error("Cannot tell who the provider is", format!("{e}")))
                })
            })
            .await?;
        Ok(CallerIdentityModel {
            account_id: Some(caller.account),
            arn: Some(caller.arn),
            user_id: Some(caller.user_id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeAws, PROVIDER_ACCOUNT};

    #[tokio::test]
    async fn names_the_providers_account() {
        let aws = FakeAws::new();
        let ds = CallerIdentityDataSource::new(aws.provider_data());
        let m = DataSource::read(&ds, &Ctx::default(), CallerIdentityModel::default(), &mut Diagnostics::new())
            .await
            .expect("read");
        assert_eq!(m.account_id.as_deref(), Some(PROVIDER_ACCOUNT));
        assert!(m.arn.as_deref().is_some_and(|a| a.contains(PROVIDER_ACCOUNT)));
    }
}
