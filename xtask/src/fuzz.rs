//! `cargo xtask fuzz [--cases N] [--nightly SECONDS [TARGET...]]`: hostile input to every
//! decoder and parser (see fuzz/README.md).
//!
//! Without `--nightly`: the stable property tests and the replay of every committed corpus, as
//! the ordinary test run has them (CI runs exactly these), with `--cases` cases per property.
//! With `--nightly SECONDS`: each libFuzzer target in fuzz/ for that long through cargo-fuzz,
//! which needs a nightly toolchain and `cargo install cargo-fuzz`; new inputs go to
//! fuzz/target/corpus/<target>, crashes to fuzz/artifacts/<target>, the committed seeds stay as
//! they are.

use anyhow::{Context as _, Result, bail};

use crate::{cargo, flag, sh};

/// The crates with hostile-input entry points, and the unit tests that hold their properties
/// and replay their corpora (test-name filters).
const CRATES: &[&str] = &["tfplugin", "case-enricher", "chat-query", "console-api"];
const TEST_FILTERS: &[&str] = &["fuzzing", "proptests", "properties", "corpus"];

/// The value decoders' targets: built without the Lambdas, so without the AWS SDKs.
const DECODER_TARGETS: &[&str] = &["msgpack", "json", "number"];

/// fuzz/'s targets, as its Cargo.toml names them.
const TARGETS: &[&str] = &[
    "msgpack",
    "json",
    "number",
    "enricher_event",
    "chat_question",
    "chat_body",
    "chat_model_answer",
    "console_query",
];

pub fn run(args: &[String]) -> Result<()> {
    if let Some(seconds) = flag(args, "--nightly") {
        let seconds: u64 = seconds.parse().context("--nightly takes a number of seconds")?;
        let named: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .skip_while(|a| *a != "--nightly")
            .skip(2)
            .filter(|a| !a.starts_with("--"))
            .collect();
        return nightly(seconds, if named.is_empty() { TARGETS.to_vec() } else { named });
    }
    let mut c = cargo(&["test"]);
    for krate in CRATES {
        c.args(["-p", krate]);
    }
    c.args(["--lib", "--"]).args(TEST_FILTERS);
    if let Some(cases) = flag(args, "--cases") {
        c.env("PROPTEST_CASES", cases);
    }
    sh(&mut c)
}

fn nightly(seconds: u64, targets: Vec<&str>) -> Result<()> {
    if let Some(unknown) = targets.iter().find(|t| !TARGETS.contains(t)) {
        bail!("no fuzz target {unknown:?}; there are {}", TARGETS.join(", "));
    }
    let root = cima_testkit::repo_root().join("fuzz");
    let mut check = std::process::Command::new("cargo");
    check.env_remove("CARGO").env_remove("RUSTUP_TOOLCHAIN").env_remove("RUSTC");
    check.args(["+nightly", "fuzz", "--version"]).current_dir(&root);
    if !check.output().map(|o| o.status.success()).unwrap_or(false) {
        bail!(
            "cargo-fuzz on a nightly toolchain is needed (`rustup toolchain install nightly`, `cargo install cargo-fuzz`)"
        );
    }
    for target in targets {
        let scratch = root.join("target/corpus").join(target);
        std::fs::create_dir_all(&scratch)?;
        let mut c = std::process::Command::new("cargo");
        // The rustup proxy picks the nightly; the stable cargo running this task must not leak in.
        c.env_remove("CARGO").env_remove("RUSTUP_TOOLCHAIN").env_remove("RUSTC");
        // No sanitizer: the code is safe Rust, and what is hunted is panics, stalls and
        // allocations, which libFuzzer reports by itself (-rss_limit_mb, -timeout).
        c.current_dir(&root)
            .args(["+nightly", "fuzz", "run", "--sanitizer", "none"])
            .args(DECODER_TARGETS.contains(&target).then_some("--no-default-features"))
            .arg(target)
            .arg(&scratch)
            .arg(root.join("corpus").join(target))
            .args(["--", &format!("-max_total_time={seconds}"), "-timeout=10", "-rss_limit_mb=2048"]);
        sh(&mut c)?;
    }
    Ok(())
}
