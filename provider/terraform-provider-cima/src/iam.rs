//! The IAM calls the provider makes (in member accounts), behind a small trait.

use async_trait::async_trait;
use aws_sdk_iam::Client;
use aws_sdk_iam::error::ProvideErrorMetadata;
use cima_core::errors::AwsError;
use tfplugin::{Diagnostic, Diagnostics};

#[derive(Debug, thiserror::Error)]
#[error("IAM {operation} {resource}: {error}")]
pub struct IamError {
    pub operation: &'static str,
    pub resource: String,
    pub error: AwsError,
}

impl IamError {
    pub fn new(operation: &'static str, resource: &str, error: AwsError) -> Self {
        Self { operation, resource: resource.to_owned(), error }
    }

    fn is_not_found(&self) -> bool {
        self.error.code() == Some("NoSuchEntity")
    }
}

impl From<IamError> for Diagnostics {
    fn from(e: IamError) -> Self {
        Diagnostic::error("IAM call failed", e.to_string()).into()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    /// The trust policy, decoded.
    pub trust: serde_json::Value,
}

#[async_trait]
pub trait IamApi: Send + Sync {
    async fn get_role(&self, name: &str) -> Result<Option<Role>, IamError>;
    async fn create_role(
        &self,
        name: &str,
        trust: &str,
        description: &str,
        tags: &[(String, String)],
    ) -> Result<String, IamError>;
    async fn update_trust(&self, name: &str, trust: &str) -> Result<(), IamError>;
    /// The inline policy, decoded; `None` when absent.
    async fn get_role_policy(&self, role: &str, policy: &str) -> Result<Option<serde_json::Value>, IamError>;
    async fn put_role_policy(&self, role: &str, policy: &str, document: &str) -> Result<(), IamError>;
    /// ARNs of the managed policies attached to the role; none when the role is absent.
    async fn attached_policies(&self, role: &str) -> Result<Vec<String>, IamError>;
    /// Detaches a managed policy from the role; not attached is fine.
    async fn detach_policy(&self, role: &str, policy_arn: &str) -> Result<(), IamError>;
    /// Deletes the role with every inline policy on it, detaching every managed policy first
    /// (IAM refuses to delete a role with either: DeleteConflict); absent is fine.
    async fn delete_role(&self, name: &str) -> Result<(), IamError>;
}

#[derive(Debug)]
pub struct SdkIam {
    client: Client,
}

impl SdkIam {
    pub fn new(sdk: &aws_types::SdkConfig) -> Self {
        Self { client: Client::new(sdk) }
    }
}

fn err<E: std::error::Error + ProvideErrorMetadata + 'static>(
    operation: &'static str,
    resource: &str,
    e: &E,
) -> IamError {
    IamError::new(operation, resource, AwsError::of(e))
}

/// `Ok(None)` for a role or policy that does not exist.
fn absent<T>(r: Result<T, IamError>) -> Result<Option<T>, IamError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986).
pub fn decode_policy(s: &str) -> Option<serde_json::Value> {
    if let Ok(v) = serde_json::from_str(s) {
        return Some(v);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    serde_json::from_slice(&out).ok()
}

#[async_trait]
impl IamApi for SdkIam {
    async fn get_role(&self, name: &str) -> Result<Option<Role>, IamError> {
        let out = absent(self.client.get_role().role_name(name).send().await.map_err(|e| err("GetRole", name, &e)))?;
        Ok(out.and_then(|out| out.role).map(|r| Role {
            trust: r.assume_role_policy_document.as_deref().and_then(decode_policy).unwrap_or_default(),
            arn: r.arn,
        }))
    }

    async fn create_role(
        &self,
        name: &str,
        trust: &str,
        description: &str,
        tags: &[(String, String)],
    ) -> Result<String, IamError> {
        let tags: Vec<aws_sdk_iam::types::Tag> =
            tags.iter().filter_map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build().ok()).collect();
        let out = self
            .client
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .description(description)
            .set_tags(if tags.is_empty() { None } else { Some(tags) })
            .send()
            .await
            .map_err(|e| err("CreateRole", name, &e))?;
        Ok(out.role.map(|r| r.arn).unwrap_or_default())
    }

    async fn update_trust(&self, name: &str, trust: &str) -> Result<(), IamError> {
        self.client
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(trust)
            .send()
            .await
            .map_err(|e| err("UpdateAssumeRolePolicy", name, &e))?;
        Ok(())
    }

    async fn get_role_policy(&self, role: &str, policy: &str) -> Result<Option<serde_json::Value>, IamError> {
        let out = absent(
            self.client
                .get_role_policy()
                .role_name(role)
                .policy_name(policy)
                .send()
                .await
                .map_err(|e| err("GetRolePolicy", role, &e)),
        )?;
        Ok(out.and_then(|out| decode_policy(&out.policy_document)))
    }

    async fn put_role_policy(&self, role: &str, policy: &str, document: &str) -> Result<(), IamError> {
        self.client
            .put_role_policy()
            .role_name(role)
            .policy_name(policy)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| err("PutRolePolicy", role, &e))?;
        Ok(())
    }

    async fn attached_policies(&self, role: &str) -> Result<Vec<String>, IamError> {
        let pages: Vec<_> = absent(
            self.client
                .list_attached_role_policies()
                .role_name(role)
                .into_paginator()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(|e| err("ListAttachedRolePolicies", role, &e)),
        )?
        .unwrap_or_default();
        Ok(pages
            .into_iter()
            .flat_map(|p| p.attached_policies.unwrap_or_default())
            .filter_map(|p| p.policy_arn)
            .collect())
    }

    async fn detach_policy(&self, role: &str, policy_arn: &str) -> Result<(), IamError> {
        absent(
            self.client
                .detach_role_policy()
                .role_name(role)
                .policy_arn(policy_arn)
                .send()
                .await
                .map_err(|e| err("DetachRolePolicy", role, &e)),
        )?;
        Ok(())
    }

    async fn delete_role(&self, name: &str) -> Result<(), IamError> {
        for arn in self.attached_policies(name).await? {
            self.detach_policy(name, &arn).await?;
        }
        let Some(listed) = absent(
            self.client
                .list_role_policies()
                .role_name(name)
                .send()
                .await
                .map_err(|e| err("ListRolePolicies", name, &e)),
        )?
        else {
            return Ok(());
        };
        for p in listed.policy_names {
            absent(
                self.client
                    .delete_role_policy()
                    .role_name(name)
                    .policy_name(&p)
                    .send()
                    .await
                    .map_err(|e| err("DeleteRolePolicy", name, &e)),
            )?;
        }
        absent(self.client.delete_role().role_name(name).send().await.map_err(|e| err("DeleteRole", name, &e)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_decode_plain_or_url_encoded() {
        let v = serde_json::json!({"Version": "2012-10-17"});
        assert_eq!(decode_policy(r#"{"Version":"2012-10-17"}"#), Some(v.clone()));
        assert_eq!(decode_policy("%7B%22Version%22%3A%222012-10-17%22%7D"), Some(v));
        assert_eq!(decode_policy("%7"), None);
    }
}
