//! `ephemeral "cima_member_credentials"` through the real Terraform (≥ 1.10): the credentials
//! reach another provider block, which then acts in the member account, and nothing of them is
//! written to the state.

use cima_testkit::{LocalAws, OrgSpec};

use crate::harness::{newest, preamble, workspace_on};

#[test]
fn member_credentials_act_in_the_member_and_never_reach_the_state() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 2, seed: 23, suspended: 0 }).expect("org");
    let member = org.members().next().expect("a member").id.clone();
    let ws = workspace_on(&newest(), Some(&aws));
    let config = preamble()
        + &format!(
            r#"ephemeral "cima_member_credentials" "member" {{
  account_id       = "{member}"
  duration_seconds = 900
}}

provider "cima" {{
  alias      = "member"
  access_key = ephemeral.cima_member_credentials.member.access_key_id
  secret_key = ephemeral.cima_member_credentials.member.secret_access_key
  token      = ephemeral.cima_member_credentials.member.session_token
}}

data "cima_caller_identity" "member" {{
  provider = cima.member
}}

data "cima_caller_identity" "provider" {{}}

output "member" {{
  value = data.cima_caller_identity.member.account_id
}}

output "member_arn" {{
  value = data.cima_caller_identity.member.arn
}}

output "provider" {{
  value = data.cima_caller_identity.provider.account_id
}}
"#
        );
    ws.write("main.tf", &config).unwrap();
    ws.apply().expect("apply");
    let out = ws.output_json().expect("outputs");
    assert_eq!(out["member"]["value"], member.as_str(), "{out:#}");
    assert_eq!(out["provider"]["value"], org.management_account_id.as_str(), "{out:#}");
    let arn = out["member_arn"]["value"].as_str().unwrap_or_default();
    assert!(arn.contains(&format!("::{member}:assumed-role/OrganizationAccountAccessRole/")), "{arn}");

    // Nothing of the ephemeral resource is in the state: neither it nor its credentials.
    let state = std::fs::read_to_string(ws.dir().join("terraform.tfstate")).expect("state file");
    for needle in ["cima_member_credentials", "secret_access_key", "session_token", "ASIA"] {
        assert!(!state.contains(needle), "{needle} in the state:\n{state}");
    }

    // Bad settings fail validate at their attribute, before any AWS call.
    let bad = preamble()
        + "ephemeral \"cima_member_credentials\" \"bad\" {\n  account_id       = \"12345\"\n  duration_seconds = 60\n}\n";
    ws.write("main.tf", &bad).unwrap();
    let v = ws.validate_json().expect("validate");
    assert_eq!(v["valid"], false, "{v:#}");
    let summaries: Vec<&str> =
        v["diagnostics"].as_array().into_iter().flatten().filter_map(|d| d["summary"].as_str()).collect();
    assert!(summaries.contains(&"Invalid account id") && summaries.contains(&"Invalid duration"), "{v:#}");
}
