//! `resource "cima_org_query"` through the real Terraform against a local AWS:
//! create → import-verify → a new label key updated in place → replace → drift (object edited,
//! organization changed) → destroy.

use cima_testkit::{LocalAws, OrgSpec, Terraform, TerraformCore};
use serde_json::Value;

use crate::harness::{newest, preamble, workspace, workspace_on};

const BUCKET: &str = "cima-inventory";
const KEY: &str = "accountsinfo/accounts.csv";

fn config(format: &str, tag_key: &str) -> String {
    format!(
        r#"{}resource "cima_org_query" "inventory" {{
  statuses = ["ACTIVE", "SUSPENDED"]

  destination {{
    bucket  = "{BUCKET}"
    key     = "{KEY}"
    format  = "{format}"
    tag_key = "{tag_key}"
  }}
}}
"#,
        preamble()
    )
}

/// The CSV's rows by account id: (tag, ou_path, tags). The seeded values hold no commas.
fn csv_rows(body: &str) -> std::collections::BTreeMap<String, (String, String, String)> {
    body.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 10, "{l}");
            (f[0].to_owned(), (f[7].to_owned(), f[8].to_owned(), f[9].to_owned()))
        })
        .collect()
}

fn state_values(show: &Value) -> &Value {
    let resources = show["values"]["root_module"]["resources"].as_array().expect("resources");
    &resources.iter().find(|r| r["address"] == "cima_org_query.inventory").expect("resource in state")["values"]
}

