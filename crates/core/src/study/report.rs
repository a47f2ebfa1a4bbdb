//! Build and write a study's report from its stored runs.

use std::path::Path;

use crate::analysis::{
    analyze_condition, check_runs, fill_ratios, read_run_dir, AnalysisError, RunOutputs,
};
use crate::metrics::{variability_reduction, FiveMetrics, HsicEstimator};
use crate::report::{
    render_html, render_markdown, render_mitigation_markdown, ConditionReport, MitigationRow,
    StudyReport,
};
use crate::seed::Source;
use crate::stats::Bootstrap;
use crate::store::{report as store_report, RunFiles, SpecRecord, StudyDir};
use crate::tta::Tta;

use super::{StudySpec, Survey, SNAPSHOT_CONDITION};

/// The CKA estimator the report's table shows. Test sets here are small (449 to 10,000
/// examples) next to feature widths up to 256, where the biased estimator is inflated.
pub const CKA_ESTIMATOR: HsicEstimator = HsicEstimator::Unbiased;

fn describe(study: &StudySpec) -> String {
    let r = &study.run;
    let model = match &r.model {
        crate::spec::ModelSpec::Linear => "linear".to_string(),
        crate::spec::ModelSpec::Mlp { hidden, dropout } => format!(
            "MLP {:?}{}",
            hidden,
            if *dropout > 0.0 {
                format!(" dropout {dropout}")
            } else {
                String::new()
            }
        ),
        crate::spec::ModelSpec::Cnn { .. } => "CNN".to_string(),
        crate::spec::ModelSpec::Resnet { depth, width } => format!("ResNet-{depth} x{width}"),
    };
    format!(
        "{}{}: {model}, {} epochs, batch {}, lr {}, {} replicas per condition, {} thread(s) per run",
        r.data.dataset.name(),
        r.preset.as_ref().map(|p| format!(" (preset {p})")).unwrap_or_default(),
        r.train.epochs,
        r.train.batch_size,
        r.train.lr,
        study.replicas,
        r.threads
    )
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    crate::store::from_versioned_json(&std::fs::read_to_string(path).ok()?).ok()
}

/// Findings in sentences: the control's bit-identity, sources whose spread differs from `all`,
/// how much of `all` a bit flip reproduces, and how many flips changed no prediction.
fn notes(
    rows: &[ConditionReport],
    control_hashes: Option<(usize, usize)>,
    missing: &[String],
    level: f64,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some((distinct, n)) = control_hashes {
        notes.push(if distinct == 1 {
            format!("control: all {n} runs are bit-identical (one parameter hash): training is deterministic with every seed fixed")
        } else {
            format!("control: {n} runs gave {distinct} different parameter hashes: training is NOT deterministic here; every other row is suspect")
        });
    }
    let ci_name = format!("{:.0}% CI", 100.0 * level);
    let all = rows.iter().find(|r| r.name == "all");
    for r in rows {
        if r.name == "all" || r.name == "control" {
            continue;
        }
        // The bit flip's disagreement ratio has a sentence of its own below.
        let dis = (r.name != "bit_flip").then_some((
            "disagreement",
            r.disagreement_ratio_to_all,
            r.disagreement_ratio_ci,
        ));
        let sd = Some(("accuracy SD", r.acc_sd_ratio_to_all, r.acc_sd_ratio_ci));
        for (what, ratio, ci) in sd.into_iter().chain(dis) {
            if let (Some(ratio), Some(ci)) = (ratio, ci) {
                if ci.hi < 1.0 || ci.lo > 1.0 {
                    notes.push(format!(
                        "{}: {what} is {ratio:.2}x that of all sources ({ci_name} {:.2} to {:.2}, excluding 1)",
                        r.name, ci.lo, ci.hi
                    ));
                }
            }
        }
    }
    if let (Some(all), Some(flip)) = (all, rows.iter().find(|r| r.name == "bit_flip")) {
        if all.disagreement > 0.0 {
            let ci = flip
                .disagreement_ratio_ci
                .map(|ci| {
                    format!(
                        " ({ci_name} {:.0}% to {:.0}%)",
                        100.0 * ci.lo,
                        100.0 * ci.hi
                    )
                })
                .unwrap_or_default();
            notes.push(format!(
                "bit_flip: a one-ULP change of one initial weight gives {:.0}%{ci} of the disagreement of all sources together ({:.2}% vs {:.2}%)",
                100.0 * flip.disagreement / all.disagreement,
                flip.disagreement,
                all.disagreement
            ));
        }
    }
    for r in rows {
        if let Some(same) = r.same_predictions_as_control {
            notes.push(match same {
                0 => format!(
                    "{}: every one of its {} runs changes some test prediction of the control",
                    r.name, r.n
                ),
                _ => format!(
                    "{}: {same} of its {} runs predict every test example exactly as the control does: their flip changed no prediction",
                    r.name, r.n
                ),
            });
        }
    }
    let varied: Vec<&ConditionReport> = rows.iter().filter(|r| r.name != "control").collect();
    if varied.len() >= 2 {
        let (lo, hi) = varied.iter().fold((f64::MAX, f64::MIN), |(lo, hi), r| {
            (lo.min(r.acc_sd), hi.max(r.acc_sd))
        });
        notes.push(format!(
            "accuracy SD ranges from {lo:.3} to {hi:.3} points across the {} varied conditions",
            varied.len()
        ));
    }
    for m in missing {
        notes.push(m.clone());
    }
    notes
}

