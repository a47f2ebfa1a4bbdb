//! `runvar analyze`: the metrics of runs made anywhere.

use std::io::Write;

use runvar_core::analysis::{self, AnalyzeInputs};
use runvar_core::report::StudyReport;
use runvar_core::stats::Bootstrap;
use runvar_core::study::CKA_ESTIMATOR;

use crate::args::AnalyzeArgs;
use crate::Outcome;

/// Run `runvar analyze`.
pub fn run(a: AnalyzeArgs) -> anyhow::Result<Outcome> {
    super::check_bootstrap(a.bootstrap)?;
    let loaded = analysis::load_inputs(&AnalyzeInputs {
        inputs: a.inputs,
        labels: a.labels,
        features: a.features,
    })?;
    let (runs, labels) = (loaded.runs, loaded.labels);
    if let Some(free) = runvar_core::machine::available_memory() {
        // A small file can stack a million tiny runs: the N x N tables are what grows.
        runvar_core::machine::check_size(
            "runs",
            runs.len() as u64,
            "the pairwise tables of that many runs",
            free,
            |n| 12.0 * 8.0 * n as f64 * n as f64,
        )?;
    }
    let boot = Bootstrap {
        resamples: a.bootstrap,
        ..Bootstrap::default()
    };
    let row =
        analysis::analyze_condition(&a.name, Vec::new(), &runs, &labels, &boot, CKA_ESTIMATOR)?;
    let mut stdout = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer_pretty(&mut stdout, &runvar_core::store::versioned(&row))?;
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
        ..StudyReport::default()
    };
    write!(stdout, "{}", runvar_core::report::render_table(&report))?;
    Ok(Outcome::Done)
}
