//! `runvar train`: one run, written atomically to its own directory.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use runvar_core::data;
use runvar_core::metrics::accuracy_and_cross_entropy;
use runvar_core::runspec::RunSpec;
use runvar_core::store::{self, RunDirWriter};

use crate::args::TrainArgs;
use crate::progress::RunProgress;

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
    let spec = a.run_spec()?;
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
    let task = data::prepare_task(&spec).context("loading the dataset")?;
    let mut progress = RunProgress::new(a.output.silent(), spec.train.epochs);
    let outcome = runvar_engine::task::train(&spec, &task, &mut |event| progress.on_event(&event))?;
    progress.finish();
    let dir = outcome
        .write(writer)
        .with_context(|| format!("writing the run directory {}", out.display()))?;

    let mut stdout = std::io::stdout().lock();
    if a.output.json {
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
    if let Some(lm) = &r.lm {
        writeln!(
            stdout,
            "perplexity: valid {:.3}  test {:.3} ({} test tokens); the window's {} tokens are \
             logits.npy",
            lm.valid_perplexity, lm.test_perplexity, lm.test_tokens, r.n_test
        )?;
    }
    if let Some(f) = &r.bit_flip {
        writeln!(
            stdout,
            "bit flip: {}[{}] {:#010x} -> {:#010x} ({})",
            f.param, f.index, f.old_bits, f.new_bits, f.direction
        )?;
    }
    if let Some(d) = &r.data {
        writeln!(
            stdout,
            "data: seed {}, {} examples per epoch, {} distinct of {}",
            d.seed, d.examples, d.distinct, d.of
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
