//! `cargo xtask demo`: the whole path a user takes, offline.
//!
//! 1. A local AWS (moto) gets a seeded organization with Support cases, the freshly built
//!    provider is wired into the real Terraform, and `examples/local` is applied: accounts per OU
//!    and open cases across the organization.
//! 2. The console (`cargo xtask console`): the provider wires a central pipeline and the member
//!    accounts, whose cases the case-enricher (under the Lambda Runtime API emulator) backfills
//!    into the central store (Firehose → S3); the page, its API behind JWT verification and the
//!    local Cognito serve them until Ctrl-C.

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
    console()
}

/// Part 2: the console, with cases that travelled the wired pipeline, until Ctrl-C.
fn console() -> Result<()> {
    eprintln!("xtask: part 2: the console on a fresh local AWS, its cases backfilled through the wired pipeline");
    let console = crate::console::start(&cima_testkit::ConsoleSpec::default())?;
    crate::console::announce(&console)?;
    crate::console::wait_for_stop()?;
    eprintln!("xtask: stopping the console, the functions, the emulator and the local AWS");
    drop(console);
    Ok(())
}
