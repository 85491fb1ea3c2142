//! The whole pipeline end to end, with what ships: this provider wires a central pipeline and
//! three member accounts through the real Terraform, the case-enricher's packaged `bootstrap`
//! (`cargo xtask lambdas`) runs under the Runtime API emulator, and a case opened in a member
//! account arrives enriched in the central store (Firehose → S3 in the local AWS) with nothing
//! carried by hand between the steps.

use std::time::Duration;

use cima_core::contract::DEFAULT_CASE_READER_ROLE as READER_ROLE;
use cima_testkit::{
    CaseSpec, LambdaFunction, LocalAws, LocalPipeline, OrgSpec, PipelineSpec, STORE_PREFIX, lambda_zip,
};
use serde_json::{Value, json};

use crate::harness::provider_binary;

fn enricher() -> Option<LambdaFunction> {
    let zip = lambda_zip("case-enricher");
    if !zip.is_file() {
        assert!(std::env::var_os("CI").is_none(), "{} is missing: `cargo xtask lambdas` builds it", zip.display());
        #[allow(clippy::print_stderr, reason = "says why the test did nothing")]
        {
            eprintln!("skipped: {} is missing; run `cargo xtask lambdas`", zip.display());
        }
        return None;
    }
    Some(LambdaFunction::unpack(&zip).expect("the zip holds an executable bootstrap"))
}

