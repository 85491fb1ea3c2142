//! The plugin protocol on the real binary: start-up time, and the served schema against the
//! document (through `terraform providers schema -json`, which is how the document was made).

use std::path::Path;
use std::time::Duration;

use serde_json::Value as Json;

use crate::support::{self, document};

/// The document and Terraform's rendering of the served schema differ only in `description_kind`
/// (tfplugin describes everything as Markdown).
fn without_description_kind(v: &Json) -> Json {
    match v {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(k, _)| *k != "description_kind")
                .map(|(k, v)| (k.clone(), without_description_kind(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(without_description_kind).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn starts_and_serves_every_data_source_quickly() {
    let binary = Path::new(env!("CARGO_BIN_EXE_terraform-provider-aws"));
    let probe = tfplugin::client::probe(binary, Duration::from_secs(60)).await.expect("probe");
    let want: Vec<String> = document()["data_source_schemas"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(probe.data_sources, want);
    // Terraform starts a provider several times per command; a debug build must stay well
    // under a second from spawn to schema (the release build is far faster).
    assert!(probe.schema_served < Duration::from_secs(5), "schema served after {:?}", probe.schema_served);
    #[allow(clippy::print_stderr)] // the measurement is part of the test's report
    {
        eprintln!(
            "start → schema served: {:?} (handshake {:?}), {} bytes, peak RSS {:?} KiB",
            probe.schema_served, probe.handshake, probe.schema_bytes, probe.peak_rss_kib
        );
    }
}

#[test]
fn served_schema_equals_the_document() {
    let ws = support::workspace();
    ws.write("main.tf", "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n")
        .unwrap();
    ws.init().expect("init");
    let out = ws.run_ok(["providers", "schema", "-json"]).expect("providers schema");
    let served: Json = serde_json::from_slice(&out.stdout).expect("schema JSON");
    let served = &served["provider_schemas"]["registry.terraform.io/hashicorp/aws"];
    let doc = document();

    assert_eq!(without_description_kind(&served["provider"]), without_description_kind(&doc["provider"]));
    for kind in ["resource_schemas", "data_source_schemas"] {
        let names = |v: &Json| v[kind].as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
        assert_eq!(names(served), names(doc), "{kind}: the same type names");
    }
    let samples = [
        ("resource_schemas", "aws_s3_bucket"),
        ("resource_schemas", "aws_lambda_function"),
        ("resource_schemas", "aws_iam_role"),
        ("resource_schemas", "aws_kinesis_firehose_delivery_stream"),
        ("resource_schemas", "aws_cognito_user_pool"),
        ("resource_schemas", "aws_db_instance"), // has write-only attributes
        ("data_source_schemas", "aws_iam_policy_document"),
        ("data_source_schemas", "aws_caller_identity"),
    ];
    for (kind, name) in samples {
        let (s, d) = (&served[kind][name], &doc[kind][name]);
        assert!(d.is_object(), "{name} is in the document");
        assert_eq!(without_description_kind(s), without_description_kind(d), "{kind}.{name}");
    }
    // And all of them, counted, so a regression names how many differ.
    let differing: Vec<&String> = ["resource_schemas", "data_source_schemas"]
        .iter()
        .flat_map(|kind| {
            doc[*kind].as_object().unwrap().iter().filter(move |(name, d)| {
                without_description_kind(&served[*kind][name.as_str()]) != without_description_kind(d)
            })
        })
        .map(|(name, _)| name)
        .collect();
    assert!(
        differing.is_empty(),
        "{} types differ from the document, e.g. {:?}",
        differing.len(),
        &differing[..differing.len().min(10)]
    );
}

/// The vendored document is the one its README's provenance table names, so a refresh that
/// forgets the table (or a corrupted file) fails here.
#[test]
fn the_vendored_document_matches_its_readme() {
    use sha2::Digest as _;
    let path = support::repo_root().join(support::SCHEMA_RELATIVE);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let digest = hex::encode(sha2::Sha256::digest(&bytes));
    let readme_path = path.with_file_name("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("schema/README.md");
    let file = path.file_name().and_then(|n| n.to_str()).expect("file name");
    assert!(readme.contains(&format!("| file | `{file}` |")), "{} does not name {file}", readme_path.display());
    assert!(
        readme.contains(&format!("| sha256 | `{digest}` |")),
        "{} does not give the sha256 of {file} ({digest})",
        readme_path.display()
    );
}

#[test]
fn a_missing_schema_document_is_named_with_the_variable() {
    let missing = tempfile::tempdir().unwrap().path().join("nowhere.json.gz");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-aws"))
        .env(support::SCHEMA_ENV, &missing)
        .output()
        .expect("run the stand-in");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing on stdout, which carries only the handshake");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&missing.display().to_string()) && stderr.contains(support::SCHEMA_ENV), "{stderr}");
}
