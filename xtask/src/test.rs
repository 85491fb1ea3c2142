//! `cargo xtask test`: every check and test the project has, in the order that fails fastest.

use anyhow::Result;

use crate::{cargo, setup, sh};

pub fn run(extra: &[String]) -> Result<()> {
    setup::run()?;
    let root = cima_testkit::repo_root();
    // Static checks first: they fail in a minute, the suites below take many.
    crate::lint::run()?;
    // The packaged zips: the Lambda tests run the `bootstrap` inside each under the Runtime API
    // emulator, so what ships is what is tested.
    crate::lambdas::build("x86_64")?;
    let nextest =
        std::process::Command::new("cargo").args(["nextest", "--version"]).output().is_ok_and(|o| o.status.success());
    let mut c = cargo();
    if nextest {
        c.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
        if std::env::var_os("CI").is_some() {
            c.args(["--profile", "ci"]);
        }
    } else {
        c.args(["test", "--workspace", "--no-fail-fast"]);
    }
    c.args(extra);
    sh(&mut c)?;
    // Doc tests are not run by nextest.
    if nextest {
        sh(cargo().args(["test", "--workspace", "--doc"]))?;
    }
    let venv = cima_testkit::Venv::locate(&root)?;
    sh(std::process::Command::new(venv.python())
        .current_dir(&root)
        .env("PYTHONPATH", root.join("testing/localaws"))
        .args(["-m", "unittest", "discover", "-s", "testing/localaws/tests", "-v"]))?;
    crate::docs::run(&["--check".to_owned()])?;
    browser_checks(&root)
}

/// The console page in Debian's chromium, one browser session for every check
/// (tools/browser/page-check.mjs); its screenshots stay in target/console-shots.
fn browser_checks(root: &std::path::Path) -> Result<()> {
    let tools = cima_testkit::create_tools_venv(root)?;
    let node = crate::lint::node_home(&tools)?.join("bin/node");
    let shots = crate::target_dir().join("console-shots");
    sh(std::process::Command::new(node)
        .current_dir(root)
        .arg(root.join("tools/browser/page-check.mjs"))
        .arg("--out")
        .arg(&shots))
}
