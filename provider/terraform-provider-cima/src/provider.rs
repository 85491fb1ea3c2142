//! The provider block: its schema, its validation, `configure`, and the list of every data
//! source and resource it serves. Shared state lives in `config`.

use std::sync::Arc;

use async_trait::async_trait;
use cima_core::contract::DEFAULT_MEMBER_ACCESS_ROLE;
use tfplugin::schema::{Attribute, Block, BlockNesting, NestedBlock, Schema};
use tfplugin::{AttributePath, Ctx, Diagnostic, Diagnostics, DynDataSource, DynResource, Type};

use crate::aws::{self, AwsSettings, SdkAccess};
use crate::config::{
    Configured, DEFAULT_MAX_CONCURRENCY, DEFAULT_MAX_RETRIES, DEFAULT_REGION, MAX_CONCURRENCY_LIMIT, MAX_RETRIES_LIMIT,
    NotConfigured, ProviderData, ProviderModel,
};
use crate::data_source_caller_identity::CallerIdentityDataSource;
use crate::data_source_cases::CasesDataSource;
use crate::data_source_org_query::OrgQueryDataSource;
use crate::ephemeral_member_credentials::MemberCredentials;
use crate::resource_case_pipeline::{CasePipelineDataSource, CasePipelineResource};
use crate::resource_linked_account::{LinkedAccountDataSource, LinkedAccountResource};
use crate::resource_org_query::OrgQueryResource;

pub struct CimaProvider {
    data: Arc<ProviderData>,
}

impl CimaProvider {
    pub fn new() -> Self {
        Self { data: Arc::new(ProviderData::default()) }
    }
}

impl Default for CimaProvider {
    fn default() -> Self {
        Self::new()
    }
}

fn validate_model(c: &ProviderModel) -> Diagnostics {
    let mut d = Diagnostics::new();
    if let Some(n) = c.max_concurrency
        && !(1..=MAX_CONCURRENCY_LIMIT).contains(&n)
    {
        d.push(
            Diagnostic::error(
                "Invalid max_concurrency",
                format!("max_concurrency must be between 1 and {MAX_CONCURRENCY_LIMIT}, got {n}."),
            )
            .at(AttributePath::root().attribute("max_concurrency")),
        );
    }
    if let Some(n) = c.max_retries
        && !(0..=MAX_RETRIES_LIMIT).contains(&n)
    {
        d.push(
            Diagnostic::error(
                "Invalid max_retries",
                format!("max_retries must be between 0 and {MAX_RETRIES_LIMIT}, got {n}."),
            )
            .at(AttributePath::root().attribute("max_retries")),
        );
    }
    // A key without its secret (or the other way round) is a mistake, not a half-configured chain.
    match (&c.access_key, &c.secret_key, &c.token) {
        (Some(_), None, _) => d.push(
            Diagnostic::error(
                "Missing secret_key",
                "access_key is set without secret_key; give both, or neither to use the standard AWS chain.",
            )
            .at(AttributePath::root().attribute("secret_key")),
        ),
        (None, Some(_), _) | (None, _, Some(_)) => d.push(
            Diagnostic::error(
                "Missing access_key",
                "secret_key or token is set without access_key; give access_key and secret_key together.",
            )
            .at(AttributePath::root().attribute("access_key")),
        ),
        _ => {}
    }
    if let Some(r) = &c.region
        && (r.is_empty() || !r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
    {
        d.push(
            Diagnostic::error("Invalid region", format!("{r:?} is not an AWS region name such as \"us-east-1\"."))
                .at(AttributePath::root().attribute("region")),
        );
    }
    if let Some(u) = &c.endpoint_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        d.push(
            Diagnostic::error("Invalid endpoint_url", format!("{u:?} must be an http:// or https:// URL."))
                .at(AttributePath::root().attribute("endpoint_url")),
        );
    }
    if let Some(problem) = c.member_access_role_name.as_deref().and_then(cima_core::ids::role_name_problem) {
        d.push(
            Diagnostic::error("Invalid member_access_role_name", problem)
                .at(AttributePath::root().attribute("member_access_role_name")),
        );
    }
    if let Some(ar) = &c.assume_role
        && let Some(arn) = &ar.role_arn
        && !(arn.starts_with("arn:") && arn.contains(":role/"))
    {
        d.push(
            Diagnostic::error(
                "Invalid assume_role.role_arn",
                format!("{arn:?} is not an IAM role ARN (arn:aws:iam::123456789012:role/Name)."),
            )
            .at(AttributePath::root().attribute("assume_role").attribute("role_arn")),
        );
    }
    d
}

