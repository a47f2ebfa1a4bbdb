//! What `runvar analyze` reads: runvar run directories, or `.npy` and `.npz` arrays saved by
//! any framework.
//!
//! The rules (`runvar analyze --help` and the README say the same):
//! - the inputs are all run directories, or all array files (`.npy`, `.npz`), not both; a
//!   path that does not exist, a directory that is not a finished run directory (a study
//!   directory, a folder of runs, a run that did not finish) and a file of another kind are
//!   refused, each message saying which of these the path is;
//! - every file or directory is given once: the same one twice under any spelling (`a.npy`
//!   and `./a.npy`, a symbolic or hard link to it), as inputs or as `--features`, or one file
//!   in two roles (input, `--labels`, `--features`), is refused, naming both spellings. A run
//!   compared with itself would agree perfectly. Two different files that hold the same
//!   numbers are accepted: that is what a deterministic control gives;
//! - a run directory carries its own `labels.npy` and `features.npy`: with run directories,
//!   `--labels` is a check (it must agree with every run's labels) and `--features` is
//!   refused; features are used when every run has them, and a run without them beside runs
//!   with them is refused;
//! - a 2-D `(n, C)` array is one run; a 3-D `(N, n, C)` array, as `np.save(path,
//!   np.stack(runs))` writes it, is N runs, N >= 2: a stack of one is refused (drop the axis or
//!   stack more runs), and so is an empty one;
//! - each member of an `.npz` is one run or a stack of runs, in archive order, except `labels`
//!   (the labels when `--labels` is not given; they must agree when it is, and across
//!   archives), `features` (the features of the archive's only logits member) and
//!   `features_NAME` (the features of member `NAME`); two members of one name are refused;
//! - `--features` files (`.npy` or `.npz`) expand the same way, in order, to one `(n, d)`
//!   matrix per run; features come from the archives or from `--features`, for every run or
//!   for none;
//! - runs are named by file and stack index in messages: `logits.npy[3]`,
//!   `runs.npz:logits.npy[3]`;
//! - arrays handed over in memory (the Python package) follow the same rules, named as the
//!   package names its arguments (`logits[3]`, `labels`): [`load_arrays`].

use std::path::PathBuf;

use super::arrays::{is_ext, label_difference, read_all, read_archive, same_labels, split, Found};
use super::load::{check_labels, check_runs, labels_of, load_run_dir};
use super::{invalid, AnalysisError, RunOutputs};
use crate::store::{npy, RunFiles};

mod memory;
mod paths;

pub use memory::{labels_array, load_arrays, matrix_array, NamedArray};
use paths::{check_paths, describe_dir, describe_file};

/// What `runvar analyze` was given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnalyzeInputs {
    /// Run directories, or `.npy`/`.npz` files of logits.
    pub inputs: Vec<PathBuf>,
    /// A 1-D integer `.npy` of labels (`--labels`).
    pub labels: Option<PathBuf>,
    /// Feature files (`--features`), expanding to one matrix per run, in order.
    pub features: Vec<PathBuf>,
}

/// Runs checked against each other and against their labels, ready for
/// [`super::analyze_condition`].
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedRuns {
    /// At least two runs of one shape.
    pub runs: Vec<RunOutputs>,
    /// One label per example, in `0..classes`.
    pub labels: Vec<i64>,
    /// Where the labels came from (for messages).
    pub labels_source: PathBuf,
}

/// Load the runs `runvar analyze` was given, by the rules of this module.
///
/// # Errors
/// [`AnalysisError`] naming the file, member or stack index at fault, or saying which input is
/// missing (labels, a second run), given twice, or of the wrong kind.
pub fn load_inputs(a: &AnalyzeInputs) -> Result<LoadedRuns, AnalysisError> {
    check_paths(a)?;
    let first_dir = a.inputs.iter().find(|p| p.is_dir());
    let first_file = a.inputs.iter().find(|p| !p.is_dir());
    match (first_dir, first_file) {
        (Some(dir), Some(file)) => Err(invalid(
            dir,
            format!(
                "{}, given with a file ({}); give run directories or .npy/.npz files, not both",
                describe_dir(dir),
                file.display()
            ),
        )),
        (Some(_), None) => from_dirs(a),
        _ => {
            if let Some(p) = a
                .inputs
                .iter()
                .find(|p| !is_ext(p, "npy") && !is_ext(p, "npz"))
            {
                return Err(invalid(p, describe_file(p)));
            }
            from_files(a)
        }
    }
}

/// Refuse fewer than two runs. `features_given`: the runs may have been taken by
/// `--features`, which takes every path after it.
fn too_few(runs: &[RunOutputs], features_given: bool) -> Result<(), AnalysisError> {
    let hint = if features_given { GREEDY_FEATURES } else { "" };
    match runs {
        [] => Err(AnalysisError::Inputs(format!(
            "no runs given; pairwise metrics need at least two{hint}"
        ))),
        [one] => Err(AnalysisError::Inputs(format!(
            "only one run ({}); pairwise metrics need at least two: give more files or stack runs \
             as (N, n, C){hint}",
            one.source.display()
        ))),
        _ => Ok(()),
    }
}

const GREEDY_FEATURES: &str =
    " (--features takes every path after it, up to the next option: give the runs before it)";

