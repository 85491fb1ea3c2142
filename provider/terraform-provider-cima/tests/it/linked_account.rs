//! `resource "cima_linked_account"` with `for_each` over a seeded organization of 30 accounts,
//! through the real Terraform against a local AWS: one apply wires every account, drift in two of
//! them shows on plan for exactly those two, import, the health data source, an aws.support event
//! reaching the central bus with the member's account, and a destroy that leaves nothing behind.

use std::time::{Duration, Instant};

use cima_testkit::{LocalAws, OrgSpec, SeededOrg};
use serde_json::{Value, json};

use crate::harness::{central_bus, data_values, preamble, workspace};

const ENRICHER_ROLE: &str = "arn:aws:iam::123456789012:role/cima-enricher";
const CENTRAL_BUS: &str = "arn:aws:events:us-east-1:123456789012:event-bus/cima-central";

fn call(aws: &LocalAws, account: Option<&str>, service: &str, op: &str, params: Value) -> Value {
    let params = params.to_string();
    let mut args = vec![("service", service), ("op", op), ("params", params.as_str())];
    if let Some(a) = account {
        args.push(("account", a));
    }
    aws.tool("call", &args).unwrap()
}

fn config(org: &SeededOrg, backfill: &str) -> String {
    format!(
        r#"{}data "cima_org_query" "members" {{
  include_management_account = false
}}

resource "cima_linked_account" "this" {{
  for_each = toset(data.cima_org_query.members.account_ids)

  account_id        = each.value
  central_bus_arn   = "{CENTRAL_BUS}"
  enricher_role_arn = "{ENRICHER_ROLE}"
  organization_id   = "{}"
  backfill_days     = each.value == "{backfill}" ? 30 : 0
}}
"#,
        preamble(),
        org.organization_id
    )
}

fn changed(ws: &cima_testkit::TfWorkspace) -> Vec<String> {
    let plan = ws.plan_json().expect("plan");
    let mut out: Vec<String> = plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["type"] == "cima_linked_account" && c["change"]["actions"] != json!(["no-op"]))
        .map(|c| format!("{} {}", c["index"].as_str().unwrap_or_default(), c["change"]["actions"]))
        .collect();
    out.sort();
    out
}

fn health(aws: &LocalAws, account: &str) -> Value {
    health_as(aws, account, "OrganizationAccountAccessRole")
}

fn health_as(aws: &LocalAws, account: &str, access_role: &str) -> Value {
    let ws = workspace(Some(aws));
    ws.write(
        "main.tf",
        &format!(
            "{}data \"cima_linked_account\" \"check\" {{\n  account_id        = \"{account}\"\n  access_role_name  = \"{access_role}\"\n  central_bus_arn   = \"{CENTRAL_BUS}\"\n  enricher_role_arn = \"{ENRICHER_ROLE}\"\n}}\n",
            preamble()
        ),
    )
    .unwrap();
    ws.apply().expect("health check");
    data_values(&ws.show_json().unwrap(), "cima_linked_account", "check").clone()
}

