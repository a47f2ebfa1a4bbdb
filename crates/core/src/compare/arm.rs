//! One side of a comparison: which runs it is (a condition of a study directory, or files as
//! `runvar analyze` reads them), read down to each run's test accuracy and cross-entropy, its
//! labels, and its seeds when the runs are runvar's.

use std::path::{Path, PathBuf};

use super::pairing::RunSeeds;
use super::CompareError;
use crate::analysis::{
    load_arrays, load_inputs, read_labels, read_matrix, AnalysisError, AnalyzeInputs, LoadedRuns,
    NamedArray, RunOutputs,
};
use crate::metrics::{per_run, Logits};
use crate::store::{from_versioned_json, RunFiles, SpecRecord, StudyDir};
use crate::study::{StudySpec, Survey};

/// Where one side's runs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArmSource {
    /// A condition of a study directory; `None`: the study's `all` condition, or its only one.
    Study {
        /// The study directory.
        dir: PathBuf,
        /// The condition's name.
        condition: Option<String>,
    },
    /// Run directories, `.npy` or `.npz` files of logits, by the rules of `runvar analyze`.
    Files(Vec<PathBuf>),
}

impl ArmSource {
    /// Read one command-line word: `DIR:COND` (a condition of a study directory), a study
    /// directory (one holding `study.json`), or else a file or run directory. A path that
    /// exists is taken as a path even if it contains `:`.
    ///
    /// # Errors
    /// [`CompareError::Input`] for `DIR:COND` whose `DIR` is missing or not a study.
    pub fn parse(word: &str) -> Result<ArmSource, CompareError> {
        let path = Path::new(word);
        if path.exists() {
            return Ok(if is_study(path) {
                ArmSource::Study {
                    dir: path.to_path_buf(),
                    condition: None,
                }
            } else {
                ArmSource::Files(vec![path.to_path_buf()])
            });
        }
        let Some((dir, cond)) = word.rsplit_once(':') else {
            return Ok(ArmSource::Files(vec![path.to_path_buf()]));
        };
        let dir = Path::new(dir);
        if is_study(dir) && !cond.is_empty() {
            return Ok(ArmSource::Study {
                dir: dir.to_path_buf(),
                condition: Some(cond.to_string()),
            });
        }
        let problem = if !dir.exists() {
            "does not exist"
        } else if cond.is_empty() {
            "is followed by `:` but no condition"
        } else {
            "is not a study directory (no study.json)"
        };
        Err(CompareError::Input(format!(
            "{word}: {} {problem}; give DIR:CONDITION for a condition of a study made by runvar \
             study, a study directory, or .npy/.npz files or run directories",
            dir.display()
        )))
    }
}

fn is_study(dir: &Path) -> bool {
    dir.is_dir() && StudyDir::at(dir).spec_path().is_file()
}

/// One side's runs, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    /// The name the user gave (`runs/study:all`, `a.npy`, `--a (3 files)`).
    pub label: String,
    /// What the runs are, in words, for the report (`condition `all` of study runs/st, 4 of 4
    /// runs`).
    pub description: String,
    /// Where each run came from (run directory, `file.npy[3]`), in run order.
    pub sources: Vec<PathBuf>,
    /// Test accuracy of each run, in percent.
    pub accuracy: Vec<f64>,
    /// Mean test cross-entropy of each run, in nats.
    pub cross_entropy: Vec<f64>,
    /// The test labels every run scored.
    pub labels: Vec<i64>,
    /// Where the labels came from.
    pub labels_source: PathBuf,
    /// Classes (logit columns).
    pub classes: usize,
    /// Each run's seeds, when every run is a runvar run with a readable `spec.json`.
    pub seeds: Option<Vec<RunSeeds>>,
    /// Runs of the condition left out (rejected, unfinished), each with the reason.
    pub notes: Vec<String>,
    /// The study directory and condition, for a study arm (to tell two arms apart).
    pub study: Option<(PathBuf, String)>,
}

impl Arm {
    /// Read the runs of `source`. `labels`: the `--labels` file (the labels of array files; a
    /// check for runvar runs, which carry their own).
    ///
    /// # Errors
    /// [`CompareError`] naming the file, directory or condition at fault; a study condition
    /// with fewer than 2 finished runs is refused.
    pub fn load(
        label: &str,
        source: &ArmSource,
        labels: Option<&Path>,
    ) -> Result<Arm, CompareError> {
        let mut arm = match source {
            ArmSource::Study { dir, condition } => from_study(label, dir, condition.as_deref())?,
            ArmSource::Files(paths) => from_files(label, paths, labels)?,
        };
        if let (Some(p), ArmSource::Study { .. }) = (labels, source) {
            let given = read_labels(p, arm.classes)?;
            if given != arm.labels {
                return Err(CompareError::Input(format!(
                    "--labels {}: differs from the labels of {} ({}); with runvar runs, \
                     --labels only checks the labels the runs scored",
                    p.display(),
                    arm.label,
                    super::label_difference(&given, &arm.labels)
                )));
            }
            arm.labels_source = p.to_path_buf();
        }
        Ok(arm)
    }

