//! `cargo xtask demo`: the whole path a user takes, offline.
//!
//! 1. A local AWS (moto) gets a seeded organization with Support cases, the freshly built
//!    provider is wired into the real Terraform, and `examples/local` is applied: accounts per OU
//!    and open cases across the organization.
//! 2. The event pipeline end to end: the provider wires a central pipeline and three member
//!    accounts, the case-enricher runs under the Lambda Runtime API emulator, and a case opened in
//!    a member arrives enriched in the central store (Firehose → S3) with no hand-carried step.

use anyhow::{Context as _, Result};

pub fn run(args: &[String]) -> Result<()> {
    let accounts: usize = crate::flag(args, "--accounts").map(|v| v.parse()).transpose()?.unwrap_or(30);
    crate::setup::run()?;
    let provider = crate::build_provider(false)?;
    let root = cima_testkit::repo_root();

    eprintln!("xtask: starting the local AWS (moto server on 127.0.0.1)");
    let aws = cima_testkit::LocalAws::start()?;
    let org = aws.seed_org(&cima_testkit::OrgSpec { accounts, seed: 7, suspended: 3 })?;
    let cases = aws.seed_cases(&cima_testkit::CaseSpec { seed: 7, per_account: 4, ..Default::default() })?;
    eprintln!(
        "xtask: seeded organization {} with {} accounts and {} Support cases at {}",
        org.organization_id,
        org.accounts.len(),
        cases.cases().count(),
        aws.endpoint()
    );

    let tf = cima_testkit::Terraform::locate()?;
    let mut ws = cima_testkit::TfWorkspace::new(&tf, &provider)?;
    ws.envs(aws.aws_env());
    let example = root.join("examples/local/main.tf");
    ws.write("main.tf", &std::fs::read_to_string(&example).with_context(|| example.display().to_string())?)?;
    let out = ws.apply()?;
    println!("{}", String::from_utf8_lossy(&out.stdout));
    drop(aws);
    pipeline(&provider)
}

/// Part 2: a fresh local AWS, the pipeline wired, one case followed from member to store.
fn pipeline(provider: &std::path::Path) -> Result<()> {
    // The packaged zip when `cargo xtask lambdas` built one; else a debug build, quicker to make.
    let zip = crate::lambdas::zip_of("case-enricher");
    let enricher = if zip.is_file() {
        cima_testkit::LambdaFunction::unpack(&zip)?
    } else {
        crate::sh(crate::cargo().args(["build", "--package", "case-enricher"]))?;
        cima_testkit::LambdaFunction::binary(&crate::target_dir().join("debug/case-enricher"))?
    };
    eprintln!(
        "xtask: pipeline: a second local AWS, the enricher {} under the Runtime API emulator",
        enricher.path().display()
    );
    let aws = cima_testkit::LocalAws::start()?;
    let org = aws.seed_org(&cima_testkit::OrgSpec { accounts: 3, seed: 8, suspended: 0 })?;
    aws.seed_cases(&cima_testkit::CaseSpec {
        seed: 8,
        per_account: 0,
        role_name: Some("SeedReader".into()),
        ..Default::default()
    })?;
    let members: Vec<String> = org.members().map(|a| a.id.clone()).collect();
    let source = cima_testkit::provider_source()?;
    let pipeline = cima_testkit::LocalPipeline::start(
        &aws,
        &cima_testkit::PipelineSpec {
            provider,
            provider_source: &source,
            enricher: &enricher,
            central_account: &org.management_account_id,
            organization_id: &org.organization_id,
            members: &members,
            backfill_days: 0,
        },
    )?;
    eprintln!("xtask: pipeline wired by terraform apply: cima_case_pipeline + {} × cima_linked_account", members.len());
    let member = &members[0];
    let params = serde_json::json!({"subject": "Production database unreachable", "communicationBody": "Since 09:12 UTC",
        "serviceCode": "amazon-relational-database-service", "categoryCode": "instance-issue", "severityCode": "critical"});
    let created = aws.tool(
        "call",
        &[("service", "support"), ("op", "create_case"), ("params", &params.to_string()), ("account", member)],
    )?;
    let case_id = created["caseId"].as_str().with_context(|| format!("CreateCase answered {created}"))?.to_owned();
    eprintln!("xtask: opened case {case_id} in member account {member}; following it to the central store");
    let (key, event) = pipeline.wait_for_stored(&aws, &case_id, std::time::Duration::from_secs(60))?;
    println!("Enriched event stored at s3://{}/{key}:\n{}", pipeline.bucket, serde_json::to_string_pretty(&event)?);
    Ok(())
}
