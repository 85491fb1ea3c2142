//! The testkit against the real pieces: a local AWS server and the Terraform CLI.
//! Needs `<repo>/.venv` (`cargo xtask setup`).

mod http_api;
mod static_site;

use std::path::Path;
use std::time::{Duration, Instant};

use cima_testkit::{CaseSpec, LocalAws, OrgSpec, PROVIDER_BINARY_NAME, Terraform, TfWorkspace};

fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn localaws_seeds_an_organization_and_dies_with_its_handle() {
    let aws = LocalAws::start().expect("localaws starts");
    let pid = aws.pid();
    assert!(process_exists(pid));
    assert!(aws.endpoint().starts_with("http://127.0.0.1:"), "{}", aws.endpoint());
    let env = aws.aws_env();
    assert!(env.contains(&("AWS_ENDPOINT_URL".to_owned(), aws.endpoint().to_owned())));
    assert!(!env.iter().any(|(k, _)| k == "MOTO_ACCOUNT_ID"));

    let spec = OrgSpec { accounts: 10, seed: 5, suspended: 2 };
    let org = aws.seed_org(&spec).expect("seeds");
    assert_eq!(org.accounts.len(), 11, "10 members + the management account");
    assert_eq!(org.members().count(), 10);
    assert_eq!(org.accounts[0].id, org.management_account_id);
    assert_eq!(org.management_account_id, cima_testkit::MANAGEMENT_ACCOUNT_ID);
    assert_eq!(org.members().filter(|a| a.status == "SUSPENDED").count(), 2);
    assert!(org.ous.iter().any(|ou| ou.path == "/Production/Web"));
    for account in &org.accounts {
        let parent_known = account.parent_id == org.root_id || org.ous.iter().any(|ou| ou.id == account.parent_id);
        assert!(parent_known, "{account:?}");
    }

    // Seeding again needs a reset; the same spec then gives the same organization.
    assert!(aws.seed_org(&spec).is_err(), "an organization exists already");
    aws.reset().expect("reset");
    assert_eq!(aws.seed_org(&spec).expect("seeds again"), org);

    let member = &org.members().next().expect("a member").id;
    let answer = aws
        .control(
            "/_localaws/organizations/account",
            &serde_json::json!({"account_id": member, "status": "PENDING_CLOSURE"}),
        )
        .expect("control endpoint");
    assert_eq!(answer["Account"]["Status"], "PENDING_CLOSURE");

    drop(aws);
    assert!(!process_exists(pid), "Drop stops and reaps the server");
}

#[test]
fn localaws_seeds_support_cases() {
    let aws = LocalAws::start().expect("localaws starts");
    let org = aws.seed_org(&OrgSpec { accounts: 4, seed: 3, suspended: 1 }).expect("org");
    let active: Vec<&str> = org.accounts.iter().filter(|a| a.status == "ACTIVE").map(|a| a.id.as_str()).collect();
    let skipped = active[1].to_owned();
    let spec = CaseSpec { seed: 2, per_account: 6, skip_role: vec![skipped.clone()], ..CaseSpec::default() };
    let cases = aws.seed_cases(&spec).expect("cases");

    let seeded: Vec<&str> = cases.accounts.iter().map(|a| a.account_id.as_str()).collect();
    assert_eq!(seeded, active, "the management account, then every ACTIVE member");
    assert_eq!(cases.cases().count(), 6 * active.len());
    assert_eq!(cases.role_name, cima_testkit::CASE_READER_ROLE);
    assert_eq!(cases.account(&skipped).and_then(|a| a.reader_role.as_deref()), None);
    for case in cases.cases() {
        assert!(case.case_id.starts_with(&format!("case-{}-", case.account_id)), "{case:?}");
        assert!(case.display_id.bytes().all(|b| b.is_ascii_digit()), "{case:?}");
        assert!(case.time_created.ends_with('Z') && case.time_created < cases.anchor, "{case:?}");
        assert_eq!(case.communications.first().map(|c| c.origin.as_str()), Some("CUSTOMER"));
    }
    assert!(cases.cases().any(|c| c.first_aws_response().is_some()));
    assert!(cases.cases().any(|c| c.status == "resolved"));

    // Only the named accounts, with another role name.
    let member = active[2].to_owned();
    let spec = CaseSpec {
        seed: 2,
        per_account: 1,
        accounts: Some(vec![member.clone()]),
        role_name: Some("OtherReader".into()),
        skip_role: Vec::new(),
    };
    let more = aws.seed_cases(&spec).expect("more cases");
    assert_eq!(more.accounts.len(), 1);
    assert_eq!(more.accounts[0].reader_role.as_deref(), Some("OtherReader"));
    assert_eq!(more.accounts[0].cases.len(), 7, "six before, one more");
}

