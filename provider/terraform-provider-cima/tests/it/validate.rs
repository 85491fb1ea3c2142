//! Bad input is reported by `terraform validate`, before any AWS call, at the attribute that
//! holds it. (`terraform test`'s expect_failures cannot catch provider diagnostics, so this reads
//! `validate -json`.)

use serde_json::Value;

use crate::harness::{line_of, preamble, workspace};

fn errors(v: &Value) -> Vec<&Value> {
    v["diagnostics"].as_array().unwrap().iter().filter(|d| d["severity"] == "error").collect()
}

#[test]
fn bad_ids_fail_validate_at_their_path() {
    let config = format!(
        r#"{}data "cima_org_query" "bad" {{
  parent_ids = [
    "r-ab12",
    "ou-bad",
  ]
  exclude_account_ids = ["12345"]
}}
"#,
        preamble()
    );
    let ws = workspace(None);
    ws.write("main.tf", &config).unwrap();
    let v = ws.validate_json().unwrap();
    assert_eq!(v["valid"], false, "{v:#}");
    let errs = errors(&v);
    let parent = errs.iter().find(|d| d["summary"] == "Invalid parent id").unwrap_or_else(|| panic!("{v:#}"));
    assert!(parent["detail"].as_str().unwrap().contains("ou-bad"));
    // parent_ids is a set, whose elements a diagnostic path cannot name: Terraform points at the
    // attribute.
    assert_eq!(parent["range"]["start"]["line"], line_of(&config, "parent_ids ="), "{parent:#}");
    let account = errs.iter().find(|d| d["summary"] == "Invalid account id").unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(account["range"]["start"]["line"], line_of(&config, "exclude_account_ids"));
    assert_eq!(errs.len(), 2, "{v:#}");
}

#[test]
fn valid_config_with_unknown_values_passes_validate() {
    // parent_ids depends on another data source: unknown at validate time, and not an error.
    let config = format!(
        r#"{}data "cima_org_query" "root" {{}}

data "cima_org_query" "below" {{
  parent_ids = [data.cima_org_query.root.root_id, "ou-ab12-abcdefgh"]
}}
"#,
        preamble()
    );
    let ws = workspace(None);
    ws.write("main.tf", &config).unwrap();
    let v = ws.validate_json().unwrap();
    assert_eq!(v["valid"], true, "{v:#}");
}

#[test]
fn bad_provider_settings_fail_validate_at_their_path() {
    let config = preamble().replace(
        "provider \"cima\" {}",
        "provider \"cima\" {\n  max_concurrency = 0\n  endpoint_url    = \"localhost:5000\"\n}",
    ) + "data \"cima_org_query\" \"x\" {}\n";
    let ws = workspace(None);
    ws.write("main.tf", &config).unwrap();
    let v = ws.validate_json().unwrap();
    let errs = errors(&v);
    let conc = errs.iter().find(|d| d["summary"] == "Invalid max_concurrency").unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(conc["range"]["start"]["line"], line_of(&config, "max_concurrency"));
    let ep = errs.iter().find(|d| d["summary"] == "Invalid endpoint_url").unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(ep["range"]["start"]["line"], line_of(&config, "endpoint_url"));
}

#[test]
fn bad_destination_and_account_ids_fail_validate_at_their_path() {
    let config = format!(
        r#"{}resource "cima_org_query" "inventory" {{
  include_account_ids = ["1234567890123"]

  destination {{
    bucket = "Cima-Data"
    key    = "accounts.csv"
    format = "xml"
    tag_key = "aws:cloudformation:stack-name"
  }}
}}
"#,
        preamble()
    );
    let ws = workspace(None);
    ws.write("main.tf", &config).unwrap();
    let v = ws.validate_json().unwrap();
    let errs = errors(&v);
    let find =
        |summary: &str| *errs.iter().find(|d| d["summary"] == summary).unwrap_or_else(|| panic!("{summary}: {v:#}"));
    assert_eq!(find("Invalid bucket name")["range"]["start"]["line"], line_of(&config, "bucket ="));
    assert_eq!(find("Invalid format")["range"]["start"]["line"], line_of(&config, "format ="));
    let id = find("Invalid account id");
    assert_eq!(id["range"]["start"]["line"], line_of(&config, "include_account_ids"));
    assert!(id["detail"].as_str().unwrap().contains("1234567890123"));
    let tag_key = find("Invalid tag key");
    assert_eq!(tag_key["range"]["start"]["line"], line_of(&config, "tag_key ="));
    assert!(tag_key["detail"].as_str().unwrap().contains("aws:"), "{tag_key:#}");
    assert_eq!(errs.len(), 4, "{v:#}");
}

#[test]
fn bad_case_filters_fail_validate_at_their_path() {
    let config = format!(
        r#"{}data "cima_cases" "bad" {{
  account_ids = [
    "123456789012",
    "1234567890123",
  ]
  severities = ["severe"]
  after_time = "last tuesday"
}}
"#,
        preamble()
    );
    let ws = workspace(None);
    ws.write("main.tf", &config).unwrap();
    let v = ws.validate_json().unwrap();
    let errs = errors(&v);
    let find =
        |summary: &str| *errs.iter().find(|d| d["summary"] == summary).unwrap_or_else(|| panic!("{summary}: {v:#}"));
    assert_eq!(find("Invalid account id")["range"]["start"]["line"], line_of(&config, "\"1234567890123\""));
    assert_eq!(find("Invalid severity")["range"]["start"]["line"], line_of(&config, "severities"));
    assert_eq!(find("Invalid time")["range"]["start"]["line"], line_of(&config, "after_time"));
    assert_eq!(errs.len(), 3, "{v:#}");
}