fn object_body(aws: &LocalAws) -> Option<String> {
    let v = aws.tool("get-object", &[("bucket", BUCKET), ("key", KEY)]).unwrap();
    v["body"].as_str().map(str::to_owned)
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// The actions Terraform plans for the inventory ("no-op", "update", "create", …).
fn planned_actions(ws: &cima_testkit::TfWorkspace) -> Vec<String> {
    let plan = ws.plan_json().expect("plan");
    plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["address"] == "cima_org_query.inventory")
        .flat_map(|c| c["change"]["actions"].as_array().cloned().unwrap_or_default())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

/// The lifecycle on the machine's own terraform; without one, the newest core's run below covers it.
#[test]
#[allow(clippy::print_stderr, reason = "says why the test did nothing")]
fn org_query_resource_create_import_update_drift_destroy() {
    match Terraform::on_path() {
        Some(tf) => lifecycle(&tf),
        None => eprintln!("skipped: no terraform on PATH; the lifecycle runs on every core below"),
    }
}

/// The same lifecycle on the oldest Terraform the provider supports (1.6.6): protocol 6 before
/// functions, ephemeral resources and identity; nothing the provider serves beyond it may break it.
#[test]
fn org_query_resource_lifecycle_on_the_oldest_terraform() {
    let tf = Terraform::core(TerraformCore::oldest()).expect("the oldest core (cargo xtask setup)");
    assert_eq!(tf.version().expect("version"), TerraformCore::oldest().version);
    lifecycle(&tf);
}

/// … and on the newest (1.15.5).
#[test]
fn org_query_resource_lifecycle_on_the_newest_terraform() {
    let tf = newest();
    assert_eq!(tf.version().expect("version"), TerraformCore::newest().version);
    lifecycle(&tf);
}

fn lifecycle(tf: &Terraform) {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 12, seed: 9, suspended: 2 }).expect("seeded org");
    aws.tool("bucket", &[("name", BUCKET)]).unwrap();
    let workspace = |aws: Option<&LocalAws>| workspace_on(tf, aws);
    let ws = workspace(Some(&aws));

    // Create, labelling each account by its env tag.
    ws.write("main.tf", &config("csv", "env")).unwrap();
    ws.apply().expect("create");
    let created = ws.show_json().unwrap();
    let v = state_values(&created).clone();
    let body = object_body(&aws).expect("object written");
    assert_eq!(
        body.lines().next(),
        Some("accountid,arn,email,name,status,joinedmethod,joinedtimestamp,tag,ou_path,tags")
    );
    let rows = csv_rows(&body);
    assert_eq!(rows.len(), org.accounts.len(), "every account, ACTIVE and SUSPENDED");
    let expected = |key: &str| -> std::collections::BTreeMap<String, (String, String, String)> {
        org.accounts
            .iter()
            .map(|a| {
                let all: Vec<String> = a.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                (a.id.clone(), (a.tags.get(key).cloned().unwrap_or_default(), a.ou_path.clone(), all.join(";")))
            })
            .collect()
    };
    assert_eq!(rows, expected("env"));
    assert!(rows.values().any(|r| !r.0.is_empty()) && rows.values().any(|r| r.0.is_empty()), "{rows:?}");
    assert_eq!(v["destination"]["tag_key"], "env");
    assert_eq!(v["account_count"], org.accounts.len());
    assert_eq!(v["fingerprint"], sha256_hex(&body));
    assert_eq!(v["id"], format!("{BUCKET}/{KEY}"));
    assert_eq!(v["organization_id"], org.organization_id.as_str());
    assert_eq!(planned_actions(&ws), ["no-op"], "a second plan changes nothing");

    // Import into a fresh workspace: the same state as create wrote.
    // tag_key comes back from the object's metadata.
    let ws2 = workspace(Some(&aws));
    ws2.write("main.tf", &config("csv", "env")).unwrap();
    ws2.run_ok(["import", "-input=false", "-no-color", "cima_org_query.inventory", &format!("{BUCKET}/{KEY}")])
        .expect("import");
    let imported = ws2.show_json().unwrap();
    assert_eq!(state_values(&imported), &v, "import-verify: every attribute matches");
    assert_eq!(planned_actions(&ws2), ["no-op"]);

    // Terraform ≥ 1.12 keeps each state's identity, and imports by it the same state.
    let version = tf.version().expect("version");
    let minor: u32 = version.split('.').nth(1).and_then(|m| m.parse().ok()).expect("a version");
    if minor >= 12 {
        let identity = serde_json::json!({ "bucket": BUCKET, "key": KEY });
        let resource = |show: &Value| {
            show["values"]["root_module"]["resources"]
                .as_array()
                .and_then(|r| r.iter().find(|r| r["address"] == "cima_org_query.inventory").cloned())
                .expect("resource in state")
        };
        assert_eq!(resource(&created)["identity"], identity, "Terraform {version}");
        let ws3 = workspace(Some(&aws));
        let import = format!(
            "import {{\n  to       = cima_org_query.inventory\n  identity = {{ bucket = \"{BUCKET}\", key = \"{KEY}\" }}\n}}\n"
        );
        ws3.write("main.tf", &(config("csv", "env") + &import)).unwrap();
        ws3.apply().expect("import by identity");
        let by_identity = ws3.show_json().unwrap();
        assert_eq!(state_values(&by_identity), &v, "import by identity: every attribute matches");
        assert_eq!(resource(&by_identity)["identity"], identity);
    }

    // A new label key rewrites the object where it is: an update, not a replacement.
    ws.write("main.tf", &config("csv", "team")).unwrap();
    assert_eq!(planned_actions(&ws), ["update"]);
    ws.apply().expect("relabel");
    let body = object_body(&aws).unwrap();
    assert_eq!(csv_rows(&body), expected("team"));
    let relabelled = state_values(&ws.show_json().unwrap()).clone();
    assert_eq!(relabelled["fingerprint"], sha256_hex(&body));
    assert_eq!(relabelled["id"], v["id"]);
    assert_eq!(planned_actions(&ws), ["no-op"]);

    // A new format replaces the object.
    ws.write("main.tf", &config("jsonl", "team")).unwrap();
    assert_eq!(planned_actions(&ws), ["delete", "create"]);
    ws.apply().expect("replace");
    let body = object_body(&aws).unwrap();
    assert_eq!(body.lines().count(), org.accounts.len());
    let first: Value = serde_json::from_str(body.lines().next().unwrap()).unwrap();
    assert!(first["id"].is_string() && first["ou_path"].is_string());
    let seeded = org.accounts.iter().find(|a| a.id == first["id"].as_str().unwrap()).unwrap();
    assert_eq!(first["tag"], seeded.tags.get("team").map_or("", String::as_str));
    assert_eq!(first["tags"], serde_json::to_value(&seeded.tags).unwrap());
    let v2 = state_values(&ws.show_json().unwrap()).clone();
    assert_eq!(v2["fingerprint"], sha256_hex(&body));
    assert_eq!(v2["id"], v["id"]);

    // Drift 1: the object is edited out of band → update, and apply restores it.
    aws.tool("put-object", &[("bucket", BUCKET), ("key", KEY), ("body", "edited by hand\n")]).unwrap();
    assert_eq!(planned_actions(&ws), ["update"]);
    ws.apply().expect("repair");
    assert_eq!(object_body(&aws).unwrap(), body);

    // Drift 2: the organization changes (an account moves OU) → update with the new path.
    let mover =
        org.members().find(|a| a.status == "ACTIVE" && a.parent_id != org.root_id).expect("an account in an OU");
    aws.tool("move-account", &[("account", &mover.id), ("to", &org.root_id)]).unwrap();
    assert_eq!(planned_actions(&ws), ["update"]);
    ws.apply().expect("follow the organization");
    let moved = object_body(&aws)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|a| a["id"] == mover.id.as_str())
        .unwrap();
    assert_eq!(moved["ou_path"], "/");
    assert_eq!(planned_actions(&ws), ["no-op"]);

    // Destroy removes the object and nothing else.
    ws.destroy().expect("destroy");
    assert_eq!(object_body(&aws), None);
    assert!(aws.tool("truth", &[]).unwrap()["accounts"].as_array().unwrap().len() == org.accounts.len());
}