#[test]
fn localaws_instances_are_independent() {
    let a = LocalAws::start().expect("first");
    let b = LocalAws::start().expect("second");
    assert_ne!(a.endpoint(), b.endpoint());
    a.seed_org(&OrgSpec { accounts: 2, seed: 1, suspended: 0 }).expect("seed a");
    b.seed_org(&OrgSpec { accounts: 2, seed: 1, suspended: 0 }).expect("b has no organization yet");
}

#[test]
fn terraform_workspace_runs_real_commands() {
    let tf = Terraform::locate().expect("terraform on PATH or in .venv");
    let version = tf.version().expect("version");
    assert!(version.split('.').count() >= 2, "{version}");

    // validate/apply of a configuration without the provider never starts the binary.
    let bin_dir = tempfile::tempdir().expect("tempdir");
    let binary = bin_dir.path().join(PROVIDER_BINARY_NAME);
    std::fs::write(&binary, "").expect("placeholder binary");
    let mut ws = TfWorkspace::new(&tf, &binary).expect("workspace");
    ws.set_timeout(Duration::from_secs(120));
    ws.write(
        "main.tf",
        "variable \"name\" {\n  default = \"cima\"\n}\noutput \"greeting\" {\n  value = \"hello ${var.name}\"\n}\n",
    )
    .expect("write");

    let valid = ws.validate_json().expect("validate");
    assert_eq!(valid["valid"], true, "{valid}");
    ws.apply().expect("apply");
    assert_eq!(ws.output_json().expect("outputs")["greeting"]["value"], "hello cima");
    assert_eq!(ws.show_json().expect("state")["values"]["outputs"]["greeting"]["value"], "hello cima");
    let plan = ws.plan_json().expect("plan");
    assert!(plan["format_version"].is_string(), "{plan}");
    ws.destroy().expect("destroy");

    ws.write("broken.tf", "output \"broken\" {\n  value = var.missing\n}\n").expect("write");
    let invalid = ws.validate_json().expect("JSON even though terraform exits 1");
    assert_eq!(invalid["valid"], false, "{invalid}");
    assert!(invalid["error_count"].as_u64() >= Some(1));
    let err = ws.apply().expect_err("apply fails");
    assert!(err.to_string().contains("missing"), "the error carries terraform's output: {err}");
}

#[test]
fn terraform_commands_are_bounded() {
    let tf = Terraform::locate().expect("terraform");
    let bin_dir = tempfile::tempdir().expect("tempdir");
    let binary = bin_dir.path().join(PROVIDER_BINARY_NAME);
    std::fs::write(&binary, "").expect("placeholder binary");
    let mut ws = TfWorkspace::new(&tf, &binary).expect("workspace");
    // Shorter than any Terraform start: the run is killed and reported as a timeout.
    ws.set_timeout(Duration::from_millis(1));
    let start = Instant::now();
    let err = ws.run(["version"]).expect_err("times out");
    assert!(matches!(err, cima_testkit::Error::Timeout { .. }), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
}
