//! What every acceptance test needs: the freshly built provider, a local AWS, and a Terraform
//! workspace wired to both.

use std::path::Path;

use cima_testkit::{LocalAws, Terraform, TfWorkspace};

pub fn provider_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-cima"))
}

/// The provider block every acceptance config starts with; the source address comes from
/// `examples/provider/provider.tf`, the one place it is written.
pub fn preamble() -> String {
    let source = cima_testkit::provider_source().expect("provider source address");
    let short = source.trim_start_matches("registry.terraform.io/");
    format!(
        "terraform {{\n  required_providers {{\n    cima = {{\n      source = \"{short}\"\n    }}\n  }}\n}}\n\nprovider \"cima\" {{}}\n\n"
    )
}

/// The central bus `name` in the management account with the policy `cima_case_pipeline` gives it
/// (the organization's accounts may put Support's events and backfill requests); its ARN. The
/// local AWS refuses every other account's events on a bus without one, as AWS does.
pub fn central_bus(aws: &LocalAws, name: &str, organization_id: &str) -> String {
    let created =
        aws.call("events", "create_event_bus", &serde_json::json!({"Name": name}), None).expect("central bus");
    let arn = created["EventBusArn"].as_str().expect("bus ARN").to_owned();
    let policy = cima_core::contract::bus_policy(&arn, &[organization_id.to_owned()]);
    aws.call(
        "events",
        "put_permission",
        &serde_json::json!({"EventBusName": name, "Policy": policy.to_string()}),
        None,
    )
    .expect("bus policy");
    arn
}

pub fn workspace(aws: Option<&LocalAws>) -> TfWorkspace {
    let tf = Terraform::locate().expect("terraform (run `cargo xtask setup`)");
    workspace_on(&tf, aws)
}

/// The newest Terraform core, for features newer than the oldest Terraform the provider supports
/// (functions 1.8, ephemeral resources 1.10, identity 1.12, `terraform query` and actions 1.14):
/// their tests run on every machine, whatever its own terraform is.
pub fn newest() -> Terraform {
    Terraform::core(cima_testkit::TerraformCore::newest()).expect("the newest Terraform core (cargo xtask setup)")
}

/// A workspace run by a chosen Terraform (the version matrix: `cima_testkit::TERRAFORM_CORES`).
pub fn workspace_on(tf: &Terraform, aws: Option<&LocalAws>) -> TfWorkspace {
    let mut ws = TfWorkspace::new(tf, provider_binary()).expect("terraform workspace");
    match aws {
        Some(aws) => {
            ws.envs(aws.aws_env());
        }
        None => {
            // Validation needs no AWS; make sure nothing reaches a real one by accident.
            ws.envs([
                ("AWS_ACCESS_KEY_ID", "testing"),
                ("AWS_SECRET_ACCESS_KEY", "testing"),
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ]);
        }
    }
    ws
}

/// The attribute values of `data.<type>.<name>` in `terraform show -json` output.
pub fn data_values<'a>(show: &'a serde_json::Value, ty: &str, name: &str) -> &'a serde_json::Value {
    let resources = show["values"]["root_module"]["resources"].as_array().expect("resources in state");
    let address = format!("data.{ty}.{name}");
    let r = resources
        .iter()
        .find(|r| r["address"] == address.as_str())
        .unwrap_or_else(|| panic!("{address} not in state: {show:#}"));
    &r["values"]
}

/// 1-based line of the first line in `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("{needle:?} not in config"))
}