    /// An arm of runs handed over as arrays (the Python package), read by
    /// [`load_arrays`]'s rules: each of `logits` one run `(n, C)` or a stack `(N, n, C)`,
    /// scored against `labels`. Arrays record no seeds, so such an arm never pairs.
    ///
    /// # Errors
    /// As [`Arm::load`] for array files, naming the array instead of the file.
    pub fn from_arrays(
        label: &str,
        logits: Vec<NamedArray>,
        labels: NamedArray,
    ) -> Result<Arm, CompareError> {
        let loaded = load_arrays(logits, labels, Vec::new()).map_err(|e| count_error(label, e))?;
        let description = format!("{} runs from arrays", loaded.runs.len());
        of_runs(label, description, loaded, None)
    }

    /// Runs.
    pub fn len(&self) -> usize {
        self.accuracy.len()
    }

    /// True when there are no runs (never, once loaded).
    pub fn is_empty(&self) -> bool {
        self.accuracy.is_empty()
    }

    /// Test examples.
    pub fn examples(&self) -> usize {
        self.labels.len()
    }
}

/// Accuracy (percent) and cross-entropy of one run, checked (finite logits, labels in range).
fn values(run: &RunOutputs, labels: &[i64], label: &str) -> Result<(f64, f64), CompareError> {
    let view = Logits::new(&run.logits, run.n, run.classes);
    let v = view.and_then(|v| per_run(&[v], labels)).map_err(|source| {
        CompareError::Input(format!("{label}: {}: {source}", run.source.display()))
    })?;
    Ok((100.0 * v.accuracy[0], v.cross_entropy[0]))
}

/// A run directory's seeds from its `spec.json`, or `None` when it has none or it is unreadable.
fn seeds_of(dir: &Path) -> Option<RunSeeds> {
    let text = std::fs::read_to_string(RunFiles::at(dir).spec()).ok()?;
    let record: SpecRecord = from_versioned_json(&text).ok()?;
    Some(RunSeeds::of(&record.spec))
}

fn from_study(label: &str, dir: &Path, condition: Option<&str>) -> Result<Arm, CompareError> {
    let study = StudySpec::load(dir)?
        .ok_or_else(|| CompareError::Input(format!("{}: no study.json", dir.display())))?;
    let names: Vec<&str> = study.conditions.iter().map(|c| c.name.as_str()).collect();
    let index = match condition {
        Some(c) => {
            let wanted = c.trim().replace('-', "_");
            names.iter().position(|n| *n == wanted).ok_or_else(|| {
                CompareError::Input(format!(
                    "{label}: study {} has no condition `{c}`; its conditions are {}",
                    dir.display(),
                    names.join(", ")
                ))
            })?
        }
        None => match names.iter().position(|n| *n == "all") {
            Some(i) => i,
            None if names.len() == 1 => 0,
            None => {
                return Err(CompareError::Input(format!(
                    "{label}: study {} has no `all` condition and several others ({}); say \
                     which, e.g. {}:{}",
                    dir.display(),
                    names.join(", "),
                    dir.display(),
                    names[0]
                )))
            }
        },
    };
    let cond = &study.conditions[index];
    // A survey of this one condition: only its runs are checked against their checksums.
    let mut one = study.clone();
    one.conditions = vec![cond.clone()];
    let survey = Survey::of(&one, dir);
    let counted = survey.counted(0);
    let mut notes: Vec<String> = survey
        .rejected()
        .into_iter()
        .map(|(run, why)| format!("{}: left out: {why}", run.display()))
        .collect();
    let missing = study.replicas - counted.len() - survey.rejected().len();
    if missing > 0 {
        notes.push(format!(
            "{label}: {missing} of {} runs of `{}` not finished",
            study.replicas, cond.name
        ));
    }
    if counted.len() < 2 {
        return Err(CompareError::TooFewRuns {
            arm: label.to_string(),
            found: counted.len(),
            what: format!(
                "condition `{}` of study {} has {} finished, checked run(s) of {}{}",
                cond.name,
                dir.display(),
                counted.len(),
                study.replicas,
                notes.first().map(|n| format!(" ({n})")).unwrap_or_default()
            ),
        });
    }
    let mut arm = Arm {
        label: label.to_string(),
        description: format!(
            "condition `{}` of study {}, {} of {} runs",
            cond.name,
            dir.display(),
            counted.len(),
            study.replicas
        ),
        sources: Vec::new(),
        accuracy: Vec::new(),
        cross_entropy: Vec::new(),
        labels: Vec::new(),
        labels_source: PathBuf::new(),
        classes: 0,
        // The planned specs: the survey counted only runs whose spec.json holds exactly these.
        seeds: Some(counted.iter().map(|r| RunSeeds::of(&r.spec)).collect()),
        notes,
        study: Some((dir.to_path_buf(), cond.name.clone())),
    };
    // One run in memory at a time: only the logits and labels are read (not features).
    for run in &counted {
        let files = run.files();
        let (logits, n, classes) = read_matrix(&files.logits(), "logits")?;
        let labels = read_labels(&files.labels(), classes)?;
        if arm.sources.is_empty() {
            (arm.labels, arm.labels_source, arm.classes) =
                (labels.clone(), files.labels(), classes);
        } else if labels != arm.labels || classes != arm.classes {
            return Err(CompareError::Input(format!(
                "{}: its test set differs from {} ({}, {classes} against {} classes); the runs \
                 of one condition must score the same test set",
                run.dir.display(),
                arm.sources[0].display(),
                super::label_difference(&labels, &arm.labels),
                arm.classes
            )));
        }
        let outputs = RunOutputs {
            source: run.dir.clone(),
            logits,
            n,
            classes,
            features: None,
        };
        let (acc, ce) = values(&outputs, &arm.labels, label)?;
        arm.accuracy.push(acc);
        arm.cross_entropy.push(ce);
        arm.sources.push(run.dir.clone());
    }
    Ok(arm)
}

