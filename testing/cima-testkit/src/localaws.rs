//! The local AWS: `python -m localaws.server` (moto plus the project's extensions) as a child
//! process bound to 127.0.0.1, and seeded organizations on it.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result, io};
use crate::process::{Group, run_checked};
use crate::venv::Venv;

/// The package directory put on PYTHONPATH, relative to the repository root.
pub const LOCALAWS_DIR: &str = "testing/localaws";
/// The access key (and secret) every client of the local AWS uses.
pub const TEST_KEY: &str = "testing";
/// The region the local AWS is used in (AWS Support answers only there).
pub const REGION: &str = "us-east-1";
/// moto's default account, the management account of seeded organizations.
pub const MANAGEMENT_ACCOUNT_ID: &str = "123456789012";

const READY_PREFIX: &str = "LOCALAWS_READY ";
/// Importing moto on a loaded two-core machine can take a while; a hung start must not.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_GRACE: Duration = Duration::from_secs(5);
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
const STDERR_LINES: usize = 200;

/// What [`LocalAws::seed_org`] builds. The same values give the same organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSpec {
    /// Member accounts (the management account comes on top).
    pub accounts: usize,
    /// Derives names, e-mails, placement, tags, joined times and (after a reset) IDs.
    pub seed: u64,
    /// How many member accounts are closed, so SUSPENDED.
    pub suspended: usize,
}

/// The ground truth of a seeded organization, read back from the API after seeding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededOrg {
    pub seed: Option<u64>,
    pub organization_id: String,
    pub organization_arn: String,
    pub feature_set: String,
    pub management_account_id: String,
    pub management_account_email: String,
    pub root_id: String,
    /// Sorted by path.
    pub ous: Vec<SeededOu>,
    /// The management account first, then members in the order they joined.
    pub accounts: Vec<SeededAccount>,
}

impl SeededOrg {
    /// Every account but the management account.
    pub fn members(&self) -> impl Iterator<Item = &SeededAccount> {
        self.accounts.iter().filter(|a| a.id != self.management_account_id)
    }

    /// The account with this ID.
    pub fn account(&self, id: &str) -> Option<&SeededAccount> {
        self.accounts.iter().find(|a| a.id == id)
    }
}

/// An organizational unit of a [`SeededOrg`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededOu {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub parent_id: String,
    /// Names from the root down, e.g. `/Production/Web`.
    pub path: String,
    pub tags: BTreeMap<String, String>,
}

/// An account of a [`SeededOrg`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededAccount {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub email: String,
    /// `ACTIVE`, `SUSPENDED` or `PENDING_CLOSURE`.
    pub status: String,
    /// The newer `State` field, where the server reports one.
    pub state: Option<String>,
    /// `CREATED` or `INVITED`.
    pub joined_method: String,
    /// RFC 3339, UTC.
    pub joined_timestamp: String,
    pub parent_id: String,
    /// `/` for the root, else the parent OU's path.
    pub ou_path: String,
    pub tags: BTreeMap<String, String>,
}

/// The role [`LocalAws::seed_cases`] creates in each account unless told otherwise.
pub const CASE_READER_ROLE: &str = "CimaCaseReaderRole";
/// `submittedBy` of communications from AWS's side (origin `AWS`).
pub const AWS_SUBMITTER: &str = "Amazon Web Services";

/// What [`LocalAws::seed_cases`] creates. The same values (on the same organization) give the
/// same cases.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseSpec {
    /// Derives subjects, severities, services, statuses, communications and times.
    pub seed: u64,
    /// Cases in each account.
    pub per_account: usize,
    /// Accounts to seed; `None` means the management account and every ACTIVE member.
    pub accounts: Option<Vec<String>>,
    /// The reader role created in each account; `None` means [`CASE_READER_ROLE`].
    pub role_name: Option<String>,
    /// Accounts that get no reader role (to test partial failures).
    pub skip_role: Vec<String>,
}

/// The command-line arguments of `localaws.seed cases` for a spec (after `--endpoint`).
fn case_args(spec: &CaseSpec) -> Vec<String> {
    let mut args =
        vec!["--seed".to_owned(), spec.seed.to_string(), "--per-account".to_owned(), spec.per_account.to_string()];
    if let Some(accounts) = &spec.accounts {
        args.extend(["--accounts".to_owned(), accounts.join(",")]);
    }
    if let Some(role) = &spec.role_name {
        args.extend(["--role-name".to_owned(), role.clone()]);
    }
    if !spec.skip_role.is_empty() {
        args.extend(["--skip-role".to_owned(), spec.skip_role.join(",")]);
    }
    args
}

