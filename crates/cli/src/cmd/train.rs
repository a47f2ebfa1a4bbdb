//! `runvar train`: one run, written atomically to its own directory.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use runvar_core::data;
use runvar_core::metrics::accuracy_and_cross_entropy;
use runvar_core::spec::{BitFlipSpec, RunSpec};
use runvar_core::store::{self, RunDirWriter};
use runvar_core::tta::Tta;
use runvar_engine::train::Trainer;

use crate::args::{OnOff, TrainArgs};
use crate::progress::RunProgress;

/// Turn the arguments into a validated spec: preset or file, then the flags on top.
pub fn spec_from_args(a: &TrainArgs) -> anyhow::Result<RunSpec> {
    let mut spec = match (&a.preset, &a.spec) {
        (Some(name), _) => RunSpec::from_preset(name)?,
        (None, Some(path)) => RunSpec::from_toml_file(path)?,
        (None, None) => anyhow::bail!("give --preset NAME or --spec FILE"),
    };
    let s = &mut spec.seeds;
    s.init = a.seed_init.unwrap_or(s.init);
    s.shuffle = a.seed_shuffle.unwrap_or(s.shuffle);
    s.augment = a.seed_augment.unwrap_or(s.augment);
    s.dropout = a.seed_dropout.unwrap_or(s.dropout);
    s.low_level = a.seed_low_level.unwrap_or(s.low_level);
    if let Some(on) = a.low_level {
        spec.low_level = on == OnOff::On;
    }
    if let Some(seed) = a.bit_flip {
        spec.bit_flip = Some(BitFlipSpec {
            seed,
            param: a.bit_flip_param.clone(),
        });
    }
    if let Some(dir) = &a.data_dir {
        spec.data.dir = Some(dir.clone());
    }
    spec.train.epochs = a.epochs.unwrap_or(spec.train.epochs);
    spec.data.train_limit = a.train_limit.or(spec.data.train_limit);
    spec.data.test_limit = a.test_limit.or(spec.data.test_limit);
    spec.threads = a.threads.unwrap_or(spec.threads);
    if let Some(d) = a.device {
        spec.device = d.into();
    }
    if let Some(p) = a.precision {
        spec.train.precision = p.into();
    }
    if let Some(l) = a.layout {
        spec.train.layout = l.into();
    }
    if let Some(c) = a.cycles {
        spec.train.cycles = c;
    }
    if let Some(names) = &a.tta {
        spec.tta = names
            .iter()
            .map(|n| {
                Tta::parse(n).with_context(|| {
                    format!(
                        "--tta: unknown test-time augmentation `{n}`; use flip, crop25, crop81, \
                         flip-crop25, flip-crop81, grid<step> or flip-grid<step>"
                    )
                })
            })
            .collect::<anyhow::Result<_>>()?;
    }
    spec.validate()?;
    Ok(spec)
}

/// `runs/<name>-<YYYYmmdd-HHMMSS>` in UTC.
fn default_out(spec: &RunSpec) -> PathBuf {
    let name = spec.preset.clone().unwrap_or_else(|| "run".into());
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    PathBuf::from("runs").join(format!(
        "{name}-{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// Run `runvar train`.
pub fn run(a: TrainArgs) -> anyhow::Result<crate::Outcome> {
    let spec = spec_from_args(&a)?;
    // Sized from the spec before anything is built or written.
    runvar_engine::memory::check_fits(&spec, 1, runvar_engine::device::tch_device(spec.device)?)?;
    let out = a.out.clone().unwrap_or_else(|| default_out(&spec));
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    // What an interrupted `runvar train` into this folder left behind.
    for stale in store::abandoned_temporaries(parent) {
        std::fs::remove_dir_all(&stale)
            .with_context(|| format!("{}: cannot remove", stale.display()))?;
    }
    // Before any training: a destination that exists or cannot be written (a read-only
    // folder, a name too long) is refused now, not after the run.
    let writer = RunDirWriter::create(&out)?;
    let prepared = data::prepare(&spec).context("loading the dataset")?;
    let trainer = Trainer::new(&spec, &prepared)?;
    let mut progress = RunProgress::new(a.quiet || a.json, spec.train.epochs);
    let outcome = trainer.run(&mut |event| progress.on_event(&event))?;
    progress.finish();
    let dir = outcome
        .write(writer)
        .with_context(|| format!("writing the run directory {}", out.display()))?;

    let mut stdout = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer(&mut stdout, &runvar_core::store::versioned(&outcome.record))?;
        writeln!(stdout)?;
        return Ok(crate::Outcome::Done);
    }
    let r = &outcome.record;
    writeln!(
        stdout,
        "test accuracy {:.2}%  cross-entropy {:.4}  params {}  wall {:.1} s",
        100.0 * r.test_accuracy,
        r.test_cross_entropy,
        r.param_count,
        r.wall_seconds
    )?;
    if let Some(f) = &r.bit_flip {
        writeln!(
            stdout,
            "bit flip: {}[{}] {:#010x} -> {:#010x} ({})",
            f.param, f.index, f.old_bits, f.new_bits, f.direction
        )?;
    }
    let (labels, classes) = (&outcome.labels, r.classes);
    for (t, logits) in &outcome.tta {
        let (acc, ce) = accuracy_and_cross_entropy(logits, labels, classes);
        writeln!(
            stdout,
            "with {} TTA: accuracy {:.2}%  cross-entropy {:.4}",
            t.name(),
            100.0 * acc,
            ce
        )?;
    }
    if !outcome.snapshots.is_empty() {
        let c = outcome.snapshots.len();
        let mean: Vec<f32> = (0..outcome.logits.len())
            .map(|i| {
                (outcome
                    .snapshots
                    .iter()
                    .map(|s| s.logits[i] as f64)
                    .sum::<f64>()
                    / c as f64) as f32
            })
            .collect();
        let (acc, ce) = accuracy_and_cross_entropy(&mean, labels, classes);
        writeln!(
            stdout,
            "snapshot ensemble of {c}: accuracy {:.2}%  cross-entropy {ce:.4}",
            100.0 * acc
        )?;
    }
    writeln!(stdout, "params sha256 {}", r.param_hash)?;
    writeln!(stdout, "run written to {}", dir.display())?;
    Ok(crate::Outcome::Done)
}