#[test]
fn linked_accounts_for_each_drift_import_events_destroy() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 30, seed: 21, suspended: 0 }).expect("org");
    let members: Vec<String> = org.members().map(|a| a.id.clone()).collect();
    assert_eq!(members.len(), 30);

    // The central side: a bus whose rule hands aws.support events to a queue we can read.
    assert_eq!(central_bus(&aws, "cima-central", &org.organization_id), CENTRAL_BUS);
    let queue = call(&aws, None, "sqs", "create_queue", json!({"QueueName": "central-support"}))["QueueUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    call(
        &aws,
        None,
        "events",
        "put_rule",
        json!({"Name": "to-queue", "EventBusName": "cima-central", "EventPattern": "{\"source\":[\"aws.support\"]}"}),
    );
    call(
        &aws,
        None,
        "events",
        "put_targets",
        json!({"Rule": "to-queue", "EventBusName": "cima-central",
               "Targets": [{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:central-support"}]}),
    );

    // One apply wires all 30 accounts.
    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config(&org, &members[1])).unwrap();
    ws.apply().expect("wire all");
    let show = ws.show_json().unwrap();
    let wired: Vec<&Value> = show["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "cima_linked_account")
        .collect();
    assert_eq!(wired.len(), 30);
    assert!(wired.iter().all(|r| r["values"]["status"] == "wired"), "every account wired");
    assert!(changed(&ws).is_empty(), "no-op plan after apply");
    assert_eq!(health(&aws, &members[0]), health(&aws, &members[0]));
    assert_eq!(health(&aws, &members[0])["healthy"], true);

    // The event flow: a case in a member reaches the central bus with that member's account.
    let member = &members[5];
    call(
        &aws,
        Some(member),
        "support",
        "create_case",
        json!({"subject": "Forwarding check", "communicationBody": "hello", "serviceCode": "general-info",
               "categoryCode": "using-aws", "severityCode": "low"}),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut delivered = None;
    while delivered.is_none() && Instant::now() < deadline {
        let got = call(
            &aws,
            None,
            "sqs",
            "receive_message",
            json!({"QueueUrl": queue, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}),
        );
        delivered = got["Messages"].as_array().and_then(|m| m.first()).map(|m| m["Body"].as_str().unwrap().to_owned());
    }
    let event: Value = serde_json::from_str(&delivered.expect("an event on the central bus")).unwrap();
    assert_eq!(event["source"], "aws.support");
    assert_eq!(event["detail-type"], "Support Case Update");
    assert_eq!(event["account"], member.as_str(), "the member's account survives forwarding");
    assert_eq!(event["detail"]["event-name"], "CreateCase");

    // Drift in two accounts: exactly those two show on plan, and the health check names it.
    let (a, b) = (&members[2], &members[7]);
    call(
        &aws,
        Some(a),
        "events",
        "remove_targets",
        json!({"Rule": "cima-forward-support", "Ids": ["cima-central-bus"]}),
    );
    call(&aws, Some(a), "events", "delete_rule", json!({"Name": "cima-forward-support"}));
    call(
        &aws,
        Some(b),
        "iam",
        "delete_role_policy",
        json!({"RoleName": "CimaCaseReaderRole", "PolicyName": "cima-case-reader"}),
    );
    let mut want = vec![format!("{a} [\"update\"]"), format!("{b} [\"update\"]")];
    want.sort();
    assert_eq!(changed(&ws), want);
    assert_eq!(health(&aws, a)["problems"], json!(["forwarding rule missing"]));
    assert_eq!(health(&aws, b)["problems"], json!(["case-reader role policy missing or changed"]));
    ws.apply().expect("repair");
    assert!(changed(&ws).is_empty(), "repaired");
    assert_eq!(health(&aws, a)["healthy"], true);

    // The health check names each other kind of breakage too.
    let other_bus = "arn:aws:events:us-east-1:123456789012:event-bus/elsewhere";
    call(
        &aws,
        Some(a),
        "events",
        "put_targets",
        json!({"Rule": "cima-forward-support",
        "Targets": [{"Id": "cima-central-bus", "Arn": other_bus}]}),
    );
    let intruder = "arn:aws:iam::123456789012:role/someone-else";
    call(
        &aws,
        Some(b),
        "iam",
        "update_assume_role_policy",
        json!({"RoleName": "CimaCaseReaderRole",
        "PolicyDocument": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": intruder}, "Action": "sts:AssumeRole"}]}).to_string()}),
    );
    assert_eq!(health(&aws, a)["problems"], json!([format!("rule targets {other_bus}")]));
    assert_eq!(health(&aws, b)["problems"], json!([format!("case-reader role trusts {intruder}")]));
    let locked_out = health_as(&aws, &members[9], "NoSuchAccessRole");
    assert_eq!(locked_out["healthy"], false);
    let problems = locked_out["problems"].as_array().unwrap();
    assert!(
        problems.len() == 1 && problems[0].as_str().unwrap().starts_with("access role cannot be assumed"),
        "{problems:?}"
    );
    assert_eq!(changed(&ws), want, "both show on plan");
    ws.apply().expect("repair again");
    assert!(changed(&ws).is_empty());

    // Import one account into a fresh workspace: the same state.
    let imported = workspace(Some(&aws));
    imported
        .write(
            "main.tf",
            &format!(
                "{}resource \"cima_linked_account\" \"one\" {{\n  account_id        = \"{a}\"\n  central_bus_arn   = \"{CENTRAL_BUS}\"\n  enricher_role_arn = \"{ENRICHER_ROLE}\"\n  organization_id   = \"{}\"\n}}\n",
                preamble(),
                org.organization_id
            ),
        )
        .unwrap();
    imported.run_ok(["import", "-input=false", "-no-color", "cima_linked_account.one", a]).expect("import");
    let one = imported.show_json().unwrap();
    let one = one["values"]["root_module"]["resources"][0]["values"].clone();
    let original = show["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["index"] == a.as_str())
        .unwrap()["values"]
        .clone();
    for key in [
        "account_id",
        "central_bus_arn",
        "enricher_role_arn",
        "organization_id",
        "case_reader_role_arn",
        "events_role_arn",
        "status",
    ] {
        assert_eq!(one[key], original[key], "import-verify: {key}");
    }
    assert!(changed(&imported).is_empty(), "imported account plans no change");

    // Destroy leaves no role or rule behind.
    ws.destroy().expect("destroy");
    for m in members.iter().step_by(5).chain([a, b]) {
        let role = call(&aws, Some(m), "iam", "get_role", json!({"RoleName": "CimaCaseReaderRole"}));
        assert_eq!(role["Error"]["Code"], "NoSuchEntity", "{m}: {role}");
        let role = call(&aws, Some(m), "iam", "get_role", json!({"RoleName": "CimaEventForwarderRole"}));
        assert_eq!(role["Error"]["Code"], "NoSuchEntity", "{m}: {role}");
        let rules = call(&aws, Some(m), "events", "list_rules", json!({}));
        assert_eq!(rules["Rules"], json!([]), "{m}");
        // The access role the provider came in through is untouched.
        let access = call(&aws, Some(m), "iam", "get_role", json!({"RoleName": "OrganizationAccountAccessRole"}));
        assert!(access["Role"]["Arn"].is_string(), "{m}");
    }
}

/// The forwarding target dead-letters into the central pipeline's queue (another account): its
/// removal by hand shows on plan and apply restores it, and an event the member cannot forward
/// (the central bus is gone) waits in that queue, naming the member's rule.
#[test]
fn forwarding_failures_dead_letter_into_the_central_queue() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 2, seed: 23, suspended: 0 }).expect("org");
    let member = org.members().next().expect("a member").id.clone();
    call(&aws, None, "events", "create_event_bus", json!({"Name": "cima-central"}));
    let queue = call(&aws, None, "sqs", "create_queue", json!({"QueueName": "cima-case-events-dlq"}));
    let dlq = "arn:aws:sqs:us-east-1:123456789012:cima-case-events-dlq";
    let ws = workspace(Some(&aws));
    ws.write(
        "main.tf",
        &format!(
            r#"{}resource "cima_linked_account" "this" {{
  account_id            = "{member}"
  central_bus_arn       = "{CENTRAL_BUS}"
  enricher_role_arn     = "{ENRICHER_ROLE}"
  dead_letter_queue_arn = "{dlq}"
}}
"#,
            preamble()
        ),
    )
    .unwrap();
    ws.apply().expect("wire");
    let target = || {
        let t = call(&aws, Some(&member), "events", "list_targets_by_rule", json!({"Rule": "cima-forward-support"}));
        t["Targets"][0].clone()
    };
    let t = target();
    assert_eq!(t["DeadLetterConfig"]["Arn"], dlq, "{t:#}");
    assert_eq!(t["RetryPolicy"], json!({"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}), "{t:#}");
    assert_eq!(changed(&ws), Vec::<String>::new());

    // Someone drops the queue from the target: plan shows it, apply puts it back.
    let without =
        json!({"Rule": "cima-forward-support", "Targets": [{"Id": t["Id"], "Arn": t["Arn"], "RoleArn": t["RoleArn"]}]});
    call(&aws, Some(&member), "events", "put_targets", without);
    assert_eq!(changed(&ws), [" [\"update\"]"]);
    ws.apply().expect("repair");
    assert_eq!(target()["DeadLetterConfig"]["Arn"], dlq);

    // The central bus is gone: the member's case event cannot be forwarded and is kept.
    call(&aws, None, "events", "delete_event_bus", json!({"Name": "cima-central"}));
    let created =
        call(&aws, Some(&member), "support", "create_case", json!({"subject": "s", "communicationBody": "b"}));
    let case_id = created["caseId"].as_str().expect("a case id");
    let received = call(
        &aws,
        None,
        "sqs",
        "receive_message",
        json!({"QueueUrl": queue["QueueUrl"], "MaxNumberOfMessages": 10, "MessageAttributeNames": ["All"]}),
    );
    let messages = received["Messages"].as_array().cloned().unwrap_or_default();
    assert_eq!(messages.len(), 1, "{received:#}");
    let attribute = |k: &str| messages[0]["MessageAttributes"][k]["StringValue"].clone();
    assert_eq!(attribute("RULE_ARN"), format!("arn:aws:events:us-east-1:{member}:rule/cima-forward-support"));
    assert_eq!(attribute("TARGET_ARN"), CENTRAL_BUS);
    let body: Value = serde_json::from_str(messages[0]["Body"].as_str().unwrap()).unwrap();
    assert_eq!((body["detail"]["case-id"].as_str(), body["account"].as_str()), (Some(case_id), Some(member.as_str())));
}
