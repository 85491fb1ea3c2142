//! `localaws.fault_proxy` in front of a [`LocalAws`]: a share of the AWS calls of chosen services
//! answered with throttling errors, 500s, 503s, connection resets or answers slower than the
//! client's attempt timeout, and counters that say what was injected. A child process bound to
//! 127.0.0.1, stopped by its PID when dropped.
//!
//! ```no_run
//! use cima_testkit::{FaultProxy, FaultSpec, LocalAws};
//! # fn main() -> cima_testkit::Result<()> {
//! let aws = LocalAws::start()?;
//! let proxy = FaultProxy::start(&aws, &FaultSpec { share: 0.3, ..FaultSpec::default() })?;
//! // Point a client at proxy.aws_env() instead of aws.aws_env(), run it, then:
//! let stats = proxy.stats()?;
//! assert!(stats.injected() > 0);
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::io::{BufRead as _, BufReader};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use serde::Deserialize;

use crate::error::{Error, Result, io};
use crate::localaws::{LocalAws, aws_env_for};

const READY_PREFIX: &str = "FAULT_PROXY_READY ";
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_GRACE: Duration = Duration::from_secs(5);
const STATS_TIMEOUT: Duration = Duration::from_secs(10);
const STDERR_LINES: usize = 100;

/// One kind of fault the proxy answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// The service's own throttling error (ThrottlingException, Throttling, TooManyRequestsException…).
    Throttle,
    /// HTTP 500, InternalFailure.
    Internal,
    /// HTTP 503, ServiceUnavailable.
    Unavailable,
    /// The connection is reset without an answer.
    Reset,
    /// The request reaches the server; its answer is held back [`FaultSpec::slow`].
    Slow,
}

impl FaultKind {
    pub const ALL: [FaultKind; 5] =
        [FaultKind::Throttle, FaultKind::Internal, FaultKind::Unavailable, FaultKind::Reset, FaultKind::Slow];

    /// The name the proxy uses (flags and counters).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Throttle => "throttle",
            FaultKind::Internal => "500",
            FaultKind::Unavailable => "503",
            FaultKind::Reset => "reset",
            FaultKind::Slow => "slow",
        }
    }
}

/// What [`FaultProxy::start`] injects.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Share (0 to 1) of each chosen service's requests answered with a fault.
    pub share: f64,
    /// SigV4 service names (`support`, `events`, `iam`, `sts`, …); empty: every service.
    pub services: Vec<String>,
    /// Kinds and their weights in the mix; empty: every kind, equally.
    pub kinds: Vec<(FaultKind, f64)>,
    /// Seeds each service's random generator: the same requests in the same order get the same
    /// faults.
    pub seed: u64,
    /// How long a [`FaultKind::Slow`] answer is held back: beyond the client's attempt timeout.
    pub slow: Duration,
    /// Accounts whose every request is throttled (they exhaust their retries).
    pub fail_accounts: Vec<String>,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            share: 0.3,
            services: Vec::new(),
            kinds: Vec::new(),
            seed: 0,
            slow: Duration::from_secs(15),
            fail_accounts: Vec::new(),
        }
    }
}

impl FaultSpec {
    /// The proxy's command-line arguments (after `--target`).
    fn args(&self) -> Vec<String> {
        let mut args = vec![
            "--share".to_owned(),
            self.share.to_string(),
            "--seed".to_owned(),
            self.seed.to_string(),
            "--slow-ms".to_owned(),
            self.slow.as_millis().to_string(),
            "--services".to_owned(),
            if self.services.is_empty() { "all".to_owned() } else { self.services.join(",") },
        ];
        if !self.kinds.is_empty() {
            let kinds: Vec<String> = self.kinds.iter().map(|(k, w)| format!("{}={w}", k.name())).collect();
            args.extend(["--kinds".to_owned(), kinds.join(",")]);
        }
        for account in &self.fail_accounts {
            args.extend(["--fail-account".to_owned(), account.clone()]);
        }
        args
    }
}

