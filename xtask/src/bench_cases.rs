//! `cargo xtask bench-cases`: `data "cima_cases"` over N accounts × M Support cases, side by side
//! with the boto3 ways of doing the same (`bench/cases_boto3.py`: sequential, and a thread pool as
//! wide as the provider's `max_concurrency`) and with the latency bound ceil(N/C)·calls·RTT.
//!
//! First against `replay-backend` (see `bench_replay`): moto's answers replayed after a fixed
//! delay, concurrently, so the times are the contenders' own; the provider at half, once and
//! twice the concurrency. Then against the local AWS itself behind the same delay
//! (`localaws.latency_proxy`) and straight, which shows what moto, one request at a time, bounds.
//! Writes `bench/cases.md`, and with `--json FILE` the replayed figures.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use cima_testkit::{CASE_READER_ROLE, CaseSpec, LocalAws, OrgSpec, PROVIDER_BINARY_NAME, TfWorkspace, Venv};

use crate::bench_replay::{MAX_BACKEND_SHARE, ReplayProcess, spawn_ready};

const SEED: u64 = 11;
/// DescribeCases' largest page, as both the provider and the baseline ask for it.
const CASES_PER_PAGE: usize = 100;
/// RSS sampling period: short against a multi-second read, cheap (a few /proc reads).
const POLL: Duration = Duration::from_millis(5);

struct Opts {
    accounts: usize,
    per_account: usize,
    delay_ms: u64,
    concurrency: usize,
    runs: usize,
    /// Where the replayed results go as JSON, when asked.
    json: Option<PathBuf>,
    /// `--scale 50,200,1000`: only the provider, replayed, at each organization size.
    scale: Option<Vec<usize>>,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Opts> {
        let num = |name: &str, default: usize| -> Result<usize> {
            match args.iter().position(|a| a == name) {
                None => Ok(default),
                Some(i) => args
                    .get(i + 1)
                    .with_context(|| format!("{name} needs a value"))?
                    .parse()
                    .with_context(|| format!("{name} must be a whole number")),
            }
        };
        let known = [
            ("--accounts", "N"),
            ("--per-account", "N"),
            ("--delay-ms", "N"),
            ("--concurrency", "N"),
            ("--runs", "N"),
            ("--json", "FILE"),
            ("--scale", "N,N,…"),
        ];
        for (i, a) in args.iter().enumerate() {
            if i % 2 == 0 && !known.iter().any(|(k, _)| k == a) {
                bail!(
                    "unknown argument {a:?}; usage: cargo xtask bench-cases {}",
                    known.map(|(k, v)| format!("[{k} {v}]")).join(" ")
                );
            }
        }
        let o = Opts {
            accounts: num("--accounts", 200)?,
            per_account: num("--per-account", 20)?,
            delay_ms: num("--delay-ms", 25)? as u64,
            concurrency: num("--concurrency", 32)?,
            runs: num("--runs", 3)?,
            json: crate::flag(args, "--json").map(PathBuf::from),
            scale: crate::flag(args, "--scale")
                .map(|v| {
                    v.split(',')
                        .map(|n| n.trim().parse::<usize>().ok().filter(|n| *n >= 1))
                        .collect::<Option<Vec<usize>>>()
                        .with_context(|| format!("--scale takes account counts such as 50,200,1000, not {v:?}"))
                })
                .transpose()?,
        };
        if o.accounts < 1 || o.concurrency < 1 || o.runs < 1 {
            bail!("--accounts, --concurrency and --runs must be at least 1");
        }
        Ok(o)
    }

    fn command(&self) -> String {
        let what = match &self.scale {
            Some(sizes) => format!("--scale {}", sizes.iter().map(usize::to_string).collect::<Vec<_>>().join(",")),
            None => format!("--accounts {}", self.accounts),
        };
        format!(
            "cargo xtask bench-cases {what} --per-account {} --delay-ms {} --concurrency {} --runs {}",
            self.per_account, self.delay_ms, self.concurrency, self.runs
        )
    }
}

pub fn run(args: &[String]) -> Result<()> {
    let o = Opts::parse(args)?;
    if let Some(sizes) = &o.scale {
        return scale(&o, sizes);
    }
    crate::setup::run()?;
    let binary = crate::build_provider(true)?;
    let root = cima_testkit::repo_root();
    let venv = Venv::locate(&root)?;
    let load_before = fs::read_to_string("/proc/loadavg").unwrap_or_default();

    eprintln!(
        "xtask: starting the local AWS and seeding {} accounts × {} cases (not timed)",
        o.accounts, o.per_account
    );
    // The request log tells each contender's calls apart (see `served`).
    let aws = LocalAws::start_with_request_log(&root, &root.join("target/bench-cases-requests.tsv"))?;
    let seeding = Instant::now();
    let (accounts, cases) = seed(&aws, o.accounts, o.per_account)?;
    eprintln!("xtask: seeded {accounts} accounts, {cases} cases in {:.0} s", seeding.elapsed().as_secs_f64());

    let tf = bench_terraform()?;
    let mut ws = TfWorkspace::new(&tf, &binary)?;
    ws.write("main.tf", &config(&cima_testkit::provider_source()?, o.concurrency))?;
    ws.set_timeout(Duration::from_secs(600));
    // Untimed: brings Terraform and the provider into the page cache.
    ws.run_ok(["validate", "-no-color"]).context("terraform validate")?;

    // A contender that read other data than the seeding made would be timing something else.
    let check = |what: &str, got: usize| -> Result<()> {
        if got != cases {
            bail!("{what} read {got} cases, the seeding made {cases}");
        }
        Ok(())
    };
    let check_boto3 = |what: &str, b: &Boto3| -> Result<()> {
        if b.accounts != accounts {
            bail!("{what} listed {} accounts, the seeding made {accounts}", b.accounts);
        }
        check(what, b.cases)
    };
    let env_for = |endpoint: &str| env_at(&aws, endpoint);

    let replayed = replayed(&o, &ws, &aws, &venv, &root, &env_for, &check, &check_boto3)?;
    ws.write("main.tf", &config(&cima_testkit::provider_source()?, o.concurrency))?;

    let proxy = LatencyProxy::start(&venv, &root, aws.endpoint(), o.delay_ms)?;
    let mut provider = Vec::new();
    for i in 0..o.runs {
        eprintln!("xtask: provider run {} of {} through the proxy", i + 1, o.runs);
        let r = with_moto_cpu(&aws, || provider_run(&ws, &env_for(proxy.endpoint()), true, &format!("proxy-{i}")))?;
        check("the provider", r.total)?;
        provider.push(r);
    }
    eprintln!("xtask: boto3 sequential through the proxy");
    let seq = with_moto_cpu(&aws, || boto3(&venv, &root, &env_for(proxy.endpoint()), &["sequential"], o.accounts))?;
    check_boto3("boto3 sequential", &seq)?;
    let workers = o.concurrency.to_string();
    eprintln!("xtask: boto3 threads through the proxy");
    let thr = with_moto_cpu(&aws, || {
        boto3(&venv, &root, &env_for(proxy.endpoint()), &["threads", "--workers", &workers], o.accounts)
    })?;
    check_boto3("boto3 threads", &thr)?;

    eprintln!("xtask: every contender once more straight against moto (no injected latency)");
    let direct = env_for(aws.endpoint());
    let provider_direct = with_moto_cpu(&aws, || provider_run(&ws, &direct, true, "direct"))?;
    let seq_direct = with_moto_cpu(&aws, || boto3(&venv, &root, &direct, &["sequential"], o.accounts))?;
    let thr_direct =
        with_moto_cpu(&aws, || boto3(&venv, &root, &direct, &["threads", "--workers", &workers], o.accounts))?;
    check("the provider (direct)", provider_direct.total)?;
    check_boto3("boto3 sequential (direct)", &seq_direct)?;
    check_boto3("boto3 threads (direct)", &thr_direct)?;
    eprintln!("xtask: the provider once through the proxy without TF_LOG_PROVIDER (wall time only)");
    let quiet = provider_run(&ws, &env_for(proxy.endpoint()), false, "quiet")?;
    check("the provider (no logs)", quiet.total)?;
    let load_after = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    drop(proxy);

    let report = report(
        &o,
        accounts,
        cases,
        &provider,
        &provider_direct,
        &quiet,
        [&seq, &thr, &seq_direct, &thr_direct],
        [&load_before, &load_after],
    );
    let report = format!("{}\n{}", replayed_section(&o, accounts, cases, &replayed), demoted(&report));
    let json = o.json.as_deref().map(|path| (path, replayed_json(&o, accounts, &replayed)));
    crate::bench::publish("cases.md", &report, json)?;
    Ok(())
}

