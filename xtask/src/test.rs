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
    browser_checks(&root)?;
    console_session(&root)
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

/// The whole local stack (`cargo xtask console`) in one browser session: what the page shows is
/// compared with the truth the stack computed from the seeded cases (tools/browser/console.mjs);
/// screenshots in target/console-shots/stack.
pub fn console_session(root: &std::path::Path) -> Result<()> {
    let tools = cima_testkit::create_tools_venv(root)?;
    let node = crate::lint::node_home(&tools)?.join("bin/node");
    let shots = crate::target_dir().join("console-shots/stack");
    std::fs::create_dir_all(&shots)?;
    let console = crate::console::start(&cima_testkit::ConsoleSpec::default())?;
    let truth = shots.join("truth.json");
    std::fs::write(&truth, serde_json::to_vec_pretty(&console.truth)?)?;
    let token = console.id_token()?;
    let mut c = std::process::Command::new(node);
    c.current_dir(root)
        .arg(root.join("tools/browser/console.mjs"))
        .args(["--url", &console.page_url(), "--api", &console.api_url(), "--token", &token])
        .args(["--user", &console.user().username, "--password", &console.user().password])
        .arg("--truth")
        .arg(&truth)
        .arg("--out")
        .arg(&shots);
    let result = sh(&mut c);
    if result.is_err() {
        let mut console = console;
        eprintln!("{}", console.logs());
        return result;
    }
    Ok(())
}