/// The proxy's counters (`GET /_faultproxy/stats`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FaultStats {
    /// Every AWS request seen (control requests excluded).
    pub requests: u64,
    /// Requests that reached the server (slow ones included).
    pub forwarded: u64,
    /// Requests a client marked as a retry (`amz-sdk-request: attempt=N`, N > 1).
    pub retries: u64,
    /// Faults by kind name (`throttle`, `500`, `503`, `reset`, `slow`).
    pub faults: BTreeMap<String, u64>,
    /// Requests throttled because their account is in [`FaultSpec::fail_accounts`].
    pub forced: u64,
    pub by_service: BTreeMap<String, ServiceStats>,
    /// Faults answered to a client's last attempt (at most the first 1000).
    pub exhausted: Vec<Exhausted>,
    pub exhausted_total: u64,
    /// Slow answers nobody waited for: the client had closed the connection (its attempt timed
    /// out) by the time the answer was due.
    pub abandoned: u64,
    /// Slow answers delivered to a client still waiting for them: it has no attempt timeout
    /// shorter than [`FaultSpec::slow`].
    pub waited: u64,
    /// Requests the proxy could not parse (answered 400).
    pub malformed: u64,
    /// Requests the server did not answer properly.
    pub upstream_errors: u64,
}

/// The counters of one service.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ServiceStats {
    pub requests: u64,
    pub forwarded: u64,
    pub retries: u64,
    pub faults: BTreeMap<String, u64>,
}

/// A call whose last attempt got a fault: the client gave up on it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Exhausted {
    pub service: Option<String>,
    pub operation: String,
    /// The account the call was for, when the proxy knows it (an AssumeRole's role, or keys an
    /// AssumeRole through the proxy returned).
    pub account: Option<String>,
    pub attempt: u32,
    pub kind: String,
}

impl FaultStats {
    /// Faults injected, every kind.
    pub fn injected(&self) -> u64 {
        self.faults.values().sum()
    }

    /// Faults of one kind.
    pub fn of(&self, kind: FaultKind) -> u64 {
        self.faults.get(kind.name()).copied().unwrap_or(0)
    }

    /// The accounts with at least one call that exhausted its attempts.
    pub fn exhausted_accounts(&self) -> BTreeSet<String> {
        self.exhausted.iter().filter_map(|e| e.account.clone()).collect()
    }

    /// One line for a test's report: requests, faults by kind, retries, exhausted calls.
    pub fn summary(&self) -> String {
        let kinds: Vec<String> = FaultKind::ALL.iter().map(|k| format!("{} {}", k.name(), self.of(*k))).collect();
        format!(
            "{} requests, {} faults ({}), {} retries, {} slow answers abandoned at the attempt timeout, {} calls \
             exhausted their attempts",
            self.requests,
            self.injected(),
            kinds.join(", "),
            self.retries,
            self.abandoned,
            self.exhausted_total
        )
    }
}

/// A running fault proxy; dropping it stops the process (end of stdin, SIGTERM, then SIGKILL)
/// and reaps it.
#[derive(Debug)]
pub struct FaultProxy {
    child: Child,
    /// Held open: the proxy exits when it reads end of file, so it cannot outlive us.
    stdin: Option<ChildStdin>,
    endpoint: String,
    stderr: Arc<Mutex<VecDeque<String>>>,
    stderr_done: mpsc::Receiver<()>,
}

