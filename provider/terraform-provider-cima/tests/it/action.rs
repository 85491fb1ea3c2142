//! `action "cima_backfill"` through the newest Terraform core (actions need ≥ 1.14): invoked on
//! demand (`terraform apply -invoke=…`) and from a linked account's `action_trigger`, its request
//! reaches the central bus as the member account, with the days asked for; progress is shown.

use std::time::{Duration, Instant};

use cima_testkit::{LocalAws, OrgSpec};
use serde_json::{Value, json};

use crate::harness::{central_bus, newest, preamble, workspace_on};

const ENRICHER_ROLE: &str = "arn:aws:iam::123456789012:role/cima-enricher";

fn call(aws: &LocalAws, service: &str, op: &str, params: Value) -> Value {
    aws.call(service, op, &params, None).unwrap_or_else(|e| panic!("{service} {op}: {e}"))
}

/// The backfill requests that reached the central bus's queue, waiting up to 20 s for `want`.
fn requests(aws: &LocalAws, queue: &str, want: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    while got.len() < want && Instant::now() < deadline {
        let r = call(
            aws,
            "sqs",
            "receive_message",
            json!({"QueueUrl": queue, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}),
        );
        for m in r["Messages"].as_array().into_iter().flatten() {
            got.push(serde_json::from_str::<Value>(m["Body"].as_str().unwrap()).unwrap());
            call(aws, "sqs", "delete_message", json!({"QueueUrl": queue, "ReceiptHandle": m["ReceiptHandle"]}));
        }
    }
    got
}

#[test]
fn backfill_requests_reach_the_central_bus_on_demand_and_after_a_link() {
    let tf = newest();
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 3, seed: 91, suspended: 0 }).expect("org");
    let members: Vec<String> = org.members().filter(|a| a.status == "ACTIVE").map(|a| a.id.clone()).collect();
    let bus = central_bus(&aws, "cima-central", &org.organization_id);
    let queue =
        call(&aws, "sqs", "create_queue", json!({"QueueName": "backfills"}))["QueueUrl"].as_str().unwrap().to_owned();
    call(
        &aws,
        "events",
        "put_rule",
        json!({"Name": "backfills", "EventBusName": "cima-central",
        "EventPattern": "{\"source\":[\"cima.backfill\"]}"}),
    );
    call(
        &aws,
        "events",
        "put_targets",
        json!({"Rule": "backfills", "EventBusName": "cima-central",
        "Targets": [{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:backfills"}]}),
    );

    // On demand.
    let ws = workspace_on(&tf, Some(&aws));
    let on_demand = format!(
        "action \"cima_backfill\" \"now\" {{\n  config {{\n    account_id      = \"{}\"\n    central_bus_arn = \"{bus}\"\n    days            = 90\n  }}\n}}\n",
        members[0]
    );
    ws.write("main.tf", &(preamble() + &on_demand)).unwrap();
    let out = ws
        .run_ok(["apply", "-input=false", "-no-color", "-auto-approve", "-invoke=action.cima_backfill.now"])
        .expect("invoke");
    let shown = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        shown.contains(&format!("Requested: the enricher reads account {}'s cases of the last 90 days", members[0])),
        "{shown}"
    );
    let got = requests(&aws, &queue, 1);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!(got[0]["source"], "cima.backfill");
    assert_eq!(got[0]["account"], members[0].as_str(), "sent as the member: the enricher backfills only that account");
    assert_eq!(got[0]["detail"]["days"], 90);
    assert!(ws.show_json().unwrap()["values"].is_null(), "an action changes no state");

    // A bad input is refused at its attribute before anything is sent.
    ws.write("main.tf", &(preamble() + &on_demand.replace("days            = 90", "days            = 400"))).unwrap();
    let refused =
        ws.run(["apply", "-input=false", "-no-color", "-auto-approve", "-invoke=action.cima_backfill.now"]).unwrap();
    let said = String::from_utf8_lossy(&refused.stderr).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!refused.status.success() && said.contains("400 is not between 1 and 365"), "{said}");

    // After a link: the linked account's action_trigger runs it once the account is wired.
    let linked = format!(
        r#"action "cima_backfill" "linked" {{
  config {{
    account_id      = "{account}"
    central_bus_arn = "{bus}"
    days            = 14
  }}
}}

resource "cima_linked_account" "one" {{
  account_id        = "{account}"
  central_bus_arn   = "{bus}"
  enricher_role_arn = "{ENRICHER_ROLE}"
  organization_id   = "{org}"

  lifecycle {{
    action_trigger {{
      events  = [after_create]
      actions = [action.cima_backfill.linked]
    }}
  }}
}}
"#,
        account = members[1],
        org = org.organization_id
    );
    let ws2 = workspace_on(&tf, Some(&aws));
    ws2.write("main.tf", &(preamble() + &linked)).unwrap();
    ws2.apply().expect("link with a backfill after create");
    let got = requests(&aws, &queue, 1);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert_eq!((got[0]["account"].as_str(), got[0]["detail"]["days"].as_u64()), (Some(members[1].as_str()), Some(14)));
}

/// The registry example is a valid configuration beside the pipeline it names.
#[test]
fn the_action_example_validates() {
    let tf = newest();
    let examples = cima_testkit::repo_root().join("examples");
    let read = |rel: &str| std::fs::read_to_string(examples.join(rel)).expect(rel);
    let ws = workspace_on(&tf, None);
    ws.write(
        "main.tf",
        &(preamble()
            + &read("resources/cima_case_pipeline/resource.tf")
            + "\n"
            + &read("actions/cima_backfill/action.tf")),
    )
    .unwrap();
    let v = ws.validate_json().unwrap();
    assert_eq!(v["valid"], true, "{v:#}");
}