/// The ground truth of [`LocalAws::seed_cases`], read back from the Support API.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededCases {
    pub seed: u64,
    /// Every seeded time lies in the 400 days before this instant (ISO-8601 UTC).
    pub anchor: String,
    pub management_account_id: String,
    pub role_name: String,
    /// In the order seeded: by default the management account, then members as they joined.
    pub accounts: Vec<SeededAccountCases>,
}

impl SeededCases {
    /// The cases of this account.
    pub fn account(&self, id: &str) -> Option<&SeededAccountCases> {
        self.accounts.iter().find(|a| a.account_id == id)
    }

    /// Every seeded case, account after account.
    pub fn cases(&self) -> impl Iterator<Item = &SeededCase> {
        self.accounts.iter().flat_map(|a| a.cases.iter())
    }
}

/// One account of [`SeededCases`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededAccountCases {
    pub account_id: String,
    /// The reader role in this account; `None` for [`CaseSpec::skip_role`] accounts.
    pub reader_role: Option<String>,
    /// Oldest first (increasing display IDs).
    pub cases: Vec<SeededCase>,
}

/// A support case as DescribeCases answers it, in snake case, plus its account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededCase {
    pub account_id: String,
    /// `case-<account>-<4 hex>-<year>-<16 hex>`.
    pub case_id: String,
    /// Numeric, increasing per account.
    pub display_id: String,
    pub subject: String,
    /// opened, pending-customer-action, reopened, resolved, unassigned or work-in-progress.
    pub status: String,
    pub service_code: String,
    pub category_code: String,
    /// low, normal, high, urgent or critical.
    pub severity_code: String,
    pub submitted_by: String,
    /// ISO-8601 UTC with milliseconds, e.g. `2024-05-01T10:00:00.123Z`.
    pub time_created: String,
    pub cc_email_addresses: Vec<String>,
    pub language: String,
    /// Oldest first; the first is the case's description.
    pub communications: Vec<SeededCommunication>,
}

impl SeededCase {
    /// The first communication from AWS's side, if any (what `firstResponseTime` measures).
    pub fn first_aws_response(&self) -> Option<&SeededCommunication> {
        self.communications.iter().find(|c| c.origin == "AWS")
    }
}

/// A communication of a [`SeededCase`], as DescribeCommunications answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededCommunication {
    pub case_id: String,
    pub body: String,
    /// [`AWS_SUBMITTER`] for AWS's replies, else the customer's identity.
    pub submitted_by: String,
    pub time_created: String,
    /// `AWS` or `CUSTOMER`.
    pub origin: String,
    pub attachment_set: Vec<SeededAttachment>,
}

/// An attachment of a [`SeededCommunication`] (none are seeded today).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeededAttachment {
    pub attachment_id: String,
    pub file_name: String,
}

/// An SQS queue that receives the events of one bus matching a pattern (see
/// [`LocalAws::capture_events`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCapture {
    pub queue_url: String,
    /// The account of the queue and the bus; `None` for the management account.
    pub account: Option<String>,
}

/// A running local AWS server. Dropping it stops the process (SIGTERM, then SIGKILL) and
/// reaps it.
#[derive(Debug)]
pub struct LocalAws {
    child: Child,
    /// Held open: the server exits when it reads end of file, so it cannot outlive us.
    stdin: Option<ChildStdin>,
    endpoint: String,
    python: PathBuf,
    package_dir: PathBuf,
    stderr: Arc<Mutex<VecDeque<String>>>,
    stderr_done: mpsc::Receiver<()>,
    request_log: Option<PathBuf>,
}

/// One request as the server's request log records it (`--request-log`).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestRecord {
    /// The AWS operation: `AssumeRole`, `AWSSupport_20130415.DescribeCases`, or `GET /path`.
    pub operation: String,
    pub wall_ms: f64,
    /// CPU time of the server thread that handled it.
    pub cpu_ms: f64,
}

