//! The HCL modules spell some of `cima_core::contract`'s names as variable defaults and event
//! patterns; read with a real HCL parser, they must say what the provider and the Lambdas say.

use std::path::{Path, PathBuf};

use cima_core::contract;

fn repo() -> PathBuf {
    // CARGO_MANIFEST_DIR is <repo>/cima-core.
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the repository").to_path_buf()
}

/// Every `*.tf` file of one directory (not below it), parsed.
fn module(dir: &str) -> Vec<(PathBuf, hcl::Body)> {
    let dir = repo().join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            let body = hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, body)
        })
        .collect()
}

/// The blocks `kind "labels..."` of a module.
fn blocks<'a>(files: &'a [(PathBuf, hcl::Body)], kind: &str, labels: &[&str]) -> Vec<&'a hcl::Block> {
    files
        .iter()
        .flat_map(|(_, b)| b.blocks())
        .filter(|b| {
            b.identifier() == kind
                && b.labels().len() >= labels.len()
                && b.labels().iter().zip(labels).all(|(l, want)| l.as_str() == *want)
        })
        .collect()
}

fn attribute<'a>(block: &'a hcl::Block, key: &str) -> Option<&'a hcl::Expression> {
    block.body().attributes().find(|a| a.key() == key).map(|a| a.expr())
}

/// The literal default of `variable "name"` in `dir`.
fn default_of(dir: &str, name: &str) -> String {
    let files = module(dir);
    let found = blocks(&files, "variable", &[name]);
    let var = found.first().unwrap_or_else(|| panic!("{dir}: no variable {name:?}"));
    match attribute(var, "default") {
        Some(hcl::Expression::String(s)) => s.clone(),
        other => panic!("{dir}: variable {name:?} has no literal string default: {other:?}"),
    }
}

#[test]
fn the_modules_default_names_are_the_contracts() {
    let cases = [
        ("modules/cima-central", "enriched_source", contract::DEFAULT_ENRICHED_SOURCE),
        ("modules/cima-central", "enriched_detail_type", contract::DEFAULT_ENRICHED_DETAIL_TYPE),
        ("modules/cima-central", "case_reader_role_name", contract::DEFAULT_CASE_READER_ROLE),
        ("modules/cima-linked", "case_reader_role_name", contract::DEFAULT_CASE_READER_ROLE),
        ("modules/cima-linked", "query_role_name", contract::DEFAULT_QUERY_ROLE),
        ("modules/chat-api", "query_role_name", contract::DEFAULT_QUERY_ROLE),
        (".", "case_reader_role_name", contract::DEFAULT_CASE_READER_ROLE),
        (".", "query_role_name", contract::DEFAULT_QUERY_ROLE),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|(dir, var, want)| {
            let got = default_of(dir, var);
            (got != *want).then(|| format!("{dir}: variable {var:?} defaults to {got:?}, the contract says {want:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The event pattern of a rule, as JSON: the argument of its `jsonencode(...)`.
fn pattern_of(dir: &str, rule: &str) -> serde_json::Value {
    let files = module(dir);
    let found = blocks(&files, "resource", &["aws_cloudwatch_event_rule", rule]);
    let block = found.first().unwrap_or_else(|| panic!("{dir}: no aws_cloudwatch_event_rule.{rule}"));
    let Some(hcl::Expression::FuncCall(call)) = attribute(block, "event_pattern") else {
        panic!("{dir}: aws_cloudwatch_event_rule.{rule}.event_pattern is not a jsonencode(...) call");
    };
    assert_eq!(call.name.to_string(), "jsonencode", "{dir}: {rule}");
    let arg = call.args.first().cloned().expect("an argument");
    serde_json::to_value(hcl::Value::from(arg)).expect("JSON")
}

#[test]
fn the_central_backfill_rule_matches_the_backfill_request() {
    let p = pattern_of("modules/cima-central", "backfill");
    assert_eq!(p["source"], serde_json::json!([contract::BACKFILL_SOURCE]), "{p}");
    assert_eq!(p["detail-type"], serde_json::json!([contract::BACKFILL_DETAIL_TYPE]), "{p}");
}

/// The literal (non-string) default of `variable "name"` in `dir`, as JSON.
fn json_default_of(dir: &str, name: &str) -> serde_json::Value {
    let files = module(dir);
    let found = blocks(&files, "variable", &[name]);
    let var = found.first().unwrap_or_else(|| panic!("{dir}: no variable {name:?}"));
    let expr = attribute(var, "default").unwrap_or_else(|| panic!("{dir}: variable {name:?} has no default"));
    serde_json::to_value(hcl::Value::from(expr.clone())).expect("JSON")
}

#[test]
fn the_console_module_defaults_are_the_lambdas() {
    // The module writes this map as FIRST_RESPONSE_TARGETS; console-api parses it with the same
    // function and falls back to the same defaults when it is unset.
    let targets = json_default_of("modules/console", "first_response_target_minutes");
    let parsed = cima_core::cases::FirstResponseTargets::parse_json(&targets.to_string()).expect("parses");
    assert_eq!(parsed, cima_core::cases::FirstResponseTargets::default(), "{targets}");
}

#[test]
fn the_accountsinfo_table_reads_the_inventorys_columns() {
    // OpenCSVSerde maps columns by position: the table must list the CSV's columns in its order.
    let files = module("modules/cima-central");
    let locals = blocks(&files, "locals", &[]);
    let expr = locals
        .iter()
        .find_map(|b| attribute(b, "accountsinfo_columns"))
        .expect("modules/cima-central: no local accountsinfo_columns");
    let columns = serde_json::to_value(hcl::Value::from(expr.clone())).expect("JSON");
    assert_eq!(columns, serde_json::json!(cima_core::org::export::CSV_COLUMNS));
}
