//! The benchmarks' backend that is not the bottleneck: `replay-backend` (cima-testkit) in its own
//! process. Each contender runs once recording through it to the local AWS (untimed, and checked
//! like every run), then is timed replaying: the same answers moto gave, each after the injected
//! delay, concurrently and with almost no CPU. Its CPU during each timed run is reported, and
//! must stay under a quarter of that run's time for the run to judge the contender.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use cima_testkit::{REPLAY_READY_PREFIX, ReplayStats};

use crate::bench_cases::cpu_seconds;

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);
/// The share of a contender's time the backend may spend on CPU before it, not the contender,
/// could be what the time measures.
pub(crate) const MAX_BACKEND_SHARE: f64 = 0.25;

/// Builds `replay-backend` with the release profile (a debug build spends several times the
/// CPU per request) and returns its path.
pub(crate) fn build() -> Result<PathBuf> {
    let mut c = crate::cargo(&["build"]);
    c.args(["--release", "--package", "cima-testkit", "--bin", "replay-backend"]);
    crate::sh(&mut c)?;
    Ok(crate::target_dir().join("release").join("replay-backend"))
}

/// A child process printing `prefix` + its endpoint on its first stdout line once it listens.
/// Its stdin is held open: end of file is its stop signal.
pub(crate) fn spawn_ready(mut cmd: Command, prefix: &str, what: &str) -> Result<(Child, ChildStdin, String)> {
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().with_context(|| format!("starting {what}"))?;
    let stdin = child.stdin.take().context("stdin")?;
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take();
    // A reader thread, so the wait for the READY line is bounded.
    std::thread::spawn(move || {
        if let Some(line) = stdout.and_then(|s| BufReader::new(s).lines().next()) {
            let _ = tx.send(line);
        }
    });
    match rx.recv_timeout(READY_TIMEOUT) {
        Ok(Ok(line)) if line.starts_with(prefix) && line[prefix.len()..].starts_with("http://127.0.0.1:") => {
            let endpoint = line[prefix.len()..].trim().to_owned();
            Ok((child, stdin, endpoint))
        }
        other => {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{what} did not start: {other:?}")
        }
    }
}

/// Stops a child started by [`spawn_ready`]: end of file on its stdin, then SIGKILL by PID if it
/// lingers.
pub(crate) fn stop(child: &mut Child, stdin: Option<ChildStdin>) {
    drop(stdin);
    if crate::bench_cases::wait_bounded(child, Duration::from_secs(5)).is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

pub(crate) struct ReplayProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    endpoint: String,
}

impl ReplayProcess {
    /// `forward`: `X-Amz-Target` prefixes always sent to the local AWS (see cima-testkit's replay).
    pub(crate) fn start(binary: &Path, upstream: &str, delay_ms: u64, forward: &[&str]) -> Result<ReplayProcess> {
        let mut cmd = Command::new(binary);
        cmd.args(["--upstream", upstream, "--delay-ms", &delay_ms.to_string()]);
        for prefix in forward {
            cmd.args(["--forward-target", prefix]);
        }
        let (child, stdin, endpoint) = spawn_ready(cmd, REPLAY_READY_PREFIX, "replay-backend")?;
        Ok(ReplayProcess { child, stdin: Some(stdin), endpoint })
    }

    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    fn control(&self, method: &str, path: &str) -> Result<ReplayStats> {
        let url = format!("{}/_replay/{path}", self.endpoint);
        let reply = cima_testkit::http_request(method, &url, &[], b"", CONTROL_TIMEOUT)?;
        if reply.status != 200 {
            bail!("{method} {url}: HTTP {} {}", reply.status, reply.text());
        }
        serde_json::from_slice(&reply.body).with_context(|| format!("{method} {url}: {}", reply.text()))
    }

    pub(crate) fn record(&self, tape: &str) -> Result<()> {
        self.control("POST", &format!("record/{tape}")).map(drop)
    }

    pub(crate) fn replay(&self, tape: &str) -> Result<()> {
        self.control("POST", &format!("replay/{tape}")).map(drop)
    }

    pub(crate) fn stats(&self) -> Result<ReplayStats> {
        self.control("GET", "stats")
    }

    /// Runs `run` replaying `tape` and returns its result with the backend's CPU seconds
    /// meanwhile; fails when the contender asked anything the recording cannot answer.
    pub(crate) fn timed<T>(&self, tape: &str, run: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
        self.replay(tape)?;
        let missed_before = self.stats()?.missed;
        let pid = self.child.id();
        let before = cpu_seconds(pid).context("the backend's CPU time")?;
        let result = run()?;
        let cpu = cpu_seconds(pid).context("the backend's CPU time")? - before;
        let stats = self.stats()?;
        if stats.missed > missed_before {
            bail!(
                "replaying {tape}: {} requests were never recorded, first: {:?}",
                stats.missed - missed_before,
                stats.misses
            );
        }
        Ok((result, cpu))
    }
}

impl Drop for ReplayProcess {
    fn drop(&mut self) {
        stop(&mut self.child, self.stdin.take());
    }
}
