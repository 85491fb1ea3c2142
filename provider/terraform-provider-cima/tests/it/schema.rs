//! The schema as Terraform sees it (`terraform providers schema -json`), snapshotted: any change
//! to an attribute, flag or description shows up in review. Read by the newest Terraform core,
//! whatever terraform the machine has: older ones leave out kinds they do not know (identities).

use crate::harness::{newest, preamble, workspace_on};

#[test]
fn served_schema_snapshot() {
    let ws = workspace_on(&newest(), None);
    ws.write("main.tf", &preamble()).unwrap();
    let out = ws.run_ok(["providers", "schema", "-json"]).expect("providers schema");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schemas = &v["provider_schemas"];
    let (_, cima) = schemas.as_object().unwrap().iter().next().expect("one provider");
    insta::assert_json_snapshot!("provider_schema", cima);
}
