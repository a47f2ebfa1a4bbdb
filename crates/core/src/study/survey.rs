//! Which runs of a study directory count: finished, checked, and trained for this study.
//!
//! A finished run (`DONE` present) counts only when every file matches the SHA-256 its
//! `SHA256SUMS` recorded ([`crate::store::checksum`]), its `record.json` reads, and its
//! `spec.json` holds exactly the spec the study plans for that condition and replica, trained
//! in a pack of the study's size. Anything else (a flipped bit in `logits.npy`, a replaced
//! `labels.npy`, a run copied in from another study or swapped between conditions) is
//! *rejected*: named, with the reason, and neither counted nor overwritten. `runvar report`
//! and a resumed `runvar study` both read a study through [`Survey::of`].

use std::path::{Path, PathBuf};

use super::{plan, PlannedRun, StudySpec};
use crate::store::{checksum, from_versioned_json, RunFiles, RunRecord, SpecRecord};

/// The largest JSON file of a run read (a run's `spec.json` or `record.json` is a few KiB).
const MAX_JSON_BYTES: u64 = 16 << 20;

/// Where one planned run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum RunState {
    /// Not finished: no run directory, or one without `DONE`.
    ToTrain,
    /// Finished and checked; its record.
    Counted(Box<RunRecord>),
    /// Finished, but it fails a check: why.
    Rejected(String),
}

/// Every planned run of a study with its state.
#[derive(Debug, Clone)]
pub struct Survey {
    /// The planned runs, condition by condition ([`plan`]).
    pub runs: Vec<PlannedRun>,
    /// The state of each, in the same order.
    pub states: Vec<RunState>,
}

impl Survey {
    /// Plan `study` in `dir` and check every finished run.
    pub fn of(study: &StudySpec, dir: &Path) -> Survey {
        let runs = plan(study, dir);
        let states = runs.iter().map(|r| check(r, study.pack)).collect();
        Survey { runs, states }
    }

    /// Check again the runs that were still to train (after training them); the other runs
    /// keep the state they were found in, so no file is hashed twice.
    pub fn refresh(&mut self, pack: usize) {
        for (run, state) in self.runs.iter().zip(self.states.iter_mut()) {
            if *state == RunState::ToTrain {
                *state = check(run, pack);
            }
        }
    }

    /// The counted runs of condition `c`, replica order.
    pub fn counted(&self, c: usize) -> Vec<&PlannedRun> {
        self.with_state(|s| matches!(s, RunState::Counted(_)))
            .filter(|r| r.condition == c)
            .collect()
    }

    /// Every counted run with its record.
    pub fn records(&self) -> impl Iterator<Item = (&PlannedRun, &RunRecord)> {
        self.runs
            .iter()
            .zip(&self.states)
            .filter_map(|(r, s)| match s {
                RunState::Counted(rec) => Some((r, rec.as_ref())),
                _ => None,
            })
    }

    /// The runs still to train.
    pub fn to_train(&self) -> Vec<&PlannedRun> {
        self.with_state(|s| *s == RunState::ToTrain).collect()
    }

    /// The rejected runs, each as `run directory: reason`.
    pub fn rejected(&self) -> Vec<(PathBuf, String)> {
        self.runs
            .iter()
            .zip(&self.states)
            .filter_map(|(r, s)| match s {
                RunState::Rejected(why) => Some((r.dir.clone(), why.clone())),
                _ => None,
            })
            .collect()
    }

    fn with_state(&self, keep: impl Fn(&RunState) -> bool) -> impl Iterator<Item = &PlannedRun> {
        self.runs
            .iter()
            .zip(&self.states)
            .filter(move |(_, s)| keep(s))
            .map(|(r, _)| r)
    }
}

/// Read a small JSON document of a run, refusing one too large to be runvar's.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{name}: {e}"))?
        .len();
    if len > MAX_JSON_BYTES {
        return Err(format!("{name}: {len} bytes, too large to be runvar's"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    from_versioned_json(&text).map_err(|e| format!("{name}: unreadable ({e})"))
}

/// Check one planned run; see the module documentation.
fn check(run: &PlannedRun, pack: usize) -> RunState {
    if !run.is_done() {
        return RunState::ToTrain;
    }
    match verify(run, pack) {
        Ok(record) => RunState::Counted(Box::new(record)),
        Err(why) => RunState::Rejected(why),
    }
}

fn verify(run: &PlannedRun, pack: usize) -> Result<RunRecord, String> {
    checksum::verify(&run.dir, &RunFiles::REQUIRED).map_err(|e| {
        // The directory is named by the caller; keep the file and the problem.
        e.to_string()
            .replace(&format!("{}/", run.dir.display()), "")
            .replace(&run.dir.display().to_string(), "the run directory")
    })?;
    let stored: SpecRecord = read_json(&run.files().spec())?;
    if stored.spec != run.spec {
        let diff = match (
            serde_json::to_value(&stored.spec),
            serde_json::to_value(&run.spec),
        ) {
            (Ok(a), Ok(b)) => crate::store::differences(&a, &b).join("; "),
            _ => String::new(),
        };
        return Err(format!(
            "trained with another spec than this study plans for it ({diff}): a run of another \
             study, or of another condition or replica"
        ));
    }
    let record: RunRecord = read_json(&run.files().record())?;
    let trained_in = record.pack.as_ref().map_or(1, |p| p.size);
    if trained_in != pack {
        return Err(format!(
            "trained in a pack of {trained_in}, but this study trains in packs of {pack} (a \
             run's bits depend on its pack size)"
        ));
    }
    Ok(record)
}