#[async_trait]
impl tfplugin::Provider for CimaProvider {
    type Config = ProviderModel;

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("The cima provider reads and wires AWS Support cases across an AWS Organization. Credentials come from the standard AWS chain (environment, shared config and credentials files, web identity, container and instance roles).")
                .attribute(Attribute::new("region", Type::String).optional().description(format!("AWS region for Organizations and IAM calls. Default `{DEFAULT_REGION}`. Support calls always go to `us-east-1`, the only region AWS Support answers in.")))
                .attribute(Attribute::new("profile", Type::String).optional().description("Named profile from the shared AWS config and credentials files."))
                .attribute(Attribute::new("endpoint_url", Type::String).optional().description("One endpoint for every AWS service, for a local AWS-compatible server such as moto. `AWS_ENDPOINT_URL` in the environment does the same."))
                .attribute(Attribute::new("member_access_role_name", Type::String).optional().description(format!("Role assumed in each member account. Default `{DEFAULT_MEMBER_ACCESS_ROLE}`, the role Organizations creates in accounts it creates.")))
                .attribute(Attribute::new("max_concurrency", Type::Number).optional().description(format!("Most AWS calls or accounts in flight at once, 1 to {MAX_CONCURRENCY_LIMIT}. Default {DEFAULT_MAX_CONCURRENCY}.")))
                .attribute(Attribute::new("max_retries", Type::Number).optional().description(format!("Retries of a throttled or failed AWS call, with exponential backoff, 0 to {MAX_RETRIES_LIMIT}. Default {DEFAULT_MAX_RETRIES}.")))
                .attribute(Attribute::new("access_key", Type::String).optional().description("Access key id to call AWS with instead of the standard chain, with `secret_key` (and `token` for temporary credentials), such as a member's `ephemeral.cima_member_credentials`."))
                .attribute(Attribute::new("secret_key", Type::String).optional().sensitive().description("Secret access key of `access_key`. Sensitive, and never logged."))
                .attribute(Attribute::new("token", Type::String).optional().sensitive().description("Session token of temporary credentials given with `access_key`. Sensitive, and never logged."))
                .block(NestedBlock::new(
                    "assume_role",
                    BlockNesting::Single,
                    Block::new("Role to assume before making any call, e.g. the organization's management or delegated administrator account role.")
                        .attribute(Attribute::new("role_arn", Type::String).optional().description("ARN of the role to assume."))
                        .attribute(Attribute::new("external_id", Type::String).optional().sensitive().description("External id the role's trust policy requires. Sensitive, and never logged, not even at `TF_LOG=TRACE`."))
                        .attribute(Attribute::new("session_name", Type::String).optional().description("Session name; default `terraform-provider-cima`.")),
                )),
        )
    }

    fn validate(&self, config: &ProviderModel) -> Diagnostics {
        validate_model(config)
    }

    async fn configure(
        &self,
        ctx: &Ctx,
        config: ProviderModel,
        wholly_known: bool,
        _tf: &str,
    ) -> Result<Diagnostics, Diagnostics> {
        let problems = validate_model(&config);
        if problems.has_errors() {
            return Err(problems);
        }
        let configured = if wholly_known {
            let settings = AwsSettings::from_model(&config);
            ctx.run("loading the AWS configuration", async { Ok(aws::load(&settings).await) })
                .await
                .map(|sdk| {
                    Configured::new(
                        Arc::new(SdkAccess::new(sdk)),
                        config.member_access_role_name.clone().unwrap_or_else(|| DEFAULT_MEMBER_ACCESS_ROLE.to_owned()),
                        usize::try_from(config.max_concurrency.unwrap_or(DEFAULT_MAX_CONCURRENCY)).unwrap_or(1),
                    )
                })
                .map_err(|_| NotConfigured::Stopped)
        } else {
            // Not an error yet: Terraform may only need the schema or a plan with unknowns.
            Err(NotConfigured::UnknownValues)
        };
        self.data.set(configured);
        Ok(problems)
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource>> {
        vec![
            Arc::new(OrgQueryDataSource::new(self.data.clone())),
            Arc::new(CasesDataSource::new(self.data.clone())),
            Arc::new(CasePipelineDataSource::new(self.data.clone())),
            Arc::new(LinkedAccountDataSource::new(self.data.clone())),
            Arc::new(CallerIdentityDataSource::new(self.data.clone())),
        ]
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource>> {
        vec![
            Arc::new(OrgQueryResource::new(self.data.clone())),
            Arc::new(CasePipelineResource::new(self.data.clone())),
            Arc::new(LinkedAccountResource::new(self.data.clone())),
        ]
    }

    fn functions(&self) -> Vec<tfplugin::function::Function> {
        vec![crate::function_severity_name::function(), crate::function_case_console_url::function()]
    }

    fn list_resources(&self) -> Vec<Arc<dyn tfplugin::list::DynListResource>> {
        vec![Arc::new(crate::list_linked_account::LinkedAccountList::new(self.data.clone()))]
    }

    fn actions(&self) -> Vec<Arc<dyn tfplugin::action::DynAction>> {
        vec![Arc::new(crate::action_backfill::BackfillAction::new(self.data.clone()))]
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn tfplugin::DynEphemeralResource>> {
        vec![Arc::new(MemberCredentials::new(self.data.clone()))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AssumeRoleModel;
    use tfplugin::Provider as _;

    #[test]
    fn every_schema_is_one_terraform_accepts() {
        let p = CimaProvider::new();
        let mut problems = tfplugin::Provider::schema(&p).block.problems();
        for d in p.data_sources() {
            problems.extend(d.schema().block.problems().into_iter().map(|x| format!("data {}: {x}", d.type_name())));
        }
        for r in p.resources() {
            problems.extend(r.schema().block.problems().into_iter().map(|x| format!("{}: {x}", r.type_name())));
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[tokio::test]
    async fn a_configuration_unknown_until_apply_leaves_the_provider_unconfigured() {
        let p = CimaProvider::new();
        let fresh = p.data.get().unwrap_err();
        assert!(fresh.iter().next().unwrap().detail.contains("did not configure"), "{fresh}");

        let warnings =
            tfplugin::Provider::configure(&p, &Ctx::default(), ProviderModel::default(), false, "1.9.0").await.unwrap();
        assert!(warnings.is_empty());
        let err = p.data.get().unwrap_err();
        let d = err.iter().next().unwrap();
        assert_eq!(d.summary, "Provider not configured");
        assert_eq!(d.detail, NotConfigured::UnknownValues.to_string());
    }

    #[tokio::test]
    async fn an_invalid_configuration_is_refused_before_any_aws_work() {
        let p = CimaProvider::new();
        let config = ProviderModel { max_retries: Some(26), ..ProviderModel::default() };
        let err = tfplugin::Provider::configure(&p, &Ctx::default(), config, true, "1.9.0").await.unwrap_err();
        assert_eq!(err.iter().next().unwrap().summary, "Invalid max_retries");
        assert!(p.data.get().is_err(), "nothing configured");
    }

    #[test]
    fn validation_points_at_the_attribute() {
        let c = ProviderModel {
            max_concurrency: Some(0),
            region: Some("US East".into()),
            assume_role: Some(AssumeRoleModel { role_arn: Some("nope".into()), ..Default::default() }),
            ..Default::default()
        };
        let d = validate_model(&c);
        let paths: Vec<String> = d.iter().map(|d| d.attribute.as_ref().unwrap().to_string()).collect();
        assert_eq!(paths, ["max_concurrency", "region", "assume_role.role_arn"]);
        assert!(validate_model(&ProviderModel::default()).is_empty());
    }
}
