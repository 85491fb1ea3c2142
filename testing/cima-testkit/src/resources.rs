//! Resources the chat-query Lambda reads (EC2, S3, RDS, Lambda, IAM, CloudFormation, load
//! balancers, Auto Scaling, CloudWatch alarms, Route 53, AWS Config) seeded into accounts of a
//! [`LocalAws`] organization by `python -m localaws.seed_resources`, and their ground truth.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::localaws::{LOCALAWS_DIR, LocalAws, REGION, TEST_KEY};
use crate::process::{Group, run_checked};
use crate::venv::Venv;

/// The read-only role [`seed_resources`] creates unless told otherwise.
pub const CHAT_QUERY_ROLE: &str = "ChatSystemReadOnlyRole";

/// What [`seed_resources`] creates. The same values on the same organization give the same
/// resources (names, counts, states, tags, regions), though not the same EC2 instance ids.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceSpec {
    pub seed: u64,
    /// Accounts to seed; `None` means the management account and every ACTIVE member.
    pub accounts: Option<Vec<String>>,
    /// `None` means [`CHAT_QUERY_ROLE`].
    pub role_name: Option<String>,
    /// Accounts that get no read-only role (to test partial failures).
    pub skip_role: Vec<String>,
    /// EC2 regions; the first also holds RDS and Lambda. Empty means us-east-1 and eu-west-1.
    pub regions: Vec<String>,
}

fn resource_args(spec: &ResourceSpec) -> Vec<String> {
    let mut args = vec!["--seed".to_owned(), spec.seed.to_string()];
    if let Some(accounts) = &spec.accounts {
        args.extend(["--accounts".to_owned(), accounts.join(",")]);
    }
    if let Some(role) = &spec.role_name {
        args.extend(["--role-name".to_owned(), role.clone()]);
    }
    if !spec.skip_role.is_empty() {
        args.extend(["--skip-role".to_owned(), spec.skip_role.join(",")]);
    }
    if !spec.regions.is_empty() {
        args.extend(["--regions".to_owned(), spec.regions.join(",")]);
    }
    args
}

// Not `Eq`: a metric's figures are floating point.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SeededResources {
    pub seed: u64,
    pub role_name: String,
    pub regions: Vec<String>,
    pub accounts: Vec<SeededAccountResources>,
}

impl SeededResources {
    pub fn account(&self, id: &str) -> Option<&SeededAccountResources> {
        self.accounts.iter().find(|a| a.account_id == id)
    }
}

/// Everything one account holds after seeding, read back from the APIs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SeededAccountResources {
    pub account_id: String,
    /// `None` where [`ResourceSpec::skip_role`] left the role out.
    pub reader_role: Option<String>,
    pub ec2: Vec<SeededInstance>,
    pub s3: Vec<SeededBucket>,
    pub rds: Vec<SeededDbInstance>,
    pub lambda: Vec<SeededFunction>,
    pub iam_roles: Vec<String>,
    pub iam_users: Vec<String>,
    pub cloudformation: Vec<SeededStack>,
    /// Application and Classic load balancers.
    pub elb: Vec<SeededLoadBalancer>,
    pub autoscaling: Vec<SeededGroup>,
    pub cloudwatch: Vec<SeededAlarm>,
    pub route53: Vec<SeededZone>,
    pub config: Vec<SeededRule>,
    /// CloudWatch metric data seeded for instances and functions in the first region.
    pub metrics: Vec<SeededMetric>,
}

/// One metric of one resource over the last 24 hours, as CloudWatch summed it up.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SeededMetric {
    /// `AWS/EC2`, `AWS/Lambda`.
    pub namespace: String,
    /// `CPUUtilization`, `Invocations`.
    pub name: String,
    /// `InstanceId`, `FunctionName`.
    pub dimension: String,
    pub resource: String,
    pub region: String,
    pub sum: f64,
    pub samples: f64,
    pub maximum: f64,
    pub minimum: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededRule {
    pub name: String,
    pub region: String,
    /// `COMPLIANT`, `NON_COMPLIANT` or `INSUFFICIENT_DATA`.
    pub compliance: String,
    /// `<resource type>/<resource id>`, sorted.
    pub non_compliant: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededZone {
    /// Without the `/hostedzone/` prefix.
    pub id: String,
    pub name: String,
    /// Route 53's ResourceRecordSetCount: the seeded A records plus the zone's SOA and NS.
    pub record_count: u64,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededStack {
    pub name: String,
    pub region: String,
    /// CloudFormation's StackStatus (`CREATE_COMPLETE`, `ROLLBACK_COMPLETE`, …).
    pub status: String,
    /// The last drift detection's StackDriftStatus; `NOT_CHECKED` when none ran.
    pub drift: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededLoadBalancer {
    pub name: String,
    pub region: String,
    /// `application`, `network`, `gateway` or `classic`.
    pub kind: String,
    /// Elastic Load Balancing v2's state code; `None` for a Classic one.
    pub state: Option<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededGroup {
    pub name: String,
    pub region: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededAlarm {
    pub name: String,
    pub region: String,
    /// `ALARM`, `OK` or `INSUFFICIENT_DATA`.
    pub state: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededInstance {
    pub id: String,
    pub region: String,
    pub state: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededBucket {
    pub name: String,
    pub region: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededDbInstance {
    pub id: String,
    pub region: String,
    pub status: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededFunction {
    pub name: String,
    pub region: String,
    pub tags: BTreeMap<String, String>,
}

/// The venv's Python with PYTHONPATH on the localaws package and no inherited AWS settings
/// (they would change which account a call lands in).
fn python_command(python: &Path, package_dir: &Path) -> Command {
    let mut cmd = Command::new(python);
    cmd.current_dir(package_dir).env("PYTHONPATH", package_dir);
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if key_text.starts_with("AWS_") || key_text.starts_with("MOTO_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("AWS_ACCESS_KEY_ID", TEST_KEY).env("AWS_SECRET_ACCESS_KEY", TEST_KEY).env("AWS_DEFAULT_REGION", REGION);
    cmd
}

/// Seeds resources into the organization running on `aws` (after [`LocalAws::seed_org`]) and
/// returns their truth.
pub fn seed_resources(aws: &LocalAws, spec: &ResourceSpec) -> Result<SeededResources> {
    let root = crate::repo_root();
    let venv = Venv::locate(&root)?;
    let mut cmd = python_command(&venv.python(), &root.join(LOCALAWS_DIR));
    cmd.args(["-m", "localaws.seed_resources", "--endpoint", aws.endpoint()]);
    cmd.args(resource_args(spec));
    // A few dozen calls per account; generous, yet bounded.
    let accounts = spec.accounts.as_ref().map_or(100, Vec::len) as u64;
    let output = run_checked(cmd, Duration::from_secs(120 + accounts * 4), Group::Inherit)?;
    serde_json::from_slice(&output.stdout)
        .map_err(|source| Error::Json { what: "localaws.seed_resources output".into(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_becomes_arguments() {
        assert_eq!(resource_args(&ResourceSpec { seed: 2, ..ResourceSpec::default() }), ["--seed", "2"]);
        let full = ResourceSpec {
            seed: 1,
            accounts: Some(vec!["111111111111".into()]),
            role_name: Some("R".into()),
            skip_role: vec!["111111111111".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
        };
        assert_eq!(
            resource_args(&full).join(" "),
            "--seed 1 --accounts 111111111111 --role-name R --skip-role 111111111111 --regions us-east-1,eu-west-1"
        );
    }
}
