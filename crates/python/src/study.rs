//! `runvar.load_study`'s reading of a study directory: its conditions, and its counted runs as
//! `runs.csv` has them ([`runvar_core::study::runs_csv`] over a [`Survey`], so the same runs
//! count as for `runvar report`: finished, every file matching its checksum, trained for this
//! study). The package turns the CSV into typed dicts and loads logits lazily with numpy.

use std::path::PathBuf;

use pyo3::exceptions::{PyFileNotFoundError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use runvar_core::store::StudyDir;
use runvar_core::study::{runs_csv, StudySpec, Survey};

use crate::errors::Error;
use crate::worker;

/// What a study directory holds, read and checked.
struct Read {
    conditions: Vec<String>,
    replicas: usize,
    bootstrap: usize,
    runs_csv: String,
    rejected: Vec<(String, String)>,
    unfinished: usize,
}

/// The study in `path`: a dict of `conditions` (names, in study order), `replicas`,
/// `bootstrap`, `runs_csv` (the text of `runs.csv` for the counted runs), `rejected`
/// (`(run directory, reason)` pairs) and `unfinished` (runs not trained yet).
#[pyfunction]
pub fn load_study(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    if !path.is_dir() {
        return Err(if path.exists() {
            PyValueError::new_err(format!(
                "{}: is a file; give the directory runvar study wrote",
                path.display()
            ))
        } else {
            PyFileNotFoundError::new_err(format!("{}: no such directory", path.display()))
        });
    }
    if !StudyDir::at(&path).spec_path().is_file() {
        return Err(PyValueError::new_err(format!(
            "{}: not a study directory (no {}); give the directory runvar study wrote",
            path.display(),
            StudyDir::SPEC
        )));
    }
    let read = worker::run(py, move || -> Result<Read, Error> {
        let spec = StudySpec::load(&path)
            .map_err(|e| Error::Input(e.to_string()))?
            .ok_or_else(|| Error::Input(format!("{}: no study.json", path.display())))?;
        let survey = Survey::of(&spec, &path);
        Ok(Read {
            conditions: spec.conditions.iter().map(|c| c.name.clone()).collect(),
            replicas: spec.replicas,
            bootstrap: spec.bootstrap,
            runs_csv: runs_csv(&path, &spec, &survey),
            rejected: survey
                .rejected()
                .into_iter()
                .map(|(dir, why)| (dir.display().to_string(), why))
                .collect(),
            unfinished: survey.to_train().len(),
        })
    })??;
    let d = PyDict::new(py);
    d.set_item("conditions", read.conditions)?;
    d.set_item("replicas", read.replicas)?;
    d.set_item("bootstrap", read.bootstrap)?;
    d.set_item("runs_csv", read.runs_csv)?;
    d.set_item("rejected", read.rejected)?;
    d.set_item("unfinished", read.unfinished)?;
    Ok(d)
}
