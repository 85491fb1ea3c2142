//! Shared set-up: the schema document, the prepared mirror and CLI configuration, workspaces.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use cima_testkit::{Terraform, TfWorkspace};

pub const SCHEMA_ENV: &str = "CIMA_AWS_SCHEMA";
pub const SCHEMA_RELATIVE: &str = "shared/aws-provider-schema/hashicorp-aws-6.47.0.schema.json.gz";

pub fn repo_root() -> PathBuf {
    cima_testkit::repo_root()
}

/// `$CIMA_AWS_SCHEMA`, else the document beside the repository.
pub fn schema_path() -> PathBuf {
    std::env::var_os(SCHEMA_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().parent().unwrap_or(Path::new("/")).join(SCHEMA_RELATIVE))
}

/// The schema document's path, or `None` (after saying why) when it is missing outside CI. In CI
/// a missing document fails the test: the checks must not silently stop running there.
pub fn require_schema(test: &str) -> Option<PathBuf> {
    let path = schema_path();
    if path.is_file() {
        return Some(path);
    }
    let msg = format!(
        "{test}: the hashicorp/aws schema document is missing at {} (set {SCHEMA_ENV}); \
         see ../shared/aws-provider-schema/README.md",
        path.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{msg}; CI is set, so this is a failure");
    #[allow(clippy::print_stderr)] // the skip must be visible in the test output
    {
        eprintln!("SKIPPED {msg}");
    }
    None
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
