//! `cargo xtask bench`: provider start-up → schema served, and the provider's peak RSS, over a
//! release build launched the way Terraform launches it (cookie, mutual TLS with a P-521 client
//! certificate, GetProviderSchema, Shutdown). Writes `bench/startup.md`.

use std::time::Duration;

use anyhow::{Context as _, Result, bail};

/// Writes a bench's report to `bench/<name>` (and prints it) and, when asked, its figures as
/// JSON to `json`.
pub(crate) fn publish(name: &str, report: &str, json: Option<(&std::path::Path, serde_json::Value)>) -> Result<()> {
    if let Some((path, figures)) = json {
        std::fs::write(path, serde_json::to_string_pretty(&figures)? + "\n")?;
        eprintln!("xtask: wrote {}", path.display());
    }
    let out = cima_testkit::repo_root().join("bench").join(name);
    std::fs::write(&out, report)?;
    println!("{report}");
    eprintln!("xtask: wrote {}", out.display());
    Ok(())
}

pub fn run(args: &[String]) -> Result<()> {
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse())
        .transpose()?
        .unwrap_or(30);
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let binary = crate::build_provider(true)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut probes = Vec::with_capacity(runs);
    // One warm-up launch so the page cache holds the binary, as it does after Terraform's first start.
    rt.block_on(tfplugin::client::probe(&binary, Duration::from_secs(30))).context("warm-up launch")?;
    for i in 0..runs {
        let p = rt
            .block_on(tfplugin::client::probe(&binary, Duration::from_secs(30)))
            .with_context(|| format!("launch {i}"))?;
        probes.push(p);
    }
    let mut schema: Vec<f64> = probes.iter().map(|p| p.schema_served.as_secs_f64() * 1e3).collect();
    let mut handshake: Vec<f64> = probes.iter().map(|p| p.handshake.as_secs_f64() * 1e3).collect();
    let mut exit: Vec<f64> = probes.iter().map(|p| p.exit_after_shutdown.as_secs_f64() * 1e3).collect();
    let rss_max = probes.iter().filter_map(|p| p.peak_rss_kib).max().unwrap_or(0);
    let size = std::fs::metadata(&binary)?.len();
    let report = format!(
        "# Provider start-up\n\n\
         Reproduce: `cargo xtask bench --runs {runs}` (release build; each run launches the provider as Terraform does: magic cookie, \
         mutual TLS with a P-521 client certificate, GetProviderSchema over a fresh connection, then GRPCController.Shutdown).\n\n\
         | measure | median | p90 | max | goal |\n| --- | --- | --- | --- | --- |\n\
         | start → handshake line | {} | {} | {} | |\n\
         | start → schema served | {} | {} | {} | ≤ 20 ms |\n\
         | Shutdown → process exit | {} | {} | {} | |\n\n\
         Peak RSS (VmHWM after serving the schema), worst of {runs} runs: **{:.1} MiB** (goal ≤ 30 MB). \
         Schema response: {} bytes. Binary: {:.1} MiB. Machine: {} cores.\n",
        ms(pct(&mut handshake, 50)),
        ms(pct(&mut handshake, 90)),
        ms(pct(&mut handshake, 100)),
        ms(pct(&mut schema, 50)),
        ms(pct(&mut schema, 90)),
        ms(pct(&mut schema, 100)),
        ms(pct(&mut exit, 50)),
        ms(pct(&mut exit, 90)),
        ms(pct(&mut exit, 100)),
        rss_max as f64 / 1024.0,
        probes[0].schema_bytes,
        size as f64 / (1024.0 * 1024.0),
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
    );
    let out = cima_testkit::repo_root().join("bench/startup.md");
    std::fs::write(&out, &report)?;
    println!("{report}");
    eprintln!("xtask: wrote {}", out.display());
    Ok(())
}

fn pct(v: &mut [f64], p: usize) -> f64 {
    v.sort_by(f64::total_cmp);
    let idx = ((v.len() - 1) * p).div_ceil(100);
    v[idx.min(v.len() - 1)]
}

fn ms(v: f64) -> String {
    format!("{v:.1} ms")
}
