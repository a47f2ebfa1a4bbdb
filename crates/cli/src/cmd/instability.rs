//! `runvar instability` (twins followed in lockstep) and `runvar instability sweep`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use runvar_core::data;
use runvar_core::instability::{
    build_report, curves_svg, followers, record_steps, render_instability_html,
    render_instability_markdown, render_instability_table, render_sweep_table, sweep_configs,
    sweep_row, sweep_study,
};
use runvar_core::store::report;
use runvar_engine::lockstep;

use crate::args::{InstabilityArgs, SweepArgs, SweepCommand};
use crate::progress::LockstepProgress;
use crate::Outcome;

/// Make the folder `out` (if missing) and check that a file can be created in it, so that a
/// read-only or misnamed output folder is refused before minutes of training.
fn check_writable(out: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    let probe = out.join(format!(".runvar-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|_| std::fs::remove_file(&probe))
        .with_context(|| format!("{}: cannot write into it", out.display()))
}

/// Write the report files together, all or none ([`runvar_core::store::write_all_atomic`]).
fn write_all(files: &[(PathBuf, String)]) -> anyhow::Result<()> {
    let bytes: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .map(|(p, t)| (p.clone(), t.clone().into_bytes()))
        .collect();
    runvar_core::store::write_all_atomic(&bytes).context("writing the report")
}

/// Run `runvar instability`.
pub fn run(a: InstabilityArgs) -> anyhow::Result<Outcome> {
    if let Some(SweepCommand::Sweep(s)) = a.sweep {
        return sweep(s);
    }
    let base = a.base_spec()?;
    if base.is_lm() {
        anyhow::bail!(
            "`runvar instability` follows image classifiers step by step; {} is a language model \
             (runvar study measures its sources, bit flip included)",
            base.preset.as_deref().unwrap_or(base.data.dataset.name())
        );
    }
    let out = a.out.clone().unwrap_or_else(|| {
        PathBuf::from("runs").join(format!(
            "instability-{}",
            base.preset.clone().unwrap_or_else(|| "custom".into())
        ))
    });
    // Every follower trains beside the base run: all their models are in memory at once.
    if let Some(free) = runvar_core::machine::available_memory() {
        let fp = runvar_engine::memory::check_fits(
            &base,
            1,
            runvar_engine::device::tch_device(base.device)?,
        )?;
        let one = fp.bytes_per_replica(base.train.batch_size);
        let others = a.independent as f64 + 2.0;
        runvar_core::machine::check_size(
            "--twins",
            a.twins as u64,
            "training the base run and its twins in lockstep",
            free,
            |t| (t as f64 + others) * one,
        )?;
    }
    let followers = followers(&base, a.twins, a.independent);
    // Before training: an output folder that cannot be written fails now, not after it.
    check_writable(&out)?;
    let prepared = data::prepare(&base).context("loading the dataset")?;
    let spe =
        runvar_core::schedule::steps_per_epoch(prepared.dataset.train.len(), base.train.batch_size);
    let total = spe * base.train.epochs;
    let record = record_steps(spe, total);
    let progress = LockstepProgress::new(a.output.silent(), total, followers.len() + 1);
    let followed = lockstep::follow(&base, &followers, &prepared, &record, |step, _| {
        progress.at(step)
    })?;
    progress.finish();
    let r = build_report(&base, followed);
    write_all(&[
        (
            out.join("instability.json"),
            runvar_core::store::to_versioned_json(&r),
        ),
        (out.join(report::MARKDOWN), render_instability_markdown(&r)),
        (out.join(report::HTML), render_instability_html(&r)),
        (out.join("instability.svg"), curves_svg(&r)),
    ])?;
    let mut stdout = std::io::stdout().lock();
    if a.output.json {
        serde_json::to_writer_pretty(&mut stdout, &runvar_core::store::versioned(&r))?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", render_instability_table(&r))?;
        writeln!(stdout, "\nreport: {}", out.join(report::HTML).display())?;
    }
    Ok(Outcome::Done)
}

/// Run `runvar instability sweep`.
fn sweep(a: SweepArgs) -> anyhow::Result<Outcome> {
    let all = sweep_configs();
    if a.list {
        let mut stdout = std::io::stdout().lock();
        for c in &all {
            writeln!(stdout, "{:<20} {}", c.name, c.about)?;
        }
        return Ok(Outcome::Done);
    }
    let chosen: Vec<_> = match &a.configs {
        None => all,
        Some(names) => names
            .iter()
            .map(|n| {
                all.iter().find(|c| c.name == n).cloned().with_context(|| {
                    format!(
                        "unknown configuration `{n}`; known: {}",
                        all.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                    )
                })
            })
            .collect::<anyhow::Result<_>>()?,
    };
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs/instability-sweep"));
    check_writable(&out)?;
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for c in &chosen {
        let study = sweep_study(c, a.replicas);
        study.validate()?;
        super::study::check_sizes(&study)?;
        let dir = out.join(c.name);
        if !a.output.silent() {
            eprintln!("runvar: sweep configuration {} ({})", c.name, c.about);
        }
        let workers = super::study::worker_count(&study, a.workers)?;
        let (failed, survey) = super::study::execute(&study, &dir, workers, a.output.silent())?;
        failures.extend(failed);
        rows.push(sweep_row(c, &study, &dir, &survey)?);
    }
    let table = render_sweep_table(&rows);
    let doc = serde_json::json!({ "configurations": rows });
    write_all(&[
        (
            out.join("sweep.json"),
            runvar_core::store::to_versioned_json(&doc),
        ),
        (out.join("sweep.txt"), table.clone()),
    ])?;
    let mut stdout = std::io::stdout().lock();
    if a.output.json {
        serde_json::to_writer_pretty(&mut stdout, &runvar_core::store::versioned(&doc))?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{table}")?;
    }
    Ok(Outcome::naming(&failures))
}
