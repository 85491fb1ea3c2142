//! `resource "cima_case_pipeline"` through the real Terraform against a local AWS: create, no-op
//! plan, import-verify, each kind of drift (deleted rule, edited pattern, removed DLQ, deleted
//! bus) shown on plan and repaired by apply, the data source, and a destroy that leaves nothing.

use cima_testkit::LocalAws;
use serde_json::{Value, json};

use crate::harness::{data_values, preamble, workspace};

const ENRICHER: &str = "arn:aws:lambda:us-east-1:123456789012:function:cima-enricher";
const STORE: &str = "arn:aws:firehose:us-east-1:123456789012:deliverystream/cima-cases";
const STORE_ROLE: &str = "arn:aws:iam::123456789012:role/cima-eventbridge-firehose";
const DLQ: &str = "arn:aws:sqs:us-east-1:123456789012:cima-dlq";

fn config() -> String {
    format!(
        r#"{}resource "cima_case_pipeline" "this" {{
  bus_name              = "cima-cases"
  organization_ids      = ["o-abcdefghij"]
  enricher_function_arn = "{ENRICHER}"
  store_target_arn      = "{STORE}"
  store_role_arn        = "{STORE_ROLE}"
  dead_letter_queue_arn = "{DLQ}"

  retry_policy {{
    maximum_event_age_seconds = 3600
    maximum_retry_attempts    = 10
  }}

  tags = {{ team = "platform" }}
}}

data "cima_case_pipeline" "read" {{
  bus_name = cima_case_pipeline.this.bus_name
}}
"#,
        preamble()
    )
}

fn call(aws: &LocalAws, op: &str, params: Value) -> Value {
    aws.tool("call", &[("service", "events"), ("op", op), ("params", &params.to_string())]).unwrap()
}

fn actions(ws: &cima_testkit::TfWorkspace) -> Vec<String> {
    let plan = ws.plan_json().expect("plan");
    plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["address"] == "cima_case_pipeline.this")
        .flat_map(|c| c["change"]["actions"].as_array().cloned().unwrap_or_default())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

fn resource_values(show: &Value) -> Value {
    let resources = show["values"]["root_module"]["resources"].as_array().unwrap();
    resources.iter().find(|r| r["address"] == "cima_case_pipeline.this").unwrap()["values"].clone()
}

