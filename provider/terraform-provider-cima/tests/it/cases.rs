//! `data "cima_cases"` through the real Terraform against a local AWS that speaks Support: an
//! organization of 40+ accounts with 300+ cases, each filter compared with the seeded truth, and
//! partial failures that never hide the other accounts' cases.

use std::collections::BTreeSet;

use cima_testkit::{CaseSpec, LocalAws, OrgSpec, SeededCase, SeededCases, SeededOrg};
use serde_json::Value;

use crate::harness::{data_values, preamble, workspace};

fn severity_name(code: &str) -> &'static str {
    match code {
        "low" => "General guidance",
        "normal" => "System impaired",
        "high" => "Production system impaired",
        "urgent" => "Production system down",
        "critical" => "Business-critical system down",
        other => panic!("unexpected severity {other}"),
    }
}

fn expected(truth: &SeededCases, keep: impl Fn(&SeededCase) -> bool) -> Vec<&SeededCase> {
    let mut v: Vec<&SeededCase> = truth.cases().filter(|c| keep(c)).collect();
    v.sort_by(|a, b| a.time_created.cmp(&b.time_created).then_with(|| a.case_id.cmp(&b.case_id)));
    v
}

fn assert_cases(label: &str, got: &Value, want: &[&SeededCase], org: &SeededOrg) {
    let cases = got["cases"].as_array().unwrap_or_else(|| panic!("{label}: no cases in {got:#}"));
    let got_ids: Vec<&str> = cases.iter().map(|c| c["case_id"].as_str().unwrap()).collect();
    let want_ids: Vec<&str> = want.iter().map(|c| c.case_id.as_str()).collect();
    assert_eq!(got_ids, want_ids, "{label}: the cases, in order");
    for (g, w) in cases.iter().zip(want) {
        let ctx = format!("{label}: {}", w.case_id);
        for (field, value) in [
            ("account_id", &w.account_id),
            ("display_id", &w.display_id),
            ("subject", &w.subject),
            ("status", &w.status),
            ("severity_code", &w.severity_code),
            ("service_code", &w.service_code),
            ("category_code", &w.category_code),
            ("submitted_by", &w.submitted_by),
            ("time_created", &w.time_created),
            ("language", &w.language),
        ] {
            assert_eq!(g[field], value.as_str(), "{ctx}: {field}");
        }
        assert_eq!(g["severity_name"], severity_name(&w.severity_code), "{ctx}");
        assert_eq!(g["account_name"], org.account(&w.account_id).unwrap().name.as_str(), "{ctx}");
        let cc: Vec<&str> = g["cc_email_addresses"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(cc, w.cc_email_addresses, "{ctx}");
        let newest = w.communications.iter().map(|m| m.time_created.as_str()).max();
        assert_eq!(g["last_communication_time"].as_str(), newest, "{ctx}");
    }
    // The summary counts what was returned.
    let s = &got["summary"];
    assert_eq!(s["total"], want.len(), "{label}: summary.total");
    assert_eq!(s["open"], want.iter().filter(|c| c.status != "resolved").count(), "{label}: summary.open");
    for c in want {
        let by_status = want.iter().filter(|x| x.status == c.status).count();
        assert_eq!(s["by_status"][&c.status], by_status, "{label}: by_status");
        let by_sev = want.iter().filter(|x| x.severity_code == c.severity_code).count();
        assert_eq!(s["by_severity"][&c.severity_code], by_sev, "{label}: by_severity");
        let by_account = want.iter().filter(|x| x.account_id == c.account_id).count();
        assert_eq!(s["by_account"][&c.account_id], by_account, "{label}: by_account");
    }
    assert_eq!(got["account_errors"], serde_json::json!([]), "{label}");
}

#[test]
fn cases_equal_the_seeded_truth_under_every_filter() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 40, seed: 11, suspended: 0 }).expect("org");
    let truth = aws.seed_cases(&CaseSpec { seed: 5, per_account: 8, ..CaseSpec::default() }).expect("cases");
    assert!(truth.cases().count() >= 300, "{} cases", truth.cases().count());
    assert!(truth.accounts.len() > 40);

    // A time window holding roughly the middle half of the cases.
    let mut times: Vec<&str> = truth.cases().map(|c| c.time_created.as_str()).collect();
    times.sort();
    let (after, before) = (times[times.len() / 4].to_owned(), times[3 * times.len() / 4].to_owned());
    let subset: Vec<String> = truth.accounts.iter().skip(3).step_by(7).map(|a| a.account_id.clone()).collect();

    let config = format!(
        r#"{preamble}
data "cima_cases" "open" {{
  role_name = "CimaCaseReaderRole"
}}

data "cima_cases" "everything" {{
  include_resolved = true
}}

data "cima_cases" "by_status" {{
  statuses = ["reopened", "pending-customer-action", "resolved"]
}}

data "cima_cases" "severe" {{
  severities       = ["urgent", "critical"]
  include_resolved = true
}}

data "cima_cases" "window" {{
  after_time       = "{after}"
  before_time      = "{before}"
  include_resolved = true
}}

data "cima_cases" "subset" {{
  account_ids = {subset:?}
}}
"#,
        preamble = preamble()
    );
    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config).unwrap();
    ws.apply().expect("apply");
    let show = ws.show_json().unwrap();
    let get = |name: &str| data_values(&show, "cima_cases", name).clone();

    assert_cases("open (default)", &get("open"), &expected(&truth, |c| c.status != "resolved"), &org);
    assert_cases("include_resolved", &get("everything"), &expected(&truth, |_| true), &org);
    let statuses = ["reopened", "pending-customer-action", "resolved"];
    assert_cases("statuses", &get("by_status"), &expected(&truth, |c| statuses.contains(&c.status.as_str())), &org);
    assert_cases(
        "severities",
        &get("severe"),
        &expected(&truth, |c| c.severity_code == "urgent" || c.severity_code == "critical"),
        &org,
    );
    assert_cases(
        "time window",
        &get("window"),
        &expected(&truth, |c| c.time_created.as_str() >= after.as_str() && c.time_created.as_str() < before.as_str()),
        &org,
    );
    let subset_set: BTreeSet<&str> = subset.iter().map(String::as_str).collect();
    assert_cases(
        "account subset",
        &get("subset"),
        &expected(&truth, |c| c.status != "resolved" && subset_set.contains(c.account_id.as_str())),
        &org,
    );

    // Stable across runs: a refresh gives the same cases in the same order.
    ws.apply().expect("second apply");
    let again = ws.show_json().unwrap();
    assert_eq!(data_values(&again, "cima_cases", "everything")["cases"], get("everything")["cases"]);
}

