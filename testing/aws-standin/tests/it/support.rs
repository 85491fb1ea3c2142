//! Shared set-up: the schema document, the prepared mirror and CLI configuration, workspaces.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use cima_testkit::{Terraform, TfWorkspace};

pub const SCHEMA_ENV: &str = "CIMA_AWS_SCHEMA";
/// The vendored document, relative to the repository root (`schema/README.md` says where it came from).
pub const SCHEMA_RELATIVE: &str = "testing/aws-standin/schema/hashicorp-aws-6.47.0.schema.json.gz";

pub fn repo_root() -> PathBuf {
    cima_testkit::repo_root()
}

/// `$CIMA_AWS_SCHEMA`, else the document the repository vendors.
pub fn schema_path() -> PathBuf {
    std::env::var_os(SCHEMA_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(SCHEMA_RELATIVE))
}

/// The schema document as JSON: the part for hashicorp/aws.
pub fn document() -> &'static serde_json::Value {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let file = std::fs::File::open(schema_path()).expect("open the schema document");
        let doc: serde_json::Value =
            serde_json::from_reader(flate2::read::GzDecoder::new(std::io::BufReader::new(file))).expect("parse it");
        doc["provider_schemas"]["registry.terraform.io/hashicorp/aws"].clone()
    })
}

pub fn tf_offline_script() -> PathBuf {
    repo_root().join("testing/aws-standin/tf-offline")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_root().join("target"))
}

/// The CLI configuration `tf-offline --prepare` writes.
pub fn cli_config() -> PathBuf {
    target_dir().join("tf-offline/terraformrc")
}

pub fn cima_binary() -> PathBuf {
    target_dir().join("debug/terraform-provider-cima")
}

/// Builds both providers and installs the mirror and CLI configuration, once per test process.
pub fn prepare() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let out = Command::new("bash")
            .arg(tf_offline_script())
            .arg("--prepare")
            .env("CIMA_AWS_SCHEMA", schema_path())
            .output()
            .expect("run tf-offline --prepare");
        assert!(
            out.status.success(),
            "tf-offline --prepare failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(cli_config().is_file() && cima_binary().is_file());
    });
}

pub fn terraform() -> Terraform {
    Terraform::locate().expect("terraform on PATH or .venv/bin/terraform (cargo xtask setup)")
}

/// A temporary workspace running the real Terraform with the stand-in's mirror and cima's override.
pub fn workspace() -> TfWorkspace {
    prepare();
    let mut ws = TfWorkspace::new(&terraform(), &cima_binary()).expect("workspace");
    ws.env("TF_CLI_CONFIG_FILE", cli_config()).env(SCHEMA_ENV, schema_path());
    ws
}

pub fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}