/// The newest Terraform core, whatever terraform PATH holds: the figures then compare across
/// machines, and Terraform's own time after the read (which grows with the cases returned and
/// differs between versions) stays the same.
fn bench_terraform() -> Result<cima_testkit::Terraform> {
    Ok(cima_testkit::Terraform::core(cima_testkit::TerraformCore::newest())?)
}

/// An organization of `accounts` accounts (the management account counts as one) with
/// `per_account` cases each; returns the accounts and cases seeded.
fn seed(aws: &LocalAws, accounts: usize, per_account: usize) -> Result<(usize, usize)> {
    let org = aws.seed_org(&OrgSpec { accounts: accounts - 1, seed: SEED, suspended: 0 })?;
    // Named explicitly (the default order: management account first) so the seeding's time
    // limit scales with the number of accounts.
    let ids = org.accounts.iter().map(|a| a.id.clone()).collect();
    let seeded = aws.seed_cases(&CaseSpec { seed: SEED, per_account, accounts: Some(ids), ..Default::default() })?;
    Ok((seeded.accounts.len(), seeded.cases().count()))
}

/// The local AWS's environment with requests sent to `endpoint` instead.
fn env_at(aws: &LocalAws, endpoint: &str) -> Vec<(String, String)> {
    let mut env = aws.aws_env();
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL".into(), endpoint.to_owned()));
    env
}

fn config(source: &str, concurrency: usize) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    cima = {{ source = "{source}" }}
  }}
}}

provider "cima" {{
  max_concurrency = {concurrency}
}}

data "cima_cases" "all" {{
  role_name        = "{CASE_READER_ROLE}"
  include_resolved = true
}}

output "total" {{ value = data.cima_cases.all.summary.total }}
output "account_errors" {{ value = length(data.cima_cases.all.account_errors) }}
"#
    )
}

/// `localaws.latency_proxy` in front of the local AWS; stopped (by its PID) when dropped.
pub(crate) struct LatencyProxy {
    child: Child,
    /// Held open: the proxy exits when it reads end of file, so it cannot outlive us.
    stdin: Option<ChildStdin>,
    endpoint: String,
}

impl LatencyProxy {
    pub(crate) fn start(venv: &Venv, root: &Path, target: &str, delay_ms: u64) -> Result<LatencyProxy> {
        let mut cmd = Command::new(venv.python());
        cmd.args(["-m", "localaws.latency_proxy", "--target", target, "--port", "0"])
            .args(["--delay-ms", &delay_ms.to_string()])
            .env("PYTHONPATH", root.join(cima_testkit::LOCALAWS_DIR));
        let (child, stdin, endpoint) = spawn_ready(cmd, "LATENCY_PROXY_READY ", "localaws.latency_proxy")?;
        Ok(LatencyProxy { child, stdin: Some(stdin), endpoint })
    }

    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl Drop for LatencyProxy {
    fn drop(&mut self) {
        crate::bench_replay::stop(&mut self.child, self.stdin.take());
    }
}

trait MotoCpu {
    fn set_moto_cpu(&mut self, seconds: f64);
    fn set_served(&mut self, served: BTreeMap<String, usize>);
}

impl MotoCpu for Boto3 {
    fn set_moto_cpu(&mut self, seconds: f64) {
        self.moto_cpu = seconds;
    }
    fn set_served(&mut self, served: BTreeMap<String, usize>) {
        self.served = served;
    }
}

impl MotoCpu for ProviderRun {
    fn set_moto_cpu(&mut self, seconds: f64) {
        self.moto_cpu = seconds;
    }
    fn set_served(&mut self, served: BTreeMap<String, usize>) {
        self.served = served;
    }
}

/// Runs one contender and records the CPU time moto spent meanwhile (when it approaches the
/// wall time, moto, one request at a time under the GIL, is the bottleneck, not the client)
/// and the calls it served, per operation, from its request log.
fn with_moto_cpu<T: MotoCpu>(aws: &LocalAws, run: impl FnOnce() -> Result<T>) -> Result<T> {
    let moto = aws.pid();
    let served_before = aws.requests()?.len();
    let before = cpu_seconds(moto);
    let mut result = run()?;
    if let (Some(a), Some(b)) = (before, cpu_seconds(moto)) {
        result.set_moto_cpu(b - a);
    }
    let requests = aws.requests()?;
    let tally = cima_testkit::tally(&requests[served_before.min(requests.len())..]);
    result.set_served(tally.into_iter().map(|(op, (n, _))| (op, n)).collect());
    Ok(result)
}

/// "AssumeRole 199, Support DescribeCases 200, …": a contender's calls, short names, most first.
fn served_line(served: &BTreeMap<String, usize>) -> String {
    let mut ops: Vec<(String, usize)> = served
        .iter()
        .map(|(op, n)| {
            let short =
                op.replace("AWSOrganizationsV20161128.", "Organizations ").replace("AWSSupport_20130415.", "Support ");
            (short, *n)
        })
        .collect();
    ops.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: usize = ops.iter().map(|(_, n)| n).sum();
    let each: Vec<String> = ops.iter().map(|(op, n)| format!("{op} {n}")).collect();
    format!("{total} ({})", each.join(", "))
}

/// utime + stime of a process, all its threads included, in seconds (USER_HZ is 100 on Linux).
pub(crate) fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

pub(crate) fn wait_bounded(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => return None,
        }
    }
    None
}

