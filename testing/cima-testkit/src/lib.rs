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

mod error;
mod http;
mod lambda;
mod localaws;
mod pipeline;
mod process;
mod resources;
mod terraform;
mod venv;

use std::path::PathBuf;

pub use error::{Error, Result};
pub use lambda::{LambdaEmulator, LambdaFunction, RunningFunction, lambda_zip};
pub use localaws::{
    AWS_SUBMITTER, CASE_READER_ROLE, CaseSpec, EventCapture, LOCALAWS_DIR, LocalAws, MANAGEMENT_ACCOUNT_ID, OrgSpec,
    REGION, RequestRecord, SeededAccount, SeededAccountCases, SeededAttachment, SeededCase, SeededCases,
    SeededCommunication, SeededOrg, SeededOu, TEST_KEY, tally,
};
pub use pipeline::{ENRICHER_FUNCTION, LocalPipeline, STORE_PREFIX};
pub use resources::{
    CHAT_QUERY_ROLE, ResourceSpec, SeededAccountResources, SeededBucket, SeededDbInstance, SeededFunction,
    SeededInstance, SeededResources, seed_resources,
};
pub use terraform::{
    DEFAULT_TIMEOUT, PROVIDER_BINARY_NAME, PROVIDER_EXAMPLE, Terraform, TfWorkspace, cli_config_text,
    parse_provider_source, provider_source,
};
pub use venv::{
    REQUIREMENTS, REQUIREMENTS_TERRAFORM, REQUIREMENTS_TOOLS, TERRAFORM_SHIM, Venv, create_tools_venv, create_venv,
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