#[test]
fn a_case_opened_in_a_member_lands_enriched_in_the_central_store() {
    let Some(bootstrap) = enricher() else { return };
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 3, seed: 31, suspended: 0 }).expect("org");
    let members: Vec<String> = org.members().map(|a| a.id.clone()).collect();
    // Cases need a role for the seeding tool only; the pipeline's reader roles are the provider's.
    aws.seed_cases(&CaseSpec { seed: 31, per_account: 0, role_name: Some("SeedReader".into()), ..Default::default() })
        .expect("seed roles");
    let source = cima_testkit::provider_source().expect("provider source");
    let pipeline = LocalPipeline::start(
        &aws,
        &PipelineSpec {
            provider: provider_binary(),
            provider_source: &source,
            enricher: &bootstrap,
            central_account: &org.management_account_id,
            organization_id: &org.organization_id,
            members: &members,
            backfill_days: 0,
        },
    )
    .expect("pipeline wired");

    // A case opened in the second member, as a person there would (its own credentials).
    let member = &members[1];
    let params = json!({"subject": "Checkout latency", "communicationBody": "p99 doubled since 09:00",
        "serviceCode": "amazon-dynamodb", "categoryCode": "performance", "severityCode": "urgent"});
    let created = aws
        .tool(
            "call",
            &[("service", "support"), ("op", "create_case"), ("params", &params.to_string()), ("account", member)],
        )
        .expect("create case");
    let case_id = created["caseId"].as_str().expect("a case id").to_owned();

    let (key, event) =
        pipeline.wait_for_stored(&aws, &case_id, Duration::from_secs(60)).expect("enriched event stored");
    assert!(key.starts_with(STORE_PREFIX), "{key}");
    assert_eq!(event["source"], "heidi.support", "{event:#}");
    assert_eq!(event["detail-type"], "heidi.support", "{event:#}");
    // The enricher put it from the central account; the store's input transformer gives the
    // record the case's account, as the table and the dashboards read it.
    assert_eq!(event["account"], member.as_str(), "{event:#}");
    let d: &Value = &event["detail"];
    assert_eq!(d["accountId"], member.as_str(), "{d:#}");
    assert_eq!(d["subject"], "Checkout latency");
    assert_eq!(d["severityCode"], "urgent");
    assert_eq!(d["severityName"], "Production system down");
    assert_eq!(d["serviceCode"], "amazon-dynamodb");
    let name = org.account(member).map(|a| a.name.clone()).expect("seeded account");
    assert_eq!(d["accountName"], name.as_str(), "{d:#}");
    assert!(d["submittedRole"].as_str().is_some_and(|r| !r.is_empty()), "{d:#}");
    assert!(d["firstResponseTime"].is_null(), "AWS has not answered yet: {d:#}");
    assert!(pipeline.enricher_logs().contains(&case_id), "one log line names the case");
    assert_eq!(pipeline.take_dead_letters(&aws).expect("dead letters"), Vec::<Value>::new(), "nothing failed yet");

    // A member cannot write the store. Its forged record stays on its own bus (only aws.support
    // is forwarded), the central bus refuses one put there (its policy admits aws.support and
    // cima.backfill only), and a backfill it asks for another account's cases is refused by the
    // enricher, which reads nothing: the store holds exactly what it held.
    let victim = &members[0];
    let params = json!({"subject": "Billing export late", "communicationBody": "since Monday"});
    let created = aws.call("support", "create_case", &params, Some(victim)).expect("create case");
    let victim_case = created["caseId"].as_str().expect("a case id").to_owned();
    pipeline.wait_for_stored(&aws, &victim_case, Duration::from_secs(60)).expect("the victim's case stored");
    let before = pipeline.stored_events(&aws).expect("store");
    let put = |bus: Option<&str>, source: &str, detail_type: &str, detail: &Value| {
        let mut entry = json!({"Source": source, "DetailType": detail_type, "Detail": detail.to_string()});
        if let Some(bus) = bus {
            entry["EventBusName"] = json!(bus);
        }
        aws.call("events", "put_events", &json!({"Entries": [entry]}), Some(member)).expect("PutEvents")["Entries"][0]
            .clone()
    };
    let forged = json!({"caseId": victim_case, "subject": "Forged", "status": "resolved", "severityCode": "critical",
                        "accountId": victim});
    let own_bus = put(None, "heidi.support", "heidi.support", &forged);
    assert!(own_bus["EventId"].is_string(), "its own bus takes it: {own_bus:#}");
    let central = put(Some(&pipeline.bus_arn()), "heidi.support", "heidi.support", &forged);
    assert_eq!(central["ErrorCode"], "AccessDeniedException", "{central:#}");
    let backfill = put(
        Some(&pipeline.bus_arn()),
        "cima.backfill",
        "CIMA Backfill Request",
        &json!({"account": victim, "days": 30}),
    );
    assert!(backfill["EventId"].is_string(), "the policy admits a member's backfill request: {backfill:#}");
    let after = pipeline.stored_events(&aws).expect("store");
    assert_eq!(after.len(), before.len(), "nothing new in the store: {:#?}", &after[before.len().min(after.len())..]);
    assert!(after.iter().all(|(_, e)| e["detail"]["subject"] != "Forged"));
    // The refused request is not lost silently: it waits in the function's dead-letter queue.
    let letters = pipeline.take_dead_letters(&aws).expect("dead letters");
    assert_eq!(letters.len(), 1, "{letters:#?}");
    assert_eq!(
        (letters[0]["body"]["source"].as_str(), letters[0]["body"]["account"].as_str()),
        (Some("cima.backfill"), Some(member.as_str()))
    );
    let why = letters[0]["attributes"]["ErrorMessage"].as_str().unwrap_or_default();
    assert!(why.contains("an account may ask only for its own cases"), "{why}");

    // A member whose case-reader role was removed by hand: the enricher cannot read its case, so
    // the invocation fails and the event waits in the function's dead-letter queue, never lost.
    let broken = &members[2];
    let iam = |op: &str, params: Value| aws.call("iam", op, &params, Some(broken)).expect(op);
    iam("delete_role_policy", json!({"RoleName": READER_ROLE, "PolicyName": "cima-case-reader"}));
    iam("delete_role", json!({"RoleName": READER_ROLE}));
    let params = json!({"subject": "Disk full", "communicationBody": "no space left on device"});
    let created = aws.call("support", "create_case", &params, Some(broken)).expect("create case");
    let lost_case = created["caseId"].as_str().expect("a case id");
    aws.target_deliveries(Duration::from_secs(60)).expect("deliveries done");
    let letters = pipeline.take_dead_letters(&aws).expect("dead letters");
    assert_eq!(letters.len(), 1, "{letters:#?}");
    let letter = &letters[0];
    assert_eq!(letter["body"]["detail"]["case-id"], lost_case, "{letter:#}");
    assert_eq!(letter["body"]["account"], broken.as_str(), "{letter:#}");
    let why = letter["attributes"]["ErrorMessage"].as_str().unwrap_or_default();
    assert!(why.contains(broken.as_str()), "the error names the account: {why}");
}
