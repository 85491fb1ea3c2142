//! Import of `cima_linked_account` wired with names that are not the defaults (access role,
//! case-reader role, query role), through the real Terraform against a local
//! AWS: the import id carries the names, the imported state equals the one apply wrote, and the
//! next plan is empty.

use cima_testkit::{LocalAws, OrgSpec, TfWorkspace};
use serde_json::{Value, json};

use crate::harness::{preamble, workspace};

const ENRICHER_ROLE: &str = "arn:aws:iam::123456789012:role/cima-enricher";
const CENTRAL_BUS: &str = "arn:aws:events:us-east-1:123456789012:event-bus/cima-central";
const CHAT_ROLE: &str = "arn:aws:iam::123456789012:role/cima-chat-query";

fn config(account: &str, organization: &str) -> String {
    format!(
        r#"{}resource "cima_linked_account" "one" {{
  account_id            = "{account}"
  access_role_name      = "AcmeAdmin"
  case_reader_role_name = "AcmeCaseReader"
  central_bus_arn       = "{CENTRAL_BUS}"
  enricher_role_arn     = "{ENRICHER_ROLE}"
  organization_id       = "{organization}"

  query_role {{
    name             = "AcmeChatQuery"
    trusted_role_arn = "{CHAT_ROLE}"
    external_id      = "acme-chat"
  }}
}}
"#,
        preamble()
    )
}

fn values(ws: &TfWorkspace) -> Value {
    let show = ws.show_json().unwrap();
    show["values"]["root_module"]["resources"][0]["values"].clone()
}

fn plan_actions(ws: &TfWorkspace) -> Vec<Value> {
    let plan = ws.plan_json().expect("plan");
    plan["resource_changes"].as_array().into_iter().flatten().map(|c| c["change"]["actions"].clone()).collect()
}

#[test]
fn import_with_non_default_role_names_round_trips() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 2, seed: 61, suspended: 0 }).expect("org");
    let member = org.members().next().unwrap().id.clone();
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]});
    aws.call(
        "iam",
        "create_role",
        &json!({"RoleName": "AcmeAdmin", "AssumeRolePolicyDocument": trust.to_string()}),
        Some(&member),
    )
    .expect("access role");

    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config(&member, &org.organization_id)).unwrap();
    ws.apply().expect("wire");
    let wired = values(&ws);
    assert_eq!(wired["status"], "wired");
    assert!(wired["query_role_arn"].as_str().unwrap().ends_with(":role/AcmeChatQuery"), "{wired}");

    let imported = workspace(Some(&aws));
    imported.write("main.tf", &config(&member, &org.organization_id)).unwrap();
    // Under the default names there is nothing to import, and the error says which name it looked for.
    let bare = imported.run(["import", "-input=false", "-no-color", "cima_linked_account.one", &member]).unwrap();
    let said = String::from_utf8_lossy(&bare.stderr);
    assert!(!bare.status.success());
    assert!(said.contains("Nothing to import"), "{said}");

    let id = format!(
        "{member},access_role_name=AcmeAdmin,case_reader_role_name=AcmeCaseReader,query_role_name=AcmeChatQuery"
    );
    imported.run_ok(["import", "-input=false", "-no-color", "cima_linked_account.one", &id]).expect("import");
    assert_eq!(values(&imported), wired, "import-verify: every attribute");
    assert_eq!(plan_actions(&imported), [json!(["no-op"])], "the imported account plans no change");

    ws.destroy().expect("destroy");
    for role in ["AcmeCaseReader", "AcmeChatQuery", "CimaEventForwarderRole"] {
        let gone = aws.call("iam", "get_role", &json!({"RoleName": role}), Some(&member)).unwrap_err();
        assert!(gone.to_string().contains("NoSuchEntity"), "{role}: {gone}");
    }
}
