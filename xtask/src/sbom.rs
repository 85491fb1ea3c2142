//! `cargo xtask sbom --package NAME --out FILE [--target TRIPLE] [--zip ZIP]`: a CycloneDX 1.5
//! JSON SBOM of one binary crate: every crate compiled into it for TRIPLE (default
//! x86_64-unknown-linux-gnu), with name, version, purl and license expression; with `--zip`, the
//! archive's sha256 as the top-level component's hash. `cargo xtask lambdas` writes one beside
//! each zip; the release workflow writes one per provider archive.
//!
//! The crates come from `cargo metadata --locked --filter-platform TRIPLE`: its resolve graph,
//! walked from the package over normal dependencies only (dev-dependencies are never built into
//! the binary, build-dependencies run at build time only). Nothing is compiled. Features are
//! those cargo resolves for the whole workspace, so an optional crate another member enables is
//! listed too: the list errs on the side of more.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use anyhow::{Context as _, Result, bail, ensure};
use serde_json::{Value, json};
use sha2::Digest as _;

/// The Lambdas' and the Linux x86_64 provider's target.
pub const DEFAULT_TARGET: &str = "x86_64-unknown-linux-gnu";

pub fn run(args: &[String]) -> Result<()> {
    let Some(package) = crate::flag(args, "--package") else { bail!("--package NAME is required") };
    let Some(out) = crate::flag(args, "--out") else { bail!("--out FILE is required") };
    let target = crate::flag(args, "--target").map_or(DEFAULT_TARGET, String::as_str);
    let metadata = metadata(target)?;
    let zip = crate::flag(args, "--zip").map(|zip| sha256_file(Path::new(zip))).transpose()?;
    let bom = document(&metadata, package, zip.as_deref())?;
    write(&bom, Path::new(out))?;
    eprintln!("xtask: {out}: {} components", bom["components"].as_array().map_or(0, Vec::len));
    Ok(())
}

/// `cargo metadata` for `target`, from Cargo.lock as it is.
pub fn metadata(target: &str) -> Result<Value> {
    let out = crate::cargo(&["metadata"])
        .args(["--format-version", "1", "--filter-platform", target])
        .output()
        .context("running cargo metadata")?;
    ensure!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// The SBOM of the workspace package `package` beside `zip` (the sha256 of the zip in it).
pub fn write_beside(metadata: &Value, package: &str, zip: &Path, out: &Path) -> Result<()> {
    let bom = document(metadata, package, Some(&sha256_file(zip)?))?;
    write(&bom, out)
}

fn write(bom: &Value, out: &Path) -> Result<()> {
    std::fs::write(out, serde_json::to_vec_pretty(bom)?).with_context(|| format!("writing {}", out.display()))
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(format!("{:x}", sha2::Sha256::digest(bytes)))
}

/// The CycloneDX 1.5 document for the workspace package `package`.
pub fn document(metadata: &Value, package: &str, zip_sha256: Option<&str>) -> Result<Value> {
    let packages: BTreeMap<&str, &Value> =
        metadata["packages"].as_array().into_iter().flatten().filter_map(|p| Some((p["id"].as_str()?, p))).collect();
    let root = metadata["workspace_members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find(|id| packages.get(id).is_some_and(|p| p["name"] == package))
        .with_context(|| format!("no workspace package {package:?}"))?;
    let graph = normal_dependencies(metadata);
    let reached = reachable(&graph, root);

    let mut top = component(packages[root], "application");
    if let Some(sha256) = zip_sha256 {
        top["hashes"] = json!([{ "alg": "SHA-256", "content": sha256 }]);
    }
    let mut components = Vec::new();
    for id in reached.iter().filter(|id| **id != root) {
        let package = packages.get(id).with_context(|| format!("{id} is in the resolve graph but not a package"))?;
        components.push(component(package, "library"));
    }
    components
        .sort_by(|a, b| (a["name"].as_str(), a["version"].as_str()).cmp(&(b["name"].as_str(), b["version"].as_str())));
    let dependencies: Vec<Value> = reached
        .iter()
        .map(|id| {
            let on: BTreeSet<String> =
                graph.get(id).into_iter().flatten().filter_map(|dep| packages.get(dep)).map(|p| purl(p)).collect();
            json!({ "ref": purl(packages[id]), "dependsOn": on })
        })
        .collect();
    Ok(json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": { "component": top },
        "components": components,
        "dependencies": dependencies,
    }))
}

/// Each package id's normal (non-dev, non-build) dependencies. cargo has already dropped the
/// ones `--filter-platform` excludes.
fn normal_dependencies(metadata: &Value) -> BTreeMap<&str, Vec<&str>> {
    let nodes = metadata["resolve"]["nodes"].as_array().into_iter().flatten();
    nodes
        .filter_map(|node| {
            let deps = node["deps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|dep| dep["dep_kinds"].as_array().into_iter().flatten().any(|k| k["kind"].is_null()))
                .filter_map(|dep| dep["pkg"].as_str())
                .collect();
            Some((node["id"].as_str()?, deps))
        })
        .collect()
}

/// `root` and every package id reachable from it, each once.
fn reachable<'a>(graph: &BTreeMap<&'a str, Vec<&'a str>>, root: &'a str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::from([root]);
    let mut queue = VecDeque::from([root]);
    while let Some(id) = queue.pop_front() {
        for dep in graph.get(id).into_iter().flatten() {
            if seen.insert(dep) {
                queue.push_back(dep);
            }
        }
    }
    seen
}