/// Refuse features for some runs but not others (the CKA column would quietly go empty).
fn features_for_all_or_none(runs: &[RunOutputs], none_means: &str) -> Result<(), AnalysisError> {
    let with = runs.iter().filter(|r| r.features.is_some()).count();
    match runs.iter().find(|r| r.features.is_none()) {
        Some(without) if with > 0 => Err(AnalysisError::Inputs(format!(
            "features for {with} of {} runs (none for {}{none_means}); give features for every \
             run or for none",
            runs.len(),
            without.source.display()
        ))),
        _ => Ok(()),
    }
}

fn from_dirs(a: &AnalyzeInputs) -> Result<LoadedRuns, AnalysisError> {
    if let Some(f) = a.features.first() {
        return Err(invalid(
            f,
            format!(
                "--features with run directories: each run directory holds its own features.npy \
                 ({}); --features is for .npy/.npz inputs",
                RunFiles::at(&a.inputs[0]).features().display()
            ),
        ));
    }
    if let Some(d) = a.inputs.iter().find(|d| !RunFiles::at(d).is_complete()) {
        return Err(invalid(d, describe_dir(d)));
    }
    let mut runs = Vec::new();
    let mut found: Found = None;
    for p in &a.inputs {
        let (r, l) = load_run_dir(p)?;
        same_labels(&mut found, l, &RunFiles::at(p).labels())?;
        runs.push(r);
    }
    too_few(&runs, false)?;
    let (labels, labels_source) = found.expect("at least two runs were loaded");
    if let Some(p) = &a.labels {
        let given = labels_of(npy::read(p)?, p)?;
        if given != labels {
            return Err(invalid(
                p,
                format!(
                    "differs from {} ({}); with run directories, --labels only checks that the \
                     runs scored these labels",
                    labels_source.display(),
                    label_difference(&given, &labels)
                ),
            ));
        }
    }
    features_for_all_or_none(&runs, ": no features.npy")?;
    check_runs(&runs, &labels, &labels_source)?;
    Ok(LoadedRuns {
        runs,
        labels,
        labels_source,
    })
}

fn from_files(a: &AnalyzeInputs) -> Result<LoadedRuns, AnalysisError> {
    let mut logits = Vec::new();
    let mut paired = Vec::new();
    let mut found = None;
    for p in &a.inputs {
        if is_ext(p, "npz") {
            read_archive(p, &mut logits, &mut paired, &mut found)?;
        } else {
            let runs = split(npy::read(p)?, p, "logits")?;
            paired.extend(runs.iter().map(|_| None));
            logits.extend(runs);
        }
    }
    let mut runs: Vec<RunOutputs> = logits
        .into_iter()
        .map(|m| RunOutputs {
            source: m.source,
            logits: m.values,
            n: m.n,
            classes: m.cols,
            features: None,
        })
        .collect();
    too_few(&runs, !a.features.is_empty())?;
    let features = if a.features.is_empty() {
        paired
    } else {
        if let Some(inside) = paired.iter().flatten().next() {
            return Err(invalid(
                &inside.source,
                format!(
                    "features both inside the .npz and in --features ({}); give them once",
                    a.features[0].display()
                ),
            ));
        }
        let f = read_all(&a.features, "features")?;
        if f.len() != runs.len() {
            return Err(AnalysisError::Inputs(format!(
                "{} feature matrices from --features for {} runs; give one (n, d) per run, or \
                 stacks of them, in the same order as the logits{}",
                f.len(),
                runs.len(),
                if f.len() > runs.len() {
                    GREEDY_FEATURES
                } else {
                    ""
                }
            )));
        }
        f.into_iter().map(Some).collect()
    };
    for (run, f) in runs.iter_mut().zip(features) {
        if let Some(f) = f {
            if f.n != run.n {
                return Err(invalid(
                    &f.source,
                    format!("{} rows but {} has {}", f.n, run.source.display(), run.n),
                ));
            }
            run.features = Some((f.values, f.cols));
        }
    }
    features_for_all_or_none(&runs, "")?;
    let (labels, labels_source) = match (&a.labels, found) {
        (Some(p), inner) => {
            let labels = labels_of(npy::read(p)?, p)?;
            if let Some((other, source)) = inner {
                if other != labels {
                    return Err(invalid(
                        &source,
                        format!(
                            "differs from --labels {} ({})",
                            p.display(),
                            label_difference(&other, &labels)
                        ),
                    ));
                }
            }
            (labels, p.clone())
        }
        (None, Some(inner)) => inner,
        (None, None) => {
            return Err(AnalysisError::Inputs(
                "no labels: give --labels FILE (a 1-D integer .npy), or save them in the .npz \
                 as `labels`"
                    .into(),
            ))
        }
    };
    LoadedRuns::checked(runs, labels, labels_source)
}

impl LoadedRuns {
    /// `runs` with their `labels` (read from `labels_source`), once the labels are in range of
    /// the runs' classes and every run has a row per label.
    ///
    /// # Errors
    /// [`AnalysisError`] naming `labels_source` or the run at fault.
    pub(crate) fn checked(
        runs: Vec<RunOutputs>,
        labels: Vec<i64>,
        labels_source: PathBuf,
    ) -> Result<LoadedRuns, AnalysisError> {
        check_labels(&labels, runs[0].classes, &labels_source)?;
        check_runs(&runs, &labels, &labels_source)?;
        Ok(LoadedRuns {
            runs,
            labels,
            labels_source,
        })
    }
}

#[cfg(test)]
mod tests;