struct Boto3 {
    moto_cpu: f64,
    /// Calls moto served during the run, per operation.
    served: BTreeMap<String, usize>,
    seconds: f64,
    list_seconds: f64,
    accounts: usize,
    cases: usize,
    calls: u64,
    list_calls: u64,
}

fn boto3(venv: &Venv, root: &Path, env: &[(String, String)], mode: &[&str], accounts: usize) -> Result<Boto3> {
    let temp = std::env::temp_dir().join(format!("cima-bench-cases-{}", std::process::id()));
    fs::create_dir_all(&temp)?;
    let (out_path, err_path) = (temp.join("boto3.out"), temp.join("boto3.err"));
    let mut cmd = Command::new(venv.python());
    cmd.arg(root.join("bench/cases_boto3.py"))
        .args([
            "--endpoint",
            &env.iter().find(|(k, _)| k == "AWS_ENDPOINT_URL").map(|(_, v)| v.clone()).unwrap_or_default(),
        ])
        .args(["--role-name", CASE_READER_ROLE])
        .args(mode)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path)?)
        .stderr(File::create(&err_path)?);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let mut child = cmd.spawn().context("starting bench/cases_boto3.py")?;
    // Sequential reads take ~0.1 s an account through the proxy; generous, yet bounded.
    let limit = Duration::from_secs(120 + 2 * accounts as u64);
    let Some(status) = wait_bounded(&mut child, limit) else {
        let _ = child.kill();
        let _ = child.wait();
        bail!("bench/cases_boto3.py {mode:?} took longer than {} s", limit.as_secs());
    };
    let out = fs::read_to_string(&out_path).unwrap_or_default();
    let err = fs::read_to_string(&err_path).unwrap_or_default();
    let _ = fs::remove_dir_all(&temp);
    if !status.success() {
        bail!("bench/cases_boto3.py {mode:?} failed ({status}): {out}\n{}", tail(&err, 20));
    }
    let v: serde_json::Value = serde_json::from_str(&out).with_context(|| format!("boto3 output {out:?}"))?;
    let n = |k: &str| v[k].as_u64().with_context(|| format!("boto3 output has no {k}: {out}"));
    let f = |k: &str| v[k].as_f64().with_context(|| format!("boto3 output has no {k}: {out}"));
    Ok(Boto3 {
        moto_cpu: 0.0,
        served: BTreeMap::new(),
        seconds: f("seconds")?,
        list_seconds: f("list_seconds")?,
        accounts: n("accounts")? as usize,
        cases: n("cases")? as usize,
        calls: n("calls")?,
        list_calls: n("list_calls")?,
    })
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

struct ProviderRun {
    /// Terraform's whole `plan`, start to exit.
    wall: f64,
    /// The provider's own "read data source" elapsed_ms (listing the organization + every account).
    read: Option<f64>,
    /// From "cima_cases: accounts to read" to the end of the read, by the log's timestamps.
    cases_phase: Option<f64>,
    peak_rss_kib: u64,
    moto_cpu: f64,
    /// Calls moto served during the run, per operation.
    served: BTreeMap<String, usize>,
    /// CPU seconds of every provider process of the plan, as last sampled.
    provider_cpu: f64,
    terraform_cpu: f64,
    total: usize,
    log_lines: usize,
}

/// One `terraform plan` reading the data source; with `logs`, TF_LOG_PROVIDER=INFO into a file:
/// the two lines timed are INFO, and DEBUG would add the SDK's lines for every call, whose
/// writing (and Terraform's parsing) a user who asked for no logs never pays.
fn provider_run(ws: &TfWorkspace, env: &[(String, String)], logs: bool, label: &str) -> Result<ProviderRun> {
    let log = ws.root().join(format!("terraform-{label}.log"));
    let (out_path, err_path) = (ws.root().join(format!("{label}.out")), ws.root().join(format!("{label}.err")));
    let mut cmd = ws.command(["plan", "-input=false", "-no-color", "-lock=false"]);
    cmd.envs(env.iter().map(|(k, v)| (k, v))).env_remove("TF_LOG").env_remove("TF_LOG_CORE");
    if logs {
        cmd.env("TF_LOG_PROVIDER", "INFO").env("TF_LOG_PATH", &log);
    } else {
        cmd.env_remove("TF_LOG_PROVIDER").env_remove("TF_LOG_PATH");
    }
    cmd.stdin(Stdio::null()).stdout(File::create(&out_path)?).stderr(File::create(&err_path)?);

    let started = Instant::now();
    let mut child = cmd.spawn().context("starting terraform")?;
    let deadline = started + Duration::from_secs(600);
    let mut peaks: BTreeMap<u32, u64> = BTreeMap::new();
    // Last CPU time seen per provider process, and Terraform's own.
    let mut provider_cpu: BTreeMap<u32, f64> = BTreeMap::new();
    let mut terraform_cpu = 0.0;
    let status = loop {
        for pid in provider_pids(child.id()) {
            if let Some(kib) = vm_hwm_kib(pid) {
                let peak = peaks.entry(pid).or_default();
                *peak = (*peak).max(kib);
            }
            if let Some(cpu) = cpu_seconds(pid) {
                provider_cpu.insert(pid, cpu);
            }
        }
        terraform_cpu = cpu_seconds(child.id()).unwrap_or(terraform_cpu);
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            for pid in peaks.keys() {
                // Terraform is gone; its providers are stopped by the PIDs seen above.
                let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            }
            bail!("terraform plan ({label}) took longer than 600 s");
        }
        std::thread::sleep(POLL);
    };
    let wall = started.elapsed().as_secs_f64();
    let stdout = fs::read_to_string(&out_path).unwrap_or_default();
    if !status.success() {
        let stderr = fs::read_to_string(&err_path).unwrap_or_default();
        bail!("terraform plan ({label}) failed ({status}):\n{}\n{}", tail(&stdout, 30), tail(&stderr, 30));
    }
    let output = |name: &str| -> Option<usize> {
        stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix("+ ")?.strip_prefix(name)?.trim().strip_prefix("= ")?.parse().ok())
    };
    let total = output("total").with_context(|| format!("no `total` output in the plan:\n{}", tail(&stdout, 30)))?;
    if output("account_errors") != Some(0) {
        bail!("the provider reported account errors:\n{}", tail(&stdout, 30));
    }
    let (read, cases_phase, log_lines) = if logs { parse_log(&fs::read_to_string(&log)?)? } else { (None, None, 0) };
    Ok(ProviderRun {
        served: BTreeMap::new(),
        wall,
        read,
        cases_phase,
        peak_rss_kib: peaks.values().copied().max().unwrap_or(0),
        moto_cpu: 0.0,
        provider_cpu: provider_cpu.values().sum(),
        terraform_cpu,
        total,
        log_lines,
    })
}

