//! Project automation, run as `cargo xtask <task>`. Every task a newcomer or CI needs is here,
//! so README and `.ci/run` name one command each.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool: stdout is its output

mod bench;
mod bench_cases;
mod bench_console;
mod bench_lambdas;
mod bench_linked;
mod bench_replay;
mod console;
mod demo;
mod docs;
mod fuzz;
mod lambdas;
mod lint;
mod lock_python;
mod sbom;
mod setup;
mod test;
#[cfg(test)]
mod workflows;

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  setup          create .venv (moto server, and a Terraform when none is on PATH)
  test           setup, then every test: unit, integration, acceptance (real Terraform + moto), extension tests
  console [--port PORT] [--accounts N]
                 the console with the whole local stack (cases through the real pipeline, the API behind
                 JWT verification, local Cognito); prints aws:, console:, api:, token:, ready; Ctrl-C stops it
  console-test   only the browser session against the whole local stack (a part of `test`)
  demo           start a local AWS, seed an organization, apply examples/local with the freshly built provider
  lambdas [--arch x86_64|arm64]
                 build every Lambda as bootstrap.zip for provided.al2023 (cargo-lambda, glibc 2.34), each with
                 its CycloneDX SBOM beside it (bootstrap.cdx.json)
  sbom --package NAME --out FILE [--target TRIPLE] [--zip ZIP]
                 CycloneDX 1.5 SBOM of the crates compiled into NAME for TRIPLE (cargo metadata; builds nothing)
  lock-python    rewrite the requirements files with the sha256 of every pinned file (needs the network)
  lint           terraform fmt -check, checkov and trivy over the HCL, actionlint over .github/
  docs [--check] regenerate docs/ from the schema the provider serves (--check: fail when stale)
  fuzz [--cases N] [--nightly SECONDS [TARGET...]]
                 hostile input: the property tests and corpus replays (stable, as CI runs them); --nightly: cargo-fuzz per target
  bench-cases    cima_cases vs boto3 behind injected latency [--accounts N --per-account M --delay-ms D --concurrency C --runs R]
  bench-linked   cima_linked_account plan overhead vs terraform_data, and apply wall time [--plan-accounts N --apply-accounts M]
  bench-console  the console over 100,000 events: summary and first page through the local engine, page load in chromium, API peak RSS [--events N --runs R]
  bench-lambdas  the Lambda zips: cold start vs Python + boto3, zip size, enricher CPU per event [--runs N --events M]
  bench          provider start-up to schema served, and peak RSS (release build)";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = &args.get(1..).unwrap_or_default().to_vec();
    match args.first().map(String::as_str) {
        Some("setup") => setup::run(),
        Some("test") => test::run(rest),
        Some("demo") => demo::run(rest),
        Some("console") => console::run(rest),
        Some("console-test") => setup::run().and_then(|()| test::console_session(&cima_testkit::repo_root())),
        Some("docs") => docs::run(rest),
        Some("fuzz") => fuzz::run(rest),
        Some("lambdas") => lambdas::run(rest),
        Some("lint") => lint::run(),
        Some("lock-python") => lock_python::run(),
        Some("sbom") => sbom::run(rest),
        Some("bench") => bench::run(rest),
        Some("bench-cases") => bench_cases::run(rest),
        Some("bench-linked") => bench_linked::run(rest),
        Some("bench-lambdas") => bench_lambdas::run(rest),
        Some("bench-console") => bench_console::run(rest),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}\n\n{USAGE}"),
    }
}

/// Runs a command inheriting stdio, failing with its exit status.
fn sh(cmd: &mut std::process::Command) -> Result<()> {
    eprintln!("xtask: running {:?}", cmd);
    let status = cmd.status()?;
    if !status.success() {
        bail!("{:?} failed: {status}", cmd);
    }
    Ok(())
}

/// `cargo SUBCOMMAND… --locked` in the repository root: every cargo run xtask makes goes
/// through here, so none resolves anew or rewrites Cargo.lock. Further arguments follow.
fn cargo(subcommand: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(cima_testkit::repo_root()).args(cargo_args(subcommand));
    c
}

/// The arguments [`cargo`] starts with. `fmt` is the one exception: it reads no lock file, and
/// cargo-fmt refuses `--locked`.
fn cargo_args<'a>(subcommand: &[&'a str]) -> Vec<&'a str> {
    let mut args = subcommand.to_vec();
    if subcommand != ["fmt"] {
        args.push("--locked");
    }
    args
}

/// The value after `name` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1))
}

/// The workspace's one target directory.
fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| cima_testkit::repo_root().join("target"))
}

/// Builds the provider (debug unless `release`) and returns the binary's path.
fn build_provider(release: bool) -> Result<std::path::PathBuf> {
    let mut c = cargo(&["build"]);
    c.args(["--package", "terraform-provider-cima", "--bin", "terraform-provider-cima"]);
    if release {
        c.arg("--release");
    }
    sh(&mut c)?;
    let dir = if release { "release" } else { "debug" };
    Ok(target_dir().join(dir).join("terraform-provider-cima"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cargo_run_is_locked() {
        for subcommand in
            [&["build"][..], &["test"], &["clippy"], &["nextest", "run"], &["lambda", "build"], &["metadata"]]
        {
            let args = cargo_args(subcommand);
            assert_eq!(&args[..subcommand.len()], subcommand);
            assert_eq!(args.last(), Some(&"--locked"), "{subcommand:?}");
        }
        assert_eq!(cargo_args(&["fmt"]), ["fmt"]);
        let built: Vec<_> = cargo(&["doc"]).get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(built, ["doc", "--locked"]);
    }

    /// The `cargo xtask` alias builds xtask itself: it must not resolve anew either.
    #[test]
    fn the_xtask_alias_is_locked() {
        let config = std::fs::read_to_string(cima_testkit::repo_root().join(".cargo/config.toml")).expect("config");
        let alias = config.lines().find(|l| l.starts_with("xtask =")).expect("xtask alias");
        assert!(alias.split_whitespace().any(|w| w == "--locked"), "{alias}");
    }
}
