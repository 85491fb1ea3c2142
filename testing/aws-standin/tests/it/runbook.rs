//! The newcomer's runbook: the deploy commands README.md shows are the ones the deploy workflow
//! runs, every environment has both of its files, and `terraform init
//! -backend-config=backend-configs/<env>.hcl` really initialises each environment's S3 backend
//! (against the local AWS: its bucket, and its DynamoDB lock table where the file names one).

use std::path::Path;

use cima_testkit::{LocalAws, TEST_KEY};
use serde_json::json;

use crate::support::{self, text};

const ENVIRONMENTS: [&str; 4] = ["dev", "staging", "uat", "prod"];

/// The commands of the first `sh` block under README's "## Deploying CIMA".
fn readme_deploy_commands(readme: &str) -> Vec<String> {
    let section = readme.split("\n## Deploying CIMA").nth(1).expect("README has a \"Deploying CIMA\" section");
    let block = section.split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("an sh block in it");
    block.lines().map(|l| l.split('#').next().unwrap_or("").trim().to_owned()).filter(|l| !l.is_empty()).collect()
}

/// `name = "value"` from a backend configuration file.
fn setting(hcl: &str, name: &str) -> Option<String> {
    hcl.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == name).then(|| v.trim().trim_matches('"').to_owned())
    })
}

#[test]
fn readme_deploy_steps_are_the_workflow_commands() {
    let root = support::repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    assert_eq!(
        readme_deploy_commands(&readme),
        [
            "cargo xtask lambdas",
            "terraform init -backend-config=backend-configs/prod.hcl",
            "terraform apply -var-file=environments/prod.tfvars"
        ]
    );
    let deploy = std::fs::read_to_string(root.join(".github/workflows/deploy.yml")).expect("deploy.yml");
    for needle in [
        "cargo xtask lambdas",
        "terraform init -input=false -backend-config=\"backend-configs/${ENVIRONMENT}.hcl\"",
        "-var-file=\"environments/${ENVIRONMENT}.tfvars\"",
    ] {
        assert!(deploy.contains(needle), "deploy.yml no longer runs {needle:?}, which README tells users to run");
    }
    for env in ENVIRONMENTS {
        assert!(root.join(format!("backend-configs/{env}.hcl")).is_file(), "backend-configs/{env}.hcl");
        assert!(root.join(format!("environments/{env}.tfvars")).is_file(), "environments/{env}.tfvars");
        assert!(deploy.contains(env), "deploy.yml knows environment {env}");
    }
}

/// The text of one job of a workflow: from its `  <name>:` line to the next line at the jobs'
/// indentation (the next job, or the comment above it).
fn job<'a>(workflow: &'a str, name: &str) -> &'a str {
    let jobs = workflow.split("\njobs:\n").nth(1).expect("a jobs: section");
    let start = jobs
        .find(&format!("\n  {name}:\n"))
        .map(|i| i + 1)
        .or_else(|| jobs.starts_with(&format!("  {name}:\n")).then_some(0));
    let start = start.unwrap_or_else(|| panic!("deploy.yml has no job {name}"));
    let rest = &jobs[start..];
    let end = rest.char_indices().skip(1).find_map(|(i, _)| {
        let line = &rest[i..];
        (rest.as_bytes()[i - 1] == b'\n' && line.starts_with("  ") && !line.starts_with("   ")).then_some(i)
    });
    &rest[..end.unwrap_or(rest.len())]
}

/// Pull-request code never runs with a role that applies: the pull-request plan declares no
/// environment (its token's subject is `...:pull_request`, which only the plan roles trust) and
/// assumes the plan role; the jobs that assume the deploy role run on pushes and dispatches only
/// and declare the environment, whose protection rules gate them. No other job gets a token.
#[test]
fn pull_requests_plan_with_the_plan_role_and_only_environments_apply() {
    let deploy =
        std::fs::read_to_string(support::repo_root().join(".github/workflows/deploy.yml")).expect("deploy.yml");

    let pr = job(&deploy, "plan-pr");
    assert!(pr.contains("    if: github.event_name == 'pull_request'\n"), "plan-pr runs for pull requests only:\n{pr}");
    assert!(
        !pr.contains("    environment:"),
        "plan-pr must not declare an environment (its subject would be the deploy role's):\n{pr}"
    );
    assert!(
        pr.contains("PLAN_ROLE_ARN: ${{ fromJSON(vars.AWS_PLAN_ROLE_ARNS)[needs.target.outputs.environment] }}"),
        "{pr}"
    );
    assert!(pr.contains("role-to-assume: ${{ env.PLAN_ROLE_ARN }}"), "plan-pr assumes the plan role:\n{pr}");
    assert!(
        pr.contains("-var=\"deploy_role_arn=${PLAN_ROLE_ARN}\""),
        "the root's providers re-assume the plan role, not the deploy role:\n{pr}"
    );
    assert!(!pr.contains("AWS_ROLE_ARN }}"), "plan-pr never names the deploy role:\n{pr}");

    for name in ["plan", "apply"] {
        let j = job(&deploy, name);
        assert!(
            j.contains("    if: github.event_name == 'push' || github.event_name == 'workflow_dispatch'\n"),
            "{name} never runs for a pull request:\n{j}"
        );
        assert!(
            j.contains("    environment:\n      name: ${{ needs.target.outputs.environment }}\n"),
            "{name} declares the environment:\n{j}"
        );
        assert!(
            j.contains("role-to-assume: ${{ vars.AWS_ROLE_ARN }}"),
            "{name} assumes the environment's deploy role:\n{j}"
        );
    }

    let with_token: Vec<&str> = deploy
        .split("\njobs:\n")
        .nth(1)
        .expect("jobs")
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && !l.starts_with("  #") && l.ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':'))
        .filter(|name| job(&deploy, name).contains("id-token: write"))
        .collect();
    assert_eq!(with_token, ["plan-pr", "plan", "apply"], "only the plan and apply jobs get an OIDC token");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".terraform") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(&*name));
        } else {
            std::fs::copy(&path, to.join(&*name)).expect("copy");
        }
    }
}

