//! [`OrganizationsApi`] on the AWS SDK. The SDK's paginators stop on a repeated token, so a
//! server that echoes `NextToken` cannot make a walk loop forever.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_organizations::Client;
use aws_sdk_organizations::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_smithy_types::date_time::Format;

use super::{OrgError, OrgInfo, OrgUnit, OrganizationsApi, RawAccount};

#[derive(Clone, Debug)]
pub struct SdkOrganizations {
    client: Client,
}

impl SdkOrganizations {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn api_error<E>(operation: &'static str) -> impl FnOnce(E) -> OrgError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    move |e| {
        // The code and message are what a person can act on; the full chain is for the log.
        tracing::debug!(operation, error = %DisplayErrorContext(&e), "Organizations call failed");
        OrgError::Api { operation, message: crate::errors::service_message(&e) }
    }
}

#[async_trait]
impl OrganizationsApi for SdkOrganizations {
    async fn describe_organization(&self) -> Result<OrgInfo, OrgError> {
        let out = self.client.describe_organization().send().await.map_err(|e| {
            let e = e.into_service_error();
            if e.is_aws_organizations_not_in_use_exception() {
                OrgError::NotInOrganization(e.to_string())
            } else {
                api_error("DescribeOrganization")(e)
            }
        })?;
        let org = out.organization.ok_or_else(|| OrgError::Api {
            operation: "DescribeOrganization",
            message: "the response carried no organization".to_owned(),
        })?;
        Ok(OrgInfo { id: org.id.unwrap_or_default(), management_account_id: org.master_account_id.unwrap_or_default() })
    }

    async fn list_roots(&self) -> Result<Vec<OrgUnit>, OrgError> {
        let pages = self
            .client
            .list_roots()
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api_error("ListRoots")(e.into_service_error()))?;
        Ok(pages
            .into_iter()
            .flat_map(|p| p.roots.unwrap_or_default())
            .map(|r| OrgUnit { id: r.id.unwrap_or_default(), name: r.name.unwrap_or_default() })
            .collect())
    }

    async fn list_organizational_units_for_parent(&self, parent_id: &str) -> Result<Vec<OrgUnit>, OrgError> {
        let pages = self
            .client
            .list_organizational_units_for_parent()
            .parent_id(parent_id)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api_error("ListOrganizationalUnitsForParent")(e.into_service_error()))?;
        Ok(pages
            .into_iter()
            .flat_map(|p| p.organizational_units.unwrap_or_default())
            .map(|o| OrgUnit { id: o.id.unwrap_or_default(), name: o.name.unwrap_or_default() })
            .collect())
    }

    async fn list_accounts_for_parent(&self, parent_id: &str) -> Result<Vec<RawAccount>, OrgError> {
        let pages = self
            .client
            .list_accounts_for_parent()
            .parent_id(parent_id)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api_error("ListAccountsForParent")(e.into_service_error()))?;
        Ok(pages
            .into_iter()
            .flat_map(|p| p.accounts.unwrap_or_default())
            .map(|a| {
                #[allow(deprecated)] // `Status` is what the organizations we serve still report.
                let status = a.status.as_ref().map(|s| s.as_str().to_owned()).unwrap_or_default();
                RawAccount {
                    id: a.id.unwrap_or_default(),
                    arn: a.arn.unwrap_or_default(),
                    name: a.name.unwrap_or_default(),
                    email: a.email.unwrap_or_default(),
                    status,
                    joined_method: a.joined_method.map(|m| m.as_str().to_owned()).unwrap_or_default(),
                    joined_timestamp: a.joined_timestamp.and_then(|t| t.fmt(Format::DateTime).ok()).unwrap_or_default(),
                }
            })
            .collect())
    }

    async fn list_tags_for_resource(&self, resource_id: &str) -> Result<BTreeMap<String, String>, OrgError> {
        let pages = self
            .client
            .list_tags_for_resource()
            .resource_id(resource_id)
            .into_paginator()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| api_error("ListTagsForResource")(e.into_service_error()))?;
        Ok(pages.into_iter().flat_map(|p| p.tags.unwrap_or_default()).map(|t| (t.key, t.value)).collect())
    }

    async fn parent_of(&self, child_id: &str) -> Result<String, OrgError> {
        let out = self.client.list_parents().child_id(child_id).send().await.map_err(|e| {
            let e = e.into_service_error();
            if e.is_child_not_found_exception() {
                OrgError::ParentNotFound(child_id.to_owned())
            } else {
                api_error("ListParents")(e)
            }
        })?;
        out.parents
            .unwrap_or_default()
            .into_iter()
            .find_map(|p| p.id)
            .ok_or_else(|| OrgError::ParentNotFound(child_id.to_owned()))
    }

    async fn describe_organizational_unit(&self, ou_id: &str) -> Result<OrgUnit, OrgError> {
        let out =
            self.client.describe_organizational_unit().organizational_unit_id(ou_id).send().await.map_err(|e| {
                let e = e.into_service_error();
                if e.is_organizational_unit_not_found_exception() {
                    OrgError::ParentNotFound(ou_id.to_owned())
                } else {
                    api_error("DescribeOrganizationalUnit")(e)
                }
            })?;
        let ou = out.organizational_unit.ok_or_else(|| OrgError::ParentNotFound(ou_id.to_owned()))?;
        Ok(OrgUnit { id: ou.id.unwrap_or_default(), name: ou.name.unwrap_or_default() })
    }
}