/// Processes below terraform (children, and theirs when a wrapper stands between) running the
/// provider. The kernel truncates `comm` to 15 bytes.
fn provider_pids(terraform: u32) -> Vec<u32> {
    let comm = &PROVIDER_BINARY_NAME[..15];
    let mut found = Vec::new();
    let mut level = vec![terraform];
    for _ in 0..3 {
        let children: Vec<u32> = level.iter().flat_map(|p| children_of(*p)).collect();
        found.extend(
            children
                .iter()
                .copied()
                .filter(|p| fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim_end() == comm)),
        );
        if children.is_empty() {
            break;
        }
        level = children;
    }
    found
}

/// Children of every thread of `pid` (Go starts processes from any thread).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| s.split_whitespace().filter_map(|p| p.parse().ok()).collect::<Vec<u32>>())
        .collect()
}

pub(crate) fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok())
}

/// The line `cima_cases` logs once its accounts are known (the organization listed).
const LISTED: &str = "cima_cases: accounts to read";

/// The provider's elapsed_ms of reading `cima_cases`, the time from its organization listing
/// being done to the end of that read, and the number of log lines.
fn parse_log(log: &str) -> Result<(Option<f64>, Option<f64>, usize)> {
    let reads: Vec<LogEvent> = log
        .lines()
        .filter_map(|l| LogEvent::parse(l, "read data source"))
        .filter(|e| e.field("type_name") == Some("cima_cases"))
        .collect();
    let [read] = reads.as_slice() else {
        bail!("expected one \"read data source\" log line for cima_cases, found {}", reads.len());
    };
    let elapsed = read
        .field("elapsed_ms")
        .and_then(|v| v.parse::<f64>().ok())
        .context("no elapsed_ms on the read data source line")?;
    let listed = log.lines().find_map(|l| LogEvent::parse(l, LISTED));
    let cases_phase = listed
        .and_then(|l| Some(millis_of_day(read.field("timestamp")?)? - millis_of_day(l.field("timestamp")?)?))
        .map(|d| d.rem_euclid(86_400_000.0));
    Ok((Some(elapsed), cases_phase, log.lines().count()))
}

/// One of the provider's log lines as Terraform writes it to TF_LOG_PATH once go-plugin has
/// parsed the provider's JSON: `<time> [INFO]  provider.terraform-provider-cima: <message>: k=v …
/// timestamp=<the provider's time>`. Its fields, for the line of one known message.
struct LogEvent<'a>(Vec<(&'a str, &'a str)>);