/// What AWS holds, read directly: bus policy, both rules' patterns and both targets.
fn assert_wired(aws: &LocalAws) {
    let bus = call(aws, "describe_event_bus", json!({"Name": "cima-cases"}));
    let policy: Value = serde_json::from_str(bus["Policy"].as_str().expect("a bus policy")).unwrap();
    assert_eq!(policy["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalOrgID"], json!(["o-abcdefghij"]));
    assert_eq!(
        policy["Statement"][0]["Condition"]["StringEquals"]["events:source"],
        json!(["aws.support", "cima.backfill"])
    );
    let enrich = call(aws, "describe_rule", json!({"Name": "cima-cases-enrich", "EventBusName": "cima-cases"}));
    let pattern: Value = serde_json::from_str(enrich["EventPattern"].as_str().unwrap()).unwrap();
    assert_eq!(pattern, json!({"source": ["aws.support"], "detail-type": ["Support Case Update"]}));
    let store = call(aws, "describe_rule", json!({"Name": "cima-cases-store", "EventBusName": "cima-cases"}));
    let pattern: Value = serde_json::from_str(store["EventPattern"].as_str().unwrap()).unwrap();
    assert_eq!(
        pattern,
        json!({"source": ["heidi.support"], "account": ["123456789012"]}),
        "the enricher's account only"
    );
    for (rule, arn) in [("cima-cases-enrich", ENRICHER), ("cima-cases-store", STORE)] {
        let t = call(aws, "list_targets_by_rule", json!({"Rule": rule, "EventBusName": "cima-cases"}));
        let t = &t["Targets"][0];
        assert_eq!(t["Arn"], arn, "{rule}");
        assert_eq!(t["DeadLetterConfig"]["Arn"], DLQ, "{rule}");
        assert_eq!(t["RetryPolicy"], json!({"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10}), "{rule}");
    }
}

#[test]
fn case_pipeline_create_import_drift_destroy() {
    let aws = LocalAws::start().expect("local AWS");
    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config()).unwrap();
    ws.apply().expect("create");
    assert_wired(&aws);
    let show = ws.show_json().unwrap();
    let state = resource_values(&show);
    assert_eq!(state["bus_arn"], "arn:aws:events:us-east-1:123456789012:event-bus/cima-cases");
    assert_eq!(state["enrich_rule_arn"], "arn:aws:events:us-east-1:123456789012:rule/cima-cases/cima-cases-enrich");
    let read = data_values(&show, "cima_case_pipeline", "read");
    assert_eq!(read["enricher_function_arn"], ENRICHER);
    assert_eq!(read["organization_ids"], json!(["o-abcdefghij"]));
    assert_eq!(read["retry_policy"]["maximum_retry_attempts"], 10);
    assert_eq!(actions(&ws), ["no-op"]);

    // Import-verify in a fresh workspace.
    let ws2 = workspace(Some(&aws));
    ws2.write("main.tf", &config()).unwrap();
    ws2.run_ok(["import", "-input=false", "-no-color", "cima_case_pipeline.this", "cima-cases"]).expect("import");
    assert_eq!(resource_values(&ws2.show_json().unwrap()), state, "import-verify");
    assert_eq!(actions(&ws2), ["no-op"]);

    // Each kind of drift shows as an update and the apply repairs it.
    type Drift<'a> = (&'static str, Box<dyn Fn() + 'a>);
    let drifts: [Drift; 3] = [
        (
            "deleted rule",
            Box::new(|| {
                call(
                    &aws,
                    "remove_targets",
                    json!({"Rule": "cima-cases-store", "EventBusName": "cima-cases", "Ids": ["store"]}),
                );
                call(&aws, "delete_rule", json!({"Name": "cima-cases-store", "EventBusName": "cima-cases"}));
            }),
        ),
        (
            "edited pattern",
            Box::new(|| {
                call(
                    &aws,
                    "put_rule",
                    json!({"Name": "cima-cases-enrich", "EventBusName": "cima-cases", "EventPattern": "{\"source\":[\"aws.support\"]}"}),
                );
            }),
        ),
        (
            "removed DLQ",
            Box::new(|| {
                call(
                    &aws,
                    "put_targets",
                    json!({"Rule": "cima-cases-enrich", "EventBusName": "cima-cases", "Targets": [{"Id": "enricher", "Arn": ENRICHER,
                        "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10}}]}),
                );
            }),
        ),
    ];
    for (what, drift) in drifts {
        drift();
        assert_eq!(actions(&ws), ["update"], "{what} shows on plan");
        ws.apply().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_wired(&aws);
        assert_eq!(actions(&ws), ["no-op"], "{what} repaired");
    }

    // A deleted bus (with its rules) is created again.
    for rule in ["cima-cases-enrich", "cima-cases-store"] {
        let ids: Vec<Value> =
            call(&aws, "list_targets_by_rule", json!({"Rule": rule, "EventBusName": "cima-cases"}))["Targets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["Id"].clone())
                .collect();
        call(&aws, "remove_targets", json!({"Rule": rule, "EventBusName": "cima-cases", "Ids": ids}));
        call(&aws, "delete_rule", json!({"Name": rule, "EventBusName": "cima-cases"}));
    }
    call(&aws, "delete_event_bus", json!({"Name": "cima-cases"}));
    assert_eq!(actions(&ws), ["create"], "deleted bus");
    ws.apply().expect("re-create");
    assert_wired(&aws);

    // Destroy leaves nothing behind.
    ws.destroy().expect("destroy");
    let buses = call(&aws, "list_event_buses", json!({}));
    let names: Vec<&str> =
        buses["EventBuses"].as_array().unwrap().iter().map(|b| b["Name"].as_str().unwrap()).collect();
    assert_eq!(names, ["default"]);
}

/// Neither target can take the event (no enricher answers, the stream is gone): both copies wait
/// in the pipeline's dead-letter queue, each naming its rule, its target and why.
#[test]
fn events_no_target_takes_end_in_the_dead_letter_queue() {
    let aws = LocalAws::start().expect("local AWS");
    let queue = aws.call("sqs", "create_queue", &json!({"QueueName": "cima-dlq"}), None).expect("queue");
    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config()).unwrap();
    ws.apply().expect("create");
    for (source, detail_type) in [("aws.support", "Support Case Update"), ("heidi.support", "heidi.support")] {
        let entry = json!({"Source": source, "DetailType": detail_type, "EventBusName": "cima-cases",
            "Detail": json!({"case-id": "case-123456789012-dlq1-2026-0123456789abcdef"}).to_string()});
        let sent = call(&aws, "put_events", json!({"Entries": [entry]}));
        assert_eq!(sent["FailedEntryCount"], 0, "a target's failure never fails the sender: {sent:#}");
    }
    aws.target_deliveries(std::time::Duration::from_secs(30)).expect("deliveries done");
    let url = queue["QueueUrl"].clone();
    let received = aws
        .call(
            "sqs",
            "receive_message",
            &json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"]}),
            None,
        )
        .expect("receive");
    let mut letters: Vec<(String, String, String)> = received["Messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let a = |k: &str| m["MessageAttributes"][k]["StringValue"].as_str().unwrap_or_default().to_owned();
            (a("RULE_ARN"), a("TARGET_ARN"), a("ERROR_CODE"))
        })
        .collect();
    letters.sort();
    let rule = |name: &str| format!("arn:aws:events:us-east-1:123456789012:rule/cima-cases/{name}");
    assert_eq!(
        letters,
        [
            (rule("cima-cases-enrich"), ENRICHER.to_owned(), "ResourceNotFoundException".to_owned()),
            (rule("cima-cases-store"), STORE.to_owned(), "ResourceNotFoundException".to_owned()),
        ],
        "{received:#}"
    );
}
