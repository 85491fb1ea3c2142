//! `cargo xtask bench-linked`: what `resource "cima_linked_account"` costs Terraform.
//!
//! 1. Plan overhead: `terraform plan -refresh=false` with no state of N linked accounts against
//!    the same plan of N built-in `terraform_data` resources (no provider to start at all), so
//!    the difference is the provider's own share of planning a create.
//! 2. Apply: wiring M seeded member accounts against the local AWS at `-parallelism=10` and 32.
//!
//! Writes `bench/linked.md`.

use std::fs;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use cima_testkit::{LocalAws, OrgSpec, SeededOrg, Terraform, TfWorkspace};

const CENTRAL_BUS: &str = "arn:aws:events:us-east-1:123456789012:event-bus/cima-central";
const ENRICHER_ROLE: &str = "arn:aws:iam::123456789012:role/cima-enricher";
const PLAN_RUNS: usize = 3;
const SEED: u64 = 1;
const PARALLELISMS: [usize; 2] = [10, 32];

struct Opts {
    plan_accounts: usize,
    apply_accounts: usize,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Opts> {
        let known = ["--plan-accounts", "--apply-accounts"];
        let mut o = Opts { plan_accounts: 500, apply_accounts: 200 };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let v: usize = it
                .next()
                .with_context(|| format!("{a} needs a value"))?
                .parse()
                .with_context(|| format!("{a} must be a whole number"))?;
            match a.as_str() {
                "--plan-accounts" => o.plan_accounts = v,
                "--apply-accounts" => o.apply_accounts = v,
                _ => bail!(
                    "unknown argument {a:?}; usage: cargo xtask bench-linked {}",
                    known.map(|k| format!("[{k} N]")).join(" ")
                ),
            }
        }
        if o.plan_accounts < 1 || o.apply_accounts < 1 {
            bail!("--plan-accounts and --apply-accounts must be at least 1");
        }
        Ok(o)
    }

    fn command(&self) -> String {
        format!(
            "cargo xtask bench-linked --plan-accounts {} --apply-accounts {}",
            self.plan_accounts, self.apply_accounts
        )
    }
}

struct Apply {
    parallelism: usize,
    seconds: f64,
    added: usize,
}

