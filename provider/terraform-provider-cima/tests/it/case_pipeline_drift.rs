//! Drift of `cima_case_pipeline` that none of its inputs shows, through the real Terraform
//! against a local AWS: a statement added to the bus policy, a target added to a CIMA rule and a
//! disabled rule are named in `status` on plan, and the apply leaves exactly what the resource makes.

use cima_testkit::{LocalAws, TfWorkspace};
use serde_json::{Value, json};

use crate::harness::{preamble, workspace};

const ENRICHER: &str = "arn:aws:lambda:us-east-1:123456789012:function:cima-enricher";
const STORE: &str = "arn:aws:firehose:us-east-1:123456789012:deliverystream/cima-cases";
const STORE_ROLE: &str = "arn:aws:iam::123456789012:role/cima-eventbridge-firehose";
const COPY: &str = "arn:aws:sqs:us-east-1:123456789012:copy";

fn config() -> String {
    format!(
        r#"{}resource "cima_case_pipeline" "this" {{
  bus_name              = "cima-drift"
  organization_ids      = ["o-abcdefghij"]
  enricher_function_arn = "{ENRICHER}"
  store_target_arn      = "{STORE}"
  store_role_arn        = "{STORE_ROLE}"
}}
"#,
        preamble()
    )
}

fn events(aws: &LocalAws, op: &str, params: Value) -> Value {
    aws.call("events", op, &params, None).unwrap_or_else(|e| panic!("{op}: {e}"))
}

fn planned(ws: &TfWorkspace) -> (Vec<Value>, Value) {
    let plan = ws.plan_json().expect("plan");
    let change =
        plan["resource_changes"].as_array().unwrap().iter().find(|c| c["address"] == "cima_case_pipeline.this");
    let change = change.expect("the pipeline in the plan")["change"].clone();
    (change["actions"].as_array().unwrap().clone(), change["before"]["status"].clone())
}

#[test]
fn policy_statements_targets_and_disabled_rules_added_out_of_band_are_undone() {
    let aws = LocalAws::start().expect("local AWS");
    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config()).unwrap();
    ws.apply().expect("create");
    assert_eq!(planned(&ws), (vec![json!("no-op")], json!("wired")));

    events(
        &aws,
        "put_permission",
        json!({"EventBusName": "cima-drift", "Action": "events:PutEvents", "Principal": "111111111111", "StatementId": "anyone"}),
    );
    events(
        &aws,
        "put_targets",
        json!({"Rule": "cima-drift-store", "EventBusName": "cima-drift", "Targets": [{"Id": "copy", "Arn": COPY}]}),
    );
    events(&aws, "disable_rule", json!({"Name": "cima-drift-enrich", "EventBusName": "cima-drift"}));

    let (actions, status) = planned(&ws);
    assert_eq!(actions, [json!("update")], "{status}");
    assert_eq!(
        status,
        format!(
            "drifted: bus policy has an extra statement anyone; rule cima-drift-enrich disabled; rule cima-drift-store has an extra target copy ({COPY})"
        )
    );
    ws.apply().expect("repair");
    assert_eq!(planned(&ws), (vec![json!("no-op")], json!("wired")));

    let bus = events(&aws, "describe_event_bus", json!({"Name": "cima-drift"}));
    let policy: Value = serde_json::from_str(bus["Policy"].as_str().unwrap()).unwrap();
    let sids: Vec<&Value> = policy["Statement"].as_array().unwrap().iter().map(|s| &s["Sid"]).collect();
    assert_eq!(sids, [&json!("CimaOrganizationPutEvents")]);
    let targets =
        events(&aws, "list_targets_by_rule", json!({"Rule": "cima-drift-store", "EventBusName": "cima-drift"}));
    let ids: Vec<&Value> = targets["Targets"].as_array().unwrap().iter().map(|t| &t["Id"]).collect();
    assert_eq!(ids, [&json!("store")]);
    let rule = events(&aws, "describe_rule", json!({"Name": "cima-drift-enrich", "EventBusName": "cima-drift"}));
    assert_eq!(rule["State"], "ENABLED");

    ws.destroy().expect("destroy");
}