#[test]
fn a_failing_account_never_hides_the_others() {
    let aws = LocalAws::start().expect("local AWS");
    let org = aws.seed_org(&OrgSpec { accounts: 10, seed: 3, suspended: 0 }).expect("org");
    let broken: Vec<String> = org.members().take(3).map(|a| a.id.clone()).collect();
    let truth = aws
        .seed_cases(&CaseSpec { seed: 8, per_account: 4, skip_role: broken.clone(), ..CaseSpec::default() })
        .expect("cases");
    let config = |fail: bool| {
        format!(
            "{}data \"cima_cases\" \"all\" {{\n  role_name             = \"CimaCaseReaderRole\"\n  include_resolved      = true\n  fail_on_account_error = {fail}\n}}\n",
            preamble()
        )
    };
    let ws = workspace(Some(&aws));
    ws.write("main.tf", &config(false)).unwrap();
    let out = ws.apply().expect("apply succeeds despite failing accounts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for id in &broken {
        assert!(
            stdout.contains(&format!("Warning: Cannot read the cases of account {id}")),
            "warning for {id}:\n{stdout}"
        );
    }
    let show = ws.show_json().unwrap();
    let got = data_values(&show, "cima_cases", "all");
    let errors = got["account_errors"].as_array().unwrap();
    let mut want_broken = broken.clone();
    want_broken.sort();
    assert_eq!(errors.iter().map(|e| e["account_id"].as_str().unwrap().to_owned()).collect::<Vec<_>>(), want_broken);
    // AWS's own code and words, not the SDK's layers around them.
    for e in errors {
        let (id, message) = (e["account_id"].as_str().unwrap(), e["message"].as_str().unwrap());
        assert!(message.starts_with("DescribeCases: AccessDenied: User: "), "{message}");
        let refused = format!(
            "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{id}:role/CimaCaseReaderRole"
        );
        assert!(message.ends_with(&refused), "{message}");
    }
    let readable = expected(&truth, |c| !broken.contains(&c.account_id));
    let got_ids: BTreeSet<&str> =
        got["cases"].as_array().unwrap().iter().map(|c| c["case_id"].as_str().unwrap()).collect();
    assert_eq!(
        got_ids,
        readable.iter().map(|c| c.case_id.as_str()).collect::<BTreeSet<_>>(),
        "every readable account's cases"
    );

    ws.write("main.tf", &config(true)).unwrap();
    let out = ws.run(["plan", "-no-color", "-input=false"]).unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Cannot read the cases of 3 account(s)"), "{stderr}");
    for id in &broken {
        assert!(stderr.contains(id.as_str()), "{id} named:\n{stderr}");
    }
}
