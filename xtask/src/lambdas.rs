//! `cargo xtask lambdas [--arch x86_64|arm64]`: every Lambda as `bootstrap` in
//! `target/lambda/<function>/bootstrap.zip` (arm64: `target/lambda/arm64/<function>/`), for
//! provided.al2023, built by cargo-lambda (zig as the linker, glibc 2.34 as al2023 has), and beside
//! each its CycloneDX SBOM `bootstrap.cdx.json` (crate::sbom).

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::{cargo, sh, target_dir};

/// The functions, by crate (= binary) name. cargo-lambda names each zip's directory after it.
pub const FUNCTIONS: &[&str] = &["case-enricher", "chat-query", "console-api"];

/// al2023's glibc; linking for anything newer fails at start-up in Lambda.
const GLIBC: &str = "2.34";

pub fn run(args: &[String]) -> Result<()> {
    let arch = crate::flag(args, "--arch").map(String::as_str).unwrap_or("x86_64");
    let zips = build(arch)?;
    for zip in zips {
        let size = std::fs::metadata(&zip)?.len();
        println!("{}  {:.2} MiB  (SBOM: {})", zip.display(), size as f64 / 1_048_576.0, sbom_of(&zip).display());
    }
    Ok(())
}

/// Builds every function for `arch` and returns the zips' paths.
pub fn build(arch: &str) -> Result<Vec<PathBuf>> {
    let triple = match arch {
        "x86_64" => "x86_64-unknown-linux-gnu",
        "arm64" => "aarch64-unknown-linux-gnu",
        other => bail!("--arch must be x86_64 or arm64, not {other:?}"),
    };
    if !std_installed(triple) {
        bail!(
            "the Rust standard library for {triple} is not installed (`rustup target add {triple}`); \
             this machine's toolchain has x86_64 only, so arm64 zips are built by the release workflow"
        );
    }
    let root = cima_testkit::repo_root();
    let tools = cima_testkit::create_tools_venv(&root)?;
    let lambda_dir = if arch == "x86_64" { target_dir().join("lambda") } else { target_dir().join("lambda/arm64") };
    let mut c = cargo(&["lambda", "build"]);
    // cargo-lambda finds zig (python-zig) next to itself on PATH.
    let path = std::env::join_paths(
        std::iter::once(tools.dir().join("bin"))
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )?;
    c.env("PATH", path).env("CARGO_TARGET_DIR", target_dir()).args([
        "--profile",
        "lambda-release",
        "--output-format",
        "zip",
        "--target",
        &format!("{triple}.{GLIBC}"),
        "--lambda-dir",
    ]);
    c.arg(&lambda_dir);
    for f in FUNCTIONS {
        c.args(["--package", f]);
    }
    sh(&mut c)?;
    let zips: Vec<PathBuf> = FUNCTIONS.iter().map(|f| lambda_dir.join(f).join("bootstrap.zip")).collect();
    debug_assert!(arch != "x86_64" || zips.first() == Some(&zip_of(FUNCTIONS[0])));
    if let Some(missing) = zips.iter().find(|z| !z.is_file()) {
        bail!("cargo lambda finished but {} is missing", missing.display());
    }
    // What each zip holds, for the release beside it (cargo metadata: builds nothing).
    let metadata = crate::sbom::metadata(triple)?;
    for (function, zip) in FUNCTIONS.iter().zip(&zips) {
        crate::sbom::write_beside(&metadata, function, zip, &sbom_of(zip))?;
    }
    Ok(zips)
}

/// The CycloneDX SBOM [`build`] writes beside `zip`.
pub fn sbom_of(zip: &std::path::Path) -> PathBuf {
    zip.with_file_name("bootstrap.cdx.json")
}

/// The x86_64 zip of `function`, where [`build`] leaves it.
pub fn zip_of(function: &str) -> PathBuf {
    target_dir().join("lambda").join(function).join("bootstrap.zip")
}

fn std_installed(triple: &str) -> bool {
    std::process::Command::new("rustc")
        .args(["--print", "target-libdir", "--target", triple])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|dir| std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()))
}
