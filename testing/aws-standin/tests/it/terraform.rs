//! The real Terraform on a small configuration: validate, plan (computed values unknown), apply
//! (placeholders), and type errors rejected with the attribute named.

use serde_json::Value as Json;

use crate::support::{self, text};

const CONFIG: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 6.0" }
  }
}

provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { project = "cima" }
  }
}

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_s3_bucket" "this" {
  bucket = "data-${data.aws_caller_identity.current.account_id}"
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_iam_role" "this" {
  name               = "enricher"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

output "bucket_arn" { value = aws_s3_bucket.this.arn }
output "versioned_bucket" { value = aws_s3_bucket_versioning.this.bucket }
output "role_arn" { value = aws_iam_role.this.arn }
output "account_id" { value = data.aws_caller_identity.current.account_id }
output "policy" { value = data.aws_iam_policy_document.assume.json }
"#;

fn planned_resource<'a>(plan: &'a Json, address: &str) -> &'a Json {
    plan["resource_changes"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .unwrap_or_else(|| panic!("{address} not in the plan"))
}

#[test]
fn validates_plans_unknowns_and_applies_placeholders() {
    let ws = support::workspace();
    ws.write("main.tf", CONFIG).unwrap();
    ws.init().expect("init");
    let v = ws.validate_json().expect("validate");
    assert_eq!(v["valid"], true, "{v:#}");

    let plan = ws.plan_json().expect("plan");
    let bucket = planned_resource(&plan, "aws_s3_bucket.this");
    assert_eq!(bucket["change"]["actions"], serde_json::json!(["create"]));
    assert_eq!(bucket["change"]["after"]["bucket"], "data-123456789012", "data source read at plan time");
    for computed in ["arn", "id", "bucket_domain_name", "tags_all"] {
        assert_eq!(bucket["change"]["after_unknown"][computed], true, "{computed} is unknown at plan");
    }
    let versioning = planned_resource(&plan, "aws_s3_bucket_versioning.this");
    assert_eq!(versioning["change"]["after_unknown"]["bucket"], true, "a reference to an unknown id");

    ws.apply().expect("apply");
    let outputs = ws.output_json().expect("outputs");
    let bucket_arn = outputs["bucket_arn"]["value"].as_str().unwrap();
    assert!(bucket_arn.starts_with("arn:aws:s3:us-east-1:123456789012:bucket/standin-"), "{bucket_arn}");
    let role_arn = outputs["role_arn"]["value"].as_str().unwrap();
    assert!(role_arn.starts_with("arn:aws:iam:"), "{role_arn}");
    assert_eq!(outputs["account_id"]["value"], "123456789012");
    let policy: Json = serde_json::from_str(outputs["policy"]["value"].as_str().unwrap()).expect("policy is JSON");
    assert_eq!(policy["Statement"][0]["Action"], "sts:AssumeRole");
    assert_eq!(policy["Statement"][0]["Principal"]["Service"], "lambda.amazonaws.com");

    let state = ws.show_json().expect("state");
    let resources = state["values"]["root_module"]["resources"].as_array().unwrap();
    let find = |addr: &str| resources.iter().find(|r| r["address"] == addr).unwrap()["values"].clone();
    let applied_bucket = find("aws_s3_bucket.this");
    let id = applied_bucket["id"].as_str().unwrap();
    assert!(id.starts_with("standin-s3_bucket-"), "{id}");
    assert_eq!(find("aws_s3_bucket_versioning.this")["bucket"], id, "the reference resolved to the applied id");
    assert_eq!(applied_bucket["tags_all"], serde_json::json!({}));
    assert_eq!(applied_bucket["object_lock_enabled"], false, "a computed bool");

    // Read returns the state unchanged, and update keeps computed values: nothing to do.
    let again = ws.run(["plan", "-detailed-exitcode", "-no-color", "-input=false"]).unwrap();
    assert_eq!(again.status.code(), Some(0), "a second plan is empty:\n{}", text(&again));

    // An in-place update keeps the computed values it had.
    ws.write(
        "main.tf",
        &CONFIG.replace("name               = \"enricher\"", "name = \"enricher\"\n  description = \"v2\""),
    )
    .unwrap();
    ws.apply().expect("update");
    let after = ws.show_json().expect("state");
    let role = |s: &Json| {
        s["values"]["root_module"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == "aws_iam_role.this")
            .unwrap()["values"]
            .clone()
    };
    assert_eq!(role(&after)["description"], "v2");
    assert_eq!(role(&after)["arn"], role(&state)["arn"]);

    ws.destroy().expect("destroy");
}

#[test]
fn validate_rejects_type_errors_naming_the_attribute() {
    let ws = support::workspace();
    let base = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n";
    ws.write("main.tf", base).unwrap();
    ws.init().expect("init");

    let cases = [
        // A block used as an argument.
        (
            "resource \"aws_s3_bucket_versioning\" \"v\" {\n  bucket = \"b\"\n  \
             versioning_configuration = \"yes\"\n}\n",
            "versioning_configuration",
        ),
        // A misspelt argument.
        ("resource \"aws_iam_role\" \"r\" {\n  name = \"r\"\n  assume_role_polcy = \"{}\"\n}\n", "assume_role_polcy"),
        // A missing required argument.
        ("resource \"aws_iam_role\" \"r\" {\n  name = \"r\"\n}\n", "assume_role_policy"),
        // A wrong type: a map where a number is expected.
        (
            "resource \"aws_sqs_queue\" \"q\" {\n  message_retention_seconds = { days = 4 }\n}\n",
            "message_retention_seconds",
        ),
        // A reference to an attribute the resource does not have.
        ("resource \"aws_sns_topic\" \"t\" {}\noutput \"o\" { value = aws_sns_topic.t.topic_url }\n", "topic_url"),
    ];
    for (config, attribute) in cases {
        ws.write("main.tf", &format!("{base}{config}")).unwrap();
        let v = ws.validate_json().expect("validate -json");
        assert_eq!(v["valid"], false, "{config} must be rejected");
        let diags = v["diagnostics"].to_string();
        assert!(diags.contains(attribute), "the diagnostics of\n{config}\nname {attribute}: {diags}");
    }
}

#[test]
fn imports_by_id() {
    let ws = support::workspace();
    ws.write(
        "main.tf",
        "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n\
         import {\n  to = aws_sns_topic.alerts\n  id = \"arn:aws:sns:us-east-1:123456789012:alerts\"\n}\n\
         resource \"aws_sns_topic\" \"alerts\" {\n  name = \"alerts\"\n}\n",
    )
    .unwrap();
    ws.init().expect("init");
    let plan = ws.plan_json().expect("plan with an import block");
    let topic = planned_resource(&plan, "aws_sns_topic.alerts");
    assert_eq!(topic["change"]["importing"]["id"], "arn:aws:sns:us-east-1:123456789012:alerts");
    assert_eq!(topic["change"]["before"]["id"], "arn:aws:sns:us-east-1:123456789012:alerts");
    ws.apply().expect("apply the import");
    let state = ws.show_json().expect("state");
    let values = &state["values"]["root_module"]["resources"][0]["values"];
    assert_eq!(values["id"], "arn:aws:sns:us-east-1:123456789012:alerts");
    assert_eq!(values["name"], "alerts");
}
