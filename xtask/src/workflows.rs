//! What the GitHub workflows must keep, checked as text (actionlint, run by `cargo xtask lint`,
//! checks their syntax): the release is signed only in the protected `release` environment, no
//! other job can read a secret, every action is pinned by commit, and every cargo run is locked.

/// The release workflow and the job that signs it.
pub const RELEASE: &str = ".github/workflows/release-provider.yml";
pub const SIGNING_JOB: &str = "sign";
/// The environment whose required reviewers approve each signing.
pub const SIGNING_ENVIRONMENT: &str = "release";

/// The jobs of a workflow by name, each with its text (the lines indented under it). Our
/// workflows write jobs as two-space-indented keys under a top-level `jobs:`.
pub fn jobs(workflow: &str) -> Vec<(String, String)> {
    let mut jobs: Vec<(String, String)> = Vec::new();
    let mut inside = false;
    // Comments are left out: they hold no step and would land in the job above them.
    for line in workflow.lines().filter(|l| !l.trim_start().starts_with('#')) {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            inside = line.trim_end() == "jobs:";
            continue;
        }
        if !inside {
            continue;
        }
        let is_key = line.starts_with("  ") && !line.starts_with("   ");
        match line.trim().strip_suffix(':') {
            Some(name) if is_key && !name.contains(' ') => jobs.push((name.to_owned(), String::new())),
            _ => {
                if let Some((_, text)) = jobs.last_mut() {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    jobs
}

/// The `environment:` a job's text declares (its short form, or `name:` of its long form).
pub fn environment(job: &str) -> Option<String> {
    let mut lines = job.lines().skip_while(|l| !(l.starts_with("    environment:")));
    let first = lines.next()?.trim().strip_prefix("environment:")?.trim().to_owned();
    if !first.is_empty() {
        return Some(first);
    }
    // Only the keys nested under `environment:`, never a later step's `name:`.
    lines
        .take_while(|l| l.starts_with("      "))
        .find_map(|l| l.trim().strip_prefix("name:").map(|n| n.trim().to_owned()))
}

/// Shell lines (`run:` values, one-line or block) that run a cargo subcommand which resolves
/// dependencies without `--locked` (`cargo xtask` is locked by its alias).
pub fn unlocked_cargo_lines(workflow: &str) -> Vec<String> {
    let mut block_indent: Option<usize> = None;
    let mut found = Vec::new();
    for line in workflow.lines() {
        let indent = line.len() - line.trim_start().len();
        let key = line.trim_start().trim_start_matches("- ");
        let shell = match block_indent {
            Some(run) if indent > run || line.trim().is_empty() => Some(line.trim()),
            _ => {
                block_indent = None;
                key.strip_prefix("run:").map(str::trim).and_then(|command| {
                    if command.starts_with('|') || command.starts_with('>') {
                        block_indent = Some(indent);
                        None
                    } else {
                        Some(command)
                    }
                })
            }
        };
        let Some(shell) = shell else { continue };
        let words: Vec<&str> = shell.split_whitespace().collect();
        let resolves = words.windows(2).any(|w| w[0] == "cargo" && RESOLVING.contains(&w[1]));
        if resolves && !words.contains(&"--locked") {
            found.push(shell.to_owned());
        }
    }
    found
}

/// The cargo subcommands that read (and, unlocked, may rewrite) Cargo.lock.
const RESOLVING: &[&str] = &[
    "build", "check", "test", "clippy", "nextest", "doc", "run", "install", "metadata", "lambda", "bench", "fetch",
    "tree",
];

/// `uses:` references not pinned to a full 40-hex commit.
pub fn unpinned_actions(workflow: &str) -> Vec<String> {
    workflow
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("uses:"))
        .map(str::trim)
        .filter(|uses| !uses.starts_with("./"))
        .filter(|uses| {
            let reference = uses.split_whitespace().next().unwrap_or_default();
            !reference
                .rsplit_once('@')
                .is_some_and(|(_, sha)| sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()))
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> String {
        std::fs::read_to_string(cima_testkit::repo_root().join(path)).expect(path)
    }

    fn workflows() -> Vec<(String, String)> {
        let dir = cima_testkit::repo_root().join(".github/workflows");
        let mut all: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("workflows")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("workflow")))
            .collect();
        all.sort();
        assert!(all.len() >= 2, "no workflows found in {}", dir.display());
        all
    }

    #[test]
    fn the_release_is_signed_only_in_the_protected_environment() {
        let workflow = read(RELEASE);
        let jobs = jobs(&workflow);
        assert!(jobs.len() >= 4, "{:?}", jobs.iter().map(|(n, _)| n).collect::<Vec<_>>());
        let (_, sign) = jobs.iter().find(|(name, _)| name == SIGNING_JOB).expect("the signing job");
        assert_eq!(environment(sign).as_deref(), Some(SIGNING_ENVIRONMENT));
        assert!(sign.contains("secrets.GPG_PRIVATE_KEY") && sign.contains("gpg"), "the sign job signs");
        assert!(!sign.contains("actions/checkout"), "the signing job runs no project code");
        for (name, text) in jobs.iter().filter(|(name, _)| name != SIGNING_JOB) {
            assert!(!text.contains("secrets."), "job {name} references a secret; only {SIGNING_JOB} may");
            assert!(!text.contains("GPG_"), "job {name} names the signing key");
        }
        let outside_jobs = workflow.split("\njobs:\n").next().expect("header");
        assert!(!outside_jobs.contains("secrets."), "workflow-level env exposes a secret to every job");
    }

    #[test]
    fn every_release_job_has_its_own_least_permissions() {
        let workflow = read(RELEASE);
        assert!(workflow.contains("\npermissions: {}\n"), "the workflow's default grants nothing");
        for (name, text) in jobs(&workflow) {
            assert!(text.contains("    permissions:"), "job {name} sets no permissions");
            let writes = text.contains(": write");
            assert_eq!(writes, name == "publish", "job {name}: only publish writes (the release)");
        }
    }

    #[test]
    fn workflow_actions_are_pinned_and_cargo_is_locked() {
        for (path, text) in workflows() {
            assert_eq!(unpinned_actions(&text), Vec::<String>::new(), "{path}");
            assert_eq!(unlocked_cargo_lines(&text), Vec::<String>::new(), "{path}");
        }
    }

    #[test]
    fn the_checks_catch_what_they_are_for() {
        let workflow = "name: x\npermissions: {}\njobs:\n  build:\n    runs-on: u\n    steps:\n      - name: cargo build cache\n      - run: cargo build --release\n      - uses: actions/checkout@v4\n      - run: cargo xtask test\n      - run: cargo build --locked\n      - run: |\n          cargo test\n          cargo clippy --locked\n  sign:\n    environment:\n      name: release\n    steps:\n      - uses: a/b@0123456789abcdef0123456789abcdef01234567 # v1\n      - run: echo ${{ secrets.K }}\n";
        let jobs = jobs(workflow);
        assert_eq!(jobs.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["build", "sign"]);
        assert_eq!(environment(&jobs[1].1).as_deref(), Some("release"));
        assert_eq!(environment(&jobs[0].1), None);
        assert_eq!(environment("    environment: release\n").as_deref(), Some("release"));
        assert_eq!(environment("    environment:\n    steps:\n      - name: release\n"), None);
        assert_eq!(unlocked_cargo_lines(workflow), ["cargo build --release", "cargo test"]);
        assert_eq!(unpinned_actions(workflow), ["actions/checkout@v4"]);
    }
}
