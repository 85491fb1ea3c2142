//! An organization is never still. Through the real Terraform against a local AWS, with a
//! `for_each` of linked accounts: one account whose access role is deleted out of band is a
//! warning naming it on plan and apply while the others plan and repair as usual (a disabled
//! rule, a managed policy attached); removed from the configuration while ACTIVE, its delete
//! fails and its resource stays; once the account is closed (SUSPENDED) the apply forgets it
//! with a warning; and destroy succeeds with managed policies attached to CIMA roles.

use cima_testkit::{LocalAws, OrgSpec, SeededOrg, TfWorkspace};
use serde_json::{Value, json};

use crate::harness::{preamble, workspace};

const ENRICHER_ROLE: &str = "arn:aws:iam::123456789012:role/cima-enricher";
const CENTRAL_BUS: &str = "arn:aws:events:us-east-1:123456789012:event-bus/cima-central";
/// The provider comes in through its own role, so the test can take it away and give it back
/// (its own calls go through OrganizationAccountAccessRole).
const ACCESS_ROLE: &str = "CimaAdmin";
const READER_ROLE: &str = "CimaCaseReaderRole";
const EVENTS_ROLE: &str = "CimaEventForwarderRole";
const RULE: &str = "cima-forward-support";

fn config(org: &SeededOrg, excluded: &[&str]) -> String {
    let excluded = excluded.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
    format!(
        r#"{}data "cima_org_query" "members" {{
  include_management_account = false
  exclude_account_ids        = [{excluded}]
}}

resource "cima_linked_account" "this" {{
  for_each = toset(data.cima_org_query.members.account_ids)

  account_id        = each.value
  access_role_name  = "{ACCESS_ROLE}"
  central_bus_arn   = "{CENTRAL_BUS}"
  enricher_role_arn = "{ENRICHER_ROLE}"
  organization_id   = "{}"
}}
"#,
        preamble(),
        org.organization_id
    )
}

fn access_role(aws: &LocalAws, account: &str) {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]});
    aws.call(
        "iam",
        "create_role",
        &json!({"RoleName": ACCESS_ROLE, "AssumeRolePolicyDocument": trust.to_string()}),
        Some(account),
    )
    .expect("access role");
}

/// A customer managed policy in `account`, attached to `role` there.
fn attach_policy(aws: &LocalAws, account: &str, role: &str) -> String {
    let document =
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    let name = format!("extra-{role}");
    let created = aws
        .call(
            "iam",
            "create_policy",
            &json!({"PolicyName": name, "PolicyDocument": document.to_string()}),
            Some(account),
        )
        .expect("policy");
    let arn = created["Policy"]["Arn"].as_str().unwrap().to_owned();
    aws.call("iam", "attach_role_policy", &json!({"RoleName": role, "PolicyArn": arn}), Some(account)).expect("attach");
    arn
}

fn attached(aws: &LocalAws, account: &str, role: &str) -> Value {
    aws.call("iam", "list_attached_role_policies", &json!({"RoleName": role}), Some(account)).unwrap()
        ["AttachedPolicies"]
        .clone()
}

/// `terraform plan`'s output (warnings included) and the plan's changed accounts, sorted.
fn plan(ws: &TfWorkspace) -> (String, Vec<String>) {
    let out = ws.run_ok(["plan", "-input=false", "-no-color", "-out=drift.tfplan"]).expect("plan succeeds");
    let shown = ws.run_ok(["show", "-json", "drift.tfplan"]).unwrap();
    let plan: Value = serde_json::from_slice(&shown.stdout).unwrap();
    let mut changed: Vec<String> = plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["type"] == "cima_linked_account" && c["change"]["actions"] != json!(["no-op"]))
        .map(|c| format!("{} {}", c["index"].as_str().unwrap_or_default(), c["change"]["actions"]))
        .collect();
    changed.sort();
    (output(&out), changed)
}

