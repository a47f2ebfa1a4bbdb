//! `runvar.analyze` and `runvar.table`: one group of runs into a report row, by the function
//! `runvar analyze` and `runvar study` call ([`runvar_core::analysis::analyze_condition`]), and
//! rows into the CLI's terminal table ([`runvar_core::report::render_table`]).

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pythonize::{depythonize, pythonize};
use runvar_core::analysis::{analyze_condition, load_arrays};
use runvar_core::report::{render_table, ConditionReport, StudyReport};
use runvar_core::stats::Bootstrap;
use runvar_core::study::CKA_ESTIMATOR;

use crate::arrays::{Arg, Encoded};
use crate::errors::{check_bootstrap, check_size, Error};
use crate::worker;

/// The report row of `logits` (each one run or a stack) scored against `labels`, with the CKA
/// of `features` when given: what `runvar analyze --json` prints, as a dict (NaN where the JSON
/// has `null`; no `schema_version`).
#[pyfunction]
#[pyo3(signature = (logits, labels, features, name, bootstrap, seed))]
pub fn analyze<'py>(
    py: Python<'py>,
    logits: Vec<Arg<'py>>,
    labels: Arg<'py>,
    features: Vec<Arg<'py>>,
    name: String,
    bootstrap: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyAny>> {
    check_bootstrap(bootstrap)?;
    let (logits, labels, features) = (
        Encoded::all(&logits),
        Encoded::of(&labels),
        Encoded::all(&features),
    );
    let row = worker::run(py, move || -> Result<ConditionReport, Error> {
        let loaded = load_arrays(
            Encoded::decode_all(logits)?,
            labels.decode()?,
            Encoded::decode_all(features)?,
        )?;
        // A small array can stack a million tiny runs: the N x N tables are what grows.
        check_size(
            "runs",
            loaded.runs.len(),
            "the pairwise tables of that many runs",
            |n| 12.0 * 8.0 * n as f64 * n as f64,
        )?;
        let boot = Bootstrap {
            resamples: bootstrap,
            seed,
            ..Bootstrap::default()
        };
        Ok(analyze_condition(
            &name,
            Vec::new(),
            &loaded.runs,
            &loaded.labels,
            &boot,
            CKA_ESTIMATOR,
        )?)
    })??;
    Ok(pythonize(py, &row)?)
}

/// The CLI's table of report rows (a list of row dicts) or of a whole report (a dict with
/// `conditions`, as `report.json` holds it).
#[pyfunction]
#[pyo3(signature = (report, rows, title, task))]
pub fn table(
    report: Option<Bound<'_, PyAny>>,
    rows: Option<Bound<'_, PyAny>>,
    title: String,
    task: String,
) -> PyResult<String> {
    let bad = |what: &str, e: pythonize::PythonizeError| {
        PyValueError::new_err(format!(
            "{what}: not report rows as runvar writes them ({e}); pass the dicts of \
             runvar.analyze or the rows of report.json"
        ))
    };
    let report = match (report, rows) {
        (Some(r), _) => depythonize::<StudyReport>(&r).map_err(|e| bad("report", e))?,
        (None, Some(rows)) => {
            let conditions: Vec<ConditionReport> =
                depythonize(&rows).map_err(|e| bad("rows", e))?;
            StudyReport {
                title,
                task,
                replicas: conditions.iter().map(|c| c.n).max().unwrap_or(0),
                cka_estimator: "unbiased".into(),
                confidence: Bootstrap::default().level,
                conditions,
                ..StudyReport::default()
            }
        }
        (None, None) => return Err(PyValueError::new_err("give a report or rows")),
    };
    Ok(render_table(&report))
}
