//! Opening a study directory to train what it is missing.
//!
//! `runvar study` and each configuration of `runvar instability sweep` go through the same
//! steps: survey the directory ([`Survey::of`]), open or create it ([`StudyDir::open`]: a
//! study with another spec is refused), clear what interrupted runs left ([`prepare`]), train
//! the runs still to train, and name the runs that are finished but not counted
//! ([`not_counted`]), which are never trained over.

use std::fmt;
use std::path::{Path, PathBuf};

use super::{StudySpec, Survey};
use crate::store::{StudyDir, StudyDirError, TempOwner};

/// A file or folder `prepare` could not remove.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot remove")]
pub struct RemoveError {
    /// What could not be removed.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: std::io::Error,
}

/// Why a study directory cannot be prepared for training.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// The directory could not be opened or holds another study.
    #[error(transparent)]
    Dir(#[from] StudyDirError),
    /// A leftover could not be removed.
    #[error(transparent)]
    Remove(#[from] RemoveError),
}

/// Open (or create) the study directory `dir` for `study`, then remove what interrupted runs
/// left: the temporary run directories of processes of this host that have ended
/// ([`TempOwner::is_gone`]; another process's temporaries, on this host or another sharing the
/// directory, are its own, and a stale claim's are removed by whoever takes the claim over,
/// see [`crate::store::claim`]), and the unfinished directory of every run `survey` found still
/// to train (runvar's writer only ever renames finished directories into place, so such a
/// directory is not a run of ours to keep).
///
/// # Errors
/// [`PrepareError`] naming the directory or what could not be removed.
pub fn prepare(study: &StudySpec, dir: &Path, survey: &Survey) -> Result<(), PrepareError> {
    let layout = StudyDir::at(dir);
    layout.open(study)?;
    let remove = |path: &Path| {
        std::fs::remove_dir_all(path).map_err(|source| RemoveError {
            path: path.to_path_buf(),
            source,
        })
    };
    for stale in layout.temporaries() {
        let name = stale.file_name().map(|n| n.to_string_lossy().into_owned());
        if name
            .and_then(|n| TempOwner::of(&n))
            .is_some_and(|o| o.is_gone())
        {
            remove(&stale)?;
        }
    }
    for r in survey.to_train() {
        // Finished meanwhile by another process: its rename put a complete run in place.
        if r.dir.exists() && !r.files().is_complete() {
            remove(&r.dir)?;
        }
    }
    Ok(())
}

/// A finished run that does not count, and why (see [`Survey`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCounted {
    /// Its run directory.
    pub dir: PathBuf,
    /// Why it does not count.
    pub why: String,
}

impl fmt::Display for NotCounted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: not counted: {}; remove the directory to train it again",
            self.dir.display(),
            self.why
        )
    }
}

/// The runs of `survey` that are finished but rejected, in plan order.
pub fn not_counted(survey: &Survey) -> Vec<NotCounted> {
    survey
        .rejected()
        .into_iter()
        .map(|(dir, why)| NotCounted { dir, why })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runspec::RunSpec;

    #[test]
    fn prepare_clears_temporaries_and_unfinished_runs_but_keeps_finished_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let study = StudySpec::new(RunSpec::from_preset("digits-mlp").unwrap(), 2);
        let dir = tmp.path().join("s");
        let layout = StudyDir::at(&dir);
        layout.open(&study).unwrap();
        let unfinished = layout.run("control", 0);
        let finished = layout.run("control", 1);
        let me = TempOwner::this_process();
        let dead = TempOwner {
            pid: u32::MAX,
            ..me.clone()
        };
        let temporary = dir
            .join("runs/control")
            .join(dead.temporary_name("0000", 2));
        let elsewhere = dir.join("runs/control/.0000.tmp-another-host-1-2");
        for d in [unfinished.dir(), finished.dir(), &temporary, &elsewhere] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(finished.dir().join("DONE"), "").unwrap();
        let survey = Survey::of(&study, &dir);
        prepare(&study, &dir, &survey).unwrap();
        assert!(!unfinished.dir().exists() && !temporary.exists());
        assert!(elsewhere.exists(), "another host's temporary is its own");
        assert!(finished.is_complete());
        // Another study's directory is refused before anything is removed.
        let other = StudySpec::new(RunSpec::from_preset("digits-mlp").unwrap(), 3);
        std::fs::create_dir_all(&temporary).unwrap();
        assert!(matches!(
            prepare(&other, &dir, &survey),
            Err(PrepareError::Dir(StudyDirError::Differs { .. }))
        ));
        assert!(temporary.exists());
        // The finished run fails its checks (no SHA256SUMS): named, not removed.
        let notes: Vec<String> = not_counted(&survey).iter().map(|n| n.to_string()).collect();
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].starts_with(&format!("{}: not counted: ", finished.dir().display()))
                && notes[0].ends_with("; remove the directory to train it again"),
            "{}",
            notes[0]
        );
    }
}
