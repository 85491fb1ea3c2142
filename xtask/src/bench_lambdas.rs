//! `cargo xtask bench-lambdas`: the Lambdas as shipped (the `bootstrap` in each zip, under
//! cargo-lambda's Runtime API emulator), side by side with the seed's Python way.
//!
//! - Cold start: a fresh `bootstrap` process → its answer to the first event, against Python
//!   starting, importing boto3 and creating the enricher's four clients (what every cold Python
//!   Lambda of the seed does before it handles anything). Medians over `--runs`, and peak RSS.
//! - Zip sizes.
//! - Enricher CPU per event: the process's own CPU time (utime + stime) over `--events` real
//!   enrichments against the local AWS, so network waits and moto's work are excluded.
//!
//! Writes `bench/lambdas.md`, and with `--json FILE` the figures as JSON.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use cima_testkit::{CASE_READER_ROLE, CaseSpec, LambdaEmulator, LambdaFunction, LocalAws, OrgSpec, Venv};
use serde_json::json;

use crate::bench_cases::{cpu_seconds, median, vm_hwm_kib};
use crate::bench_replay::{MAX_BACKEND_SHARE, ReplayProcess};

const ENRICHER: &str = "case-enricher";
/// What the seed's enricher creates at import time, and ours builds once per container.
const PYTHON_COLD: &str = "import resource, boto3\n\
s = boto3.session.Session(region_name='us-east-1')\n\
clients = [s.client(n) for n in ('sts', 'support', 'events', 'organizations')]\n\
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n";

struct Opts {
    runs: usize,
    events: usize,
    accounts: usize,
    delay_ms: u64,
    concurrency: usize,
    /// Rounds of the chat-query comparison (cold, warm, baseline each); medians are reported.
    chat_rounds: usize,
    json: Option<std::path::PathBuf>,
}

