//! Serves a [`cima_testkit::ReplayBackend`] in its own process, so a benchmark can measure its
//! CPU apart from everything else:
//!
//!     replay-backend --upstream http://127.0.0.1:PORT [--delay-ms 25] [--port 0] [--max-lifetime-s 3600]
//!         [--forward-target PREFIX]...
//!
//! Once listening it prints `REPLAY_BACKEND_READY http://127.0.0.1:PORT` on stdout; it stops when
//! stdin reaches end of file or after `--max-lifetime-s`, whichever comes first.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool: stdout carries the READY line

use std::io::{Read as _, Write as _};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use cima_testkit::{REPLAY_READY_PREFIX, ReplayBackend};

const USAGE: &str = "usage: replay-backend --upstream http://127.0.0.1:PORT [--delay-ms N] [--port P] [--max-lifetime-s S] [--forward-target PREFIX]...";

struct Args {
    upstream: String,
    delay_ms: u64,
    port: u16,
    max_lifetime_s: u64,
    forward: Vec<String>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args { upstream: String::new(), delay_ms: 0, port: 0, max_lifetime_s: 3600, forward: Vec::new() };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let number = |v: &str| v.parse::<u64>().map_err(|_| format!("{flag}: not a whole number: {v:?}"));
        match flag.as_str() {
            "--upstream" if value.starts_with("http://127.0.0.1:") => a.upstream = value,
            "--upstream" => return Err(format!("--upstream must be http://127.0.0.1:PORT, got {value:?}")),
            "--delay-ms" => a.delay_ms = number(&value)?,
            "--port" => a.port = u16::try_from(number(&value)?).map_err(|_| format!("--port: {value} is no port"))?,
            "--max-lifetime-s" => a.max_lifetime_s = number(&value)?,
            "--forward-target" => a.forward.push(value),
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    if a.upstream.is_empty() {
        return Err(USAGE.to_owned());
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("replay-backend: {e}");
            return ExitCode::from(2);
        }
    };
    let backend =
        match ReplayBackend::start(args.port, &args.upstream, Duration::from_millis(args.delay_ms), &args.forward) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("replay-backend: {e}");
                return ExitCode::FAILURE;
            }
        };
    println!("{REPLAY_READY_PREFIX}{}", backend.endpoint());
    let _ = std::io::stdout().flush();
    let (done, stopped) = mpsc::channel();
    std::thread::spawn(move || {
        // Whatever is written is ignored; end of file (the parent gone or done) stops us.
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = done.send(());
    });
    let _ = stopped.recv_timeout(Duration::from_secs(args.max_lifetime_s));
    let stats = backend.stats();
    eprintln!(
        "replay-backend: {} recorded, {} replayed, {} missed, {} forwarded",
        stats.recorded, stats.replayed, stats.missed, stats.forwarded
    );
    ExitCode::SUCCESS
}
