//! `ephemeral "cima_member_credentials"`: short-lived credentials of one member account, by
//! assuming a role there as the provider, so another provider block (hashicorp/aws, or cima) can
//! act in that account without any credential reaching plan or state.
//!
//! STS credentials cannot be extended: Terraform is asked to renew them five minutes before they
//! expire, and renewing says so, naming the account and when they expire, rather than handing out
//! values Terraform cannot swap in. Nothing can be revoked either: closing forgets them.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use cima_core::ids;
use serde::{Deserialize, Serialize};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::{AttributePath, Ctx, Diagnostic, Diagnostics, EphemeralResource, Opened, Renewed, Type};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::ProviderData;

pub const DEFAULT_SESSION_NAME: &str = "cima-member-credentials";
pub const DEFAULT_DURATION_SECONDS: i64 = 3600;
/// STS's bounds on a role session (the role's own maximum may be lower).
pub const MIN_DURATION_SECONDS: i64 = 900;
pub const MAX_DURATION_SECONDS: i64 = 43_200;
/// Terraform is asked to renew this long before the credentials expire.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// Every attribute, in schema order (the encoder needs it).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberCredentialsModel {
    pub account_id: String,
    pub role_name: Option<String>,
    pub session_name: Option<String>,
    pub duration_seconds: Option<i64>,
    pub role_arn: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    pub expiration: Option<String>,
}

/// What renew and close need; no secret.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberCredentialsPrivate {
    pub account_id: String,
    pub role_arn: String,
    pub expiration: String,
}

pub struct MemberCredentials {
    data: Arc<ProviderData>,
}

