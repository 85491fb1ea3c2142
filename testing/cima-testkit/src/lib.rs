//! Test harness of the project: real components, no mocks.
//!
//! - [`LocalAws`]: moto's server plus the project's extensions (`testing/localaws/`), a child
//!   process on 127.0.0.1 that dies with its owner; [`LocalAws::seed_org`] builds a
//!   reproducible organization and returns its ground truth ([`SeededOrg`]);
//!   [`LocalAws::seed_cases`] fills its accounts with AWS Support cases ([`SeededCases`]).
//! - [`Terraform`] and [`TfWorkspace`]: the real Terraform CLI in a temporary directory, with
//!   the locally built provider wired in through `dev_overrides`.
//! - [`Venv`] and [`create_venv`]: the project-local Python environment both rely on; only
//!   `cargo xtask setup` creates it.
//! - [`LambdaEmulator`]: cargo-lambda's Runtime API emulator, with functions run under it.
//! - [`HttpApi`]: API Gateway's HTTP API in front of it: routes, payload format 2.0, a JWT
//!   authorizer that verifies tokens ([`JwtVerifier`]) and CORS; [`StaticSite`]: the console's
//!   files with the headers CloudFront adds; [`LocalAws::create_user_pool`] and
//!   [`LocalAws::sign_in`]: real Cognito tokens from the local AWS; [`TestIssuer`]: tokens no
//!   identity provider would issue, signed with a key of its own.
//! - [`LocalConsole`]: all of the above as one stack, the console with cases that flowed through
//!   the pipeline, and the truth the page must show ([`ConsoleTruth`]).
//! - [`http_request`]: the small client tests talk to all of these with.
//!
//! ```no_run
//! use cima_testkit::{LocalAws, OrgSpec, Terraform, TfWorkspace};
//! # fn main() -> cima_testkit::Result<()> {
//! let aws = LocalAws::start()?;
//! let org = aws.seed_org(&OrgSpec { accounts: 10, seed: 1, suspended: 2 })?;
//! let tf = Terraform::locate()?;
//! let mut ws = TfWorkspace::new(&tf, "target/debug/terraform-provider-cima".as_ref())?;
//! ws.envs(aws.aws_env());
//! ws.write("main.tf", "output \"root\" { value = \"x\" }")?;
//! ws.apply()?;
//! assert_eq!(org.members().count(), 10);
//! # Ok(()) }
//! ```

mod cognito;
mod console;
mod error;
mod fault_proxy;
mod http;
mod http_api;
mod jwt;
mod lambda;
mod localaws;
mod pipeline;
mod process;
mod replay;
mod resources;
mod server;
mod static_site;
mod terraform;
mod time;
mod venv;

use std::path::PathBuf;

pub use cognito::{CognitoTokens, CognitoUser, UserPool, UserPoolSpec};
pub use console::{
    AccountTruth, CHAT_QUESTION, CONSOLE_USER, ConsoleBinaries, ConsoleFront, ConsoleSpec, ConsoleTruth, ConsoleUser,
    FrontSpec, LocalConsole, MARKUP_SUBJECT, central_store, create_central_store,
};
pub use error::{Error, Result};
pub use fault_proxy::{Exhausted, FaultKind, FaultProxy, FaultSpec, FaultStats, ServiceStats};
pub use http::{DEFAULT_TIMEOUT as HTTP_TIMEOUT, HttpReply, request as http_request};
pub use http_api::{
    ApiRequestRecord, Cors, DEFAULT_INTEGRATION_TIMEOUT, HttpApi, HttpApiBuilder, Invoker, JwtAuthorizer,
};
pub use jwt::{
    Claims, DEFAULT_LEEWAY, Jwks, JwtError, JwtVerifier, TestIssuer, compose_jwt, decode_jwt_claims, unix_now,
};
pub use lambda::{LambdaEmulator, LambdaFunction, RunningFunction, lambda_zip};
pub use localaws::{
    AWS_SUBMITTER, CASE_READER_ROLE, CaseSpec, EventCapture, LOCALAWS_DIR, LocalAws, MANAGEMENT_ACCOUNT_ID, OrgSpec,
    REGION, RequestRecord, SeededAccount, SeededAccountCases, SeededAttachment, SeededCase, SeededCases,
    SeededCommunication, SeededOrg, SeededOu, TEST_KEY, tally,
};
pub use pipeline::{ENRICHER_FUNCTION, LocalPipeline, PipelineSpec, STORE_PREFIX};
pub use replay::{READY_PREFIX as REPLAY_READY_PREFIX, ReplayBackend, ReplayStats};
pub use resources::{
    CHAT_QUERY_ROLE, ResourceSpec, SeededAccountResources, SeededAlarm, SeededBucket, SeededDbInstance, SeededFunction,
    SeededGroup, SeededInstance, SeededLoadBalancer, SeededMetric, SeededResources, SeededRule, SeededStack,
    SeededZone, seed_resources,
};
pub use static_site::{StaticSite, StaticSiteBuilder, content_security_policy};
pub use terraform::{
    DEFAULT_TIMEOUT, PROVIDER_BINARY_NAME, PROVIDER_EXAMPLE, Terraform, TfWorkspace, cli_config_text,
    parse_provider_source, provider_source,
};
pub use venv::{
    REQUIREMENT_FILES, REQUIREMENTS, REQUIREMENTS_TERRAFORM, REQUIREMENTS_TERRAFORM_OLDEST, REQUIREMENTS_TOOLS,
    TERRAFORM_CORES, TERRAFORM_SHIM, TerraformCore, Venv, create_tools_venv, create_venv, unhashed_requirements,
};

/// The repository root: two levels above this crate's manifest directory.
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().and_then(|testing| testing.parent()).map(PathBuf::from).unwrap_or(manifest)
}

#[cfg(test)]
mod tests {
    #[test]
    fn repo_root_is_the_workspace_root() {
        let root = super::repo_root();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("root manifest");
        assert!(manifest.contains("[workspace]"));
        assert!(root.join("testing/localaws/localaws/server.py").is_file());
    }
}