impl FaultProxy {
    /// Starts `python -m localaws.fault_proxy` in front of `aws` and waits (bounded) for its
    /// READY line.
    pub fn start(aws: &LocalAws, spec: &FaultSpec) -> Result<FaultProxy> {
        let mut cmd = aws.python_command();
        cmd.args(["-m", "localaws.fault_proxy", "--target", aws.endpoint(), "--port", "0"]).args(spec.args());
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(io("cannot start localaws.fault_proxy"))?;
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
            thread::spawn(move || {
                let mut lines = BufReader::new(pipe).lines().map_while(Result::ok);
                if let Some(first) = lines.next() {
                    let _ = tx.send(first);
                }
                lines.for_each(drop);
            });
        }
        let mut proxy = FaultProxy { stdin: child.stdin.take(), child, endpoint: String::new(), stderr, stderr_done };
        let line = match rx.recv_timeout(READY_TIMEOUT) {
            Ok(line) => line,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                return Err(proxy.start_error(format!("no READY line within {} s", READY_TIMEOUT.as_secs())));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(proxy.start_error("it exited before it was ready".into()));
            }
        };
        match line.strip_prefix(READY_PREFIX) {
            Some(endpoint) if endpoint.starts_with("http://127.0.0.1:") => {
                proxy.endpoint = endpoint.trim().to_owned();
                Ok(proxy)
            }
            _ => Err(proxy.start_error(format!("unexpected first line {line:?}"))),
        }
    }

    fn start_error(mut self, reason: String) -> Error {
        self.shutdown();
        // The last lines (often a Python traceback) may still be on their way.
        let _ = self.stderr_done.recv_timeout(Duration::from_secs(2));
        Error::LocalAwsStart { reason: format!("localaws.fault_proxy: {reason}"), stderr: self.stderr_tail() }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The proxy's process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// [`LocalAws::aws_env`], pointing at the proxy.
    pub fn aws_env(&self) -> Vec<(String, String)> {
        aws_env_for(&self.endpoint)
    }

    /// The counters so far.
    pub fn stats(&self) -> Result<FaultStats> {
        let url = format!("{}/_faultproxy/stats", self.endpoint);
        let reply = crate::http::request("GET", &url, &[], b"", STATS_TIMEOUT)?;
        if reply.status != 200 {
            return Err(Error::Http { url, detail: format!("status {}: {}", reply.status, reply.text()) });
        }
        serde_json::from_slice(&reply.body).map_err(|source| Error::Json { what: "fault proxy stats".into(), source })
    }

    /// The last lines the proxy wrote to stderr, for failure messages.
    pub fn stderr_tail(&self) -> String {
        let lines = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        lines.iter().map(String::as_str).collect::<Vec<_>>().join("\n")
    }

    fn shutdown(&mut self) {
        // End of file on stdin already asks the proxy to stop; SIGTERM and SIGKILL follow.
        drop(self.stdin.take());
        crate::process::stop(&mut self.child, STOP_GRACE);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_becomes_the_proxys_flags() {
        let spec = FaultSpec {
            share: 0.25,
            services: vec!["support".into(), "sts".into()],
            kinds: vec![(FaultKind::Throttle, 2.0), (FaultKind::Reset, 1.0)],
            seed: 9,
            slow: Duration::from_millis(1500),
            fail_accounts: vec!["111122223333".into()],
        };
        assert_eq!(
            spec.args().join(" "),
            "--share 0.25 --seed 9 --slow-ms 1500 --services support,sts --kinds throttle=2,reset=1 \
             --fail-account 111122223333"
        );
        assert!(FaultSpec::default().args().join(" ").contains("--services all"));
    }

    #[test]
    fn stats_read_as_the_proxy_writes_them() {
        let text = r#"{"share": 0.3, "requests": 10, "forwarded": 7, "retries": 3, "forced": 0,
            "faults": {"throttle": 1, "500": 1, "503": 0, "reset": 1, "slow": 0},
            "by_service": {"sts": {"requests": 10, "forwarded": 7, "retries": 3, "faults": {"throttle": 1}}},
            "exhausted": [{"service": "sts", "operation": "AssumeRole", "account": "111122223333",
                           "attempt": 6, "kind": "throttle"}],
            "exhausted_total": 1, "abandoned": 0, "waited": 0, "malformed": 0, "upstream_errors": 0}"#;
        let stats: FaultStats = serde_json::from_str(text).expect("stats");
        assert_eq!((stats.injected(), stats.of(FaultKind::Reset)), (3, 1));
        assert_eq!(stats.exhausted_accounts(), BTreeSet::from(["111122223333".to_owned()]));
        assert_eq!(
            stats.summary(),
            "10 requests, 3 faults (throttle 1, 500 1, 503 0, reset 1, slow 0), 3 retries, 0 slow answers abandoned \
             at the attempt timeout, 1 calls exhausted their attempts"
        );
    }
}
