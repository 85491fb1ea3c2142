//! `data "cima_org_query"` against a seeded organization of 50+ accounts in nested OUs: every
//! filter's answer must equal the seeded truth, field by field.

use std::collections::{BTreeMap, BTreeSet};

use cima_testkit::{LocalAws, OrgSpec, SeededAccount, SeededOrg};
use serde_json::Value;

use crate::harness::{data_values, preamble, workspace};

fn expected(org: &SeededOrg, keep: impl Fn(&SeededAccount) -> bool) -> Vec<&SeededAccount> {
    let mut v: Vec<&SeededAccount> = org.accounts.iter().filter(|a| keep(a)).collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

fn assert_accounts(label: &str, got: &Value, want: &[&SeededAccount]) {
    let got_ids: Vec<&str> = got["account_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let want_ids: Vec<&str> = want.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(got_ids, want_ids, "{label}: account_ids");
    let accounts = got["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), want.len(), "{label}: accounts");
    for (g, w) in accounts.iter().zip(want) {
        let ctx = format!("{label}: account {}", w.id);
        assert_eq!(g["id"], w.id.as_str(), "{ctx}");
        assert_eq!(g["arn"], w.arn.as_str(), "{ctx}");
        assert_eq!(g["name"], w.name.as_str(), "{ctx}");
        assert_eq!(g["email"], w.email.as_str(), "{ctx}");
        assert_eq!(g["status"], w.status.as_str(), "{ctx}");
        assert_eq!(g["joined_method"], w.joined_method.as_str(), "{ctx}");
        assert_eq!(g["joined_timestamp"], w.joined_timestamp.as_str(), "{ctx}");
        assert_eq!(g["parent_id"], w.parent_id.as_str(), "{ctx}");
        assert_eq!(g["ou_path"], w.ou_path.as_str(), "{ctx}");
        let tags: BTreeMap<String, String> = serde_json::from_value(g["tags"].clone()).unwrap();
        assert_eq!(tags, w.tags, "{ctx}");
    }
}

#[test]
fn org_query_returns_the_seeded_truth_for_every_filter() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 55, seed: 42, suspended: 6 }).expect("seeded org");
    assert!(org.accounts.len() > 50);
    let active = |a: &SeededAccount| a.status == "ACTIVE";

    // An OU with a child OU, so recursive and flat answers differ; and a tag pair some accounts carry.
    let parent = org.ous.iter().find(|ou| org.ous.iter().any(|c| c.parent_id == ou.id)).expect("an OU with children");
    let under = |a: &SeededAccount| a.ou_path == parent.path || a.ou_path.starts_with(&format!("{}/", parent.path));
    let (tag_key, tag_value) = org
        .accounts
        .iter()
        .filter(|a| active(a))
        .find_map(|a| a.tags.iter().next())
        .map(|(k, v)| (k.clone(), v.clone()))
        .expect("a tagged active account");
    let excluded: Vec<String> = org.members().filter(|a| active(a)).take(3).map(|a| a.id.clone()).collect();

    let config = format!(
        r#"{preamble}
data "cima_org_query" "all" {{}}

data "cima_org_query" "ou_recursive" {{
  parent_ids = ["{ou}"]
}}

data "cima_org_query" "ou_flat" {{
  parent_ids = ["{ou}"]
  recursive  = false
}}

data "cima_org_query" "suspended" {{
  statuses = ["SUSPENDED"]
}}

data "cima_org_query" "tagged" {{
  tags = {{ "{tag_key}" = "{tag_value}" }}
}}

data "cima_org_query" "excluded" {{
  exclude_account_ids        = {excluded:?}
  include_management_account = false
}}
"#,
        preamble = preamble(),
        ou = parent.id,
    );
    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config).unwrap();
    ws.apply().expect("apply");
    let show = ws.show_json().expect("show -json");

    let all = data_values(&show, "cima_org_query", "all");
    assert_eq!(all["organization_id"], org.organization_id.as_str());
    assert_eq!(all["management_account_id"], org.management_account_id.as_str());
    assert_eq!(all["root_id"], org.root_id.as_str());
    assert_eq!(all["recursive"], true, "defaults are reported");
    assert_eq!(all["statuses"], serde_json::json!(["ACTIVE"]));
    assert_accounts("no filter", all, &expected(&org, active));

    assert_accounts(
        "one OU, recursive",
        data_values(&show, "cima_org_query", "ou_recursive"),
        &expected(&org, |a| active(a) && under(a)),
    );
    let flat = expected(&org, |a| active(a) && a.ou_path == parent.path);
    assert!(flat.len() < expected(&org, |a| active(a) && under(a)).len(), "the OU's children hold accounts too");
    assert_accounts("one OU, not recursive", data_values(&show, "cima_org_query", "ou_flat"), &flat);

    let suspended = expected(&org, |a| a.status == "SUSPENDED");
    assert_eq!(suspended.len(), 6);
    assert_accounts("SUSPENDED", data_values(&show, "cima_org_query", "suspended"), &suspended);

    let tagged = expected(&org, |a| active(a) && a.tags.get(&tag_key) == Some(&tag_value));
    assert!(!tagged.is_empty() && tagged.len() < expected(&org, active).len());
    assert_accounts("tag filter", data_values(&show, "cima_org_query", "tagged"), &tagged);

    let excluded: BTreeSet<String> = excluded.into_iter().collect();
    assert_accounts(
        "exclude list",
        data_values(&show, "cima_org_query", "excluded"),
        &expected(&org, |a| active(a) && !excluded.contains(&a.id) && a.id != org.management_account_id),
    );
}

#[test]
fn org_query_reports_a_missing_ou_by_name() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 3, seed: 1, suspended: 0 }).expect("seeded org");
    let root_suffix = org.root_id.trim_start_matches("r-");
    let missing = format!("ou-{root_suffix}-zzzzzzzz");
    let ws = workspace(Some(&aws));
    ws.write(
        "main.tf",
        &format!("{}data \"cima_org_query\" \"x\" {{\n  parent_ids = [\"{missing}\"]\n}}\n", preamble()),
    )
    .unwrap();
    let out = ws.run(["plan", "-no-color", "-input=false"]).unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Cannot query the organization") && stderr.contains(&missing), "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "no backtraces in diagnostics: {stderr}");
}
