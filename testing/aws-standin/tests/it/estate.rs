//! THE estate check: every module, example and root of the repository initialises and validates
//! against the real hashicorp/aws schema, and every module's (and root's) `terraform test` passes. Directories
//! are discovered at run time, so modules added later are covered.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cima_testkit::{LocalAws, OrgSpec, Terraform, TfWorkspace};

use crate::support::{self, text};

/// Generous: `terraform test` of a module runs several plans and applies.
const STEP_TIMEOUT: Duration = Duration::from_secs(600);

fn has_tf(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().any(|e| e.path().extension().is_some_and(|x| x == "tf") && e.path().is_file()))
        .unwrap_or(false)
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir() && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    if has_tf(dir) {
        out.push(dir.to_owned());
    }
    for sub in subdirs(dir) {
        walk(&sub, out);
    }
}

/// Directories to `init -backend=false` + `validate`: `modules/*`, `modules/*/examples/*`, the
/// repository root and every directory under `bootstrap/` with `*.tf` files.
pub fn configurations(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if has_tf(root) {
        out.push(root.to_owned());
    }
    for module in subdirs(&root.join("modules")) {
        if has_tf(&module) {
            out.push(module.clone());
        }
        out.extend(subdirs(&module.join("examples")).into_iter().filter(|e| has_tf(e)));
    }
    walk(&root.join("bootstrap"), &mut out);
    out
}

/// Configurations with `tests/*.tftest.hcl`: every module that has tests, and any root that does.
pub fn tested(root: &Path) -> Vec<PathBuf> {
    configurations(root)
        .into_iter()
        .filter(|m| {
            std::fs::read_dir(m.join("tests"))
                .map(|rd| rd.flatten().any(|e| e.file_name().to_string_lossy().ends_with(".tftest.hcl")))
                .unwrap_or(false)
        })
        .collect()
}

fn uses_cima(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten().any(|e| {
                e.path().extension().is_some_and(|x| x == "tf")
                    && std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("cimahq/cima"))
            })
        })
        .unwrap_or(false)
}