#[test]
fn bad_pipeline_settings_fail_validate_at_their_path() {
    let config = format!(
        r#"{}resource "cima_case_pipeline" "this" {{
  organization_ids      = ["abcdefghij12"]
  enricher_function_arn = "cima-enricher"
  store_target_arn      = "arn:aws:firehose:us-east-1:123456789012:deliverystream/cima"
  dead_letter_queue_arn = "arn:aws:sns:us-east-1:123456789012:topic"

  retry_policy {{
    maximum_retry_attempts = 400
  }}
}}
"#,
        preamble()
    );
    let ws = workspace(None);
    ws.write("main.tf", &config).unwrap();
    let v = ws.validate_json().unwrap();
    let errs = errors(&v);
    let find =
        |summary: &str| *errs.iter().find(|d| d["summary"] == summary).unwrap_or_else(|| panic!("{summary}: {v:#}"));
    assert_eq!(find("Invalid organization id")["range"]["start"]["line"], line_of(&config, "organization_ids"));
    assert_eq!(
        find("Invalid enricher_function_arn")["range"]["start"]["line"],
        line_of(&config, "enricher_function_arn")
    );
    assert_eq!(
        find("Invalid dead_letter_queue_arn")["range"]["start"]["line"],
        line_of(&config, "dead_letter_queue_arn")
    );
    assert_eq!(
        find("Invalid maximum_retry_attempts")["range"]["start"]["line"],
        line_of(&config, "maximum_retry_attempts")
    );
    assert_eq!(errs.len(), 4, "{v:#}");
}

#[test]
fn bad_linked_account_settings_fail_validate_at_their_path() {
    let config = format!(
        r#"{}resource "cima_linked_account" "bad" {{
  account_id        = "123456789012"
  central_bus_arn   = "arn:aws-cn:events:cn-north-1:123456789012:event-bus/cima"
  enricher_role_arn = "arn:aws:iam::123456789012:role/cima-enricher"
  organization_id   = "abcdefghij12"
  backfill_days     = 400

  query_role {{
    trusted_role_arn = "chat-role"
  }}
}}
"#,
        preamble()
    );
    let ws = workspace(None);
    ws.write("main.tf", &config).unwrap();
    let v = ws.validate_json().unwrap();
    let errs = errors(&v);
    let find =
        |summary: &str| *errs.iter().find(|d| d["summary"] == summary).unwrap_or_else(|| panic!("{summary}: {v:#}"));
    assert_eq!(find("ARNs in different partitions")["range"]["start"]["line"], line_of(&config, "central_bus_arn"));
    assert_eq!(find("Invalid organization id")["range"]["start"]["line"], line_of(&config, "organization_id"));
    assert_eq!(find("Invalid backfill_days")["range"]["start"]["line"], line_of(&config, "backfill_days"));
    assert_eq!(find("Invalid trusted_role_arn")["range"]["start"]["line"], line_of(&config, "trusted_role_arn"));
    assert_eq!(errs.len(), 4, "{v:#}");
}

#[test]
fn hostile_names_sources_tags_and_timeouts_fail_validate_at_their_path() {
    let config = format!(
        r#"{}resource "cima_linked_account" "bad" {{
  account_id            = "123456789012"
  central_bus_arn       = "arn:aws:events:us-east-1:123456789012:event-bus/cima"
  enricher_role_arn     = "arn:aws:iam::123456789012:role/cima-enricher"
  access_role_name      = "{}"
  case_reader_role_name = "CIMA reader"
  enriched_source       = "aws.support"
  tags = {{
    "aws:owner" = "platform"
  }}

  query_role {{
    name             = "chat/query"
    trusted_role_arn = "arn:aws:iam::123456789012:role/chat"
  }}

  timeouts {{
    create = "0s"
  }}
}}
"#,
        preamble(),
        "r".repeat(65)
    );
    let ws = workspace(None);
    ws.write("main.tf", &config).unwrap();
    let v = ws.validate_json().unwrap();
    let errs = errors(&v);
    let at = |needle: &str| {
        errs.iter()
            .find(|d| d["detail"].as_str().is_some_and(|t| t.contains(needle)))
            .unwrap_or_else(|| panic!("{needle}: {v:#}"))["range"]["start"]["line"]
            .clone()
    };
    assert_eq!(at("65 characters"), line_of(&config, "access_role_name"));
    assert_eq!(at("\"CIMA reader\""), line_of(&config, "case_reader_role_name"));
    assert_eq!(at("\"chat/query\""), line_of(&config, "\"chat/query\""));
    assert_eq!(at("only AWS services"), line_of(&config, "enriched_source"));
    assert_eq!(at("AWS reserves"), line_of(&config, "\"aws:owner\""));
    assert_eq!(at("longer than 0"), line_of(&config, "create = \"0s\""));
    assert_eq!(errs.len(), 6, "{v:#}");
}
