//! `runvar instability` (twins followed in lockstep) and `runvar instability sweep`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use runvar_core::data;
use runvar_core::instability::{
    condition_number_bound, curves_svg, fit_growth, render_instability_html,
    render_instability_markdown, render_instability_table, render_sweep_table, saturation_step,
    sweep_configs, sweep_row, sweep_study, Curve, InstabilityReport, TwinKind,
};
use runvar_core::spec::{BitFlipSpec, RunSpec};
use runvar_engine::lockstep;

use crate::args::{InstabilityArgs, SweepArgs, SweepCommand};
use crate::Outcome;

/// The default task of `runvar instability`.
const DEFAULT_PRESET: &str = "mnist1d-resnet8";

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

fn mean_over<'a>(curves: impl Iterator<Item = &'a Vec<f64>>) -> Vec<f64> {
    let curves: Vec<&Vec<f64>> = curves.collect();
    let len = curves.first().map_or(0, |c| c.len());
    (0..len)
        .map(|i| curves.iter().map(|c| c[i]).sum::<f64>() / curves.len() as f64)
        .collect()
}

fn last(v: &[f64]) -> f64 {
    v.last().copied().unwrap_or(f64::NAN)
}

/// Derive the report from the measured curves.
fn report(
    base: &RunSpec,
    followed: lockstep::Followed,
    flip_sizes: Vec<f64>,
    base_acc: f64,
) -> InstabilityReport {
    let curves = followed.curves;
    let twins: Vec<&Curve> = curves
        .iter()
        .filter(|c| c.kind == TwinKind::BitFlip)
        .collect();
    let independent: Vec<&Curve> = curves
        .iter()
        .filter(|c| c.kind == TwinKind::Independent)
        .collect();
    let steps = curves.first().map(|c| c.steps.clone()).unwrap_or_default();
    let twin_mean = mean_over(twins.iter().map(|c| &c.param_distance));
    let growth = fit_growth(&steps, &twin_mean);
    let saturation = saturation_step(&steps, &twin_mean);
    let mean_last = |cs: &[&Curve], f: fn(&Curve) -> &Vec<f64>| {
        (!cs.is_empty()).then(|| cs.iter().map(|c| last(f(c))).sum::<f64>() / cs.len() as f64)
    };
    let mut bounds: Vec<f64> = twins
        .iter()
        .zip(&flip_sizes)
        .filter_map(|(c, size)| {
            condition_number_bound(size / followed.initial_norm, last(&c.param_distance_rel))
        })
        .collect();
    bounds.sort_by(f64::total_cmp);
    let condition_number = (!bounds.is_empty()).then(|| bounds[bounds.len() / 2]);
    let mut notes = Vec::new();
    for c in curves.iter().filter(|c| c.kind == TwinKind::NoFlip) {
        let zero = c
            .param_distance
            .iter()
            .chain(&c.logit_distance)
            .all(|&d| d == 0.0);
        notes.push(if zero {
            format!("{}: the twin without a flip stayed at distance exactly 0 at all {} recorded steps (training is deterministic)", c.label, c.steps.len())
        } else {
            format!("{}: the twin without a flip moved away from the base run: training is NOT deterministic here", c.label)
        });
    }
    let twin_level = mean_last(&twins, |c| &c.param_distance_rel).unwrap_or(f64::NAN);
    let independent_level = mean_last(&independent, |c| &c.param_distance_rel);
    if let Some(ind) = independent_level {
        notes.push(format!(
            "twins end at {:.0}% of the parameter distance of independently seeded runs ({twin_level:.3e} vs {ind:.3e}, relative)",
            100.0 * twin_level / ind
        ));
    }
    notes.push(format!("base run: {base_acc:.2}% test accuracy"));
    InstabilityReport {
        title: format!(
            "runvar instability: {}",
            base.preset
                .clone()
                .unwrap_or_else(|| base.data.dataset.name().into())
        ),
        task: format!(
            "{}, {} epochs of {} steps, lr {}, batch {}; {} bit-flipped twins, {} independent runs",
            base.data.dataset.name(),
            base.train.epochs,
            followed.steps_per_epoch,
            base.train.lr,
            base.train.batch_size,
            twins.len(),
            independent.len()
        ),
        steps_per_epoch: followed.steps_per_epoch,
        initial_norm: followed.initial_norm,
        flip_sizes,
        growth,
        saturation_step: saturation,
        twin_level,
        independent_level,
        twin_disagreement: mean_last(&twins, |c| &c.disagreement).unwrap_or(f64::NAN),
        independent_disagreement: mean_last(&independent, |c| &c.disagreement),
        condition_number,
        condition_number_basis: "median over twins of (||theta'_T - theta_T|| / ||theta_T||) / \
            (||theta'_0 - theta_0|| / ||theta_0||), L2 norm over all trainable parameters \
            (BatchNorm running statistics excluded), theta the base run"
            .into(),
        curves,
        notes,
    }
}