/// Requests per operation: how many, and the server CPU they took.
pub fn tally(records: &[RequestRecord]) -> BTreeMap<String, (usize, f64)> {
    let mut out: BTreeMap<String, (usize, f64)> = BTreeMap::new();
    for r in records {
        let e = out.entry(r.operation.clone()).or_default();
        e.0 += 1;
        e.1 += r.cpu_ms;
    }
    out
}

impl LocalAws {
    /// Starts a server for this repository (see [`LocalAws::start_in`]).
    pub fn start() -> Result<LocalAws> {
        Self::start_in(&crate::repo_root())
    }

    /// Starts `<repo>/.venv/bin/python -m localaws.server --port 0` and waits (bounded) for
    /// its READY line.
    pub fn start_in(repo_root: &Path) -> Result<LocalAws> {
        Self::launch(repo_root, None)
    }

    /// Like [`LocalAws::start_in`], with every request appended to `log` (see
    /// [`LocalAws::requests`]); an existing file is emptied first.
    pub fn start_with_request_log(repo_root: &Path, log: &Path) -> Result<LocalAws> {
        std::fs::write(log, b"").map_err(io(format!("cannot create {}", log.display())))?;
        Self::launch(repo_root, Some(log))
    }

    /// The requests served so far, in the order they finished. Only for a server started with
    /// [`LocalAws::start_with_request_log`].
    pub fn requests(&self) -> Result<Vec<RequestRecord>> {
        let Some(path) = &self.request_log else {
            return Err(Error::Http {
                url: self.endpoint.clone(),
                detail: "this server was started without a request log".into(),
            });
        };
        let text = std::fs::read_to_string(path).map_err(io(format!("cannot read {}", path.display())))?;
        // A line still being written has no newline yet; only complete lines count.
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        Ok(complete
            .lines()
            .filter_map(|line| {
                let mut fields = line.split('\t');
                let operation = fields.next()?.to_owned();
                let wall_ms = fields.next()?.parse().ok()?;
                let cpu_ms = fields.next()?.parse().ok()?;
                Some(RequestRecord { operation, wall_ms, cpu_ms })
            })
            .collect())
    }

