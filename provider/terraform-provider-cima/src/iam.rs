//! The IAM calls the provider makes (in member accounts), behind a small trait.

use async_trait::async_trait;
use aws_sdk_iam::Client;
use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata};

#[derive(Debug, thiserror::Error)]
#[error("IAM {operation} {resource}: {message}")]
pub struct IamError {
    pub operation: &'static str,
    pub resource: String,
    pub message: String,
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
    /// Deletes the role and every inline policy on it; absent is fine.
    async fn delete_role(&self, name: &str) -> Result<(), IamError>;
}

pub struct SdkIam {
    client: Client,
}

impl SdkIam {
    pub fn new(sdk: &aws_types::SdkConfig) -> Self {
        Self { client: Client::new(sdk) }
    }
}

fn err<E: std::error::Error + ProvideErrorMetadata>(operation: &'static str, resource: &str, e: &E) -> IamError {
    let message = match (e.code(), e.message()) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.to_owned(),
        _ => DisplayErrorContext(e).to_string(),
    };
    IamError { operation, resource: resource.to_owned(), message }
}

fn no_such<E: ProvideErrorMetadata>(e: &E) -> bool {
    e.code() == Some("NoSuchEntity")
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
        match self.client.get_role().role_name(name).send().await {
            Ok(out) => {
                let r = out.role;
                Ok(r.map(|r| Role {
                    trust: r.assume_role_policy_document.as_deref().and_then(decode_policy).unwrap_or_default(),
                    arn: r.arn,
                }))
            }
            Err(e) => {
                let e = e.into_service_error();
                if no_such(&e) { Ok(None) } else { Err(err("GetRole", name, &e)) }
            }
        }
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
            .map_err(|e| err("CreateRole", name, &e.into_service_error()))?;
        Ok(out.role.map(|r| r.arn).unwrap_or_default())
    }

    async fn update_trust(&self, name: &str, trust: &str) -> Result<(), IamError> {
        self.client
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(trust)
            .send()
            .await
            .map_err(|e| err("UpdateAssumeRolePolicy", name, &e.into_service_error()))?;
        Ok(())
    }

    async fn get_role_policy(&self, role: &str, policy: &str) -> Result<Option<serde_json::Value>, IamError> {
        match self.client.get_role_policy().role_name(role).policy_name(policy).send().await {
            Ok(out) => Ok(decode_policy(&out.policy_document)),
            Err(e) => {
                let e = e.into_service_error();
                if no_such(&e) { Ok(None) } else { Err(err("GetRolePolicy", role, &e)) }
            }
        }
    }

    async fn put_role_policy(&self, role: &str, policy: &str, document: &str) -> Result<(), IamError> {
        self.client
            .put_role_policy()
            .role_name(role)
            .policy_name(policy)
            .policy_document(document)
            .send()
            .await
            .map_err(|e| err("PutRolePolicy", role, &e.into_service_error()))?;
        Ok(())
    }

    async fn delete_role(&self, name: &str) -> Result<(), IamError> {
        let policies = match self.client.list_role_policies().role_name(name).send().await {
            Ok(out) => out.policy_names,
            Err(e) => {
                let e = e.into_service_error();
                return if no_such(&e) { Ok(()) } else { Err(err("ListRolePolicies", name, &e)) };
            }
        };
        for p in policies {
            match self.client.delete_role_policy().role_name(name).policy_name(&p).send().await {
                Ok(_) => {}
                Err(e) => {
                    let e = e.into_service_error();
                    if !no_such(&e) {
                        return Err(err("DeleteRolePolicy", name, &e));
                    }
                }
            }
        }
        match self.client.delete_role().role_name(name).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                if no_such(&e) { Ok(()) } else { Err(err("DeleteRole", name, &e)) }
            }
        }
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