/// Run `runvar instability`.
pub fn run(a: InstabilityArgs) -> anyhow::Result<Outcome> {
    if let Some(SweepCommand::Sweep(s)) = a.sweep {
        return sweep(s);
    }
    let mut base = match (&a.preset, &a.spec) {
        (_, Some(path)) => RunSpec::from_toml_file(path)?,
        (name, None) => RunSpec::from_preset(name.as_deref().unwrap_or(DEFAULT_PRESET))?,
    };
    if let Some(dir) = &a.data_dir {
        base.data.dir = Some(dir.clone());
    }
    base.train.epochs = a.epochs.unwrap_or(base.train.epochs);
    base.threads = a
        .threads
        .unwrap_or(if base.threads == 0 { 1 } else { base.threads });
    base.bit_flip = None;
    base.validate()?;
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
    let mut followers = Vec::new();
    for k in 1..=a.twins as u64 {
        let mut spec = base.clone();
        spec.bit_flip = Some(BitFlipSpec {
            seed: k,
            param: None,
        });
        followers.push(lockstep::Follower {
            label: format!("flip {k}"),
            kind: TwinKind::BitFlip,
            spec,
        });
    }
    followers.push(lockstep::Follower {
        label: "no flip".into(),
        kind: TwinKind::NoFlip,
        spec: base.clone(),
    });
    for r in 1..=a.independent as u64 {
        let mut spec = base.clone();
        let s = &mut spec.seeds;
        (s.init, s.shuffle, s.augment, s.dropout, s.low_level) = (r, r, r, r, r);
        followers.push(lockstep::Follower {
            label: format!("seed {r}"),
            kind: TwinKind::Independent,
            spec,
        });
    }
    // Before training: an output folder that cannot be written fails now, not after it.
    check_writable(&out)?;
    let prepared = data::prepare(&base).context("loading the dataset")?;
    // The flip sizes, from the twins' own bit-flip records.
    let mut flip_sizes = Vec::new();
    for f in followers.iter().filter(|f| f.kind == TwinKind::BitFlip) {
        let t = runvar_engine::train::Trainer::new(&f.spec, &prepared)?;
        let rec = t.bit_flip().expect("twins have a flip");
        flip_sizes.push(
            (f32::from_bits(rec.new_bits) as f64 - f32::from_bits(rec.old_bits) as f64).abs(),
        );
    }
    let spe =
        runvar_core::schedule::steps_per_epoch(prepared.dataset.train.len(), base.train.batch_size);
    let total = spe * base.train.epochs;
    let record = lockstep::record_steps(spe, total);
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if a.quiet || a.json {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "[{{elapsed_precise}}] {{bar:30}} {{pos}}/{{len}} steps of {} runs in lockstep, eta {{eta}}",
            followers.len() + 1
        ))
        .expect("valid template"),
    );
    let followed = lockstep::follow(&base, &followers, &prepared, &record, |step, _| {
        bar.set_position(step as u64)
    })?;
    bar.finish_and_clear();
    let base_acc = followed.base_accuracy;
    let r = report(&base, followed, flip_sizes, base_acc);
    write_all(&[
        (
            out.join("instability.json"),
            runvar_core::store::to_versioned_json(&r),
        ),
        (out.join("report.md"), render_instability_markdown(&r)),
        (out.join("report.html"), render_instability_html(&r)),
        (out.join("instability.svg"), curves_svg(&r)),
    ])?;
    let mut stdout = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut stdout, &runvar_core::store::versioned(&r))?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{}", render_instability_table(&r))?;
        writeln!(stdout, "\nreport: {}", out.join("report.html").display())?;
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
        if !a.quiet && !a.json {
            eprintln!("runvar: sweep configuration {} ({})", c.name, c.about);
        }
        let workers = super::study::worker_count(&study, a.workers)?;
        let (failed, survey) = super::study::execute(&study, &dir, workers, a.quiet || a.json)?;
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
    if a.json {
        serde_json::to_writer_pretty(&mut stdout, &runvar_core::store::versioned(&doc))?;
        writeln!(stdout)?;
    } else {
        write!(stdout, "{table}")?;
    }
    for f in &failures {
        eprintln!("runvar: {f}");
    }
    Ok(if failures.is_empty() {
        Outcome::Done
    } else {
        Outcome::SomeFailed
    })
}
