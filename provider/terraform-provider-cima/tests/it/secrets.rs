//! No secret reaches the logs: a plan at `TF_LOG=TRACE`, through an assumed role with an external
//! id, with a secret key and a session token of its own, is scanned for all three.

use cima_testkit::{LocalAws, OrgSpec};
use serde_json::json;

use crate::harness::{preamble, workspace};

const EXTERNAL_ID: &str = "cima-external-id-7f3c9a";
const SECRET_KEY: &str = "cimaSecretKey0b5e8d2a";
const SESSION_TOKEN: &str = "cimaSessionToken41d7e6";

#[test]
fn a_trace_plan_logs_no_external_id_secret_key_or_session_token() {
    let aws = LocalAws::start().expect("local AWS");
    aws.seed_org(&OrgSpec { accounts: 3, seed: 41, suspended: 0 }).expect("org");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}}]});
    aws.call(
        "iam",
        "create_role",
        &json!({"RoleName": "cima-deploy", "AssumeRolePolicyDocument": trust.to_string()}),
        None,
    )
    .expect("role");
    let mut ws = workspace(Some(&aws));
    let log = ws.dir().join("trace.log");
    ws.envs([
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN),
        ("TF_LOG", "TRACE"),
        ("TF_LOG_PATH", log.to_str().unwrap()),
    ]);
    let provider = format!(
        "provider \"cima\" {{\n  assume_role {{\n    role_arn    = \"arn:aws:iam::123456789012:role/cima-deploy\"\n    external_id = \"{EXTERNAL_ID}\"\n  }}\n}}"
    );
    let config = preamble().replace("provider \"cima\" {}", &provider) + "data \"cima_org_query\" \"all\" {}\n";
    ws.write("main.tf", &config).unwrap();
    let plan = ws.plan_json().expect("plan at TRACE");
    assert!(plan["prior_state"].is_object() || plan["planned_values"].is_object(), "a plan was made");
    let text = std::fs::read_to_string(&log).expect("the TRACE log");
    // The provider did log at TRACE (so the scan below means something).
    assert!(text.contains("provider.terraform-provider-cima"), "no provider lines in the TRACE log");
    assert!(text.lines().count() > 100, "a TRACE log of {} lines", text.lines().count());
    for (what, secret) in [("external id", EXTERNAL_ID), ("secret key", SECRET_KEY), ("session token", SESSION_TOKEN)] {
        let leaks: Vec<&str> = text.lines().filter(|l| l.contains(secret)).take(3).collect();
        assert!(leaks.is_empty(), "the {what} is in the TRACE log:\n{}", leaks.join("\n"));
    }
}

/// The same scan for credentials given in the provider block itself (`secret_key`, `token`), as a
/// member's `cima_member_credentials` are: they reach the SDK, never the log.
#[test]
fn a_trace_plan_logs_no_secret_key_or_token_given_in_the_provider_block() {
    const BLOCK_SECRET: &str = "cimaBlockSecret5c2e91";
    const BLOCK_TOKEN: &str = "cimaBlockToken8a4f03";
    let aws = LocalAws::start().expect("local AWS");
    let mut ws = workspace(Some(&aws));
    let log = ws.dir().join("trace.log");
    ws.envs([("TF_LOG", "TRACE"), ("TF_LOG_PATH", log.to_str().unwrap())]);
    let provider = format!(
        "provider \"cima\" {{\n  access_key = \"AKIACIMABLOCKKEY\"\n  secret_key = \"{BLOCK_SECRET}\"\n  token      = \"{BLOCK_TOKEN}\"\n}}"
    );
    let config = preamble().replace("provider \"cima\" {}", &provider) + "data \"cima_caller_identity\" \"me\" {}\n";
    ws.write("main.tf", &config).unwrap();
    ws.plan_json().expect("plan at TRACE");
    let text = std::fs::read_to_string(&log).expect("the TRACE log");
    // The provider did call AWS with them (STS answered), so the scan below means something.
    assert!(text.contains("provider.terraform-provider-cima"), "no provider lines in the TRACE log");
    for (what, secret) in [("secret key", BLOCK_SECRET), ("session token", BLOCK_TOKEN)] {
        let leaks: Vec<&str> = text.lines().filter(|l| l.contains(secret)).take(3).collect();
        assert!(leaks.is_empty(), "the {what} is in the TRACE log:\n{}", leaks.join("\n"));
    }
}
