//! The schema as Terraform sees it (`terraform providers schema -json`), snapshotted: any change
//! to an attribute, flag or description shows up in review. Read by the newest Terraform core,
//! whatever terraform the machine has: older ones leave out kinds they do not know (identities).

use crate::harness::{newest, preamble, workspace_on};

/// The cima provider's part of `terraform providers schema -json`.
fn served_schema() -> serde_json::Value {
    let ws = workspace_on(&newest(), None);
    ws.write("main.tf", &preamble()).unwrap();
    let out = ws.run_ok(["providers", "schema", "-json"]).expect("providers schema");
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schemas = v["provider_schemas"].as_object_mut().unwrap();
    assert_eq!(schemas.len(), 1, "one provider");
    schemas.values_mut().next().unwrap().take()
}

#[test]
fn served_schema_snapshot() {
    insta::assert_json_snapshot!("provider_schema", served_schema());
}

/// Terraform marks a sensitive attribute's path once per element of every list, set or map
/// around it, and its plan then spends time growing with the square of the elements: 4000
/// cases with a sensitive attribute inside each took minutes of CPU per plan. A sensitive
/// value read in bulk belongs at the top of its block, marked once.
#[test]
fn no_sensitive_attribute_sits_inside_a_computed_collection() {
    let cima = served_schema();
    let mut found = Vec::new();
    for kind in ["resource_schemas", "data_source_schemas", "ephemeral_resource_schemas", "list_resource_schemas"] {
        for (name, schema) in cima[kind].as_object().into_iter().flatten() {
            sensitive_in_collections(&schema["block"], name, false, &mut found);
        }
    }
    assert!(found.is_empty(), "sensitive attributes inside computed collections: {found:?}");
}

fn sensitive_in_collections(block: &serde_json::Value, at: &str, inside: bool, found: &mut Vec<String>) {
    for (name, a) in block["attributes"].as_object().into_iter().flatten() {
        let path = format!("{at}.{name}");
        if inside && a["sensitive"] == true {
            found.push(path.clone());
        }
        if let Some(nested) = a.get("nested_type") {
            let many = nested["nesting_mode"] != "single";
            let read_only = a["computed"] == true && a.get("optional").is_none() && a.get("required").is_none();
            sensitive_in_collections(nested, &path, inside || (many && read_only), found);
        }
    }
    for (name, b) in block["block_types"].as_object().into_iter().flatten() {
        sensitive_in_collections(&b["block"], &format!("{at}.{name}"), inside, found);
    }
}
