//! The mitigation table's rows, measured from a study's runs (docs/protocol.md section 7).

use std::path::Path;

use crate::analysis::{analyze_condition, check_runs, read_run_dir, AnalysisError};
use crate::metrics::{variability_reduction, FiveMetrics};
use crate::report::{ConditionReport, MitigationRow};
use crate::runspec::Tta;
use crate::stats::Bootstrap;
use crate::store::RunFiles;

use super::{StudySpec, Survey, CKA_ESTIMATOR, SNAPSHOT_CONDITION};

/// Average `[c, n, k]` stacked logits over `c` (in f64, so identical snapshots give back their
/// logits exactly).
fn mean_of_stack(stack: &[f32], c: usize) -> Vec<f32> {
    let len = stack.len() / c.max(1);
    (0..len)
        .map(|i| ((0..c).map(|k| stack[k * len + i] as f64).sum::<f64>() / c as f64) as f32)
        .collect()
}

/// Read a run's stacked snapshot logits (`[c, n, k]`) as `c` and the flat values.
fn read_stack(path: &Path) -> Result<(usize, Vec<f32>), AnalysisError> {
    let arr = crate::store::npy::read(path)?;
    let c = arr.shape.first().copied().unwrap_or(0);
    if arr.shape.len() != 3 || c == 0 {
        return Err(AnalysisError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "snapshot logits must be snapshots x examples x classes, found {:?}",
                arr.shape
            ),
        });
    }
    Ok((c, arr.into_f32(path)?))
}

fn five(r: &ConditionReport) -> FiveMetrics {
    FiveMetrics {
        sd_accuracy: r.acc_sd,
        sd_cross_entropy: r.ce_sd,
        disagreement: r.disagreement,
        correlation: r.correlation,
        ensemble_gain: r.ensemble_gain,
    }
}

/// The mitigation table (docs/protocol.md section 7) from the `all` runs (single model and TTA) and
/// the `snapshot` runs (snapshot ensembles, alone and with TTA, and their last snapshot).
pub(super) fn mitigation_rows(
    survey: &Survey,
    study: &StudySpec,
    boot: &Bootstrap,
) -> Result<Vec<MitigationRow>, AnalysisError> {
    if study.mitigations.is_empty() {
        return Ok(Vec::new());
    }
    let image_2d = study.run.data.dataset != crate::runspec::DatasetName::Mnist1d;
    let finished = |name: &str| -> Vec<std::path::PathBuf> {
        study
            .conditions
            .iter()
            .position(|c| c.name == name)
            .map(|c| survey.counted(c).iter().map(|r| r.dir.clone()).collect())
            .unwrap_or_default()
    };
    // Rows: (name, training cost, passes, run dirs, how to get a run's logits).
    enum Source {
        Plain,
        Tta(Tta),
        Snapshots(Option<Tta>),
    }
    let mut wanted: Vec<(String, usize, Vec<std::path::PathBuf>, Source)> =
        vec![("single model".into(), 1, finished("all"), Source::Plain)];
    let cycles = study.conditions.iter().find_map(|c| c.cycles).unwrap_or(1);
    for m in &study.mitigations {
        let views = m
            .tta
            .map_or(1, |t| t.views(image_2d).map_or(1, |v| v.len()));
        if m.snapshot {
            wanted.push((
                m.name(),
                cycles * views,
                finished(SNAPSHOT_CONDITION),
                Source::Snapshots(m.tta),
            ));
        } else if let Some(t) = m.tta {
            wanted.push((m.name(), views, finished("all"), Source::Tta(t)));
        }
    }
    if study.mitigations.iter().any(|m| m.snapshot) {
        wanted.push((
            "snapshot (last, single)".into(),
            1,
            finished(SNAPSHOT_CONDITION),
            Source::Plain,
        ));
    }
    let mut rows = Vec::new();
    for (name, passes, dirs, source) in wanted {
        if dirs.len() < 2 {
            continue;
        }
        let mut outputs = Vec::new();
        let mut labels = Vec::new();
        for d in &dirs {
            let files = RunFiles::at(d);
            let (mut o, l) = read_run_dir(d)?;
            o.features = None;
            match &source {
                Source::Plain => {}
                Source::Tta(t) => {
                    o.logits = crate::analysis::read_matrix(&files.tta(&t.name()), "logits")?.0;
                }
                Source::Snapshots(t) => {
                    let file = t.map_or(files.snapshots(), |t| files.snapshots_tta(&t.name()));
                    let (c, stack) = read_stack(&file)?;
                    o.logits = mean_of_stack(&stack, c);
                }
            }
            o.source = d.clone();
            outputs.push(o);
            labels = l;
        }
        check_runs(&outputs, &labels, &RunFiles::at(&dirs[0]).labels())?;
        let metrics = analyze_condition(&name, Vec::new(), &outputs, &labels, boot, CKA_ESTIMATOR)?;
        rows.push(MitigationRow {
            name,
            training_cost: 1.0,
            inference_cost: passes,
            metrics,
            vr: None,
        });
    }
    if let Some(base) = rows.first().map(|r| five(&r.metrics)) {
        for r in rows.iter_mut() {
            let vr = variability_reduction(&base, &five(&r.metrics));
            r.vr = vr.is_finite().then_some(vr);
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ensemble_of_identical_snapshots_is_one_snapshot() {
        let one: Vec<f32> = vec![0.1, -3.7, 1e-7, 12.345_679, -0.0, 7.0];
        for c in [1, 2, 3, 5, 7] {
            let stack: Vec<f32> = (0..c).flat_map(|_| one.iter().copied()).collect();
            let mean = mean_of_stack(&stack, c);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&mean), bits(&one), "{c} identical snapshots");
        }
        // Two different snapshots average element-wise: (1 + 2) / 2, (4 + 8) / 2.
        assert_eq!(mean_of_stack(&[1.0, 4.0, 2.0, 8.0], 2), vec![1.5, 6.0]);
    }
}
