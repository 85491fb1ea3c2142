//! `cargo xtask console [--port PORT] [--accounts N]`: the CIMA console with the whole local
//! stack behind it (see `cima_testkit::LocalConsole`), until SIGINT or SIGTERM.
//!
//! stdout carries exactly five lines, for people and scripts alike: `aws: <endpoint>`,
//! `console: <page URL>`, `api: <API base URL>`, `token: <a fresh ID token>` and `ready`.
//! Progress and the demo user's password go to stderr.

use std::io::Write as _;

use anyhow::{Context as _, Result};
use cima_testkit::{ConsoleBinaries, ConsoleSpec, LambdaFunction, LocalConsole};

pub fn run(args: &[String]) -> Result<()> {
    let mut spec = ConsoleSpec::default();
    if let Some(port) = crate::flag(args, "--port") {
        spec.port = Some(port.parse().with_context(|| format!("--port {port}: not a port number"))?);
    }
    if let Some(n) = crate::flag(args, "--accounts") {
        spec.accounts = n.parse().with_context(|| format!("--accounts {n}: not a number"))?;
        anyhow::ensure!((1..=200).contains(&spec.accounts), "--accounts {n}: give 1 to 200 member accounts");
    }
    crate::setup::run()?;
    let console = start(&spec)?;
    announce(&console)?;
    wait_for_stop()?;
    eprintln!("xtask: stopping the console, the functions, the emulator and the local AWS");
    drop(console);
    Ok(())
}

/// Builds what the stack runs and starts it, reporting progress on stderr.
pub fn start(spec: &ConsoleSpec) -> Result<LocalConsole> {
    let bin = binaries()?;
    LocalConsole::start(spec, &bin, &|line| eprintln!("xtask: console: {line}")).context("the local console stack")
}

/// The five lines of stdout, then where to look on stderr.
pub fn announce(console: &LocalConsole) -> Result<()> {
    let token = console.id_token()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "aws: {}", console.aws.endpoint())?;
    writeln!(out, "console: {}", console.page_url())?;
    writeln!(out, "api: {}", console.api_url())?;
    writeln!(out, "token: {token}")?;
    writeln!(out, "ready")?;
    out.flush()?;
    eprintln!(
        "xtask: open {} and sign in as {} with password {} ({} cases in {} accounts); Ctrl-C stops everything",
        console.page_url(),
        console.user().username,
        console.user().password,
        console.truth.total,
        console.truth.accounts.len()
    );
    eprintln!(
        "xtask: the chat's spend answers (\"what did each account spend this month?\") come from results seeded \
         into the local Cost Explorer: moto keeps no costs"
    );
    Ok(())
}

/// The provider (a debug build) and the functions: the packaged zips `cargo xtask lambdas`
/// made when they exist (what ships), else debug builds, quicker to make.
fn binaries() -> Result<ConsoleBinaries> {
    let provider = crate::build_provider(false)?;
    let packaged = crate::lambdas::FUNCTIONS.iter().all(|f| crate::lambdas::zip_of(f).is_file());
    if !packaged {
        let mut c = crate::cargo(&["build"]);
        for f in crate::lambdas::FUNCTIONS {
            c.args(["--package", f]);
        }
        crate::sh(&mut c)?;
    }
    let function = |name: &str| -> Result<LambdaFunction> {
        Ok(if packaged {
            LambdaFunction::unpack(&crate::lambdas::zip_of(name))?
        } else {
            LambdaFunction::binary(&crate::target_dir().join("debug").join(name))?
        })
    };
    eprintln!(
        "xtask: console: functions from {}",
        if packaged { "target/lambda/*/bootstrap.zip" } else { "debug builds" }
    );
    Ok(ConsoleBinaries {
        provider,
        provider_source: cima_testkit::provider_source()?,
        enricher: function("case-enricher")?,
        console_api: function("console-api")?,
        chat_query: function("chat-query")?,
    })
}

/// Blocks until SIGINT or SIGTERM arrives.
pub fn wait_for_stop() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    })?;
    Ok(())
}