/// Predicted class of each test example of `o` ([`crate::metrics::predictions`]).
fn predictions(o: &RunOutputs) -> Result<Vec<usize>, AnalysisError> {
    crate::metrics::Logits::new(&o.logits, o.n, o.classes)
        .and_then(crate::metrics::predictions)
        .map_err(|source| AnalysisError::Metrics {
            condition: o.source.display().to_string(),
            source,
        })
}

/// Analyse every condition of the study in `dir` from the runs `survey` counts.
///
/// Conditions with fewer than 2 counted runs are left out, with a note; each rejected run is
/// named in a note with the reason.
///
/// # Errors
/// [`AnalysisError`] naming the file or condition at fault.
pub fn build_report(
    dir: &Path,
    study: &StudySpec,
    survey: &Survey,
) -> Result<StudyReport, AnalysisError> {
    let boot = Bootstrap {
        resamples: study.bootstrap,
        ..Bootstrap::default()
    };
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for (run, why) in survey.rejected() {
        let name = run.strip_prefix(dir).unwrap_or(&run);
        missing.push(format!(
            "{}: not counted: {why} (remove the directory to train it again)",
            name.display()
        ));
    }
    let mut control_hashes = None;
    let mut control_predictions: Option<Vec<usize>> = None;
    let mut flip_predictions: Vec<(usize, Vec<Vec<usize>>)> = Vec::new();
    let mut environment = String::new();
    for (c, cond) in study.conditions.iter().enumerate() {
        if cond.name == SNAPSHOT_CONDITION {
            continue; // in the mitigation table
        }
        let done = survey.counted(c);
        if done.len() < study.replicas {
            missing.push(format!(
                "{}: {} of {} runs counted; the row uses those (rerun the study to finish it)",
                cond.name,
                done.len(),
                study.replicas
            ));
        }
        if done.len() < 2 {
            continue;
        }
        let mut outputs: Vec<RunOutputs> = Vec::new();
        let mut labels = Vec::new();
        for r in &done {
            let (o, l) = read_run_dir(&r.dir)?;
            outputs.push(o);
            labels = l;
        }
        check_runs(&outputs, &labels, &done[0].files().labels())?;
        if cond.sources.is_empty() && control_predictions.is_none() {
            control_predictions = Some(predictions(&outputs[0])?);
        }
        if cond.sources.is_empty() {
            let hashes: std::collections::BTreeSet<&str> = survey
                .records()
                .filter(|(r, _)| r.condition == c)
                .map(|(_, rec)| rec.param_hash.as_str())
                .collect();
            control_hashes = Some((hashes.len(), done.len()));
        }
        if environment.is_empty() {
            if let Some(s) = read_json::<SpecRecord>(&done[0].files().spec()) {
                let e = s.environment;
                environment = format!(
                    "runvar {}, libtorch {}, {} thread(s) per run, {}, {} ({})",
                    e.runvar_version, e.libtorch_version, e.threads, e.device, e.cpu, e.os
                );
            }
        }
        let sources = cond
            .sources
            .iter()
            .map(|s: &Source| s.name().to_string())
            .collect();
        if cond.sources == [Source::BitFlip] {
            let runs = outputs.iter().map(predictions).collect::<Result<_, _>>()?;
            flip_predictions.push((rows.len(), runs));
        }
        rows.push(analyze_condition(
            &cond.name,
            sources,
            &outputs,
            &labels,
            &boot,
            CKA_ESTIMATOR,
        )?);
    }
    if let Some(control) = &control_predictions {
        for (row, runs) in flip_predictions {
            rows[row].same_predictions_as_control =
                Some(runs.iter().filter(|p| *p == control).count());
        }
    }
    fill_ratios(&mut rows, "all", &boot);
    Ok(StudyReport {
        title: format!(
            "runvar study: {}",
            study
                .run
                .preset
                .clone()
                .unwrap_or_else(|| study.run.data.dataset.name().to_string())
        ),
        task: describe(study),
        replicas: study.replicas,
        cka_estimator: match CKA_ESTIMATOR {
            HsicEstimator::Unbiased => "unbiased".into(),
            HsicEstimator::Biased => "biased".into(),
        },
        confidence: boot.level,
        notes: notes(&rows, control_hashes, &missing, boot.level),
        conditions: rows,
        environment,
        mitigations: mitigation_rows(survey, study, &boot)?,
        runs_csv: super::runs_csv(dir, study, survey),
    })
}

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
fn mitigation_rows(
    survey: &Survey,
    study: &StudySpec,
    boot: &Bootstrap,
) -> Result<Vec<MitigationRow>, AnalysisError> {
    if study.mitigations.is_empty() {
        return Ok(Vec::new());
    }
    let image_2d = study.run.data.dataset != crate::spec::DatasetName::Mnist1d;
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

/// Write `report.json`, `report.md`, `report.html` and `runs.csv` into `dir`, and each
/// condition's pairwise matrices as `pairwise/<condition>/<metric>.npy` (float64, `N x N`,
/// symmetric, in the units of the report's columns, the diagonal a run with itself), all or
/// nothing ([`crate::store::write_all_atomic`]).
///
/// # Errors
/// The I/O error, with the file in its message.
pub fn write_report(dir: &Path, report: &StudyReport) -> std::io::Result<()> {
    let study = StudyDir::at(dir);
    let json = crate::store::to_versioned_json(report);
    let mut files: Vec<(std::path::PathBuf, Vec<u8>)> = vec![
        (study.file(store_report::JSON), json.into_bytes()),
        (
            study.file(store_report::MARKDOWN),
            (render_markdown(report) + &render_mitigation_markdown(report)).into_bytes(),
        ),
        (
            study.file(store_report::HTML),
            render_html(report).into_bytes(),
        ),
        (
            study.file(StudyDir::RUNS_CSV),
            report.runs_csv.clone().into_bytes(),
        ),
    ];
    for c in &report.conditions {
        let folder = study.pairwise(&c.name);
        std::fs::create_dir_all(&folder)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", folder.display())))?;
        for t in &c.pair_tables {
            let npy = crate::store::npy::encode_f64(&[c.n, c.n], &t.square(c.n));
            files.push((folder.join(format!("{}.npy", t.metric)), npy));
        }
    }
    // All or nothing: a full disk leaves the previous report whole, not half replaced.
    crate::store::write_all_atomic(&files)
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
