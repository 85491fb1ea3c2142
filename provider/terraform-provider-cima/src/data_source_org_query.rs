//! `data "cima_org_query"`: the organization's accounts, filtered by OU, status, tags and lists.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tfplugin::schema::{Block, Schema};
use tfplugin::{Ctx, DataSource, Diagnostics};

use crate::config::ProviderData;
use crate::org_query::{AccountModel, Filters, filter_attributes, result_attributes, run_query, validate_filters};

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct OrgQueryModel {
    pub parent_ids: Option<BTreeSet<String>>,
    pub recursive: Option<bool>,
    pub statuses: Option<BTreeSet<String>>,
    pub tags: Option<BTreeMap<String, String>>,
    pub include_account_ids: Option<BTreeSet<String>>,
    pub exclude_account_ids: Option<BTreeSet<String>>,
    pub include_management_account: Option<bool>,
    pub organization_id: Option<String>,
    pub management_account_id: Option<String>,
    pub root_id: Option<String>,
    pub account_ids: Option<Vec<String>>,
    pub accounts: Option<Vec<AccountModel>>,
}

impl OrgQueryModel {
    fn filters(&self) -> Filters {
        Filters {
            parent_ids: self.parent_ids.clone(),
            recursive: self.recursive,
            statuses: self.statuses.clone(),
            tags: self.tags.clone(),
            include_account_ids: self.include_account_ids.clone(),
            exclude_account_ids: self.exclude_account_ids.clone(),
            include_management_account: self.include_management_account,
        }
    }
}

pub struct OrgQueryDataSource {
    data: Arc<ProviderData>,
}

impl OrgQueryDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

#[async_trait]
impl DataSource for OrgQueryDataSource {
    const TYPE_NAME: &'static str = "cima_org_query";
    type Model = OrgQueryModel;

    fn schema(&self) -> Schema {
        let mut block = Block::new(
            "Lists the accounts of the AWS Organization the provider's credentials belong to (the management account or a delegated administrator), with each account's OU path and tags. Every list call is paged to the end and OUs are walked concurrently within the provider's `max_concurrency`.",
        );
        for a in filter_attributes() {
            block = block.attribute(a);
        }
        for a in result_attributes() {
            block = block.attribute(a);
        }
        Schema::new(block)
    }

    fn validate(&self, config: &OrgQueryModel) -> Diagnostics {
        validate_filters(&config.filters())
    }

    async fn read(
        &self,
        ctx: &Ctx,
        config: OrgQueryModel,
        _diags: &mut Diagnostics,
    ) -> Result<OrgQueryModel, Diagnostics> {
        let problems = validate_filters(&config.filters());
        if problems.has_errors() {
            return Err(problems);
        }
        let configured = self.data.get()?;
        let q = config.filters().to_query();
        let inv = run_query(ctx, configured, &q).await?;
        Ok(OrgQueryModel {
            recursive: Some(q.recursive),
            statuses: Some(q.statuses),
            include_management_account: Some(q.include_management_account),
            organization_id: Some(inv.organization_id.clone()),
            management_account_id: Some(inv.management_account_id.clone()),
            root_id: Some(inv.root_id.clone()),
            account_ids: Some(inv.account_ids()),
            accounts: Some(inv.accounts.into_iter().map(AccountModel::from).collect()),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::{FakeAws, ORGANIZATION, PROVIDER_ACCOUNT, ROOT};

    async fn read(aws: &Arc<FakeAws>, config: OrgQueryModel) -> Result<OrgQueryModel, Diagnostics> {
        let ds = OrgQueryDataSource::new(aws.provider_data());
        DataSource::read(&ds, &Ctx::default(), config, &mut Diagnostics::new()).await
    }

    #[tokio::test]
    async fn results_are_shaped_and_defaults_filled() {
        let aws = FakeAws::new();
        aws.org.add("333333333333", "ACTIVE", &[("env", "prod"), ("team", "a")]);
        aws.org.add(PROVIDER_ACCOUNT, "ACTIVE", &[("env", "prod")]);
        aws.org.add("222222222222", "ACTIVE", &[("env", "dev")]);
        aws.org.add("444444444444", "SUSPENDED", &[("env", "prod")]);
        let tags = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
        let got = read(&aws, OrgQueryModel { tags: Some(tags.clone()), ..OrgQueryModel::default() }).await.unwrap();

        assert_eq!(got.account_ids, Some(vec![PROVIDER_ACCOUNT.to_owned(), "333333333333".to_owned()]));
        let accounts = got.accounts.unwrap();
        assert_eq!(accounts[1].name, "account-333333333333");
        assert_eq!(accounts[1].ou_path, "/");
        assert_eq!(accounts[1].parent_id, ROOT);
        assert_eq!(accounts[1].tags.len(), 2, "every tag of a selected account");
        assert_eq!(got.organization_id.as_deref(), Some(ORGANIZATION));
        assert_eq!(got.management_account_id.as_deref(), Some(PROVIDER_ACCOUNT));
        assert_eq!(got.root_id.as_deref(), Some(ROOT));
        // Defaults are reported as the values used; the configuration's own values are kept.
        assert_eq!(got.statuses, Some(BTreeSet::from(["ACTIVE".to_owned()])));
        assert_eq!((got.recursive, got.include_management_account), (Some(true), Some(true)));
        assert_eq!(got.tags, Some(tags));
    }

    #[tokio::test]
    async fn a_failed_walk_is_an_error_naming_the_call() {
        let aws = FakeAws::new();
        aws.org.ops.fail("DescribeOrganization", "AWSOrganizationsNotInUseException");
        let err = read(&aws, OrgQueryModel::default()).await.unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.summary, "Cannot query the organization");
        assert!(d.detail.starts_with("DescribeOrganization failed: AWSOrganizationsNotInUseException"), "{d}");
    }

    #[tokio::test]
    async fn bad_filters_fail_before_any_call() {
        let aws = FakeAws::new();
        let config = OrgQueryModel { parent_ids: Some(BTreeSet::from(["nope".into()])), ..OrgQueryModel::default() };
        let err = read(&aws, config).await.unwrap_err();
        assert_eq!(err.iter().next().unwrap().summary, "Invalid parent id");
        assert_eq!(aws.org.ops.count("DescribeOrganization"), 0);
    }
}