/// stdout and stderr with whitespace runs made one space: Terraform wraps diagnostics' text.
fn output(out: &std::process::Output) -> String {
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn in_state(ws: &TfWorkspace) -> Vec<String> {
    let show = ws.show_json().unwrap();
    let mut ids: Vec<String> = show["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "cima_linked_account")
        .map(|r| r["values"]["account_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The refusal as AWS words it, with the account and the role, and no Debug dump.
fn names_the_refusal(text: &str, account: &str) {
    assert!(text.contains("AccessDenied: User: "), "{text}");
    assert!(text.contains(&format!("sts:AssumeRole on resource: arn:aws:iam::{account}:role/{ACCESS_ROLE}")), "{text}");
    for debug in ["AwsError", "DispatchFailure", "ServiceError", "Some(\""] {
        assert!(!text.contains(debug), "no Debug dump ({debug}): {text}");
    }
}

#[test]
fn an_unreachable_account_warns_and_every_other_account_goes_on() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 6, seed: 59, suspended: 0 }).expect("org");
    let members: Vec<String> = org.members().map(|a| a.id.clone()).collect();
    for m in &members {
        access_role(&aws, m);
    }
    aws.call("events", "create_event_bus", &json!({"Name": "cima-central"}), None).unwrap();

    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config(&org, &[])).unwrap();
    ws.apply().expect("wire all");
    let mut all = members.clone();
    all.sort();
    assert_eq!(in_state(&ws), all);

    // Out of band: one account's access role goes, another's rule is disabled, a third's events
    // role gets a managed policy.
    let (lost, disabled, widened) = (&members[0], &members[1], &members[2]);
    aws.call("iam", "delete_role", &json!({"RoleName": ACCESS_ROLE}), Some(lost)).unwrap();
    aws.call("events", "disable_rule", &json!({"Name": RULE}), Some(disabled)).unwrap();
    attach_policy(&aws, widened, EVENTS_ROLE);

    let (out, changed) = plan(&ws);
    let mut want = vec![format!("{disabled} [\"update\"]"), format!("{widened} [\"update\"]")];
    want.sort();
    assert_eq!(changed, want, "the others plan as usual, the lost account plans nothing:\n{out}");
    assert!(out.contains(&format!("Warning: Cannot reach account {lost}: its wiring was not read")), "{out}");
    names_the_refusal(&out, lost);
    assert!(out.contains("The account is ACTIVE in the organization."), "{out}");

    let out = output(&ws.apply().expect("apply goes on"));
    assert!(out.contains(&format!("Warning: Cannot reach account {lost}")), "{out}");
    let rule = aws.call("events", "describe_rule", &json!({"Name": RULE}), Some(disabled)).unwrap();
    assert_eq!(rule["State"], "ENABLED");
    assert_eq!(attached(&aws, widened, EVENTS_ROLE), json!([]), "detached");
    assert_eq!(plan(&ws).1, Vec::<String>::new(), "repaired");

    // Removed from the configuration while ACTIVE: not forgotten.
    ws.write("main.tf", &config(&org, &[lost])).unwrap();
    let refused = ws.run(["apply", "-auto-approve", "-input=false", "-no-color"]).unwrap();
    let out = output(&refused);
    assert!(!refused.status.success(), "{out}");
    assert!(out.contains(&format!("Error: Cannot unwire account {lost}")), "{out}");
    names_the_refusal(&out, lost);
    assert!(out.contains("the resource stays in the state"), "{out}");
    assert_eq!(in_state(&ws), all, "still in the state");

    // Closed: it drops out of the query (ACTIVE accounts only), and the apply forgets it.
    ws.write("main.tf", &config(&org, &[])).unwrap();
    let closed =
        aws.control("/_localaws/organizations/account", &json!({"account_id": lost, "status": "SUSPENDED"})).unwrap();
    assert_eq!(closed["Account"]["Status"], "SUSPENDED");
    let (out, changed) = plan(&ws);
    assert_eq!(changed, [format!("{lost} [\"delete\"]")], "{out}");
    let out = output(&ws.apply().expect("the closed account is forgotten"));
    assert!(out.contains(&format!("Warning: Account {lost} could not be reached: nothing was deleted")), "{out}");
    names_the_refusal(&out, lost);
    assert!(out.contains("The account is SUSPENDED in the organization"), "{out}");
    let rest: Vec<String> = all.iter().filter(|a| *a != lost).cloned().collect();
    assert_eq!(in_state(&ws), rest);
    assert_eq!(plan(&ws).1, Vec::<String>::new());

    // Managed policies attached to CIMA roles never make destroy fail with DeleteConflict.
    attach_policy(&aws, &members[3], READER_ROLE);
    attach_policy(&aws, &members[4], EVENTS_ROLE);
    ws.destroy().expect("destroy");
    for m in &rest {
        for role in [READER_ROLE, EVENTS_ROLE] {
            let err = aws.call("iam", "get_role", &json!({"RoleName": role}), Some(m)).unwrap_err();
            assert!(err.to_string().contains("NoSuchEntity"), "{m} {role}: {err}");
        }
        aws.call("iam", "get_role", &json!({"RoleName": ACCESS_ROLE}), Some(m)).expect("access role untouched");
    }
}