fn from_files(label: &str, paths: &[PathBuf], labels: Option<&Path>) -> Result<Arm, CompareError> {
    let loaded = load_inputs(&AnalyzeInputs {
        inputs: paths.to_vec(),
        labels: labels.map(Path::to_path_buf),
        features: Vec::new(),
    })
    .map_err(|e| count_error(label, e))?;
    let dirs = paths.iter().all(|p| p.is_dir());
    let seeds = if dirs {
        loaded.runs.iter().map(|r| seeds_of(&r.source)).collect()
    } else {
        None
    };
    let description = format!(
        "{} runs from {}",
        loaded.runs.len(),
        if dirs {
            "run directories"
        } else {
            "array files"
        }
    );
    of_runs(label, description, loaded, seeds)
}

/// analyze's own count check (it needs two runs for pairwise metrics) said in a comparison's
/// terms; any other error prefixed with the arm.
fn count_error(label: &str, e: AnalysisError) -> CompareError {
    match e {
        AnalysisError::Inputs(msg)
            if msg.starts_with("only one run") || msg.starts_with("no runs") =>
        {
            CompareError::TooFewRuns {
                arm: label.to_string(),
                found: usize::from(msg.starts_with("only one run")),
                what: msg.split(';').next().unwrap_or(&msg).to_string(),
            }
        }
        other => CompareError::Input(format!("{label}: {other}")),
    }
}

/// The arm of loaded runs: each run's accuracy and cross-entropy.
fn of_runs(
    label: &str,
    description: String,
    loaded: LoadedRuns,
    seeds: Option<Vec<RunSeeds>>,
) -> Result<Arm, CompareError> {
    let mut arm = Arm {
        label: label.to_string(),
        description,
        sources: Vec::new(),
        accuracy: Vec::new(),
        cross_entropy: Vec::new(),
        classes: loaded.runs[0].classes,
        labels: loaded.labels,
        labels_source: loaded.labels_source,
        seeds,
        notes: Vec::new(),
        study: None,
    };
    for run in &loaded.runs {
        let (acc, ce) = values(run, &arm.labels, label)?;
        arm.accuracy.push(acc);
        arm.cross_entropy.push(ce);
        arm.sources.push(run.source.clone());
    }
    Ok(arm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::npy::{NpyArray, NpyData};

    fn arr(name: &str, shape: &[usize], data: NpyData) -> NamedArray {
        let (name, shape) = (name.to_string(), shape.to_vec());
        let array = NpyArray { shape, data };
        NamedArray { name, array }
    }

    #[test]
    fn arrays_make_an_unpaired_arm_and_one_run_is_too_few() {
        let labels = arr("labels", &[2], NpyData::I64(vec![0, 1]));
        let two = NpyData::F32(vec![1., 0., 0., 1., 1., 0., 1., 0.]);
        let arm = Arm::from_arrays("A", vec![arr("A", &[2, 2, 2], two)], labels.clone()).unwrap();
        assert_eq!(arm.accuracy, [100.0, 50.0]);
        assert_eq!(arm.sources, [Path::new("A[0]"), Path::new("A[1]")]);
        assert!(arm.seeds.is_none() && arm.description == "2 runs from arrays");
        let one = vec![arr("B", &[2, 2], NpyData::F32(vec![1.0; 4]))];
        let msg = Arm::from_arrays("B", one, labels).unwrap_err().to_string();
        assert!(
            msg.starts_with("B: only one run (B); a comparison needs at least 2"),
            "{msg}"
        );
    }
}