impl<'a> LogEvent<'a> {
    fn parse(line: &'a str, message: &str) -> Option<LogEvent<'a>> {
        const LOGGER: &str = "provider.terraform-provider-cima: ";
        let rest = line[line.find(LOGGER)? + LOGGER.len()..].strip_prefix(message)?.strip_prefix(": ")?;
        // Our fields' values hold no spaces (hclog would quote them): ids, numbers, times.
        Some(LogEvent(rest.split_whitespace().filter_map(|kv| kv.split_once('=')).collect()))
    }

    fn field(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// `2025-01-01T12:34:56.789Z` → milliseconds since midnight (the provider's clock, UTC).
fn millis_of_day(timestamp: &str) -> Option<f64> {
    let time = timestamp.get(11..)?.trim_end_matches('Z');
    let (h, rest) = time.split_once(':')?;
    let (m, s) = rest.split_once(':')?;
    Some((h.parse::<f64>().ok()? * 3600.0 + m.parse::<f64>().ok()? * 60.0 + s.parse::<f64>().ok()?) * 1000.0)
}

pub(crate) fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

#[allow(clippy::too_many_arguments)]
fn report(
    o: &Opts,
    accounts: usize,
    cases: usize,
    runs: &[ProviderRun],
    direct: &ProviderRun,
    quiet: &ProviderRun,
    [seq, thr, seq_direct, thr_direct]: [&Boto3; 4],
    [load_before, load_after]: [&String; 2],
) -> String {
    let secs = |ms: Option<f64>| ms.map_or("n/a".to_owned(), |v| format!("{:.2}", v / 1000.0));
    let read_ms = median(runs.iter().filter_map(|r| r.read).collect()).unwrap_or(f64::NAN);
    let phase_ms = median(runs.iter().filter_map(|r| r.cases_phase).collect());
    let wall = median(runs.iter().map(|r| r.wall).collect()).unwrap_or(f64::NAN);
    let rss = runs.iter().chain([direct]).map(|r| r.peak_rss_kib).max().unwrap_or(0) as f64 / 1024.0;
    let pages = o.per_account.div_ceil(CASES_PER_PAGE).max(1);
    let calls = 1 + pages;
    let bound = accounts.div_ceil(o.concurrency) as f64 * calls as f64 * o.delay_ms as f64;
    let goal = |met: bool| if met { "met" } else { "**missed**" };
    let read_s = read_ms / 1000.0;
    let (seq_total, thr_total) = (seq.seconds + seq.list_seconds, thr.seconds + thr.list_seconds);
    let phase_s = phase_ms.map(|p| p / 1000.0);
    let vs = |other: f64| format!("{:.1}×", other / read_s);
    let vs_phase = |other: f64| phase_s.map_or("n/a".to_owned(), |p| format!("{:.1}×", other / p));
    let each: Vec<String> = runs.iter().map(|r| secs(r.read)).collect();
    let mut by_wall: Vec<&ProviderRun> = runs.iter().collect();
    by_wall.sort_by(|a, b| a.wall.total_cmp(&b.wall));
    let median_run = by_wall[by_wall.len() / 2];
    format!(
        "# `data \"cima_cases\"` across an organization\n\n\
         Reproduce: `{cmd}` (release build of the provider, the real Terraform, moto behind \
         `localaws.latency_proxy` adding {d} ms to every request).\n\n\
         {accounts} accounts (the management account + {members} members) × {pa} cases = {cases} cases; \
         the provider's `max_concurrency` = {c}; boto3 threads = {c}. Every contender read all {cases} cases.\n\n\
         ## Whole read, listing the organization included\n\n\
         | contender | seconds, {d} ms per request | provider faster by | goal | moto CPU s meanwhile | \
         seconds, no injected latency | moto CPU s meanwhile |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n\
         | provider: `data \"cima_cases\"` (\"read data source\" elapsed, median of {runs_n}: {each}) \
         | {read:.2} | | | \
         {pcpu:.2} | {pdir} | {pdcpu:.2} |\n\
         | (a) boto3 sequential, the seed system's way | {seq_total:.2} | {vs_a} | ≥ 25×: {ga} | {seqcpu:.2} \
         | {seqd:.2} | {seqdcpu:.2} |\n\
         | (b) boto3, {c} threads | {thr_total:.2} | {vs_b} | ≥ 1.5×: {gb} | {thrcpu:.2} | {thrd:.2} \
         | {thrdcpu:.2} |\n\
         | (c) latency bound ceil({accounts}/{c})·{calls}·{d} ms (case reads only) | {bound_s:.2} | \
         provider takes {vs_c:.2}× the bound | ≤ 1.25×: {gc} | | 0 | |\n\n\
         moto CPU is moto's user + system time during the whole contender run (Terraform's whole plan for the \
         provider; listing included for boto3).\n\n\
         ## Case reads only (listing excluded)\n\n\
         | contender | seconds, {d} ms per request | provider faster by | seconds, no injected latency |\n\
         | --- | --- | --- | --- |\n\
         | provider: from its \"cima_cases: accounts to read\" log line to the end of the read (includes one \
         GetCallerIdentity) | {phase} | | {phased} |\n\
         | (a) boto3 sequential | {seqc:.2} | {vs_a2} | {seqdc:.2} |\n\
         | (b) boto3, {c} threads | {thrc:.2} | {vs_b2} | {thrdc:.2} |\n\
         | (c) latency bound | {bound_s:.2} | provider takes {vs_c2} the bound | 0 |\n\n\
         Listing: boto3 timed GetCallerIdentity + ListAccounts ({lc} calls) apart: {seql:.2} s sequential run, \
         {thrl:.2} s threads run. The provider's listing walks the OU tree (DescribeOrganization and \
         ListRoots, then ListAccountsForParent with ListOrganizationalUnitsForParent per OU, level by \
         level): the difference between its two numbers above.\n\n\
         Calls moto served, from its request log: provider (first run, the whole plan) {served_p}; boto3 \
         sequential {served_a}; boto3 threads {served_b}.\n\n\
         Calls per account: AssumeRole + {pages} DescribeCases page(s) (the management account uses its own \
         credentials); boto3 made {bc} such calls in all.\n\n\
         ## Terraform and memory\n\n\
         - Whole `terraform plan` wall time, median: {wall:.2} s with `TF_LOG_PROVIDER=INFO` into a file \
         ({lines} log lines); {quiet:.2} s in one run without provider logging. CPU seconds in the median-wall \
         run: provider processes {pcpu_own:.2}, Terraform {tcpu:.2}, moto {mcpu:.2}.\n\
         - Provider peak RSS (VmHWM of the `terraform-provider-cima` processes Terraform started, sampled every \
         {poll} ms), worst of all runs: **{rss:.1} MiB** (goal ≤ 40 MB: {grss}); per run: {rss_each} MiB \
         (the last without injected latency).\n\
         - Machine: {cores} cores shared with other work; load average before: {lb}, after: {la}.\n\n\
         ## How\n\n\
         - Latency: `localaws.latency_proxy` forwards each chunk a client sends {d} ms after it arrived \
         (netem-like, one-way), so every request reaches moto {d} ms late; answers pass at once. moto answers \
         every request with `Connection: close`, so each request is a new TCP connection for every contender; \
         the proxy does not charge connection set-up.\n\
         - moto is one Python process: its request threads share one GIL, so its work is serial, on the \
         same 2 cores as Terraform, the provider, the proxy and the boto3 script; the \"no injected \
         latency\" column is each contender against moto alone.\n\
         - Each contender is checked to have read every seeded case (and the provider to report no account \
         errors) before its time is kept. The provider runs first ({runs_n}×), then (a), (b), then the \
         no-latency runs.\n",
        cmd = o.command(),
        served_p = runs.first().map(|r| served_line(&r.served)).unwrap_or_default(),
        served_a = served_line(&seq.served),
        served_b = served_line(&thr.served),
        d = o.delay_ms,
        members = accounts - 1,
        pa = o.per_account,
        c = o.concurrency,
        runs_n = runs.len(),
        each = each.join(", "),
        read = read_s,
        pdir = secs(direct.read),
        pcpu = median(runs.iter().map(|r| r.moto_cpu).collect()).unwrap_or(f64::NAN),
        pdcpu = direct.moto_cpu,
        seqcpu = seq.moto_cpu,
        seqdcpu = seq_direct.moto_cpu,
        thrcpu = thr.moto_cpu,
        thrdcpu = thr_direct.moto_cpu,
        vs_a = vs(seq_total),
        ga = goal(seq_total / read_s >= 25.0),
        seqd = seq_direct.seconds + seq_direct.list_seconds,
        vs_b = vs(thr_total),
        gb = goal(thr_total / read_s >= 1.5),
        thrd = thr_direct.seconds + thr_direct.list_seconds,
        bound_s = bound / 1000.0,
        vs_c = read_ms / bound,
        gc = goal(read_ms / bound <= 1.25),
        phase = secs(phase_ms),
        phased = secs(direct.cases_phase),
        seqdc = seq_direct.seconds,
        thrdc = thr_direct.seconds,
        seqc = seq.seconds,
        vs_a2 = vs_phase(seq.seconds),
        thrc = thr.seconds,
        vs_b2 = vs_phase(thr.seconds),
        vs_c2 = phase_ms.map_or("n/a".to_owned(), |p| format!("{:.2}×", p / bound)),
        lc = seq.list_calls,
        seql = seq.list_seconds,
        thrl = thr.list_seconds,
        bc = seq.calls,
        wall = wall,
        pcpu_own = median_run.provider_cpu,
        tcpu = median_run.terraform_cpu,
        mcpu = median_run.moto_cpu,
        lines = runs.first().map_or(0, |r| r.log_lines),
        quiet = quiet.wall,
        poll = POLL.as_millis(),
        rss_each = runs
            .iter()
            .chain([direct])
            .map(|r| format!("{:.1}", r.peak_rss_kib as f64 / 1024.0))
            .collect::<Vec<_>>()
            .join(", "),
        grss = goal(rss * 1024.0 * 1024.0 <= 40e6),
        cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        lb = load_before.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        la = load_after.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

/// The contenders timed against the replay backend, each recorded once first (untimed).
struct Replayed {
    /// (max_concurrency, run, the backend's CPU seconds during it), `runs` per level.
    provider: Vec<(usize, ProviderRun, f64)>,
    seq: (Boto3, f64),
    thr: (Boto3, f64),
    stats: cima_testkit::ReplayStats,
}

#[allow(clippy::too_many_arguments)] // the run's shared pieces, as `run` holds them
fn replayed(
    o: &Opts,
    ws: &TfWorkspace,
    aws: &LocalAws,
    venv: &Venv,
    root: &Path,
    env_for: &impl Fn(&str) -> Vec<(String, String)>,
    check: &impl Fn(&str, usize) -> Result<()>,
    check_boto3: &impl Fn(&str, &Boto3) -> Result<()>,
) -> Result<Replayed> {
    let backend = ReplayProcess::start(&crate::bench_replay::build()?, aws.endpoint(), o.delay_ms, &[])?;
    let env = env_for(backend.endpoint());
    let workers = o.concurrency.to_string();
    let threads = ["threads", "--workers", workers.as_str()];
    eprintln!("xtask: recording each contender once through the replay backend (not timed)");
    backend.record("provider")?;
    check("the provider (recording)", provider_run(ws, &env, false, "record")?.total)?;
    backend.record("boto3-sequential")?;
    check_boto3("boto3 sequential (recording)", &boto3(venv, root, &env, &["sequential"], o.accounts)?)?;
    backend.record("boto3-threads")?;
    check_boto3("boto3 threads (recording)", &boto3(venv, root, &env, &threads, o.accounts)?)?;

    let provider = provider_replayed(o, ws, &backend, &env, check)?;
    eprintln!("xtask: boto3 sequential, replayed");
    let seq = backend.timed("boto3-sequential", || boto3(venv, root, &env, &["sequential"], o.accounts))?;
    check_boto3("boto3 sequential (replayed)", &seq.0)?;
    eprintln!("xtask: boto3 threads, replayed");
    let thr = backend.timed("boto3-threads", || boto3(venv, root, &env, &threads, o.accounts))?;
    check_boto3("boto3 threads (replayed)", &thr.0)?;
    Ok(Replayed { provider, seq, thr, stats: backend.stats()? })
}

/// The provider timed replaying its tape at each concurrency level, `runs` times each.
fn provider_replayed(
    o: &Opts,
    ws: &TfWorkspace,
    backend: &ReplayProcess,
    env: &[(String, String)],
    check: &impl Fn(&str, usize) -> Result<()>,
) -> Result<Vec<(usize, ProviderRun, f64)>> {
    let source = cima_testkit::provider_source()?;
    let mut provider = Vec::new();
    for c in concurrency_levels(o.concurrency) {
        // The same requests at every level: only how many are in flight changes.
        ws.write("main.tf", &config(&source, c))?;
        for i in 0..o.runs {
            eprintln!("xtask: provider at max_concurrency = {c}, run {} of {}, replayed", i + 1, o.runs);
            let (r, cpu) = backend.timed("provider", || provider_run(ws, env, true, &format!("replay-{c}-{i}")))?;
            check("the provider (replayed)", r.total)?;
            provider.push((c, r, cpu));
        }
    }
    Ok(provider)
}

/// `--scale`: how the provider's time and memory grow with the organization, replayed, at each
/// concurrency level. Writes `bench/cases-scale.md` (and `--json`).
fn scale(o: &Opts, sizes: &[usize]) -> Result<()> {
    crate::setup::run()?;
    let binary = crate::build_provider(true)?;
    let replay_binary = crate::bench_replay::build()?;
    let tf = bench_terraform()?;
    let mut rows = Vec::new();
    for &n in sizes {
        eprintln!("xtask: seeding {n} accounts × {} cases (not timed)", o.per_account);
        let aws = LocalAws::start()?;
        let (accounts, cases) = seed(&aws, n, o.per_account)?;
        let check = |what: &str, got: usize| -> Result<()> {
            if got != cases {
                bail!("{what} read {got} cases over {accounts} accounts, the seeding made {cases}");
            }
            Ok(())
        };
        let mut ws = TfWorkspace::new(&tf, &binary)?;
        ws.set_timeout(Duration::from_secs(600));
        ws.write("main.tf", &config(&cima_testkit::provider_source()?, o.concurrency))?;
        ws.run_ok(["validate", "-no-color"]).context("terraform validate")?;
        let backend = ReplayProcess::start(&replay_binary, aws.endpoint(), o.delay_ms, &[])?;
        let env = env_at(&aws, backend.endpoint());
        backend.record("provider")?;
        check("the provider (recording)", provider_run(&ws, &env, false, "record")?.total)?;
        let provider = provider_replayed(o, &ws, &backend, &env, &check)?;
        rows.push((accounts, cases, levels(o, accounts, &provider)));
    }
    let mut md = format!(
        "# `data \"cima_cases\"`: how time and memory grow with the organization\n\n\
         Reproduce: `{cmd}` (release builds of the provider and of `replay-backend`, the real Terraform). \
         Each size is a new local AWS seeded with that many accounts × {pa} cases; the provider records once \
         through `replay-backend` (untimed), then is timed replaying: every request answered {d} ms after it \
         arrived, concurrently. Seconds are the \"read data source\" elapsed (listing included), medians of \
         {runs}; peak RSS is the largest VmHWM of the provider processes; backend CPU is `replay-backend`'s \
         in the median run.\n\n\
         | accounts | cases | `max_concurrency` | seconds, whole read | case reads alone | latency bound | \
         backend CPU s | provider peak RSS MiB |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        cmd = o.command(),
        pa = o.per_account,
        d = o.delay_ms,
        runs = o.runs,
    );
    for (accounts, cases, levels) in &rows {
        for l in levels {
            md.push_str(&format!(
                "| {accounts} | {cases} | {c} | {t:.2} | {phase} | {bound:.2} | {cpu:.2} | {rss:.1} |\n",
                c = l.concurrency,
                t = l.read_s,
                phase = l.phase_s.map_or("n/a".to_owned(), |p| format!("{p:.2}")),
                bound = l.bound_s,
                cpu = l.backend_cpu_s,
                rss = l.rss_mib,
            ));
        }
    }
    let largest = rows.iter().flat_map(|(a, _, levels)| levels.iter().map(move |l| (*a, l))).max_by_key(|(a, _)| *a);
    if let Some((accounts, _)) = largest {
        let rss = rows
            .iter()
            .filter(|(a, _, _)| *a == accounts)
            .flat_map(|(_, _, levels)| levels.iter().map(|l| l.rss_mib))
            .fold(0.0, f64::max);
        md.push_str(&format!(
            "\nPeak RSS at {accounts} accounts, every level: {rss:.1} MiB (goal ≤ 64 MiB at 1000 accounts: {}).\n",
            match (accounts >= 1000, rss <= 64.0) {
                (false, _) => "not measured here: the largest size is under 1000",
                (true, true) => "met",
                (true, false) => "**missed**",
            }
        ));
    }
    let r3 = |v: f64| (v * 1000.0).round() / 1000.0;
    let json = o.json.as_deref().map(|path| {
        let figures: Vec<serde_json::Value> = rows
            .iter()
            .flat_map(|(accounts, cases, levels)| {
                levels.iter().map(move |l| {
                    serde_json::json!({"accounts": accounts, "cases": cases, "concurrency": l.concurrency,
                        "provider_s": r3(l.read_s), "latency_bound_s": r3(l.bound_s),
                        "backend_cpu_s": r3(l.backend_cpu_s), "provider_peak_rss_mib": r3(l.rss_mib),
                        "delay_ms": o.delay_ms})
                })
            })
            .collect();
        (path, serde_json::Value::Array(figures))
    });
    crate::bench::publish("cases-scale.md", &md, json)?;
    Ok(())
}

/// Half, once and twice the chosen concurrency (16, 32 and 64 by default).
fn concurrency_levels(c: usize) -> Vec<usize> {
    let mut levels = vec![(c / 2).max(1), c, c * 2];
    levels.dedup();
    levels
}

/// One concurrency level's figures: median read seconds, the worst backend CPU share, the
/// median backend CPU, the largest peak RSS in MiB.
struct Level {
    concurrency: usize,
    read_s: f64,
    /// The case reads alone: from the "cima_cases: accounts to read" log line to the read's end.
    phase_s: Option<f64>,
    backend_cpu_s: f64,
    worst_share: f64,
    rss_mib: f64,
    bound_s: f64,
}

fn levels(o: &Opts, accounts: usize, provider: &[(usize, ProviderRun, f64)]) -> Vec<Level> {
    let calls = 1 + o.per_account.div_ceil(CASES_PER_PAGE).max(1);
    concurrency_levels(o.concurrency)
        .into_iter()
        .map(|c| {
            let runs: Vec<&(usize, ProviderRun, f64)> = provider.iter().filter(|(l, _, _)| *l == c).collect();
            let read_s = |run: &ProviderRun| run.read.map_or(run.wall, |ms| ms / 1000.0);
            Level {
                concurrency: c,
                read_s: median(runs.iter().map(|(_, run, _)| read_s(run)).collect()).unwrap_or(f64::NAN),
                phase_s: median(runs.iter().filter_map(|(_, run, _)| run.cases_phase).collect()).map(|ms| ms / 1000.0),
                backend_cpu_s: median(runs.iter().map(|(_, _, cpu)| *cpu).collect()).unwrap_or(f64::NAN),
                worst_share: runs.iter().map(|(_, run, cpu)| cpu / read_s(run)).fold(0.0, f64::max),
                rss_mib: runs.iter().map(|(_, run, _)| run.peak_rss_kib).max().unwrap_or(0) as f64 / 1024.0,
                bound_s: accounts.div_ceil(c) as f64 * calls as f64 * o.delay_ms as f64 / 1000.0,
            }
        })
        .collect()
}

fn replayed_section(o: &Opts, accounts: usize, cases: usize, r: &Replayed) -> String {
    let levels = levels(o, accounts, &r.provider);
    let main = levels.iter().find(|l| l.concurrency == o.concurrency).unwrap_or(&levels[0]);
    let goal = |met: bool| if met { "met" } else { "**missed**" };
    let share = |cpu: f64, secs: f64| {
        let s = cpu / secs;
        format!("{cpu:.2} ({:.0}% of its time; {})", s * 100.0, goal(s < MAX_BACKEND_SHARE))
    };
    let (seq_s, thr_s) = (r.seq.0.seconds + r.seq.0.list_seconds, r.thr.0.seconds + r.thr.0.list_seconds);
    let mut rows = Vec::new();
    for l in &levels {
        let at = l.concurrency == o.concurrency;
        rows.push(format!(
            concat!(
                "| provider, `max_concurrency = {c}`{mark} | {t:.2} | {phase} | {bound:.2} s: {ratio:.2}× the bound{g} | ",
                "{cpu:.2} (at most {worst:.0}% of a run's time; {gs}) | {rss:.1} |"
            ),
            c = l.concurrency,
            mark = if at { " (the goals' level)" } else { "" },
            t = l.read_s,
            bound = l.bound_s,
            ratio = l.read_s / l.bound_s,
            g = if at { format!(" (≤ 1.25×: {})", goal(l.read_s / l.bound_s <= 1.25)) } else { String::new() },
            cpu = l.backend_cpu_s,
            worst = l.worst_share * 100.0,
            gs = goal(l.worst_share < MAX_BACKEND_SHARE),
            rss = l.rss_mib,
            phase = l.phase_s.map_or("n/a".to_owned(), |p| format!("{p:.2}")),
        ));
    }
    format!(
        "# `data \"cima_cases\"` across an organization\n\n\
         Reproduce: `{cmd}` (release builds of the provider and of `replay-backend`, the real Terraform).\n\n\
         {accounts} accounts (the management account + {members} members) × {pa} cases = {cases} cases. \
         Every contender read all {cases} cases, and the provider reported no account errors.\n\n\
         ## Against a backend that is not the bottleneck\n\n\
         Each contender first ran once through `replay-backend` (cima-testkit) recording moto's answers \
         (untimed), then was timed replaying them: every request answered {d} ms after it arrived, \
         concurrently, without moto. `replay-backend` ran in its own process; its CPU during each timed \
         run must stay under {q:.0}% of that run's time. Requests replayed: {replayed}; none unanswered.\n\n\
         | contender | seconds, whole read | case reads alone | latency bound ceil({accounts}/C)·{calls}·{d} ms, \
         against the whole read | backend CPU s | provider peak RSS MiB |\n\
         | --- | --- | --- | --- | --- | --- |\n\
         {rows}\n\n\
         | baseline | seconds | the provider at {c} is faster by | goal | backend CPU s |\n\
         | --- | --- | --- | --- | --- |\n\
         | (a) boto3 sequential, the seed system's way | {seq_s:.2} | {va:.1}× | ≥ 25×: {ga} | {seq_cpu} |\n\
         | (b) boto3, {c} threads | {thr_s:.2} | {vb:.2}× | ≥ 1.5×: {gb} | {thr_cpu} |\n\n\
         The provider's seconds are its \"read data source\" elapsed (listing the organization and reading every \
         account), the median of {runs} runs per level; boto3's include its listing. Peak RSS is the largest \
         VmHWM of the provider processes in a level's runs.\n",
        cmd = o.command(),
        members = accounts - 1,
        pa = o.per_account,
        d = o.delay_ms,
        q = MAX_BACKEND_SHARE * 100.0,
        replayed = r.stats.replayed,
        calls = 1 + o.per_account.div_ceil(CASES_PER_PAGE).max(1),
        rows = rows.join("\n"),
        c = o.concurrency,
        va = seq_s / main.read_s,
        ga = goal(seq_s / main.read_s >= 25.0),
        vb = thr_s / main.read_s,
        gb = goal(thr_s / main.read_s >= 1.5),
        seq_cpu = share(r.seq.1, seq_s),
        thr_cpu = share(r.thr.1, thr_s),
        runs = o.runs,
    )
}

/// The moto report under the replayed one: its title a section, its sections one level down.
fn demoted(report: &str) -> String {
    report
        .lines()
        .map(|l| {
            if l.starts_with("# ") {
                "## Against moto itself (one Python process: what it bounds)".to_owned()
            } else if l.starts_with("## ") {
                format!("#{l}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn replayed_json(o: &Opts, accounts: usize, r: &Replayed) -> serde_json::Value {
    // Milliseconds are what the clocks resolve (CPU: 10 ms ticks).
    let r3 = |v: f64| (v * 1000.0).round() / 1000.0;
    let levels = levels(o, accounts, &r.provider);
    let main = levels.iter().find(|l| l.concurrency == o.concurrency).unwrap_or(&levels[0]);
    serde_json::json!({
        "accounts": accounts,
        "per_account": o.per_account,
        "delay_ms": o.delay_ms,
        "concurrency": o.concurrency,
        "provider_s": r3(main.read_s),
        "boto3_sequential_s": r3(r.seq.0.seconds + r.seq.0.list_seconds),
        "boto3_threads_s": r3(r.thr.0.seconds + r.thr.0.list_seconds),
        "latency_bound_s": r3(main.bound_s),
        "provider_peak_rss_mib": r3(main.rss_mib),
        "backend_cpu_s": r3(main.backend_cpu_s),
        "boto3_sequential_backend_cpu_s": r3(r.seq.1),
        "boto3_threads_backend_cpu_s": r3(r.thr.1),
        "by_concurrency": levels.iter().map(|l| serde_json::json!({
            "concurrency": l.concurrency,
            "provider_s": r3(l.read_s),
            "latency_bound_s": r3(l.bound_s),
            "backend_cpu_s": r3(l.backend_cpu_s),
            "provider_peak_rss_mib": r3(l.rss_mib),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_provider_log() {
        let log = "2025-03-04T10:00:01.300Z [INFO]  provider.terraform-provider-cima: cima_cases: accounts to read: @module=provider.terraform_provider_cima accounts=3 timestamp=2025-03-04T10:00:01.250Z
2025-03-04T10:00:01.400Z [DEBUG] provider: plugin started: path=/x pid=7
2025-03-04T10:00:01.500Z [INFO]  provider.terraform-provider-cima: read data source: @module=provider.tfplugin diagnostics=0 elapsed_ms=9 type_name=cima_org_query timestamp=2025-03-04T10:00:01.500Z
2025-03-04T10:00:02.001Z [INFO]  provider.terraform-provider-cima: read data source: @module=provider.tfplugin diagnostics=0 elapsed_ms=1234 type_name=cima_cases timestamp=2025-03-04T10:00:02.000Z
";
        let (read, phase, lines) = parse_log(log).expect("parsed");
        assert_eq!(read, Some(1234.0));
        assert!(phase.is_some_and(|p| (p - 750.0).abs() < 1e-6), "{phase:?}");
        assert_eq!(lines, 4);
        assert!(parse_log("nothing here\n").is_err());
    }

    #[test]
    fn options_default_and_reject_unknown_flags() {
        let o = Opts::parse(&[]).expect("defaults");
        assert_eq!((o.accounts, o.per_account, o.delay_ms, o.concurrency, o.runs), (200, 20, 25, 32, 3));
        assert_eq!(o.json, None);
        let with_json = Opts::parse(&["--json".into(), "out.json".into(), "--runs".into(), "1".into()]).expect("json");
        assert_eq!((with_json.json.as_deref(), with_json.runs), (Some(Path::new("out.json")), 1));
        assert_eq!(concurrency_levels(32), [16, 32, 64]);
        assert_eq!(concurrency_levels(1), [1, 2]);
        let scale = Opts::parse(&["--scale".into(), "50,200, 1000".into()]).expect("scale");
        assert_eq!(scale.scale.as_deref(), Some([50, 200, 1000].as_slice()));
        assert!(scale.command().starts_with("cargo xtask bench-cases --scale 50,200,1000 --per-account 20"));
        assert!(Opts::parse(&["--scale".into(), "50,0".into()]).is_err());
        assert!(Opts::parse(&["--scale".into(), "many".into()]).is_err());
        assert!(Opts::parse(&["--acounts".into(), "3".into()]).is_err());
        assert!(Opts::parse(&["--accounts".into()]).is_err());
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
    }
}
