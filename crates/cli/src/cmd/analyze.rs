//! `runvar analyze`: the metrics of runs made anywhere.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use runvar_core::analysis::{self, RunOutputs};
use runvar_core::report::StudyReport;
use runvar_core::stats::Bootstrap;
use runvar_core::study::CKA_ESTIMATOR;

use crate::args::AnalyzeArgs;
use crate::Outcome;

fn is_npy(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "npy")
}

/// Run `runvar analyze`.
pub fn run(a: AnalyzeArgs) -> anyhow::Result<Outcome> {
    if a.inputs.len() < 2 {
        bail!("give at least two runs: pairwise metrics need two");
    }
    let mut runs: Vec<RunOutputs> = Vec::new();
    let mut labels = None;
    let mut labels_path = None;
    if a.inputs.iter().all(|p| is_npy(p)) {
        let lp = a
            .labels
            .clone()
            .context("--labels FILE is required with .npy logits (a 1-D integer array)")?;
        if !a.features.is_empty() && a.features.len() != a.inputs.len() {
            bail!(
                "{} feature files for {} logit files; give one --features file per run, in the same order",
                a.features.len(),
                a.inputs.len()
            );
        }
        for (i, p) in a.inputs.iter().enumerate() {
            let (logits, n, classes) = analysis::read_matrix(p, "logits")?;
            let features = match a.features.get(i) {
                Some(fp) => {
                    let (f, fn_, d) = analysis::read_matrix(fp, "features")?;
                    if fn_ != n {
                        bail!("{}: {fn_} rows but {} has {n}", fp.display(), p.display());
                    }
                    Some((f, d))
                }
                None => None,
            };
            runs.push(RunOutputs {
                source: p.clone(),
                logits,
                n,
                classes,
                features,
            });
        }
        labels = Some(analysis::read_labels(&lp, runs[0].classes)?);
        labels_path = Some(lp);
    } else if a.inputs.iter().all(|p| p.is_dir()) {
        for p in &a.inputs {
            let (r, l) = analysis::load_run_dir(p)?;
            if labels.as_ref().is_some_and(|prev: &Vec<i64>| *prev != l) {
                bail!("{}: labels.npy differs from the first run's; runs must score the same test set", p.display());
            }
            labels = Some(l);
            labels_path = Some(p.join("labels.npy"));
            runs.push(r);
        }
    } else {
        let bad = a
            .inputs
            .iter()
            .find(|p| !p.is_dir() && !is_npy(p))
            .unwrap_or(&a.inputs[0]);
        bail!(
            "{}: neither a run directory nor a .npy file (give all run directories or all .npy files)",
            bad.display()
        );
    }
    let labels = labels.expect("set above");
    let labels_path = labels_path.expect("set above");
    analysis::check_runs(&runs, &labels, &labels_path)?;
    let boot = Bootstrap {
        resamples: a.bootstrap,
        ..Bootstrap::default()
    };
    let row =
        analysis::analyze_condition(&a.name, Vec::new(), &runs, &labels, &boot, CKA_ESTIMATOR)?;
    let mut stdout = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut stdout, &row)?;
        writeln!(stdout)?;
        return Ok(Outcome::Done);
    }
    let report = StudyReport {
        title: format!("runvar analyze: {} runs", runs.len()),
        task: format!("{} test examples, {} classes", runs[0].n, runs[0].classes),
        replicas: runs.len(),
        cka_estimator: "unbiased".into(),
        confidence: boot.level,
        conditions: vec![row],
        notes: Vec::new(),
        environment: String::new(),
        mitigations: Vec::new(),
        runs_csv: String::new(),
    };
    write!(stdout, "{}", runvar_core::report::render_table(&report))?;
    Ok(Outcome::Done)
}
