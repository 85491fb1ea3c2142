//! `cargo xtask lock-python`: rewrites every requirements file fully pinned, with the sha256 of
//! every distribution file the Python package index publishes for each pinned version, so
//! `pip install --require-hashes` (cima_testkit's venvs) installs nothing it was not told of.
//!
//! Needs the network; the unit test that every line carries hashes (over
//! `cima_testkit::unhashed_requirements`) does not. The pins already written are kept:
//! to move one, edit its `==` version and run this again. Each file's leading `#` lines are kept
//! as its header.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result, ensure};

/// The resolver that writes the hashes, installed into a scratch venv outside the repository.
const UV: &str = "uv==0.13.8";

/// The Python the venvs are made with (CI's actions/setup-python and this machine's python3).
const PYTHON_VERSION: &str = "3.11.7";
/// Resolution markers for a Linux x86_64 machine; the hashes written cover every platform's file.
const PYTHON_PLATFORM: &str = "x86_64-manylinux_2_35";

pub fn run() -> Result<()> {
    let root = cima_testkit::repo_root();
    let scratch = std::env::temp_dir().join("cima-lock-python");
    let uv = scratch.join("bin/uv");
    if !uv.is_file() {
        crate::sh(Command::new("python3").args(["-m", "venv"]).arg(&scratch))?;
        crate::sh(Command::new(scratch.join("bin/python")).args(["-m", "pip", "install", "--quiet", UV]))?;
    }
    for file in cima_testkit::REQUIREMENT_FILES {
        lock(&uv, &root.join(file)).with_context(|| format!("locking {file}"))?;
    }
    Ok(())
}

fn lock(uv: &Path, file: &Path) -> Result<()> {
    let text = std::fs::read_to_string(file)?;
    let out = Command::new(uv)
        .args(["pip", "compile", "--quiet", "--generate-hashes", "--no-header", "--no-annotate", "--no-strip-extras"])
        .args(["--python-version", PYTHON_VERSION, "--python-platform", PYTHON_PLATFORM])
        .arg(file)
        .output()
        .context("running uv pip compile")?;
    ensure!(out.status.success(), "uv pip compile failed:\n{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(file, format!("{}{}", header(&text), String::from_utf8(out.stdout)?))?;
    eprintln!("xtask: wrote {}", file.display());
    Ok(())
}

/// The leading comment lines of a requirements file.
fn header(text: &str) -> String {
    text.lines().take_while(|l| l.starts_with('#')).map(|l| format!("{l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_the_leading_comment_block_only() {
        let text = "# one\n# two\nmoto==1 \\\n    --hash=sha256:ab\n# later\n";
        assert_eq!(header(text), "# one\n# two\n");
        assert_eq!(header("moto==1\n"), "");
    }
}
