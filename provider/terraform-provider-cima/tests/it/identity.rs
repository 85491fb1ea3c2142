//! Resource identity (protocol 6.9) through the newest Terraform core (1.15.5; identity needs
//! ≥ 1.12, so the machine's own terraform may not have it): every state carries its identity,
//! and `import { identity = { … } }` adopts a wired account as an import id does.

use cima_testkit::{LocalAws, OrgSpec, TfWorkspace};
use serde_json::{Value, json};

use crate::harness::{newest, preamble, workspace_on};

const ENRICHER_ROLE: &str = "arn:aws:iam::123456789012:role/cima-enricher";
const CENTRAL_BUS: &str = "arn:aws:events:us-east-1:123456789012:event-bus/cima-central";

fn resource(account: &str, organization: &str) -> String {
    format!(
        r#"resource "cima_linked_account" "one" {{
  account_id        = "{account}"
  central_bus_arn   = "{CENTRAL_BUS}"
  enricher_role_arn = "{ENRICHER_ROLE}"
  organization_id   = "{organization}"
}}
"#
    )
}

fn only_resource(ws: &TfWorkspace) -> Value {
    let show = ws.show_json().expect("show");
    let resources = show["values"]["root_module"]["resources"].as_array().cloned().unwrap_or_default();
    assert_eq!(resources.len(), 1, "{show:#}");
    resources[0].clone()
}

/// Terraform's summary line of a plan, whitespace collapsed.
fn plan_summary(ws: &TfWorkspace) -> String {
    let out = ws.run_ok(["plan", "-input=false", "-no-color"]).expect("plan");
    let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    let at = text.find("Plan: ").unwrap_or_else(|| panic!("no plan summary: {text}"));
    text[at..].split('.').next().unwrap_or_default().to_owned()
}

#[test]
fn a_wired_account_imports_by_its_identity() {
    let tf = newest();
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 2, seed: 71, suspended: 0 }).expect("org");
    let member = org.members().next().expect("a member").id.clone();

    let ws = workspace_on(&tf, Some(&aws));
    ws.write("main.tf", &(preamble() + &resource(&member, &org.organization_id))).unwrap();
    ws.apply().expect("wire");
    let wired = only_resource(&ws);
    assert_eq!(wired["values"]["status"], "wired");
    assert_eq!(wired["identity"], json!({ "account_id": member }), "{wired:#}");
    assert_eq!(wired["identity_schema_version"], 0);

    // Another state adopts it by identity alone: one import, nothing to add.
    let adopted = workspace_on(&tf, Some(&aws));
    let import = format!(
        "import {{\n  to       = cima_linked_account.one\n  identity = {{ account_id = \"{member}\" }}\n}}\n\n"
    );
    adopted.write("main.tf", &(preamble() + &import + &resource(&member, &org.organization_id))).unwrap();
    assert_eq!(plan_summary(&adopted), "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy");
    adopted.apply().expect("import by identity");
    let imported = only_resource(&adopted);
    assert_eq!(imported["values"], wired["values"], "import-verify: every attribute");
    assert_eq!(imported["identity"], wired["identity"]);

    // An account with no CIMA wiring says so, by identity as by id.
    let bare = org.members().nth(1).expect("a second member").id.clone();
    let nothing = workspace_on(&tf, Some(&aws));
    let import =
        format!("import {{\n  to       = cima_linked_account.one\n  identity = {{ account_id = \"{bare}\" }}\n}}\n\n");
    nothing.write("main.tf", &(preamble() + &import + &resource(&bare, &org.organization_id))).unwrap();
    let err = nothing.run(["plan", "-input=false", "-no-color"]).expect("plan runs");
    let said = String::from_utf8_lossy(&err.stderr).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!err.status.success(), "{said}");
    assert!(said.contains("Nothing to import"), "{said}");
}

/// Each resource's registry example of import by identity is valid beside its resource example,
/// and an identity without the attributes the resource needs is refused by Terraform.
#[test]
fn import_by_identity_examples_validate() {
    let tf = newest();
    let examples = cima_testkit::repo_root().join("examples/resources");
    for resource in ["cima_linked_account", "cima_case_pipeline", "cima_org_query"] {
        let read = |file: &str| std::fs::read_to_string(examples.join(resource).join(file)).expect(file);
        let ws = workspace_on(&tf, None);
        ws.write("main.tf", &(preamble() + &read("resource.tf") + "\n" + &read("import-by-identity.tf"))).unwrap();
        let v = ws.validate_json().unwrap();
        assert_eq!(v["valid"], true, "{resource}: {v:#}");
    }
    let ws = workspace_on(&tf, None);
    let wrong = "resource \"cima_org_query\" \"x\" {\n  destination {\n    bucket = \"cima-b\"\n    key    = \"k\"\n  }\n}\n\n\
                 import {\n  to       = cima_org_query.x\n  identity = { bucket = \"cima-b\", path = \"k\" }\n}\n";
    ws.write("main.tf", &(preamble() + wrong)).unwrap();
    let out = ws.run(["plan", "-input=false", "-no-color"]).expect("plan runs");
    let said = String::from_utf8_lossy(&out.stderr).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!out.status.success() && said.contains(r#"attribute "key" is required"#), "{said}");
}