fn purl(package: &Value) -> String {
    format!(
        "pkg:cargo/{}@{}",
        package["name"].as_str().unwrap_or_default(),
        package["version"].as_str().unwrap_or_default()
    )
}

fn component(package: &Value, kind: &str) -> Value {
    let purl = purl(package);
    let mut c = json!({
        "type": kind,
        "bom-ref": purl,
        "name": package["name"],
        "version": package["version"],
        "purl": purl,
    });
    if let Some(license) = package["license"].as_str() {
        // Old manifests write `MIT/Apache-2.0`, which cargo reads as OR; SPDX spells it out.
        let expression = license.split('/').map(str::trim).collect::<Vec<_>>().join(" OR ");
        c["licenses"] = json!([{ "expression": expression }]);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str) -> String {
        format!("registry+https://example.invalid/index#{name}@1.0.0")
    }

    fn dep(name: &str, kind: Option<&str>) -> Value {
        json!({ "name": name, "pkg": id(name), "dep_kinds": [{ "kind": kind, "target": null }] })
    }

    /// app → a → c, app → c, app ⇢(dev) d → e, app ⇢(build) b, c ⇢(dev) f; other → g.
    fn fixture() -> Value {
        let package = |name: &str, license: Value| json!({ "name": name, "version": "1.0.0", "id": id(name), "license": license });
        let node = |name: &str, deps: Vec<Value>| json!({ "id": id(name), "deps": deps });
        json!({
            "packages": [
                package("app", json!("MIT")), package("a", json!("MIT/Apache-2.0")), package("b", json!("MIT")),
                package("c", json!("Apache-2.0 OR MIT")), package("d", json!("MIT")), package("e", json!("MIT")),
                package("f", json!("MIT")), package("g", json!("MIT")), package("other", json!(null)),
            ],
            "workspace_members": [id("app"), id("other")],
            "resolve": { "root": null, "nodes": [
                node("app", vec![dep("a", None), dep("c", None), dep("d", Some("dev")), dep("b", Some("build"))]),
                node("a", vec![dep("c", None)]),
                node("b", vec![]),
                node("c", vec![dep("f", Some("dev"))]),
                node("d", vec![dep("e", None)]),
                node("e", vec![]), node("f", vec![]), node("g", vec![]),
                node("other", vec![dep("g", None)]),
            ]},
        })
    }

    fn names(bom: &Value) -> Vec<&str> {
        bom["components"].as_array().expect("components").iter().filter_map(|c| c["name"].as_str()).collect()
    }

    #[test]
    fn normal_dependencies_transitively_each_once() {
        let bom = document(&fixture(), "app", Some("ab12")).expect("bom");
        assert_eq!(names(&bom), ["a", "c"], "no dev (d, e, f), build (b) or other member's (g) crates");
        assert_eq!(bom["bomFormat"], "CycloneDX");
        assert_eq!(bom["specVersion"], "1.5");
        let top = &bom["metadata"]["component"];
        assert_eq!(top["purl"], "pkg:cargo/app@1.0.0");
        assert_eq!(top["hashes"], json!([{ "alg": "SHA-256", "content": "ab12" }]));
        let a = &bom["components"][0];
        assert_eq!(a["purl"], "pkg:cargo/a@1.0.0");
        assert_eq!(a["bom-ref"], a["purl"]);
        assert_eq!(a["type"], "library");
        assert_eq!(a["licenses"], json!([{ "expression": "MIT OR Apache-2.0" }]));
        let app_deps = bom["dependencies"].as_array().expect("deps").iter().find(|d| d["ref"] == top["purl"]).cloned();
        assert_eq!(app_deps.expect("app's entry")["dependsOn"], json!(["pkg:cargo/a@1.0.0", "pkg:cargo/c@1.0.0"]));
    }

    #[test]
    fn unknown_package_and_missing_license() {
        assert!(document(&fixture(), "nope", None).is_err());
        let bom = document(&fixture(), "other", None).expect("bom");
        assert_eq!(names(&bom), ["g"]);
        assert!(bom["metadata"]["component"].get("licenses").is_none());
        assert!(bom["metadata"]["component"].get("hashes").is_none());
    }

    /// The real workspace, from Cargo.lock (cargo metadata only; nothing is built).
    #[test]
    fn the_enrichers_sbom_has_its_sdk_and_nothing_of_the_provider() {
        let bom = document(&metadata(DEFAULT_TARGET).expect("cargo metadata"), "case-enricher", None).expect("bom");
        let names = names(&bom);
        for present in ["aws-sdk-support", "cima-core", "tokio"] {
            assert!(names.contains(&present), "{present} missing");
        }
        for absent in ["tonic", "cima-testkit", "tfplugin"] {
            assert!(!names.contains(&absent), "{absent} is not compiled into the enricher");
        }
        let mut purls: Vec<&str> =
            bom["components"].as_array().into_iter().flatten().filter_map(|c| c["purl"].as_str()).collect();
        let all = purls.len();
        purls.dedup();
        assert_eq!(purls.len(), all, "each crate once");
        assert!(purls.iter().all(|p| p.starts_with("pkg:cargo/") && p.contains('@')));
    }
}