pub fn run(args: &[String]) -> Result<()> {
    let o = Opts::parse(args)?;
    crate::setup::run()?;
    let binary = crate::build_provider(true)?;
    let tf = Terraform::locate()?;
    let source = cima_testkit::provider_source()?;
    let short = source.trim_start_matches("registry.terraform.io/").to_owned();
    let load_before = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let aws = LocalAws::start()?;
    // Generous yet bounded: a few seconds per hundred resources on a busy 2-core machine.
    let limit = Duration::from_secs(300 + 2 * o.plan_accounts.max(o.apply_accounts) as u64);

    // ---- 1. plan overhead ----
    let ids = made_up_ids(o.plan_accounts);
    let workspace = |config: String| -> Result<TfWorkspace> {
        let mut ws = TfWorkspace::new(&tf, &binary)?;
        // No AWS call is expected while planning creates; the local one catches any that happen.
        ws.envs(aws.aws_env());
        ws.set_timeout(limit);
        ws.write("main.tf", &config)?;
        Ok(ws)
    };
    let linked_ws = workspace(plan_config(&short, &ids, true))?;
    let data_ws = workspace(plan_config(&short, &ids, false))?;
    let plan_args = ["plan", "-refresh=false", "-input=false", "-no-color", "-lock=false"];
    // Untimed warm-up of each: Terraform, its built-in provider and ours into the page cache.
    for ws in [&linked_ws, &data_ws] {
        ws.run_ok(plan_args).context("warm-up plan")?;
    }
    let (mut linked, mut data) = (Vec::new(), Vec::new());
    // Alternated, so drift in the machine's load falls on both sides alike.
    for i in 0..PLAN_RUNS {
        eprintln!(
            "xtask: plan run {} of {PLAN_RUNS}: {} linked accounts, then {} terraform_data",
            i + 1,
            o.plan_accounts,
            o.plan_accounts
        );
        linked.push(timed_plan(&linked_ws, &plan_args, o.plan_accounts)?);
        data.push(timed_plan(&data_ws, &plan_args, o.plan_accounts)?);
    }
    drop((linked_ws, data_ws));

    // ---- 2. apply ----
    let mut applies = Vec::new();
    for (i, &parallelism) in PARALLELISMS.iter().enumerate() {
        if i > 0 {
            // A fresh start rather than a destroy: reset empties IAM and EventBridge too.
            aws.reset()?;
        }
        eprintln!("xtask: seeding {} member accounts and the central bus (not timed)", o.apply_accounts);
        let org = aws.seed_org(&OrgSpec { accounts: o.apply_accounts, seed: SEED, suspended: 0 })?;
        aws.tool(
            "call",
            &[("service", "events"), ("op", "create_event_bus"), ("params", r#"{"Name":"cima-central"}"#)],
        )?;
        let ws = workspace(apply_config(&short, &org))?;
        eprintln!("xtask: apply of {} linked accounts, -parallelism={parallelism}", o.apply_accounts);
        let p = format!("-parallelism={parallelism}");
        let start = Instant::now();
        let out = ws.run_ok(["apply", "-auto-approve", "-input=false", "-no-color", p.as_str()])?;
        let seconds = start.elapsed().as_secs_f64();
        let added = added(&String::from_utf8_lossy(&out.stdout));
        if added != o.apply_accounts {
            bail!("apply added {added} resources, expected {}", o.apply_accounts);
        }
        applies.push(Apply { parallelism, seconds, added });
    }
    let load_after = fs::read_to_string("/proc/loadavg").unwrap_or_default();

    let report = report(&o, &mut linked, &mut data, &applies, [&load_before, &load_after]);
    crate::bench::publish("linked.md", &report, None)?;
    Ok(())
}

/// Distinct, stable 12-digit IDs; never used against any AWS.
fn made_up_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{:012}", 100_000_000_000 + i * 7919)).collect()
}

fn preamble(short: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    cima = {{ source = \"{short}\" }}\n  }}\n}}\n\nprovider \"cima\" {{}}\n\n"
    )
}

fn plan_config(short: &str, ids: &[String], linked: bool) -> String {
    let set = ids.iter().map(|id| format!("    \"{id}\",\n")).collect::<String>();
    let locals = format!("locals {{\n  accounts = toset([\n{set}  ])\n}}\n\n");
    if linked {
        format!(
            "{}{locals}resource \"cima_linked_account\" \"this\" {{\n  for_each = local.accounts\n\n  account_id        = each.value\n  central_bus_arn   = \"{CENTRAL_BUS}\"\n  enricher_role_arn = \"{ENRICHER_ROLE}\"\n}}\n",
            preamble(short)
        )
    } else {
        // No provider block: the baseline must not start ours.
        format!(
            "{locals}resource \"terraform_data\" \"x\" {{\n  for_each = local.accounts\n  input    = each.value\n}}\n"
        )
    }
}

fn apply_config(short: &str, org: &SeededOrg) -> String {
    format!(
        "{}data \"cima_org_query\" \"members\" {{\n  include_management_account = false\n}}\n\nresource \"cima_linked_account\" \"this\" {{\n  for_each = toset(data.cima_org_query.members.account_ids)\n\n  account_id        = each.value\n  central_bus_arn   = \"{CENTRAL_BUS}\"\n  enricher_role_arn = \"{ENRICHER_ROLE}\"\n  organization_id   = \"{}\"\n}}\n",
        preamble(short),
        org.organization_id
    )
}

fn timed_plan(ws: &TfWorkspace, args: &[&str], n: usize) -> Result<f64> {
    let start = Instant::now();
    let out = ws.run_ok(args)?;
    let seconds = start.elapsed().as_secs_f64();
    // A plan that planned something else would be timing something else.
    let want = format!("Plan: {n} to add, 0 to change, 0 to destroy.");
    if !String::from_utf8_lossy(&out.stdout).contains(&want) {
        bail!("plan did not say {want:?}");
    }
    Ok(seconds)
}

/// N from Terraform's "Apply complete! Resources: N added, …" line.
fn added(stdout: &str) -> usize {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Apply complete! Resources: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn list(v: &[f64]) -> String {
    v.iter().map(|s| format!("{s:.2}")).collect::<Vec<_>>().join(", ")
}

fn report(o: &Opts, linked: &mut [f64], data: &mut [f64], applies: &[Apply], load: [&str; 2]) -> String {
    // Run order, before sorting for the median.
    let (linked_runs, data_runs) = (list(linked), list(data));
    let (l, d) = (median(linked), median(data));
    let ratio = l / d;
    let verdict = if ratio <= 1.2 { "met" } else { "**missed**" };
    let mut s = format!(
        "# `resource \"cima_linked_account\"`: plan overhead and apply\n\n\
         Reproduce: `{}` (release build of the provider, the real Terraform, moto on 127.0.0.1).\n\n\
         ## Plan overhead\n\n\
         `terraform plan -refresh=false` with no state, so every instance plans a create; {n} made-up account IDs in a local set, \
         `for_each` over it. Median of {PLAN_RUNS} runs each, alternated, after one untimed warm-up of each.\n\n\
         | configuration | median s | runs s |\n| --- | --- | --- |\n\
         | {n} × `cima_linked_account` | {l:.2} | {linked_runs} |\n\
         | {n} × `terraform_data` (built in, no provider process) | {d:.2} | {data_runs} |\n\n\
         Ratio: **{ratio:.2}×** (goal ≤ 1.2×: {verdict}).\n\n\
         ## Apply\n\n\
         `terraform apply -auto-approve -input=false -no-color -parallelism=P` wiring every member of an organization seeded with \
         {m} members (seed {SEED}) to the central bus; `data \"cima_org_query\"` lists them in the same run. Each apply starts from \
         a freshly reset and re-seeded local AWS and an empty state.\n\n\
         | -parallelism | accounts wired | wall s | accounts / s |\n| --- | --- | --- | --- |\n",
        o.command(),
        n = o.plan_accounts,
        m = o.apply_accounts,
    );
    for a in applies {
        s += &format!("| {} | {} | {:.2} | {:.1} |\n", a.parallelism, a.added, a.seconds, a.added as f64 / a.seconds);
    }
    s += &format!(
        "\n## Machine\n\n\
         - {} cores, shared with other work; load average before: {}, after: {}.\n\
         - moto serves one request at a time under Python's GIL, on the same cores as Terraform and the provider; \
         every apply's requests queue there whatever `-parallelism` is.\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        load[0].split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        load[1].split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    );
    s
}
