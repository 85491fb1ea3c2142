//! `list "cima_linked_account"` through `terraform query` on the newest Terraform core (list
//! resources need ≥ 1.14): every member account with CIMA's wiring is found (whole, or half-made
//! by hand), an account without any is not, the filters narrow by OU and by completeness, and
//! `-generate-config-out` writes a resource and an import block for each, which a plan adopts.

use std::collections::BTreeSet;

use cima_testkit::{LocalAws, OrgSpec, TfWorkspace};
use serde_json::{Value, json};

use crate::harness::{newest, preamble, workspace_on};

const ENRICHER_ROLE: &str = "arn:aws:iam::123456789012:role/cima-enricher";
const CENTRAL_BUS: &str = "arn:aws:events:us-east-1:123456789012:event-bus/cima-central";

fn wiring(accounts: &[&str], organization: &str) -> String {
    let ids = accounts.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ");
    format!(
        r#"resource "cima_linked_account" "this" {{
  for_each = toset([{ids}])

  account_id        = each.value
  central_bus_arn   = "{CENTRAL_BUS}"
  enricher_role_arn = "{ENRICHER_ROLE}"
  organization_id   = "{organization}"
}}
"#
    )
}

/// `terraform query -json`'s results: list address → the account ids found.
fn query(ws: &TfWorkspace, extra: &[&str]) -> (std::collections::BTreeMap<String, BTreeSet<String>>, Vec<Value>) {
    let mut args = vec!["query", "-no-color", "-json"];
    args.extend_from_slice(extra);
    let out = ws.run_ok(args).expect("terraform query");
    let mut found: std::collections::BTreeMap<String, BTreeSet<String>> = Default::default();
    let mut lines = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else { continue };
        if v["type"] == "list_resource_found" {
            let r = &v["list_resource_found"];
            let address = r["address"].as_str().unwrap_or_default().to_owned();
            let account = r["identity"]["account_id"].as_str().unwrap_or_default().to_owned();
            found.entry(address).or_default().insert(account);
        }
        lines.push(v);
    }
    (found, lines)
}

#[test]
fn query_finds_every_wired_account_and_generates_their_import() {
    let tf = newest();
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 6, seed: 83, suspended: 0 }).expect("org");
    let members: Vec<_> = org.members().filter(|a| a.status == "ACTIVE").collect();
    assert!(members.len() >= 4, "{members:#?}");
    let (a, b, half, bare) = (&members[0], &members[1], &members[2], &members[3]);

    // Two accounts wired by another state; a third half-made by hand (its case-reader role only).
    let other = workspace_on(&tf, Some(&aws));
    other.write("main.tf", &(preamble() + &wiring(&[&a.id, &b.id], &org.organization_id))).unwrap();
    other.apply().expect("wire two accounts");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": ENRICHER_ROLE}, "Action": "sts:AssumeRole"}]});
    aws.call(
        "iam",
        "create_role",
        &json!({"RoleName": "CimaCaseReaderRole", "AssumeRolePolicyDocument": trust.to_string()}),
        Some(&half.id),
    )
    .expect("a half-made wiring");

    let ws = workspace_on(&tf, Some(&aws));
    ws.write("main.tf", &preamble()).unwrap();
    let a_ou = a.ou_path.clone();
    ws.write(
        "accounts.tfquery.hcl",
        &format!(
            r#"list "cima_linked_account" "all" {{
  provider = cima
}}

list "cima_linked_account" "broken" {{
  provider = cima
  config {{
    wiring = "incomplete"
  }}
}}

list "cima_linked_account" "in_ou" {{
  provider = cima
  config {{
    ou_paths = ["{a_ou}"]
  }}
}}
"#
        ),
    )
    .unwrap();
    // The registry example runs beside them as written.
    let example =
        cima_testkit::repo_root().join("examples/list-resources/cima_linked_account/list-resource.tfquery.hcl");
    ws.write("example.tfquery.hcl", &std::fs::read_to_string(example).expect("the example")).unwrap();
    let (found, lines) = query(&ws, &[]);
    let set = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<String>>();
    assert_eq!(found.get("list.cima_linked_account.all"), Some(&set(&[&a.id, &b.id, &half.id])), "{lines:#?}");
    assert!(!found.values().flatten().any(|id| id == &bare.id), "an account without wiring is not listed");
    assert_eq!(found.get("list.cima_linked_account.broken"), Some(&set(&[&half.id])), "{lines:#?}");
    assert_eq!(found.get("list.cima_linked_account.incomplete"), Some(&set(&[&half.id])), "the example");
    let in_ou: BTreeSet<String> = [a, b, half]
        .into_iter()
        .filter(|m| m.ou_path == a_ou || m.ou_path.starts_with(&format!("{a_ou}/")) || a_ou == "/")
        .map(|m| m.id.clone())
        .collect();
    assert_eq!(found.get("list.cima_linked_account.in_ou").cloned().unwrap_or_default(), in_ou, "{lines:#?}");

    // Generated configuration: a resource and an import block for each account found, which a
    // plan then adopts (the two whole wirings import with no change).
    let adopt = workspace_on(&tf, Some(&aws));
    adopt.write("main.tf", &preamble()).unwrap();
    adopt
        .write(
            "accounts.tfquery.hcl",
            "list \"cima_linked_account\" \"whole\" {\n  provider = cima\n  config {\n    wiring = \"complete\"\n  }\n}\n",
        )
        .unwrap();
    query(&adopt, &["-generate-config-out=generated.tf"]);
    let generated = std::fs::read_to_string(adopt.dir().join("generated.tf")).expect("generated.tf");
    for id in [&a.id, &b.id] {
        assert!(generated.contains(&format!("account_id = \"{id}\"")), "{generated}");
    }
    assert_eq!(generated.matches("import {").count(), 2, "{generated}");
    let out = adopt.run_ok(["plan", "-input=false", "-no-color"]).expect("plan the generated configuration");
    let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy"), "{generated}\n{text}");
}