    fn launch(repo_root: &Path, request_log: Option<&Path>) -> Result<LocalAws> {
        let venv = Venv::locate(repo_root)?;
        let package_dir = repo_root.join(LOCALAWS_DIR);
        let mut cmd = python_command(&venv.python(), &package_dir);
        cmd.args(["-m", "localaws.server", "--port", "0"]);
        if let Some(log) = request_log {
            cmd.arg("--request-log").arg(log);
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(io("cannot start localaws.server"))?;
        let stderr = Arc::new(Mutex::new(VecDeque::new()));
        let (stderr_done_tx, stderr_done) = mpsc::channel::<()>();
        if let Some(pipe) = child.stderr.take() {
            let keep = Arc::clone(&stderr);
            thread::spawn(move || {
                // Dropped when the pipe closes, telling a failed start all lines are in.
                let _done = stderr_done_tx;
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut lines = keep.lock().unwrap_or_else(|e| e.into_inner());
                    if lines.len() == STDERR_LINES {
                        lines.pop_front();
                    }
                    lines.push_back(line);
                }
            });
        }
        let (tx, rx) = mpsc::channel();
        if let Some(pipe) = child.stdout.take() {
            // The first line is the READY line; the rest is read only to keep the pipe flowing.
            thread::spawn(move || {
                let mut lines = BufReader::new(pipe).lines().map_while(Result::ok);
                if let Some(first) = lines.next() {
                    let _ = tx.send(first);
                }
                lines.for_each(drop);
            });
        }
        let mut server = LocalAws {
            stdin: child.stdin.take(),
            child,
            endpoint: String::new(),
            python: venv.python(),
            package_dir,
            stderr,
            stderr_done,
            request_log: request_log.map(Path::to_path_buf),
        };
        let line = match rx.recv_timeout(READY_TIMEOUT) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(server.start_error(format!("no READY line within {} s", READY_TIMEOUT.as_secs())));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(server.start_error("the server exited before it was ready".into()));
            }
        };
        match line.strip_prefix(READY_PREFIX) {
            Some(endpoint) if endpoint.starts_with("http://127.0.0.1:") => {
                server.endpoint = endpoint.trim().to_owned();
                Ok(server)
            }
            _ => Err(server.start_error(format!("unexpected first line {line:?}"))),
        }
    }

    /// Stops the half-started server and describes why it failed.
    fn start_error(mut self, reason: String) -> Error {
        self.shutdown();
        // The last lines (often a Python traceback) may still be on their way.
        let _ = self.stderr_done.recv_timeout(Duration::from_secs(2));
        Error::LocalAwsStart { reason, stderr: self.stderr_tail() }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The server's process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last lines the server wrote to stderr, for failure messages.
    pub fn stderr_tail(&self) -> String {
        let lines = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().map(String::as_str).collect::<Vec<_>>().join("\n")
    }

    /// The environment a client (Terraform, the provider, an SDK) needs to use this server
    /// as the management account: test keys, region, and `AWS_ENDPOINT_URL`.
    pub fn aws_env(&self) -> Vec<(String, String)> {
        aws_env_for(&self.endpoint)
    }

    /// `python -m …` with this server's venv and package, for the tools that run beside it.
    pub(crate) fn python_command(&self) -> Command {
        python_command(&self.python, &self.package_dir)
    }

    /// Empties every service (moto's `POST /moto-api/reset`).
    pub fn reset(&self) -> Result<()> {
        self.post("/moto-api/reset", b"").map(drop)
    }

    /// POSTs a JSON body to one of the server's own endpoints, e.g.
    /// `/_localaws/organizations/account` with `{"account_id": …, "status": "PENDING_CLOSURE"}`
    /// (see `testing/localaws/README.md`), and returns the JSON answer.
    pub fn control(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value> {
        let answer = self.post(path, body.to_string().as_bytes())?;
        serde_json::from_str(&answer).map_err(|source| Error::Json { what: format!("answer of {path}"), source })
    }

    /// Queues Cost Explorer answers: moto's GetCostAndUsage answers each distinct request with
    /// the next of `results` (each `{"ResultsByTime": […]}`), and the same request again with the
    /// same one; once they run out, with nothing. moto keeps no costs of its own.
    pub fn queue_cost_and_usage(&self, results: &[serde_json::Value]) -> Result<()> {
        let body = serde_json::json!({ "results": results });
        self.post("/moto-api/static/ce/cost-and-usage-results", body.to_string().as_bytes()).map(drop)
    }

    /// Runs one of the seeding tool's out-of-band commands (`bucket`, `put-object`,
    /// `get-object`, `move-account`, `truth`) against this server and returns its JSON answer
    /// (bulk uploads: [`LocalAws::put_objects`]).
    pub fn tool(&self, command: &str, args: &[(&str, &str)]) -> Result<serde_json::Value> {
        let mut cmd = python_command(&self.python, &self.package_dir);
        cmd.args(["-m", "localaws.seed", command, "--endpoint", &self.endpoint]);
        for (k, v) in args {
            cmd.arg(format!("--{k}")).arg(v);
        }
        let output = run_checked(cmd, Duration::from_secs(60), Group::Inherit)?;
        serde_json::from_slice(&output.stdout)
            .map_err(|source| Error::Json { what: format!("localaws.seed {command} output"), source })
    }

    /// One AWS call made out of band with boto3 (`service`, its method name `op`, keyword
    /// arguments `params`), in the management account or, with `account`, in that member through
    /// its OrganizationAccountAccessRole. An AWS error answer becomes [`Error::Aws`].
    pub fn call(
        &self,
        service: &str,
        op: &str,
        params: &serde_json::Value,
        account: Option<&str>,
    ) -> Result<serde_json::Value> {
        let params = params.to_string();
        let mut args = vec![("service", service), ("op", op), ("params", params.as_str())];
        if let Some(account) = account {
            args.push(("account", account));
        }
        let answer = self.tool("call", &args)?;
        match answer.get("Error") {
            Some(error) => Err(Error::Aws {
                service: service.into(),
                operation: op.into(),
                code: error["Code"].as_str().unwrap_or("Unknown").into(),
                message: error["Message"].as_str().unwrap_or_default().into(),
            }),
            None => Ok(answer),
        }
    }

    /// Every object under `prefix` in `bucket`, key → body (one listing, one process).
    pub fn get_objects(&self, bucket: &str, prefix: &str) -> Result<BTreeMap<String, String>> {
        let answer = self.tool("get-objects", &[("bucket", bucket), ("prefix", prefix)])?;
        serde_json::from_value(answer)
            .map_err(|source| Error::Json { what: format!("objects of s3://{bucket}/{prefix}"), source })
    }

    /// Writes every file under `dir` to `bucket` as an object keyed by its path below `dir` (with
    /// `/`), in one process (`localaws.seed put-objects`), for stores too large for one call per
    /// object. Returns how many objects and bytes were written.
    pub fn put_objects(&self, bucket: &str, dir: &Path) -> Result<(u64, u64)> {
        let mut cmd = python_command(&self.python, &self.package_dir);
        cmd.args(["-m", "localaws.seed", "put-objects", "--endpoint", &self.endpoint, "--bucket", bucket, "--dir"])
            .arg(dir);
        // Bounded by the volume: 100 MB takes well under a minute here.
        let output = run_checked(cmd, Duration::from_secs(600), Group::Inherit)?;
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout)
            .map_err(|source| Error::Json { what: "localaws.seed put-objects output".into(), source })?;
        Ok((answer["objects"].as_u64().unwrap_or(0), answer["bytes"].as_u64().unwrap_or(0)))
    }

    /// Builds a seeded organization (`python -m localaws.seed org`) and returns its truth.
    /// Fails if an organization exists already: [`LocalAws::reset`] first.
    pub fn seed_org(&self, spec: &OrgSpec) -> Result<SeededOrg> {
        let mut cmd = python_command(&self.python, &self.package_dir);
        cmd.args(["-m", "localaws.seed", "org", "--endpoint", &self.endpoint])
            .args(["--accounts", &spec.accounts.to_string()])
            .args(["--seed", &spec.seed.to_string()])
            .args(["--suspended", &spec.suspended.to_string()]);
        // A few API calls per account; generous, yet bounded.
        let timeout = Duration::from_secs(120 + spec.accounts as u64 / 2);
        let output = run_checked(cmd, timeout, Group::Inherit)?;
        serde_json::from_slice(&output.stdout)
            .map_err(|source| Error::Json { what: "localaws.seed output".into(), source })
    }

    /// Creates AWS Support cases in accounts of the seeded organization
    /// (`python -m localaws.seed cases`, see `testing/localaws/README.md`) and returns their
    /// truth, read back through DescribeCases and DescribeCommunications.
    ///
    /// Members are reached through `OrganizationAccountAccessRole`; each account except those
    /// in [`CaseSpec::skip_role`] gets the reader role (trusting the management account).
    /// Times fall in the 400 days before the start of the current UTC day, so the same spec
    /// after a [`LocalAws::reset`] and the same [`OrgSpec`] gives the same truth that day.
    pub fn seed_cases(&self, spec: &CaseSpec) -> Result<SeededCases> {
        let mut cmd = python_command(&self.python, &self.package_dir);
        cmd.args(["-m", "localaws.seed", "cases", "--endpoint", &self.endpoint]);
        cmd.args(case_args(spec));
        // A few dozen calls per account; generous, yet bounded.
        let accounts = spec.accounts.as_ref().map_or(100, Vec::len) as u64;
        let timeout = Duration::from_secs(120 + accounts * (spec.per_account as u64 + 1) / 8);
        let output = run_checked(cmd, timeout, Group::Inherit)?;
        serde_json::from_slice(&output.stdout)
            .map_err(|source| Error::Json { what: "localaws.seed cases output".into(), source })
    }

    /// Creates queue and rule `name` in `account` (`None`: the management account; members through
    /// OrganizationAccountAccessRole) so that the events of `bus` (`None`: the default bus)
    /// matching `pattern` land in the queue; read them with [`LocalAws::drain_events`].
    pub fn capture_events(
        &self,
        name: &str,
        pattern: &serde_json::Value,
        account: Option<&str>,
        bus: Option<&str>,
    ) -> Result<EventCapture> {
        let pattern = pattern.to_string();
        let mut args = vec![("name", name), ("pattern", pattern.as_str())];
        args.extend(account.map(|a| ("account", a)));
        args.extend(bus.map(|b| ("bus", b)));
        let answer = self.tool("capture", &args)?;
        let queue_url = answer["queue_url"].as_str().unwrap_or_default().to_owned();
        Ok(EventCapture { queue_url, account: account.map(str::to_owned) })
    }

    /// Receives (and deletes) the captured events: stops once `expected` are in or after a few
    /// empty receives in a row, so asking for one more than expected shows that no more came.
    pub fn drain_events(&self, capture: &EventCapture, expected: usize) -> Result<Vec<serde_json::Value>> {
        let expected = expected.to_string();
        let mut args = vec![("queue-url", capture.queue_url.as_str()), ("expected", expected.as_str())];
        args.extend(capture.account.as_deref().map(|a| ("account", a)));
        let answer = self.tool("drain", &args)?;
        Ok(answer["events"].as_array().cloned().unwrap_or_default())
    }

    /// Sets PutEvents faults (`testing/localaws/localaws/ext_events.py`) for `account` (`None`:
    /// any account): the next `failed_entries` entries fail, the next `throttled_calls` calls are
    /// throttled. Returns the fault state.
    pub fn put_events_faults(
        &self,
        account: Option<&str>,
        failed_entries: u32,
        throttled_calls: u32,
    ) -> Result<serde_json::Value> {
        let mut body = serde_json::json!({"failed_entries": failed_entries, "throttled_calls": throttled_calls});
        if let Some(a) = account {
            body["account_id"] = a.into();
        }
        self.control("/_localaws/events/faults", &body)
    }

    /// Makes EventBridge deliver events for Lambda function `function_name` (a rule target
    /// `arn:aws:lambda:…:function:<name>`) by POSTing them to
    /// `<invoke_url>/2015-03-31/functions/<name>/invocations`, e.g. a Lambda runtime emulator on
    /// `http://127.0.0.1:PORT` (`testing/localaws/localaws/ext_targets.py`), each invocation
    /// given up to `timeout` (at most 300 s): as long as the function's own timeout, since
    /// EventBridge invokes asynchronously and only the function's timeout ends an invocation.
    pub fn register_lambda_target(
        &self,
        function_name: &str,
        invoke_url: &str,
        timeout: Duration,
    ) -> Result<serde_json::Value> {
        self.control(
            "/_localaws/events/lambda",
            &serde_json::json!({"function_name": function_name, "url": invoke_url, "timeout": timeout.as_secs_f64()}),
        )
    }

    /// Waits (at most `wait`, capped below the control call's own 30 s timeout) until no
    /// Lambda-target delivery is queued or in flight, then answers
    /// the delivery counters: `{"pending", "lambda": {name: {"url", "delivered", "failed",
    /// "last_error"}}, "firehose": {…}}`.
    pub fn target_deliveries(&self, wait: Duration) -> Result<serde_json::Value> {
        let wait = wait.min(HTTP_TIMEOUT - Duration::from_secs(5));
        self.control("/_localaws/events/deliveries", &serde_json::json!({"wait": wait.as_secs_f64()}))
    }

    fn post(&self, path: &str, body: &[u8]) -> Result<String> {
        http_post(&self.endpoint, path, body)
    }

    fn shutdown(&mut self) {
        // End of file on stdin already asks the server to stop; SIGTERM and SIGKILL follow.
        drop(self.stdin.take());
        crate::process::stop(&mut self.child, STOP_GRACE);
    }
}