pub fn run(args: &[String]) -> Result<()> {
    let num = |name: &str, default: usize| -> Result<usize> {
        crate::flag(args, name).map_or(Ok(default), |v| v.parse().with_context(|| format!("{name} must be a number")))
    };
    let o = Opts {
        runs: num("--runs", 15)?.max(1),
        events: num("--events", 100)?.max(1),
        accounts: num("--accounts", 200)?.max(1),
        delay_ms: num("--delay-ms", 25)? as u64,
        // chat-query's own default.
        concurrency: num("--concurrency", 64)?.max(1),
        chat_rounds: num("--chat-rounds", 3)?.max(1),
        json: crate::flag(args, "--json").map(std::path::PathBuf::from),
    };
    crate::setup::run()?;
    let root = cima_testkit::repo_root();
    let zips = crate::lambdas::build("x86_64")?;
    let venv = Venv::locate(&root)?;

    // Cold start, Rust: a fresh emulator per run so no earlier process holds the function's
    // long-poll; the clock runs from spawn to the answer. The event is one the enricher rejects
    // without calling AWS (a CloudTrail event), so only initialisation and one handled event
    // are timed, as on the Python side.
    let enricher = LambdaFunction::unpack(&crate::lambdas::zip_of(ENRICHER))?;
    let cloudtrail = json!({"source": "aws.support", "detail-type": "AWS API Call via CloudTrail",
        "account": "123456789012", "region": "us-east-1", "detail": {"eventName": "DescribeCases"}});
    let mut rust_ms = Vec::new();
    let mut rust_warm_ms = Vec::new();
    let mut rust_rss = Vec::new();
    // The TLS roots are read at start-up (rustls-native-certs): Debian's bundle plus its directory
    // of one file per certificate, unless SSL_CERT_FILE names one file. Both are timed, in turn.
    let bundle = Path::new(CA_BUNDLE).exists().then_some(CA_BUNDLE);
    let mut bundle_ms = Vec::new();
    for run in 0..o.runs * if bundle.is_some() { 2 } else { 1 } {
        let one_file = run % 2 == 1;
        let emulator = LambdaEmulator::start()?;
        let mut env = dummy_env("http://127.0.0.1:9");
        if let (true, Some(b)) = (one_file, bundle) {
            env.push(("SSL_CERT_FILE".into(), b.into()));
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let start = Instant::now();
        let running = emulator.run(&enricher, ENRICHER, &env)?;
        let (status, answer) = emulator.invoke(ENRICHER, &cloudtrail)?;
        let took = start.elapsed().as_secs_f64() * 1000.0;
        // The emulator answers a function error with 500 and the error's type.
        if answer.get("errorType").and_then(|t| t.as_str()) != Some("NonRetryable") {
            bail!("the enricher should reject a CloudTrail event; got {status} {answer}\n{}", running.logs());
        }
        if one_file {
            bundle_ms.push(took);
            continue;
        }
        rust_ms.push(took);
        rust_rss.push(vm_hwm_kib(running.pid()).unwrap_or(0) as f64 / 1024.0);
        // The same event to the process now running: the emulator's round trip and the handler,
        // which no start-up can go under.
        let warm = Instant::now();
        emulator.invoke(ENRICHER, &cloudtrail)?;
        rust_warm_ms.push(warm.elapsed().as_secs_f64() * 1000.0);
    }
    // What starting any process costs here: spawning `true` and waiting for it.
    let mut spawn_ms = Vec::new();
    for _ in 0..o.runs {
        let start = Instant::now();
        Command::new("true").status()?;
        spawn_ms.push(start.elapsed().as_secs_f64() * 1000.0);
    }

    let mut py_ms = Vec::new();
    let mut py_rss = Vec::new();
    for _ in 0..o.runs {
        let start = Instant::now();
        let out = Command::new(venv.python())
            .args(["-c", PYTHON_COLD])
            .env("AWS_ACCESS_KEY_ID", "x")
            .env("AWS_SECRET_ACCESS_KEY", "x")
            .output()?;
        py_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        if !out.status.success() {
            bail!("python baseline failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        py_rss.push(String::from_utf8_lossy(&out.stdout).trim().parse::<f64>().unwrap_or(0.0) / 1024.0);
    }

    // CPU per enrichment against the local AWS.
    let aws = LocalAws::start()?;
    let org = aws.seed_org(&OrgSpec { accounts: 4, seed: 5, suspended: 0 })?;
    let per_account = o.events.div_ceil(4);
    let cases = aws.seed_cases(&CaseSpec { seed: 5, per_account, ..Default::default() })?;
    let events: Vec<serde_json::Value> = cases
        .cases()
        .take(o.events)
        .map(|c| {
            json!({"version": "0", "id": format!("bench-{}", c.case_id), "source": "aws.support",
                "detail-type": "Support Case Update", "account": c.account_id, "region": "us-east-1",
                "time": c.time_created, "resources": [],
                "detail": {"case-id": c.case_id, "display-id": c.display_id, "communication-id": "",
                    "event-name": "CreateCase", "origin": "CUSTOMER"}})
        })
        .collect();
    let emulator = LambdaEmulator::start()?;
    let mut env = dummy_env(aws.endpoint());
    env.push(("CASE_READER_ROLE_NAME".into(), CASE_READER_ROLE.into()));
    env.push(("CENTRAL_BUS_NAME".into(), "default".into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let running = emulator.run(&enricher, ENRICHER, &env)?;
    // The first event warms the process (client set-up, first TLS-free connection); not counted.
    let (status, answer) = emulator.invoke(ENRICHER, &events[0])?;
    if status != 200 || answer.get("errorType").is_some() {
        bail!("warm-up enrichment failed: {status} {answer}\n{}", running.logs());
    }
    let cpu_before = cpu_seconds(running.pid()).context("reading the enricher's CPU time")?;
    let wall = Instant::now();
    for event in &events {
        let (status, answer) = emulator.invoke(ENRICHER, event)?;
        if status != 200 || answer.get("errorType").is_some() {
            bail!("enrichment failed: {status} {answer}\n{}", running.logs());
        }
    }
    let wall_ms = wall.elapsed().as_secs_f64() * 1000.0 / events.len() as f64;
    let cpu_ms = (cpu_seconds(running.pid()).context("reading the enricher's CPU time")? - cpu_before) * 1000.0
        / events.len() as f64;
    drop(running);
    drop(emulator);
    drop(aws);
    let _ = org;
    let chat = chat_vs_orchestrator(&o, &venv)?;

    let sizes: Vec<(String, u64)> = zips
        .iter()
        .map(|z| Ok((z.strip_prefix(&root).unwrap_or(z).display().to_string(), fs::metadata(z)?.len())))
        .collect::<Result<_>>()?;
    let (rm, pm) = (median(rust_ms).unwrap_or(0.0), median(py_ms).unwrap_or(0.0));
    let (warm_ms, spawn_ms) = (median(rust_warm_ms).unwrap_or(0.0), median(spawn_ms).unwrap_or(0.0));
    let bundle_ms = median(bundle_ms);
    let (rr, pr) = (median(rust_rss).unwrap_or(0.0), median(py_rss).unwrap_or(0.0));
    let mut md = String::new();
    writeln!(md, "# Lambdas as shipped: cold start, size, CPU per event\n")?;
    writeln!(
        md,
        "`cargo xtask bench-lambdas --runs {} --events {} --accounts {} --delay-ms {} --concurrency {} \
         --chat-rounds {} [--json FILE]` on this 2-core machine; the `bootstrap` of each zip built by `cargo xtask \
         lambdas` (profile lambda-release), run under cargo-lambda's Runtime API emulator.\n",
        o.runs, o.events, o.accounts, o.delay_ms, o.concurrency, o.chat_rounds
    )?;
    writeln!(md, "| measure | case-enricher (Rust) | Python + boto3 (the seed's way) | ratio | goal |")?;
    writeln!(md, "| --- | --- | --- | --- | --- |")?;
    writeln!(
        md,
        "| cold start → first event handled, median of {} | {rm:.1} ms | {pm:.1} ms (start, import boto3, 4 clients; no event yet) | {:.1}× faster | ≥ 50× {} |",
        o.runs,
        pm / rm,
        if pm / rm >= 50.0 { "met" } else { "missed" }
    )?;
    writeln!(
        md,
        "| · of which the same event again to the running process (the emulator's round trip and the handler) | {warm_ms:.1} ms | | | |"
    )?;
    writeln!(md, "| · of which starting any process here (`true`, spawn to exit) | {spawn_ms:.1} ms | | | |")?;
    writeln!(
        md,
        "| · the rest: loading the binary, the runtime's start-up and first poll, the clients | {:.1} ms | | | |",
        (rm - warm_ms - spawn_ms).max(0.0)
    )?;
    if let Some(b) = bundle_ms {
        writeln!(
            md,
            "| the same cold start with `SSL_CERT_FILE={CA_BUNDLE}`: the TLS roots read from that one file, not also from the directory's {} files | {b:.1} ms | | {:.1}× faster | |",
            Path::new(CA_BUNDLE).parent().and_then(|d| fs::read_dir(d).ok()).map_or(0, Iterator::count),
            pm / b
        )?;
    }
    writeln!(md, "| peak RSS | {rr:.1} MiB | {pr:.1} MiB | | |")?;
    writeln!(
        md,
        "| CPU time per enrichment (own process; network and moto excluded), {} events | {cpu_ms:.2} ms | | | |",
        events.len()
    )?;
    writeln!(md, "| wall time per enrichment against moto (8+ calls each) | {wall_ms:.1} ms | | | |\n")?;
    writeln!(md, "| zip | size | goal |\n| --- | --- | --- |")?;
    for (zip, size) in &sizes {
        let mib = *size as f64 / 1_048_576.0;
        writeln!(md, "| `{}` | {mib:.2} MiB | ≤ 8 MB {} |", zip, if *size <= 8_000_000 { "met" } else { "missed" })?;
    }
    writeln!(
        md,
        "\n## chat-query over {} accounts vs the seed's sequential orchestrator\n\n\
         \"how many running ec2 instances\" through `localaws.latency_proxy` adding {} ms to every \
         request; chat-query's `MAX_CONCURRENCY` {}; the baseline is `bench/chat_boto3.py` (list the \
         ACTIVE accounts, then per account AssumeRole and DescribeInstances, one account after the \
         other, as the seed's orchestrator does). Medians of {} rounds; each round is a new \
         container's first question, the same question again, then the baseline. Before the rounds \
         the baseline runs once unmeasured, so moto's one-off per-account EC2 set-up is charged to \
         no contender. Calls and moto CPU come from the server's request log.\n",
        o.accounts, o.delay_ms, o.concurrency, o.chat_rounds
    )?;
    let rtt = o.delay_ms as f64 / 1000.0;
    // The fan-out's latency floor: waves of C accounts, two calls (AssumeRole, DescribeInstances) each.
    let bound_s = (chat.answered as f64 / o.concurrency as f64).ceil() * 2.0 * rtt;
    let python_floor_s = chat.python_calls as f64 * rtt;
    writeln!(
        md,
        "| contender | seconds | AWS calls | moto CPU s | instances | accounts answered | chat-query faster by | goal |"
    )?;
    writeln!(md, "| --- | --- | --- | --- | --- | --- | --- | --- |")?;
    writeln!(
        md,
        "| chat-query, cold container (starts, lists the organization, assumes every role) | {:.2} | {} | {:.2} | {} | {} | {:.1}× | judged replayed, below |",
        chat.cold_s,
        chat.cold_calls,
        chat.moto_cpu_cold,
        chat.instances,
        chat.answered,
        chat.python_s / chat.cold_s,
    )?;
    writeln!(
        md,
        "| chat-query, warm (same question again; credentials kept) | {:.2} | {} | {:.2} | {} | {} | {:.1}× | |",
        chat.warm_s,
        chat.warm_calls,
        chat.moto_cpu_warm,
        chat.instances,
        chat.answered,
        chat.python_s / chat.warm_s
    )?;
    writeln!(
        md,
        "| boto3, sequential (the seed's way) | {:.2} | {} | {:.2} | {} | {} | | |",
        chat.python_s, chat.python_calls, chat.moto_cpu_python, chat.python_instances, chat.python_accounts
    )?;
    writeln!(
        md,
        "\nLatency floors at {} ms per call: the baseline's {} calls one after another, {:.2} s; chat-query's \
         fan-out, ⌈{}/{}⌉ waves × 2 calls, {:.2} s (plus the organization walk's few sequential calls): \
         {:.0}× apart. On this machine the floor that binds chat-query is the server's: moto handles one \
         request at a time under Python's GIL, so the {:.2} s of moto CPU its calls need cannot overlap, \
         and chat-query's time tracks that figure, not the latency. Against AWS, whose services answer \
         accounts in parallel, the latency floor is the one that applies.",
        o.delay_ms,
        chat.python_calls,
        python_floor_s,
        chat.answered,
        o.concurrency,
        bound_s,
        python_floor_s / bound_s,
        chat.moto_cpu_cold,
    )?;
    let [(rc, rc_cpu), (rw, rw_cpu), (rp, rp_cpu)] = chat.replayed;
    let share = |cpu: f64, secs: f64| {
        format!(
            "{cpu:.2} ({:.0}%: {})",
            cpu / secs * 100.0,
            if cpu / secs < MAX_BACKEND_SHARE { "met" } else { "**missed**" }
        )
    };
    writeln!(
        md,
        "\n### The same against a backend that is not the bottleneck\n\n\
         Each contender recorded once through `replay-backend` (untimed), then timed replaying moto's answers, \
         each {} ms after its request arrived, concurrently; chat-query's history writes ({} while replaying) \
         still went to moto. The backend's CPU must stay under {:.0}% of each run's time.\n\n\
         | contender | seconds | backend CPU s | chat-query faster by | goal |\n| --- | --- | --- | --- | --- |\n\
         | chat-query, cold container | {rc:.2} | {} | {:.1}× | ≥ 25× {} |\n\
         | chat-query, warm | {rw:.2} | {} | {:.1}× | |\n\
         | boto3, sequential (the seed's way) | {rp:.2} | {} | | |",
        o.delay_ms,
        chat.forwarded,
        MAX_BACKEND_SHARE * 100.0,
        share(rc_cpu, rc),
        rp / rc,
        if rp / rc >= 25.0 { "met" } else { "**missed**" },
        share(rw_cpu, rw),
        rp / rw,
        share(rp_cpu, rp),
    )?;
    writeln!(
        md,
        "\nMethod: the Rust clock runs from spawning `bootstrap` to the emulator's answer to an \
         invocation sent right after the spawn (the runtime's first poll, the handler, the response), \
         with a CloudTrail-shaped event the enricher rejects without calling AWS. The Python clock \
         runs from spawning `python3 -c` to its exit after importing boto3 and creating the STS, \
         Support, EventBridge and Organizations clients, before any event: a lower bound of the \
         seed's cold start. CPU per enrichment reads /proc/<pid>/stat of the running `bootstrap` \
         before and after the events; each enrichment assumes the reader role (cached after the \
         first per account), DescribeCases, DescribeCommunications and PutEvents."
    )?;
    let figures = o.json.as_deref().map(|path| {
        let figures = json!({
            "chat_cold_s": chat.replayed[0].0,
            "chat_warm_s": chat.replayed[1].0,
            "chat_seed_sequential_s": chat.replayed[2].0,
            "chat_backend_cpu_s": [chat.replayed[0].1, chat.replayed[1].1, chat.replayed[2].1],
            "chat_cold_moto_s": chat.cold_s,
            "chat_warm_moto_s": chat.warm_s,
            "chat_seed_sequential_moto_s": chat.python_s,
            "chat_accounts": chat.answered,
            "chat_concurrency": o.concurrency,
            "delay_ms": o.delay_ms,
            "enricher_cold_ms": rm,
            "enricher_warm_invoke_ms": warm_ms,
            "enricher_cold_one_ca_file_ms": bundle_ms,
            "spawn_floor_ms": spawn_ms,
            "python_cold_ms": pm,
            "enricher_peak_rss_mib": rr,
            "python_peak_rss_mib": pr,
            "enricher_cpu_ms_per_event": cpu_ms,
            "zips": sizes.iter().map(|(zip, size)| json!({"path": zip, "bytes": size})).collect::<Vec<_>>(),
        });
        (path, figures)
    });
    crate::bench::publish("lambdas.md", &md, figures)?;
    Ok(())
}

struct ChatBench {
    cold_s: f64,
    warm_s: f64,
    instances: u64,
    answered: usize,
    python_s: f64,
    python_instances: u64,
    python_accounts: u64,
    moto_cpu_cold: f64,
    moto_cpu_warm: f64,
    moto_cpu_python: f64,
    cold_calls: usize,
    warm_calls: usize,
    python_calls: usize,
    /// The same three against replay-backend: seconds and its CPU seconds, medians.
    replayed: [(f64, f64); 3],
    /// History writes sent on to moto while replaying (their bodies are new every time).
    forwarded: usize,
}

/// chat-query (the packaged bootstrap, under the emulator) against `bench/chat_boto3.py`, both
/// through the latency proxy, over a seeded organization.
fn chat_vs_orchestrator(o: &Opts, venv: &Venv) -> Result<ChatBench> {
    const CHAT: &str = "chat-query";
    const TABLE: &str = "cima-chat-history";
    let root = cima_testkit::repo_root();
    let log = root.join("target/bench-lambdas-requests.tsv");
    let aws = LocalAws::start_with_request_log(&root, &log)?;
    let org = aws.seed_org(&OrgSpec { accounts: o.accounts, seed: 9, suspended: 0 })?;
    // The read-only role in every account (no cases), instances in a few.
    aws.seed_cases(&CaseSpec {
        seed: 9,
        per_account: 0,
        role_name: Some(cima_testkit::CHAT_QUERY_ROLE.into()),
        ..Default::default()
    })?;
    let some: Vec<String> =
        org.accounts.iter().filter(|a| a.status == "ACTIVE").take(10).map(|a| a.id.clone()).collect();
    cima_testkit::seed_resources(
        &aws,
        &cima_testkit::ResourceSpec { seed: 9, accounts: Some(some), ..Default::default() },
    )?;
    let table = json!({"TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "userId", "AttributeType": "S"}, {"AttributeName": "timestamp", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}, {"AttributeName": "timestamp", "KeyType": "RANGE"}]});
    aws.tool("call", &[("service", "dynamodb"), ("op", "create_table"), ("params", &table.to_string())])?;
    let proxy = crate::bench_cases::LatencyProxy::start(venv, &root, aws.endpoint(), o.delay_ms)?;
    let baseline = |endpoint: &str| -> Result<serde_json::Value> {
        let mut cmd = Command::new(venv.python());
        cmd.current_dir(&root).args(["bench/chat_boto3.py", "--endpoint", endpoint]);
        for (k, v) in dummy_env(endpoint) {
            cmd.env(k, v);
        }
        let out = cmd.output()?;
        serde_json::from_slice(&out.stdout)
            .with_context(|| format!("bench/chat_boto3.py printed no JSON: {}", String::from_utf8_lossy(&out.stderr)))
    };
    // Warm-up, not measured: moto builds an account's EC2 state (default VPC, AMI catalogue) on
    // that account's first EC2 call, ~55 ms of its CPU each. Whichever contender ran first would
    // pay it for all 200 accounts; real AWS has no such cost.
    baseline(aws.endpoint())?;
    // The server's own account of each contender's calls and CPU, from its request log.
    let served_since = |from: usize| -> Result<(usize, usize, f64)> {
        let all = aws.requests()?;
        let part = &all[from.min(all.len())..];
        Ok((all.len(), part.len(), part.iter().map(|r| r.cpu_ms).sum::<f64>() / 1000.0))
    };
    let (mut mark, _, _) = served_since(0)?;

    let chat = LambdaFunction::unpack(&crate::lambdas::zip_of(CHAT))?;
    let emulator = LambdaEmulator::start()?;
    let mut env = dummy_env(proxy.endpoint());
    let concurrency = o.concurrency.to_string();
    env.push(("HISTORY_TABLE_NAME".into(), TABLE.into()));
    env.push(("MAX_CONCURRENCY".into(), concurrency));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let question = json!({
        "version": "2.0", "routeKey": "POST /query", "rawPath": "/query", "rawQueryString": "",
        "headers": {"content-type": "application/json"}, "isBase64Encoded": false,
        "body": json!({"query": "how many running ec2 instances"}).to_string(),
        "requestContext": {"accountId": "123456789012", "apiId": "bench", "stage": "$default", "requestId": "bench",
            "routeKey": "POST /query", "time": "23/Nov/2026:18:30:00 +0000", "timeEpoch": 1795458600000i64,
            "http": {"method": "POST", "path": "/query", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "bench"},
            "authorizer": {"jwt": {"claims": {"sub": "bench-user"}, "scopes": null}}}
    });
    let ask = |running: &cima_testkit::RunningFunction| -> Result<(f64, serde_json::Value)> {
        let start = Instant::now();
        let (status, answer) = emulator.invoke(CHAT, &question)?;
        let seconds = start.elapsed().as_secs_f64();
        if status != 200 || answer["statusCode"] != 200 {
            bail!("chat-query failed: {status} {answer}\n{}", running.logs());
        }
        let body: serde_json::Value = serde_json::from_str(answer["body"].as_str().unwrap_or("{}"))?;
        Ok((seconds, body))
    };
    // Each round: a new container's first question (cold), the same question again (warm), then
    // the baseline; every figure is the median over the rounds.
    let (mut cold, mut warm, mut python) = (Rounds::default(), Rounds::default(), Rounds::default());
    let mut instances = 0;
    let mut answered = 0;
    let mut py = serde_json::Value::Null;
    for _ in 0..o.chat_rounds {
        let start = Instant::now();
        let running = emulator.run(&chat, CHAT, &env)?;
        let (_, body) = ask(&running)?;
        let seconds = start.elapsed().as_secs_f64();
        let (next, calls, cpu) = served_since(mark)?;
        cold.push(seconds, calls, cpu);
        mark = next;
        let (seconds, _) = ask(&running)?;
        let (next, calls, cpu) = served_since(mark)?;
        warm.push(seconds, calls, cpu);
        mark = next;
        if body["account_errors"].as_array().is_some_and(|e| !e.is_empty()) {
            bail!("chat-query reported account errors: {}", body["account_errors"]);
        }
        let results = body["results"].as_object().cloned().unwrap_or_default();
        instances = results
            .values()
            .flat_map(|items| items.as_array().cloned().unwrap_or_default())
            .filter_map(|i| i["count"].as_u64())
            .sum();
        answered = results.len();
        drop(running);

        py = baseline(proxy.endpoint())?;
        let (next, calls, cpu) = served_since(mark)?;
        python.push(py["seconds"].as_f64().unwrap_or(0.0), calls, cpu);
        mark = next;
        if py["instances"].as_u64() != Some(instances) {
            bail!("the contenders disagree: chat-query counted {instances} instances, the baseline {}", py);
        }
    }
    let replayed = chat_replayed(o, &aws, &emulator, &chat, &ask, &baseline, instances)?;
    Ok(ChatBench {
        replayed: replayed.0,
        forwarded: replayed.1,
        cold_s: cold.seconds(),
        warm_s: warm.seconds(),
        instances,
        answered,
        python_s: python.seconds(),
        python_instances: py["instances"].as_u64().unwrap_or(0),
        python_accounts: py["accounts"].as_u64().unwrap_or(0),
        moto_cpu_cold: cold.cpu(),
        moto_cpu_warm: warm.cpu(),
        moto_cpu_python: python.cpu(),
        cold_calls: cold.calls(),
        warm_calls: warm.calls(),
        python_calls: python.calls(),
    })
}

/// The chat rounds again against replay-backend: each contender recorded once through moto
/// (untimed), then timed replaying; chat-query's history writes still reach moto. Returns
/// (seconds, backend CPU) medians for cold, warm and the baseline, and the writes forwarded.
fn chat_replayed(
    o: &Opts,
    aws: &LocalAws,
    emulator: &LambdaEmulator,
    chat: &LambdaFunction,
    ask: &dyn Fn(&cima_testkit::RunningFunction) -> Result<(f64, serde_json::Value)>,
    baseline: &dyn Fn(&str) -> Result<serde_json::Value>,
    instances: u64,
) -> Result<([(f64, f64); 3], usize)> {
    let backend =
        ReplayProcess::start(&crate::bench_replay::build()?, aws.endpoint(), o.delay_ms, &["DynamoDB_20120810."])?;
    let mut env = dummy_env(backend.endpoint());
    env.push(("HISTORY_TABLE_NAME".into(), "cima-chat-history".into()));
    env.push(("MAX_CONCURRENCY".into(), o.concurrency.to_string()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let counted = |body: &serde_json::Value| -> Result<()> {
        let n: u64 = body["results"]
            .as_object()
            .into_iter()
            .flat_map(|r| r.values())
            .flat_map(|items| items.as_array().cloned().unwrap_or_default())
            .filter_map(|i| i["count"].as_u64())
            .sum();
        if n != instances || body["account_errors"].as_array().is_some_and(|e| !e.is_empty()) {
            bail!("replayed, chat-query counted {n} instances (moto: {instances}): {}", body["account_errors"]);
        }
        Ok(())
    };
    eprintln!("xtask: recording chat-query and the baseline through the replay backend (not timed)");
    backend.record("chat")?;
    {
        let running = emulator.run(chat, "chat-query", &env)?;
        counted(&ask(&running)?.1)?;
        counted(&ask(&running)?.1)?;
    }
    backend.record("baseline")?;
    baseline(backend.endpoint())?;
    let (mut cold, mut warm, mut python) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..o.chat_rounds {
        eprintln!("xtask: chat round {} of {}, replayed", round + 1, o.chat_rounds);
        let ((running, seconds), cpu) = backend.timed("chat", || {
            let start = Instant::now();
            let running = emulator.run(chat, "chat-query", &env)?;
            let (_, body) = ask(&running)?;
            counted(&body)?;
            Ok((running, start.elapsed().as_secs_f64()))
        })?;
        cold.push((seconds, cpu));
        let ((seconds, body), cpu) = backend.timed("chat", || ask(&running))?;
        counted(&body)?;
        warm.push((seconds, cpu));
        drop(running);
        let (py, cpu) = backend.timed("baseline", || baseline(backend.endpoint()))?;
        if py["instances"].as_u64() != Some(instances) {
            bail!("replayed, the baseline counted {py}, chat-query {instances} instances");
        }
        python.push((py["seconds"].as_f64().unwrap_or(f64::NAN), cpu));
    }
    let medians = |v: &[(f64, f64)]| {
        (
            median(v.iter().map(|x| x.0).collect()).unwrap_or(f64::NAN),
            median(v.iter().map(|x| x.1).collect()).unwrap_or(f64::NAN),
        )
    };
    Ok(([medians(&cold), medians(&warm), medians(&python)], backend.stats()?.forwarded))
}

/// One contender's figures over the rounds.
#[derive(Default)]
struct Rounds {
    seconds: Vec<f64>,
    calls: Vec<f64>,
    cpu: Vec<f64>,
}

impl Rounds {
    fn push(&mut self, seconds: f64, calls: usize, cpu: f64) {
        self.seconds.push(seconds);
        self.calls.push(calls as f64);
        self.cpu.push(cpu);
    }
    fn seconds(&self) -> f64 {
        median(self.seconds.clone()).unwrap_or(0.0)
    }
    fn calls(&self) -> usize {
        median(self.calls.clone()).unwrap_or(0.0) as usize
    }
    fn cpu(&self) -> f64 {
        median(self.cpu.clone()).unwrap_or(0.0)
    }
}

/// Lambda-like credentials and region; the endpoint is the local AWS (or a closed port when the
/// run must not call AWS at all).
/// Debian's bundle of the TLS roots (`update-ca-certificates` writes it from the directory).
const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

fn dummy_env(endpoint: &str) -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", cima_testkit::TEST_KEY),
        ("AWS_SECRET_ACCESS_KEY", cima_testkit::TEST_KEY),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("RUST_LOG", "warn"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}
