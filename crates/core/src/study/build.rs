//! Build a study's report from its stored runs, and write it.

use std::path::Path;

use crate::analysis::{
    adjust_ratio_p_values, analyze_condition, check_runs, fill_ratios, flips, read_run_dir,
    vote_table, AnalysisError, RunOutputs,
};
use crate::metrics::HsicEstimator;
use crate::report::{render_html, render_markdown, render_mitigation_markdown, StudyReport};
use crate::seed::Source;
use crate::stats::Bootstrap;
use crate::store::{report as store_report, SpecRecord, StudyDir};

use super::gallery::gallery;
use super::mitigated::mitigation_rows;
use super::notes::notes;
use super::{StudySpec, Survey, SNAPSHOT_CONDITION};

/// The CKA estimator the report's table shows. Test sets here are small (449 to 10,000
/// examples) next to feature widths up to 256, where the biased estimator is inflated.
pub const CKA_ESTIMATOR: HsicEstimator = HsicEstimator::Unbiased;

fn describe(study: &StudySpec) -> String {
    let r = &study.run;
    let model = match &r.model {
        crate::runspec::ModelSpec::Linear => "linear".to_string(),
        crate::runspec::ModelSpec::Mlp { hidden, dropout } => format!(
            "MLP {:?}{}",
            hidden,
            if *dropout > 0.0 {
                format!(" dropout {dropout}")
            } else {
                String::new()
            }
        ),
        crate::runspec::ModelSpec::Cnn { .. } => "CNN".to_string(),
        crate::runspec::ModelSpec::Resnet { depth, width } => format!("ResNet-{depth} x{width}"),
        crate::runspec::ModelSpec::Lstm {
            hidden,
            layers,
            dropout,
            ..
        } => format!("LSTM {layers}x{hidden} dropout {dropout}"),
        crate::runspec::ModelSpec::Transformer {
            dim, heads, layers, ..
        } => format!("Transformer {layers}x{dim} ({heads} heads)"),
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

/// A language model's perplexities over the runs `done` (from their `record.json`); `None`
/// for classifiers, or when a record cannot be read.
fn perplexity(
    done: &[&crate::study::PlannedRun],
    boot: &Bootstrap,
) -> Option<crate::report::PerplexitySpread> {
    let lm: Vec<crate::store::LmMetrics> = done
        .iter()
        .map(|r| read_json::<crate::store::RunRecord>(&r.files().record())?.lm)
        .collect::<Option<_>>()?;
    crate::report::PerplexitySpread::of(&lm, boot).ok()
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
    // The test set every vote is counted on: the first analysed condition's labels.
    let mut test_labels: Option<Vec<i64>> = None;
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
        let mut row =
            analyze_condition(&cond.name, sources, &outputs, &labels, &boot, CKA_ESTIMATOR)?;
        row.perplexity = perplexity(&done, &boot);
        if *test_labels.get_or_insert_with(|| labels.clone()) != labels {
            row.votes = None; // another test set: its votes do not line up with the others'
        }
        rows.push(row);
    }
    if let Some(control) = &control_predictions {
        for (row, runs) in flip_predictions {
            rows[row].same_predictions_as_control =
                Some(runs.iter().filter(|p| *p == control).count());
        }
    }
    fill_ratios(&mut rows, "all", &boot);
    // 1 - 0.95 is 0.050000000000000044 in binary: rounded, the report says 0.05.
    let alpha = ((1.0 - boot.level) * 1e9).round() / 1e9;
    let multiple_comparisons = adjust_ratio_p_values(&mut rows, "all", alpha);
    let labels = test_labels.unwrap_or_default();
    let votes = vote_table(&rows, &labels);
    let flips = flips(&rows, &labels, "all");
    let gallery = flips
        .as_ref()
        .map(|f| gallery(study, &labels, &f.examples))
        .unwrap_or_default();
    let mut report = StudyReport {
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
        notes: notes(
            &rows,
            control_hashes,
            &missing,
            boot.level,
            multiple_comparisons.as_ref(),
        ),
        conditions: rows,
        environment,
        mitigations: mitigation_rows(survey, study, &boot)?,
        runs_csv: super::runs_csv(dir, study, survey),
        multiple_comparisons,
        flips,
        votes,
        gallery,
    };
    if study.target.is_some() {
        // Where and why a `--target-ci` study stopped, first: it says what N the rows rest on.
        let standing = super::target::standing(study, survey)
            .map_err(|(condition, source)| AnalysisError::Metrics { condition, source })?;
        report
            .notes
            .insert(0, super::target::note(study, &standing));
    }
    Ok(report)
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
