//! Child processes with bounded lifetimes: every wait here has a deadline.

use std::io::Read;
use std::os::unix::process::CommandExt as _;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result, io};

const POLL: Duration = Duration::from_millis(20);
/// How long to wait for the output pipes to close once the process has exited; a grandchild
/// that inherited them must not hold the caller forever.
const DRAIN: Duration = Duration::from_secs(5);
/// How much of a command's output an error message keeps (the end, where failures are).
const TAIL: usize = 6000;

/// Whether the command gets a process group of its own, so a timeout kills its children too.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Inherit,
    Own,
}

/// Runs `cmd` (stdin closed, stdout and stderr captured) and returns its output whatever the
/// exit status; kills it when `timeout` passes.
pub(crate) fn run_bounded(mut cmd: Command, timeout: Duration, group: Group) -> Result<Output> {
    let label = describe(&cmd);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if group == Group::Own {
        cmd.process_group(0);
    }
    let mut child = cmd.spawn().map_err(io(format!("cannot start `{label}`")))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(io(format!("waiting for `{label}`")))? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            if group == Group::Own {
                signal_group(child.id(), "KILL");
            }
            // Still our unreaped child, so the PID cannot have been reused.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(POLL);
    };
    let stdout = stdout.recv_timeout(DRAIN).unwrap_or_default();
    let stderr = stderr.recv_timeout(DRAIN).unwrap_or_default();
    match status {
        Some(status) => Ok(Output { status, stdout, stderr }),
        None => Err(Error::Timeout { command: label, timeout, output: tails(&stdout, &stderr) }),
    }
}

/// Like [`run_bounded`] but a non-zero exit is an error carrying the output.
pub(crate) fn run_checked(cmd: Command, timeout: Duration, group: Group) -> Result<Output> {
    let label = describe(&cmd);
    let output = run_bounded(cmd, timeout, group)?;
    if output.status.success() { Ok(output) } else { Err(failed(label, output.status, &output)) }
}

pub(crate) fn failed(command: String, status: ExitStatus, output: &Output) -> Error {
    Error::CommandFailed { command, status: status.to_string(), output: tails(&output.stdout, &output.stderr) }
}

/// Stops a long-running child: SIGTERM, up to `grace` to exit, then SIGKILL; always reaps it.
pub(crate) fn stop(child: &mut Child, grace: Duration) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    signal_pid(child.id(), "TERM");
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        thread::sleep(POLL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

// Signals go through the `kill` program: std only sends SIGKILL, and the crate has no unsafe.
fn signal_pid(pid: u32, signal: &str) {
    send_signal(&format!("-{signal}"), &pid.to_string());
}

fn signal_group(pgid: u32, signal: &str) {
    send_signal(&format!("-{signal}"), &format!("-{pgid}"));
}

fn send_signal(signal: &str, target: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", target])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    rx
}

/// `program arg arg` for messages.
pub(crate) fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn tails(stdout: &[u8], stderr: &[u8]) -> String {
    format!("--- stdout ---\n{}\n--- stderr ---\n{}", tail(stdout), tail(stderr))
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end();
    match text.char_indices().rev().nth(TAIL) {
        Some((cut, _)) => format!("[...]{}", &text[cut..]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[test]
    fn captures_both_streams_and_status() {
        let out =
            run_bounded(sh("echo out; echo err >&2; exit 3"), Duration::from_secs(10), Group::Inherit).expect("runs");
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, b"out\n");
        assert_eq!(out.stderr, b"err\n");
    }

    #[test]
    fn checked_failure_carries_output() {
        let err = run_checked(sh("echo why >&2; exit 1"), Duration::from_secs(10), Group::Inherit).expect_err("fails");
        let text = err.to_string();
        assert!(text.contains("why"), "{text}");
        assert!(text.contains("sh -c"), "{text}");
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let start = Instant::now();
        // The background sleep holds stdout open; only a group kill ends it promptly.
        let err = run_bounded(sh("sleep 30 & echo started; wait"), Duration::from_millis(300), Group::Own)
            .expect_err("times out");
        assert!(matches!(err, Error::Timeout { .. }), "{err}");
        assert!(err.to_string().contains("started"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(4), "took {:?}", start.elapsed());
    }

    #[test]
    fn stop_terminates_and_reaps() {
        let mut child = Command::new("sleep").arg("30").spawn().expect("spawns");
        let start = Instant::now();
        stop(&mut child, Duration::from_secs(5));
        assert!(start.elapsed() < Duration::from_secs(4));
        assert!(matches!(child.try_wait(), Ok(Some(_))));
    }

    #[test]
    fn tail_keeps_the_end() {
        let long = "x".repeat(TAIL + 10) + "END";
        let cut = tail(long.as_bytes());
        assert!(cut.starts_with("[...]") && cut.ends_with("END"));
        assert_eq!(tail(b"short\n"), "short");
    }
}
