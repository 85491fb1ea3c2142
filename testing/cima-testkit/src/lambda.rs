//! The Lambda side of the local stack: cargo-lambda's Runtime API emulator (`cargo lambda watch
//! --only-lambda-apis`) and function binaries — the packaged `bootstrap` from a zip, or a plain
//! build — started against it exactly as Lambda starts them, so a test exercises the runtime
//! loop, the environment contract and the artifact, not only the handler function.
//!
//! ```no_run
//! use cima_testkit::{LambdaEmulator, LambdaFunction};
//! # fn main() -> cima_testkit::Result<()> {
//! let emulator = LambdaEmulator::start()?;
//! let bootstrap = LambdaFunction::unpack("target/lambda/case-enricher/bootstrap.zip".as_ref())?;
//! let _running = emulator.run(&bootstrap, "case-enricher", &[("RUST_LOG", "info")])?;
//! let (status, answer) = emulator.invoke("case-enricher", &serde_json::json!({"garbage": true}))?;
//! # let _ = (status, answer); Ok(()) }
//! ```

use std::io::{BufRead as _, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::error::{Error, Result, io};
use crate::process::{Group, run_checked};
use crate::venv::Venv;

/// How long the emulator may take to listen (it runs `cargo metadata` first).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Bound on one invocation, start-up of a cold function included.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_GRACE: Duration = Duration::from_secs(3);
const LOG_LINES: usize = 400;
const LOG_POLL: Duration = Duration::from_millis(20);

/// A running `cargo lambda watch --only-lambda-apis` on 127.0.0.1. It serves the Runtime API
/// to functions started with [`LambdaEmulator::run`] and the Invoke API to tests. Dropping it
/// stops the process.
#[derive(Debug)]
pub struct LambdaEmulator {
    child: Child,
    port: u16,
    logs: Logs,
}

/// A function process started against an emulator; dropping it stops the process.
#[derive(Debug)]
pub struct RunningFunction {
    child: Child,
    logs: Logs,
}

/// A function binary on disk, possibly unpacked from its zip into a temporary directory.
#[derive(Debug)]
pub struct LambdaFunction {
    binary: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

type Logs = Arc<Mutex<Vec<String>>>;

impl LambdaEmulator {
    /// Starts the emulator from `.venv-tools` (created by `cargo xtask setup`) in the
    /// workspace, whose binaries are the function names it accepts.
    pub fn start() -> Result<LambdaEmulator> {
        let root = crate::repo_root();
        let tools = Venv::locate_tools(&root)?;
        let port = free_port()?;
        let mut cmd = Command::new(tools.bin("cargo-lambda"));
        cmd.current_dir(&root)
            .args(["lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // It runs cargo itself; our PATH must reach it and zig is not needed.
        cmd.env("PATH", prepend_path(&tools.dir().join("bin")));
        let mut child = cmd.spawn().map_err(io("cannot start `cargo lambda watch`"))?;
        let logs = Logs::default();
        capture(&mut child, &logs);
        let mut emulator = LambdaEmulator { child, port, logs };
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok() {
                return Ok(emulator);
            }
            if let Ok(Some(status)) = emulator.child.try_wait() {
                return Err(Error::Http {
                    url: emulator.base_url(),
                    detail: format!("the emulator exited ({status}):\n{}", emulator.logs()),
                });
            }
            if Instant::now() >= deadline {
                let logs = emulator.logs();
                emulator.stop();
                return Err(Error::Http {
                    url: format!("http://127.0.0.1:{port}"),
                    detail: format!("the emulator did not listen within {} s:\n{logs}", START_TIMEOUT.as_secs()),
                });
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The emulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API` for `function` (scheme and path included: the
    /// runtime client panics on a value with a path but no scheme).
    pub fn runtime_api(&self, function: &str) -> String {
        format!("{}/.rt/{function}", self.base_url())
    }

    /// Starts `function` (its binary) against this emulator with Lambda's environment plus `env`.
    pub fn run(&self, function: &LambdaFunction, name: &str, env: &[(&str, &str)]) -> Result<RunningFunction> {
        let mut cmd = Command::new(&function.binary);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", self.runtime_api(name))
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(io(format!("cannot start {}", function.binary.display())))?;
        let logs = Logs::default();
        capture(&mut child, &logs);
        Ok(RunningFunction { child, logs })
    }

    /// Invokes `function` synchronously through the Invoke API and returns the HTTP status
    /// and the JSON answer (a function error comes back as `errorType` / `errorMessage`).
    pub fn invoke(&self, function: &str, payload: &serde_json::Value) -> Result<(u16, serde_json::Value)> {
        self.invoke_within(function, payload, INVOKE_TIMEOUT)
    }

    /// [`LambdaEmulator::invoke`] bounded by `timeout` instead of the default minute.
    pub fn invoke_within(
        &self,
        function: &str,
        payload: &serde_json::Value,
        timeout: Duration,
    ) -> Result<(u16, serde_json::Value)> {
        let path = format!("/2015-03-31/functions/{function}/invocations");
        let (status, body) = crate::http::post(&self.base_url(), &path, payload.to_string().as_bytes(), timeout)?;
        let json =
            serde_json::from_str(&body).map_err(|source| Error::Json { what: format!("answer of {path}"), source })?;
        Ok((status, json))
    }

    /// What the emulator printed, for failure messages.
    pub fn logs(&self) -> String {
        joined(&self.logs)
    }

    fn stop(&mut self) {
        crate::process::stop(&mut self.child, STOP_GRACE);
    }
}

impl Drop for LambdaEmulator {
    fn drop(&mut self) {
        self.stop();
    }
}

impl RunningFunction {
    /// The function's log lines (stdout and stderr) so far.
    pub fn logs(&self) -> String {
        joined(&self.logs)
    }

    /// The log lines once `done` holds of them, or as they are after `within`: a line written
    /// before an invocation's answer may still be in the pipe when the answer arrives.
    pub fn logs_once(&self, done: impl Fn(&str) -> bool, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let logs = self.logs();
            if done(&logs) || Instant::now() >= deadline {
                return logs;
            }
            thread::sleep(LOG_POLL);
        }
    }

    /// Whether the process is still running (a runtime that panicked at start is not).
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RunningFunction {
    fn drop(&mut self) {
        crate::process::stop(&mut self.child, STOP_GRACE);
    }
}

impl LambdaFunction {
    /// A binary on disk as it is (e.g. `target/debug/case-enricher`).
    pub fn binary(path: &Path) -> Result<LambdaFunction> {
        if !path.is_file() {
            return Err(Error::Io {
                context: format!("function binary {}", path.display()),
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            });
        }
        Ok(LambdaFunction { binary: path.to_owned(), _dir: None })
    }

    /// The `bootstrap` of a deployment zip, unpacked into a temporary directory with Python's
    /// zipfile (the project's venv has it; no unzip program is assumed).
    pub fn unpack(zip: &Path) -> Result<LambdaFunction> {
        let dir = tempfile::tempdir().map_err(io("creating a directory for the zip"))?;
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "zipfile", "-e"]).arg(zip).arg(dir.path());
        run_checked(cmd, Duration::from_secs(60), Group::Inherit)?;
        let binary = dir.path().join("bootstrap");
        // zipfile does not restore modes.
        std::fs::set_permissions(&binary, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .map_err(io(format!("no bootstrap in {}", zip.display())))?;
        Ok(LambdaFunction { binary, _dir: Some(dir) })
    }

    /// Where the binary is.
    pub fn path(&self) -> &Path {
        &self.binary
    }
}

/// The zip `cargo xtask lambdas` builds for `function`.
pub fn lambda_zip(function: &str) -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| crate::repo_root().join("target"));
    target.join("lambda").join(function).join("bootstrap.zip")
}

fn free_port() -> Result<u16> {
    // Released before the emulator binds it; a collision shows as a failed start, not a hang.
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io("finding a free port"))?;
    listener.local_addr().map(|a| a.port()).map_err(io("finding a free port"))
}

fn prepend_path(dir: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir.to_owned()).chain(std::env::split_paths(&rest))).unwrap_or(rest)
}

fn capture(child: &mut Child, logs: &Logs) {
    let out = child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>);
    let err = child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>);
    for pipe in [out, err].into_iter().flatten() {
        let logs = Arc::clone(logs);
        thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(std::result::Result::ok) {
                let mut logs = logs.lock().unwrap_or_else(|e| e.into_inner());
                if logs.len() == LOG_LINES {
                    logs.remove(0);
                }
                logs.push(line);
            }
        });
    }
}

fn joined(logs: &Logs) -> String {
    logs.lock().unwrap_or_else(|e| e.into_inner()).join("\n")
}
