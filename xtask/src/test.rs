//! `cargo xtask test`: every check and test the project has, in the order that fails fastest.

use anyhow::{Result, bail};

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
    let mut c = if nextest { cargo(&["nextest", "run"]) } else { cargo(&["test"]) };
    if nextest {
        c.args(["--workspace", "--no-fail-fast"]);
        if std::env::var_os("CI").is_some() {
            c.args(["--profile", "ci"]);
        }
    } else {
        c.args(["--workspace", "--no-fail-fast"]);
    }
    c.args(extra);
    sh(&mut c)?;
    // Doc tests are not run by nextest.
    if nextest {
        sh(cargo(&["test"]).args(["--workspace", "--doc"]))?;
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
        .arg(&shots)
        .stderr(std::process::Stdio::inherit());
    // Never the command line in an error: it holds the session's token and password.
    eprintln!("xtask: running tools/browser/console.mjs against {}", console.page_url());
    let output = c.output()?;
    let report = String::from_utf8_lossy(&output.stdout);
    print!("{report}");
    std::fs::write(shots.join("report.json"), report.as_bytes())?;
    let mut console = console;
    let logs = console.logs();
    std::fs::write(shots.join("stack.log"), &logs)?;
    if !output.status.success() {
        // The stack's logs first, the failed checks last: a CI log's tail names what failed.
        eprintln!("{logs}");
        bail!("the console session failed ({}): {}", output.status, failed_checks(&report));
    }
    Ok(())
}

/// The failed checks of a browser report (tools/browser/lib/report.mjs), one per line.
fn failed_checks(report: &str) -> String {
    let json = report.find('{').and_then(|start| {
        let end = report.rfind('}')?;
        serde_json::from_str::<serde_json::Value>(&report[start..=end]).ok()
    });
    let Some(checks) = json.as_ref().and_then(|r| r["checks"].as_array()) else {
        return "no report was printed (see stderr above)".into();
    };
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| c["ok"] != serde_json::Value::Bool(true))
        .map(|c| format!("\n  {}: {}", c["name"].as_str().unwrap_or("?"), c["error"].as_str().unwrap_or("?")))
        .collect();
    if failed.is_empty() { "no check failed; the run itself did not finish".into() } else { failed.concat() }
}
