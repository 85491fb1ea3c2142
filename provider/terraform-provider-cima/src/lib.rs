//! The cima provider: its configuration (`config`), its AWS clients (`clients` as traits, `aws`
//! on the SDK, one module per service), and one module per data source or resource
//! (`data_source_<name>.rs`, `resource_<name>.rs`) or function (`function_<name>.rs`), registered
//! in `provider`.

mod action_backfill;
mod aws;
mod clients;
mod config;
mod data_source_caller_identity;
mod data_source_cases;
mod data_source_org_query;
mod ephemeral_member_credentials;
mod events;
#[cfg(test)]
mod fakes;
mod function_case_console_url;
mod function_severity_name;
mod iam;
mod list_linked_account;
mod org_query;
mod organizations;
mod provider;
mod resource_case_pipeline;
mod resource_linked_account;
mod resource_org_query;
mod s3;
mod sts;
mod tags;

pub use provider::CimaProvider;

/// Where Terraform finds this provider; `examples/provider/provider.tf` names the same address.
pub const SOURCE_ADDRESS: &str = "registry.terraform.io/cimahq/cima";