/// The repository, or another tree checked the same way (e.g. a throwaway module while developing
/// this test).
fn estate_root() -> PathBuf {
    std::env::var_os("AWS_STANDIN_ESTATE_ROOT").map(PathBuf::from).unwrap_or_else(support::repo_root)
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

/// `environments/*.tfvars` of a root (relative paths, sorted): its tests run once with each.
pub fn var_files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.join("environments"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tfvars"))
                .map(|n| format!("environments/{n}"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

struct Runner {
    root: PathBuf,
    tf: Terraform,
    failures: Vec<String>,
    timings: Vec<(String, Duration)>,
}

impl Runner {
    fn new() -> Self {
        support::prepare();
        // Every command goes through tf-offline, the same path developers use.
        let root = estate_root();
        Self { root, tf: Terraform::at(support::tf_offline_script()), failures: Vec::new(), timings: Vec::new() }
    }

    fn rel(&self, dir: &Path) -> String {
        let r = dir.strip_prefix(&self.root).unwrap_or(dir).display().to_string();
        if r.is_empty() { ".".into() } else { r }
    }

    /// A workspace whose `TF_DATA_DIR` is private, so the check never touches a developer's
    /// `.terraform/` (the lock file is still written beside the configuration; it is ignored).
    fn workspace(&self, env: &[(String, String)]) -> TfWorkspace {
        let mut ws = TfWorkspace::new(&self.tf, &support::cima_binary()).expect("workspace");
        let data = ws.root().join("data");
        ws.env("TF_DATA_DIR", data)
            .env("TF_OFFLINE_NO_BUILD", "1")
            // Each check runs init explicitly first.
            .env("TF_OFFLINE_NO_INIT", "1")
            .env(support::SCHEMA_ENV, support::schema_path())
            .envs(env.iter().cloned())
            .set_timeout(STEP_TIMEOUT);
        ws
    }

    /// Runs the steps in order, stopping at the first failure, which is recorded with its output.
    fn check(&mut self, dir: &Path, env: &[(String, String)], steps: &[Vec<String>]) {
        let ws = self.workspace(env);
        let started = Instant::now();
        for step in steps {
            let args = std::iter::once(dir.display().to_string()).chain(step.iter().cloned());
            let what = format!("{}: terraform {}", self.rel(dir), step.join(" "));
            match ws.run(args) {
                Ok(out) if out.status.success() => {}
                Ok(out) => {
                    self.failures.push(format!("== {what} ({})\n{}", out.status, text(&out)));
                    break;
                }
                Err(e) => {
                    self.failures.push(format!("== {what}: {e}"));
                    break;
                }
            }
        }
        let last = steps.last().and_then(|s| s.first()).map_or("", String::as_str);
        self.timings.push((format!("{} {last}", self.rel(dir)), started.elapsed()));
    }

    fn finish(self, what: &str, started: Instant) {
        #[allow(clippy::print_stderr)] // the timings are part of the test's report
        {
            for (dir, t) in &self.timings {
                eprintln!("{what}: {dir}: {:.1} s", t.as_secs_f64());
            }
            eprintln!("{what}: {} directories in {:.1} s", self.timings.len(), started.elapsed().as_secs_f64());
        }
        assert!(
            self.failures.is_empty(),
            "{} of {} directories failed:\n{}\n\n{}",
            self.failures.len(),
            self.timings.len(),
            self.failures.iter().map(|f| f.lines().next().unwrap_or("")).collect::<Vec<_>>().join("\n"),
            self.failures.join("\n\n")
        );
    }
}

#[test]
fn every_module_example_and_root_validates() {
    let started = Instant::now();
    let mut runner = Runner::new();
    let dirs = configurations(&runner.root);
    assert!(!dirs.is_empty(), "no configuration found under {}: discovery is broken", runner.root.display());
    for dir in &dirs {
        runner.check(dir, &[], &[args(&["init", "-backend=false", "-no-color"]), args(&["validate", "-no-color"])]);
    }
    runner.finish("init + validate", started);
}

/// The configurations a user runs `init` in that have no tests of their own (module examples, the
/// bootstrap roots) validate on the oldest Terraform the provider supports, so every module, used
/// as a child, works there too; and each states that version as its minimum, as the root states
/// the one its tests need.
#[test]
fn examples_validate_on_the_oldest_terraform_their_required_version_names() {
    let started = Instant::now();
    let mut runner = Runner::new();
    let oldest = cima_testkit::TerraformCore::oldest();
    let core = Terraform::core(oldest).expect("the oldest core (cargo xtask setup)");
    let core_dir = core.program().parent().expect("the core's directory").to_owned();
    // tf-offline runs the first terraform on PATH.
    let path = std::env::join_paths(
        std::iter::once(core_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let env = [("PATH".to_owned(), path.to_string_lossy().into_owned())];
    let tested = tested(&runner.root);
    let minor = oldest.version.rsplit_once('.').map_or(oldest.version, |(minor, _)| minor);
    let mut stated = Vec::new();
    for dir in configurations(&runner.root) {
        let want = if dir == runner.root { ">= 1.7" } else { &format!(">= {minor}") };
        stated.push((runner.rel(&dir), required_version(&dir), want.to_owned()));
        if !tested.contains(&dir) {
            runner.check(
                &dir,
                &env,
                &[args(&["init", "-backend=false", "-no-color"]), args(&["validate", "-no-color"])],
            );
        }
    }
    let wrong: Vec<_> = stated.iter().filter(|(_, have, want)| have.as_deref() != Some(want.as_str())).collect();
    assert!(wrong.is_empty(), "required_version (directory, stated, tested): {wrong:#?}");
    assert!(runner.timings.len() >= 10, "examples found: {}", runner.timings.len());
    runner.finish(&format!("init + validate on Terraform {}", oldest.version), started);
}

/// The `required_version` a configuration's `*.tf` files state.
fn required_version(dir: &Path) -> Option<String> {
    let files = std::fs::read_dir(dir).ok()?.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".tf"));
    files.filter_map(|e| std::fs::read_to_string(e.path()).ok()).find_map(|text| {
        text.lines().find_map(|l| {
            let value = l.trim().strip_prefix("required_version")?.trim_start().strip_prefix('=')?.trim();
            Some(value.trim_matches('"').to_owned())
        })
    })
}

/// `init -backend=false` + `terraform test` in each directory, with a local AWS for those using cima.
fn run_tests(what: &str, select: impl Fn(&Path) -> bool, expect_some: bool) {
    let started = Instant::now();
    let mut runner = Runner::new();
    let dirs: Vec<PathBuf> = tested(&runner.root).into_iter().filter(|d| select(d)).collect();
    assert!(
        !expect_some || !dirs.is_empty(),
        "{what}: nothing with tests/*.tftest.hcl under {}",
        runner.root.display()
    );
    // A configuration's tests may run the cima provider unmocked: it then talks to a local AWS with
    // a seeded organization (management account 123456789012, four members).
    let local_aws = dirs.iter().any(|d| uses_cima(d)).then(|| {
        let aws = LocalAws::start().expect("local AWS (moto); run `cargo xtask setup` if .venv is missing");
        aws.seed_org(&OrgSpec { accounts: 4, seed: 1, suspended: 0 }).expect("seed an organization");
        aws
    });
    for dir in &dirs {
        let env = match &local_aws {
            Some(aws) if uses_cima(dir) => aws.aws_env(),
            _ => Vec::new(),
        };
        let mut steps = vec![args(&["init", "-backend=false", "-no-color"])];
        // A root whose tests need an environment's variables is tested with each of them.
        let var_files = var_files(dir);
        if var_files.is_empty() {
            steps.push(args(&["test", "-no-color"]));
        }
        for file in var_files {
            steps.push(args(&["test", "-no-color", &format!("-var-file={file}")]));
        }
        runner.check(dir, &env, &steps);
    }
    drop(local_aws);
    runner.finish(what, started);
}

fn is_module(root: &Path, dir: &Path) -> bool {
    dir.parent() == Some(root.join("modules").as_path())
}

/// Split from the roots' tests so each has its own time budget.
#[test]
fn every_module_test_passes() {
    let root = estate_root();
    // Every module is meant to have tests, so finding none means discovery broke.
    run_tests("every_module_test_passes", |d| is_module(&root, d), true);
}

#[test]
fn every_root_test_passes() {
    let root = estate_root();
    run_tests("every_root_test_passes", |d| !is_module(&root, d), false);
}

#[cfg(test)]
mod discovery {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "").unwrap();
    }

    #[test]
    fn finds_modules_examples_roots_and_bootstrap_dirs() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        for f in [
            "main.tf",
            "modules/a/main.tf",
            "modules/a/examples/basic/main.tf",
            "modules/a/examples/empty/README.md",
            "modules/a/tests/defaults.tftest.hcl",
            "modules/b/main.tf",
            "modules/b/.terraform/modules/x/main.tf",
            "bootstrap/main.tf",
            "bootstrap/account-bootstrap/main.tf",
            "bootstrap/deep/er/main.tf",
            "bootstrap/deep/er/tests/root.tftest.hcl",
            "environments/prod.tfvars",
            "environments/dev.tfvars",
            "environments/README.md",
        ] {
            touch(&r.join(f));
        }
        let rel =
            |ps: Vec<PathBuf>| ps.iter().map(|p| p.strip_prefix(r).unwrap().display().to_string()).collect::<Vec<_>>();
        assert_eq!(
            rel(configurations(r)),
            [
                "",
                "modules/a",
                "modules/a/examples/basic",
                "modules/b",
                "bootstrap",
                "bootstrap/account-bootstrap",
                "bootstrap/deep/er"
            ]
        );
        assert_eq!(rel(tested(r)), ["modules/a", "bootstrap/deep/er"]);
        assert_eq!(var_files(r), ["environments/dev.tfvars", "environments/prod.tfvars"]);
        assert!(var_files(&r.join("modules/a")).is_empty());
    }
}