impl MemberCredentials {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

fn rfc3339(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::from(t))
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[async_trait]
impl EphemeralResource for MemberCredentials {
    const TYPE_NAME: &'static str = "cima_member_credentials";
    type Model = MemberCredentialsModel;
    type Private = MemberCredentialsPrivate;

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Short-lived credentials of one member account, from assuming a role there as the provider: give them to another provider block (`access_key`, `secret_key`, `token`) to act in that account. Terraform never writes them to plan or state. They last `duration_seconds` and cannot be extended; a run that outlives them fails at renewal, naming the account.")
                .attribute(Attribute::new("account_id", Type::String).required().description("The member account, 12 digits."))
                .attribute(Attribute::new("role_name", Type::String).optional().description("Role assumed in the account. Default: the provider's `member_access_role_name`."))
                .attribute(Attribute::new("session_name", Type::String).optional().description(format!("Role session name, which CloudTrail records. Default `{DEFAULT_SESSION_NAME}`.")))
                .attribute(Attribute::new("duration_seconds", Type::Number).optional().description(format!("How long the credentials last, {MIN_DURATION_SECONDS} to {MAX_DURATION_SECONDS} seconds (at most the role's maximum session duration). Default {DEFAULT_DURATION_SECONDS}.")))
                .attribute(Attribute::new("role_arn", Type::String).computed().description("The role assumed."))
                .attribute(Attribute::new("access_key_id", Type::String).computed().description("The access key id."))
                .attribute(Attribute::new("secret_access_key", Type::String).computed().sensitive().description("The secret access key."))
                .attribute(Attribute::new("session_token", Type::String).computed().sensitive().description("The session token."))
                .attribute(Attribute::new("expiration", Type::String).computed().description("When the credentials expire, RFC 3339.")),
        )
    }

    fn validate(&self, c: &MemberCredentialsModel) -> Diagnostics {
        let root = AttributePath::root();
        let mut d = Diagnostics::new();
        if let Some(p) = Some(&c.account_id).filter(|a| !a.is_empty()).and_then(|a| ids::account_id_problem(a)) {
            d.push(Diagnostic::error("Invalid account id", p).at(root.clone().attribute("account_id")));
        }
        if let Some(problem) = c.role_name.as_deref().and_then(ids::role_name_problem) {
            d.push(Diagnostic::error("Invalid role name", problem).at(root.clone().attribute("role_name")));
        }
        if let Some(s) = c.session_name.as_deref()
            && (!(2..=64).contains(&s.len())
                || !s.chars().all(|ch| ch.is_ascii_alphanumeric() || "+=,.@-_".contains(ch)))
        {
            d.push(
                Diagnostic::error(
                    "Invalid session name",
                    format!("{s:?}: a role session name has 2 to 64 letters, digits and +=,.@-_"),
                )
                .at(root.clone().attribute("session_name")),
            );
        }
        if let Some(n) = c.duration_seconds
            && !(MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(&n)
        {
            d.push(
                Diagnostic::error(
                    "Invalid duration",
                    format!(
                        "{n} seconds; STS gives role sessions of {MIN_DURATION_SECONDS} to {MAX_DURATION_SECONDS}."
                    ),
                )
                .at(root.attribute("duration_seconds")),
            );
        }
        d
    }

    async fn open(
        &self,
        ctx: &Ctx,
        config: MemberCredentialsModel,
        _diags: &mut Diagnostics,
    ) -> Result<Opened<MemberCredentialsModel, MemberCredentialsPrivate>, Diagnostics> {
        let problems = EphemeralResource::validate(self, &config);
        if problems.has_errors() {
            return Err(problems);
        }
        let c = self.data.get()?;
        let role = config.role_name.clone().unwrap_or_else(|| c.member_access_role_name.clone());
        let session = config.session_name.clone().unwrap_or_else(|| DEFAULT_SESSION_NAME.to_owned());
        let duration = config.duration_seconds.unwrap_or(DEFAULT_DURATION_SECONDS);
        let creds = ctx
            .run("assuming a role in a member account", async {
                c.aws
                    .identity()
                    .assume_role(&config.account_id, &role, &session, i32::try_from(duration).unwrap_or(3600))
                    .await
                    .map_err(|e| {
                        Diagnostics::from(
                            Diagnostic::error(
                                "Cannot assume the member role",
                                format!(
                                    "Account {}, role {role:?}: {e}\nThe role must exist and trust the provider's credentials (role_name, or the provider's member_access_role_name).",
                                    config.account_id
                                ),
                            )
                            .at(AttributePath::root().attribute("account_id")),
                        )
                    })
            })
            .await?;
        tracing::debug!(account = %config.account_id, role_arn = %creds.role_arn, "opened member credentials");
        let expiration = rfc3339(creds.expiration);
        let private = MemberCredentialsPrivate {
            account_id: config.account_id.clone(),
            role_arn: creds.role_arn.clone(),
            expiration: expiration.clone(),
        };
        Ok(Opened {
            renew_at: creds.expiration.checked_sub(RENEW_BEFORE),
            result: MemberCredentialsModel {
                role_arn: Some(creds.role_arn),
                access_key_id: Some(creds.access_key_id),
                secret_access_key: Some(creds.secret_access_key),
                session_token: Some(creds.session_token),
                expiration: Some(expiration),
                ..config
            },
            private: Some(private),
        })
    }

    async fn renew(
        &self,
        _ctx: &Ctx,
        private: Option<MemberCredentialsPrivate>,
        _diags: &mut Diagnostics,
    ) -> Result<Renewed<MemberCredentialsPrivate>, Diagnostics> {
        let (account, expiration) = private
            .map_or_else(|| ("the member account".to_owned(), "soon".to_owned()), |p| (p.account_id, p.expiration));
        Err(Diagnostic::error(
            "Member credentials cannot be extended",
            format!(
                "The credentials of account {account} expire at {expiration}, and STS cannot extend a role session. Raise duration_seconds (up to the role's maximum session duration) for runs this long."
            ),
        )
        .into())
    }

    async fn close(
        &self,
        _ctx: &Ctx,
        private: Option<MemberCredentialsPrivate>,
        _diags: &mut Diagnostics,
    ) -> Result<(), Diagnostics> {
        // STS has no way to end one session early: the credentials lapse at their expiration.
        if let Some(p) = private {
            tracing::debug!(account = %p.account_id, expiration = %p.expiration, "closed member credentials");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::FakeAws;

    fn resource() -> (MemberCredentials, Arc<FakeAws>) {
        let aws = FakeAws::new();
        (MemberCredentials::new(aws.provider_data()), aws)
    }

    fn config(account: &str) -> MemberCredentialsModel {
        MemberCredentialsModel { account_id: account.into(), ..Default::default() }
    }

    #[tokio::test]
    async fn opens_as_the_member_role_and_refuses_to_extend() {
        let (r, _) = resource();
        let mut diags = Diagnostics::new();
        let opened =
            EphemeralResource::open(&r, &Ctx::default(), config("210987654321"), &mut diags).await.expect("opened");
        let m = &opened.result;
        assert_eq!(m.role_arn.as_deref(), Some("arn:aws:iam::210987654321:role/OrganizationAccountAccessRole"));
        assert_eq!(m.access_key_id.as_deref(), Some("ASIA210987654321"));
        assert_eq!(m.secret_access_key.as_deref(), Some("secret-cima-member-credentials"));
        assert!(m.session_token.is_some() && m.expiration.is_some());
        // Renewal is asked for before the hour is out, and refused with the account and time.
        let renew_at = opened.renew_at.expect("a renewal time");
        let left = renew_at.duration_since(SystemTime::now()).expect("in the future");
        assert!(left > Duration::from_secs(3000) && left < Duration::from_secs(3300), "{left:?}");
        let err = EphemeralResource::renew(&r, &Ctx::default(), opened.private.clone(), &mut diags).await.unwrap_err();
        let detail = err.iter().next().map(|d| d.detail.clone()).unwrap_or_default();
        assert!(detail.contains("210987654321") && detail.contains(m.expiration.as_deref().unwrap_or("?")), "{detail}");
        EphemeralResource::close(&r, &Ctx::default(), opened.private, &mut diags).await.expect("closed");
    }

    #[tokio::test]
    async fn a_role_that_refuses_is_an_error_at_the_account() {
        let (r, aws) = resource();
        aws.identity.refused.lock().unwrap().insert("210987654321".into());
        let mut diags = Diagnostics::new();
        let err = EphemeralResource::open(&r, &Ctx::default(), config("210987654321"), &mut diags).await.unwrap_err();
        let d = err.iter().next().expect("a diagnostic");
        assert_eq!(d.summary, "Cannot assume the member role");
        assert!(d.detail.contains("AccessDenied") && d.detail.contains("210987654321"), "{}", d.detail);
    }

    #[test]
    fn bad_settings_are_refused_at_their_attribute() {
        let (r, _) = resource();
        let bad = MemberCredentialsModel {
            account_id: "12345".into(),
            role_name: Some("a role".into()),
            session_name: Some("x".into()),
            duration_seconds: Some(60),
            ..Default::default()
        };
        let d = EphemeralResource::validate(&r, &bad);
        let paths: Vec<String> = d.iter().filter_map(|d| d.attribute.as_ref().map(ToString::to_string)).collect();
        assert_eq!(paths.len(), 4, "{paths:?}");
        for name in ["account_id", "role_name", "session_name", "duration_seconds"] {
            assert!(paths.iter().any(|p| p.contains(name)), "{name} in {paths:?}");
        }
    }
}