#[test]
fn every_environment_initialises_its_backend_with_the_readme_command() {
    support::prepare();
    let root = support::repo_root();
    // A copy of the root module, so this test's .terraform never meets a developer's.
    let copy = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(&root).expect("read_dir").flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "tf") {
            std::fs::copy(&path, copy.path().join(entry.file_name())).expect("copy");
        }
    }
    for dir in ["modules", "backend-configs", "environments"] {
        copy_tree(&root.join(dir), &copy.path().join(dir));
    }

    let aws = LocalAws::start().expect("local AWS");
    let tf = support::terraform();
    let mut failures = Vec::new();
    for env in ENVIRONMENTS {
        let hcl = std::fs::read_to_string(root.join(format!("backend-configs/{env}.hcl"))).expect("backend config");
        let bucket = setting(&hcl, "bucket").expect("a bucket");
        aws.tool("bucket", &[("name", &bucket)]).expect("state bucket");
        if let Some(table) = setting(&hcl, "dynamodb_table") {
            let params = json!({"TableName": table, "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "LockID", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "LockID", "KeyType": "HASH"}]});
            aws.tool("call", &[("service", "dynamodb"), ("op", "create_table"), ("params", &params.to_string())])
                .expect("lock table");
        }
        let data = tempfile::tempdir().expect("tempdir");
        let run = |args: &[&str]| {
            let mut c = std::process::Command::new(tf.program());
            c.current_dir(copy.path())
                .args(args)
                .env("TF_CLI_CONFIG_FILE", support::cli_config())
                .env("TF_DATA_DIR", data.path())
                .env("TF_IN_AUTOMATION", "1")
                .env(support::SCHEMA_ENV, support::schema_path())
                .env("AWS_ACCESS_KEY_ID", TEST_KEY)
                .env("AWS_SECRET_ACCESS_KEY", TEST_KEY)
                .env("AWS_REGION", "us-east-1")
                .env("AWS_EC2_METADATA_DISABLED", "true")
                // The backend's own endpoints point at the local AWS; the file stays as shipped.
                .env("AWS_ENDPOINT_URL_S3", aws.endpoint())
                .env("AWS_ENDPOINT_URL_STS", aws.endpoint())
                .env("AWS_ENDPOINT_URL_DYNAMODB", aws.endpoint())
                .env_remove("AWS_PROFILE");
            c.output().expect("run terraform")
        };
        let backend = format!("-backend-config=backend-configs/{env}.hcl");
        // The README's command, plus path-style addressing: 127.0.0.1 has no bucket subdomains.
        // A new workspace writes its (empty) state through the backend, taking the lock: the
        // lockfile or the DynamoDB table the file names.
        let steps: [Vec<&str>; 3] = [
            vec!["init", "-input=false", &backend, "-backend-config=use_path_style=true"],
            vec!["validate"],
            vec!["workspace", "new", "runbook-probe"],
        ];
        let ok = steps.iter().all(|step| {
            let out = run(step);
            if !out.status.success() {
                failures.push(format!("{env}: terraform {}\n{}", step.join(" "), text(&out)));
            }
            out.status.success()
        });
        let key = format!("env:/runbook-probe/{}", setting(&hcl, "key").expect("a key"));
        let object = aws.tool("get-object", &[("bucket", &bucket), ("key", &key)]).expect("get-object");
        if ok && object.is_null() {
            failures.push(format!("{env}: no state object at s3://{bucket}/{key} after the workspace was created"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_a_workflow_into_jobs() {
        let wf = "on: push\njobs:\n  a:\n    if: x\n  # b's reason\n  b:\n    steps:\n      - run: y\n";
        assert_eq!(job(wf, "a"), "  a:\n    if: x\n");
        assert_eq!(job(wf, "b"), "  b:\n    steps:\n      - run: y\n");
    }

    #[test]
    fn reads_the_deploy_block_and_settings() {
        let readme = "x\n## Deploying CIMA\n\ntext\n\n```sh\ncargo xtask lambdas   # zips\nterraform init\n```\n";
        assert_eq!(readme_deploy_commands(readme), ["cargo xtask lambdas", "terraform init"]);
        assert_eq!(setting("bucket  = \"b-1\"\nkey = \"k\"", "bucket").as_deref(), Some("b-1"));
        assert_eq!(setting("bucket = \"b\"", "dynamodb_table"), None);
    }
}