impl Drop for LocalAws {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// What [`LocalAws::aws_env`] says, for a server (or a proxy in front of one) at `endpoint`.
pub(crate) fn aws_env_for(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", TEST_KEY),
        ("AWS_SECRET_ACCESS_KEY", TEST_KEY),
        ("AWS_DEFAULT_REGION", REGION),
        ("AWS_REGION", REGION),
        ("AWS_ENDPOINT_URL", endpoint),
        // No instance metadata here; skip the SDKs' probing of it.
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The venv's Python with PYTHONPATH on the localaws package and a clean AWS environment.
fn python_command(python: &Path, package_dir: &Path) -> Command {
    let mut cmd = Command::new(python);
    cmd.current_dir(package_dir).env("PYTHONPATH", package_dir);
    // Inherited AWS or moto settings would change which account a call lands in;
    // MOTO_ACCOUNT_ID in particular folds every account into one.
    for (key, _) in std::env::vars_os() {
        let key_text = key.to_string_lossy();
        if key_text.starts_with("AWS_") || key_text.starts_with("MOTO_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("AWS_ACCESS_KEY_ID", TEST_KEY).env("AWS_SECRET_ACCESS_KEY", TEST_KEY).env("AWS_DEFAULT_REGION", REGION);
    cmd
}

/// A minimal HTTP/1.1 POST to `endpoint` (`http://host:port`); returns the body of a 2xx answer.
fn http_post(endpoint: &str, path: &str, body: &[u8]) -> Result<String> {
    let url = format!("{endpoint}{path}");
    let fail = |detail: String| Error::Http { url: url.clone(), detail };
    let host = endpoint.strip_prefix("http://").ok_or_else(|| fail("only http:// endpoints are supported".into()))?;
    let addr =
        host.to_socket_addrs().map_err(|e| fail(e.to_string()))?.next().ok_or_else(|| fail("no address".into()))?;
    let mut stream = TcpStream::connect_timeout(&addr, HTTP_TIMEOUT).map_err(|e| fail(e.to_string()))?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT)).map_err(|e| fail(e.to_string()))?;
    stream.set_write_timeout(Some(HTTP_TIMEOUT)).map_err(|e| fail(e.to_string()))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).map_err(|e| fail(e.to_string()))?;
    // `Connection: close` makes the end of the stream the end of the answer; the read
    // timeout bounds a server that never closes.
    let mut answer = Vec::new();
    stream.take(16 << 20).read_to_end(&mut answer).map_err(|e| fail(e.to_string()))?;
    let (status, body) = parse_response(&answer).ok_or_else(|| fail("malformed HTTP answer".into()))?;
    if (200..300).contains(&status) { Ok(body) } else { Err(fail(format!("status {status}: {body}"))) }
}

fn parse_response(raw: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository whose venv "python" is the given shell script.
    fn fake_repo(script: &str) -> tempfile::TempDir {
        use std::os::unix::fs::PermissionsExt as _;
        let root = tempfile::tempdir().expect("tempdir");
        let bin = root.path().join(".venv/bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        std::fs::create_dir_all(root.path().join(LOCALAWS_DIR)).expect("mkdir");
        std::fs::write(bin.join("python"), format!("#!/bin/sh\n{script}\n")).expect("write");
        std::fs::set_permissions(bin.join("python"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::write(root.path().join(".venv").join(crate::venv::STAMP), "").expect("stamp");
        root
    }

    #[test]
    fn a_server_that_dies_early_is_reported_with_its_stderr() {
        let repo = fake_repo("echo 'Traceback: boom' >&2; exit 3");
        let err = LocalAws::start_in(repo.path()).expect_err("no server");
        let text = err.to_string();
        assert!(text.contains("exited before it was ready"), "{text}");
        assert!(text.contains("Traceback: boom"), "{text}");
    }

    #[test]
    fn a_wrong_first_line_is_rejected_and_the_process_stopped() {
        let repo = fake_repo("echo 'LOCALAWS_READY http://0.0.0.0:1'; exec sleep 30");
        let start = std::time::Instant::now();
        let err = LocalAws::start_in(repo.path()).expect_err("not loopback");
        assert!(err.to_string().contains("unexpected first line"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn parses_http_answers() {
        let raw = b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"status\": \"ok\"}";
        assert_eq!(parse_response(raw), Some((200, "{\"status\": \"ok\"}".into())));
        assert_eq!(parse_response(b"HTTP/1.1 404 ERROR\r\n\r\n"), Some((404, String::new())));
        assert_eq!(parse_response(b"garbage"), None);
    }

    #[test]
    fn seeded_org_reads_the_seed_tool_json() {
        let json = r#"{
          "seed": 7, "organization_id": "o-abc", "organization_arn": "arn:o", "feature_set": "ALL",
          "management_account_id": "123456789012", "management_account_email": "m@example.com",
          "root_id": "r-ab12",
          "ous": [{"id": "ou-ab12-1", "arn": "arn:ou", "name": "Web", "parent_id": "ou-ab12-0",
                   "path": "/Production/Web", "tags": {}}],
          "accounts": [
            {"id": "123456789012", "arn": "a", "name": "master", "email": "m@example.com",
             "status": "ACTIVE", "state": "ACTIVE", "joined_method": "CREATED",
             "joined_timestamp": "2018-12-08T09:30:00Z", "parent_id": "r-ab12", "ou_path": "/", "tags": {}},
            {"id": "210987654321", "arn": "b", "name": "x", "email": "x@example.com",
             "status": "SUSPENDED", "state": null, "joined_method": "INVITED",
             "joined_timestamp": "2019-01-01T00:00:00Z", "parent_id": "ou-ab12-1",
             "ou_path": "/Production/Web", "tags": {"env": "prod"}}
          ]
        }"#;
        let org: SeededOrg = serde_json::from_str(json).expect("parses");
        assert_eq!(org.members().count(), 1);
        assert_eq!(org.account("210987654321").map(|a| a.tags["env"].as_str()), Some("prod"));
        assert_eq!(org.ous[0].path, "/Production/Web");
    }

    #[test]
    fn case_spec_becomes_seed_arguments() {
        let minimal = CaseSpec { seed: 3, per_account: 8, ..CaseSpec::default() };
        assert_eq!(case_args(&minimal), ["--seed", "3", "--per-account", "8"]);
        let full = CaseSpec {
            seed: 1,
            per_account: 2,
            accounts: Some(vec!["111111111111".into(), "222222222222".into()]),
            role_name: Some("Reader".into()),
            skip_role: vec!["222222222222".into()],
        };
        assert_eq!(
            case_args(&full).join(" "),
            "--seed 1 --per-account 2 --accounts 111111111111,222222222222 --role-name Reader \
             --skip-role 222222222222"
        );
    }

    #[test]
    fn seeded_cases_read_the_seed_tool_json() {
        let json = r#"{
          "seed": 4, "anchor": "2026-03-15T00:00:00.000Z", "management_account_id": "123456789012",
          "role_name": "CimaCaseReaderRole",
          "accounts": [
            {"account_id": "123456789012", "reader_role": "CimaCaseReaderRole", "cases": []},
            {"account_id": "210987654321", "reader_role": null, "cases": [{
              "account_id": "210987654321", "case_id": "case-210987654321-ab12-2025-0123456789abcdef",
              "display_id": "16543210001", "subject": "Slow", "status": "resolved",
              "service_code": "aws-lambda", "category_code": "performance", "severity_code": "high",
              "submitted_by": "localaws-seed@210987654321", "time_created": "2025-06-01T10:00:00.123Z",
              "cc_email_addresses": ["ops@example.com"], "language": "en",
              "communications": [
                {"case_id": "case-210987654321-ab12-2025-0123456789abcdef", "body": "Slow",
                 "submitted_by": "localaws-seed@210987654321", "time_created": "2025-06-01T10:00:00.123Z",
                 "origin": "CUSTOMER", "attachment_set": []},
                {"case_id": "case-210987654321-ab12-2025-0123456789abcdef", "body": "Looking",
                 "submitted_by": "Amazon Web Services", "time_created": "2025-06-01T11:00:00.000Z",
                 "origin": "AWS", "attachment_set": [{"attachment_id": "a-1", "file_name": "log.txt"}]}
              ]}]}
          ]
        }"#;
        let seeded: SeededCases = serde_json::from_str(json).expect("parses");
        assert_eq!(seeded.cases().count(), 1);
        let member = seeded.account("210987654321").expect("member");
        assert_eq!(member.reader_role, None);
        let case = &member.cases[0];
        assert_eq!(case.first_aws_response().map(|c| c.submitted_by.as_str()), Some(AWS_SUBMITTER));
        assert_eq!(case.communications[1].attachment_set[0].file_name, "log.txt");
    }

    #[test]
    fn python_command_drops_inherited_aws_settings() {
        let cmd = python_command(Path::new("/venv/bin/python"), Path::new("/repo/testing/localaws"));
        let envs: Vec<_> = cmd.get_envs().collect();
        let set = |k: &str| envs.iter().find(|(key, _)| *key == k).and_then(|(_, v)| *v);
        assert_eq!(set("AWS_ACCESS_KEY_ID"), Some(std::ffi::OsStr::new(TEST_KEY)));
        assert_eq!(set("PYTHONPATH"), Some(std::ffi::OsStr::new("/repo/testing/localaws")));
        assert_eq!(set("MOTO_ACCOUNT_ID"), None);
    }
}