/// The smallest configuration: no `format`, no `tag_key`. The default is filled in at apply,
/// so the plan must leave it "known after apply" (a nested block's computed attribute), or
/// Terraform rejects the apply as inconsistent.
#[test]
fn an_unset_format_is_known_after_apply_and_then_stays() {
    let aws = LocalAws::start().expect("local AWS");
    aws.seed_org(&OrgSpec { accounts: 2, seed: 4, suspended: 0 }).expect("seeded org");
    aws.tool("bucket", &[("name", BUCKET)]).unwrap();
    let ws = workspace(Some(&aws));
    let config = format!(
        "{}resource \"cima_org_query\" \"inventory\" {{\n  destination {{\n    bucket = \"{BUCKET}\"\n    key    = \"{KEY}\"\n  }}\n}}\n",
        preamble()
    );
    ws.write("main.tf", &config).unwrap();
    let plan = ws.plan_json().expect("plan");
    let change = &plan["resource_changes"][0]["change"];
    assert_eq!(change["after_unknown"]["destination"]["format"], true, "{change}");
    ws.apply().expect("create with the default format");
    let v = state_values(&ws.show_json().unwrap()).clone();
    assert_eq!(v["destination"]["format"], "csv");
    assert!(object_body(&aws).expect("object written").starts_with("accountid,"));
    assert_eq!(planned_actions(&ws), ["no-op"], "the default does not come back as a change");
    ws.destroy().expect("destroy");
}

/// State written under schema version 0 (`parent_ids` a list, repeats allowed) is upgraded by
/// the provider: the next plan is empty, and a refresh stores it as version 1, repeats dropped.
#[test]
fn state_from_schema_version_0_upgrades_with_no_diff() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 6, seed: 5, suspended: 0 }).expect("seeded org");
    aws.tool("bucket", &[("name", BUCKET)]).unwrap();
    let ws = workspace(Some(&aws));
    let ou = &org.ous.first().expect("an OU").id;
    let config = format!(
        "{}resource \"cima_org_query\" \"inventory\" {{\n  parent_ids = [\"{ou}\", \"{root}\"]\n\n  destination {{\n    bucket = \"{BUCKET}\"\n    key    = \"{KEY}\"\n  }}\n}}\n",
        preamble(),
        root = org.root_id
    );
    ws.write("main.tf", &config).unwrap();
    ws.apply().expect("create");

    // What version 0 wrote: the list as configured then, here with a repeat, in another order.
    let path = ws.dir().join("terraform.tfstate");
    let mut state: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let instance = &mut state["resources"][0]["instances"][0];
    assert_eq!(instance["schema_version"], 1, "written by this provider");
    instance["schema_version"] = 0.into();
    instance["attributes"]["parent_ids"] = serde_json::json!([org.root_id, ou, org.root_id]);
    std::fs::write(&path, serde_json::to_vec_pretty(&state).unwrap()).unwrap();

    let plan = ws.run(["plan", "-detailed-exitcode", "-input=false", "-no-color"]).expect("plan");
    assert_eq!(plan.status.code(), Some(0), "no diff after the upgrade:\n{}", String::from_utf8_lossy(&plan.stdout));
    ws.run_ok(["apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color"]).expect("refresh");
    let state: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let instance = &state["resources"][0]["instances"][0];
    assert_eq!(instance["schema_version"], 1);
    let mut parents: Vec<String> =
        serde_json::from_value(instance["attributes"]["parent_ids"].clone()).expect("a list of ids");
    parents.sort();
    let mut want = vec![org.root_id.clone(), ou.clone()];
    want.sort();
    assert_eq!(parents, want, "the repeat is gone");
    ws.destroy().expect("destroy");
}
