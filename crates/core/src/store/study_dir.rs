//! A study directory: `study.json`, one run directory per planned run, and the report.
//!
//! ```text
//! <study>/study.json                   the study spec, written once when the directory is made
//! <study>/runs/<condition>/<NNNN>/     run directories (RunFiles), replica NNNN, 4 digits
//! <study>/runs/<condition>/.NNNN.tmp-* runs being written (RunDirWriter), or abandoned
//! <study>/report.{json,md,html}        the report, rebuilt from the runs
//! <study>/runs.csv, pairwise/          per-run values and per-pair matrices
//! <study>/claims/<condition>.<NNNN>.json  units being trained, one claim each (claim.rs)
//! ```
//!
//! `study.json` is the directory's identity: a directory without it is not a study, and a
//! study with another spec is refused rather than mixed into it ([`StudyDir::open`]). The
//! spec type is the caller's (this module only stores and compares it), so the store stays
//! below the study module.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::json::{differences, from_versioned_json, to_versioned_json};
use super::run_dir::{is_temporary, TempOwner};
use super::run_files::RunFiles;

/// Why a study directory cannot be opened or read; each names the directory or file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyDirError {
    /// A file or folder could not be read, created or written.
    #[error("{path}: {what}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What was being done (`cannot create`, `cannot write study.json`, ...).
        what: &'static str,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// `study.json` could not be read or parsed.
    #[error("{path}: {message}")]
    Spec {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The directory holds another study.
    #[error(
        "{dir}: holds a study with a different spec ({changes}); results would mix. Use --out for \
         a new study directory, or remove this one"
    )]
    Differs {
        /// The study directory.
        dir: PathBuf,
        /// The changed keys, `key: old -> new; ...`.
        changes: String,
    },
    /// The path is a file.
    #[error("{dir}: is a file, not a study directory; choose another --out")]
    IsAFile {
        /// The path.
        dir: PathBuf,
    },
    /// The folder holds something else.
    #[error("{dir}: exists and is not a study directory (no study.json); choose another --out")]
    NotAStudy {
        /// The folder.
        dir: PathBuf,
    },
}

/// The study directory at one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyDir {
    root: PathBuf,
}

impl StudyDir {
    /// The study spec file.
    pub const SPEC: &'static str = "study.json";
    /// The folder of run directories.
    pub const RUNS: &'static str = "runs";
    /// Per-run values, one row a run.
    pub const RUNS_CSV: &'static str = "runs.csv";
    /// Per-condition pairwise matrices.
    pub const PAIRWISE: &'static str = "pairwise";
    /// Claims of units being trained ([`super::claim`]).
    pub const CLAIMS: &'static str = "claims";

    /// The study directory at `root` (which need not exist).
    pub fn at(root: impl Into<PathBuf>) -> StudyDir {
        StudyDir { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `study.json`.
    pub fn spec_path(&self) -> PathBuf {
        self.root.join(Self::SPEC)
    }

    /// The run directory of replica `replica` of condition `condition`.
    pub fn run(&self, condition: &str, replica: usize) -> RunFiles {
        RunFiles::at(
            self.root
                .join(Self::RUNS)
                .join(condition)
                .join(format!("{replica:04}")),
        )
    }

    /// A report file (`report.json`, `runs.csv`, ...) of the study.
    pub fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The folder of condition `condition`'s pairwise matrices.
    pub fn pairwise(&self, condition: &str) -> PathBuf {
        self.root.join(Self::PAIRWISE).join(condition)
    }

    /// The study spec in `study.json`, or `None` when there is no `study.json`.
    ///
    /// # Errors
    /// [`StudyDirError::Io`] or [`StudyDirError::Spec`] naming the file.
    pub fn load<T: DeserializeOwned>(&self) -> Result<Option<T>, StudyDirError> {
        let path = self.spec_path();
        if !path.exists() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path).map_err(|source| StudyDirError::Spec {
            message: source.to_string(),
            path: path.clone(),
        })?;
        from_versioned_json(&text)
            .map(Some)
            .map_err(|e| StudyDirError::Spec {
                path,
                message: e.to_string(),
            })
    }

    /// Make the directory with its `study.json` holding `spec`, or, when it exists, check that
    /// its `study.json` holds the same spec. A directory made here is removed again when its
    /// `study.json` cannot be written, so a failure leaves nothing that looks like a study.
    ///
    /// # Errors
    /// [`StudyDirError::Differs`] naming the changed keys; [`StudyDirError::IsAFile`] or
    /// [`StudyDirError::NotAStudy`] when the path holds something else; I/O errors.
    pub fn open<T>(&self, spec: &T) -> Result<(), StudyDirError>
    where
        T: Serialize + DeserializeOwned + PartialEq,
    {
        let dir = &self.root;
        let same = |existing: T| {
            if existing == *spec {
                return Ok(());
            }
            let value = |s: &T| serde_json::to_value(s).unwrap_or_default();
            Err(StudyDirError::Differs {
                dir: dir.clone(),
                changes: differences(&value(&existing), &value(spec)).join("; "),
            })
        };
        if let Some(existing) = self.load::<T>()? {
            return same(existing);
        }
        if dir.exists() && !dir.is_dir() {
            return Err(StudyDirError::IsAFile { dir: dir.clone() });
        }
        let io = |what| {
            move |source| StudyDirError::Io {
                path: dir.clone(),
                what,
                source,
            }
        };
        // Another process may be making the same study right now: its `study.json` being
        // written is not "something else".
        let foreign =
            |e: &fs::DirEntry| !e.file_name().to_string_lossy().starts_with(".study.json.");
        if dir.exists()
            && fs::read_dir(dir)
                .map_err(io("cannot read"))?
                .flatten()
                .any(|e| foreign(&e))
        {
            return match self.load::<T>()? {
                Some(existing) => same(existing),
                None => Err(StudyDirError::NotAStudy { dir: dir.clone() }),
            };
        }
        let made = !dir.exists();
        fs::create_dir_all(dir).map_err(io("cannot create"))?;
        // Published with an exclusive link, not a rename: of two processes making the
        // directory at once, one writes `study.json` and the other compares against it.
        let tmp = dir.join(format!(
            ".study.json.{}",
            TempOwner::this_process().temporary_name("study", 0)
        ));
        let json = to_versioned_json(spec);
        let published = fs::write(&tmp, json.as_bytes())
            .and_then(|_| fs::File::open(&tmp)?.sync_all())
            .and_then(|_| fs::hard_link(&tmp, self.spec_path()));
        let _ = fs::remove_file(&tmp);
        match published {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match self.load::<T>()? {
                Some(existing) => same(existing),
                None => Err(io("cannot write study.json")(e)),
            },
            Err(e) => {
                if made {
                    let _ = fs::remove_dir(dir);
                }
                Err(io("cannot write study.json")(e))
            }
        }
    }

    /// Replace the `study.json` of an existing study directory with `spec`, atomically (a
    /// reader sees the old file or the new one, never a mix): for what a study may change
    /// about itself without changing any run, such as the rounds of a `--target-ci` study.
    ///
    /// # Errors
    /// [`StudyDirError::Io`] naming the directory.
    pub fn replace<T: Serialize>(&self, spec: &T) -> Result<(), StudyDirError> {
        let tmp = self.root.join(format!(
            ".study.json.{}",
            TempOwner::this_process().temporary_name("study", 0)
        ));
        let json = to_versioned_json(spec);
        let written = fs::write(&tmp, json.as_bytes())
            .and_then(|_| fs::File::open(&tmp)?.sync_all())
            .and_then(|_| fs::rename(&tmp, self.spec_path()));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written.map_err(|source| StudyDirError::Io {
            path: self.root.clone(),
            what: "cannot write study.json",
            source,
        })
    }

    /// The claim file of the unit of condition `condition` that starts at replica
    /// `first_replica`: `claims/<condition>.<NNNN>.json` ([`super::claim`]).
    pub fn claim_path(&self, condition: &str, first_replica: usize) -> PathBuf {
        self.root
            .join(Self::CLAIMS)
            .join(format!("{condition}.{first_replica:04}.json"))
    }

    /// Temporary run directories under `runs/<condition>/` (runs being written, or left by an
    /// interrupted process), sorted.
    pub fn temporaries(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let Ok(conditions) = fs::read_dir(self.root.join(Self::RUNS)) else {
            return out;
        };
        for cond in conditions.flatten() {
            let Ok(entries) = fs::read_dir(cond.path()) else {
                continue;
            };
            out.extend(
                entries
                    .flatten()
                    .filter(|e| is_temporary(&e.file_name().to_string_lossy()))
                    .map(|e| e.path()),
            );
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Spec {
        replicas: usize,
    }

    #[test]
    fn open_makes_the_directory_then_refuses_another_spec() {
        let tmp = tempfile::tempdir().unwrap();
        let s = StudyDir::at(tmp.path().join("a/b"));
        assert_eq!(s.load::<Spec>().unwrap(), None);
        s.open(&Spec { replicas: 3 }).unwrap();
        s.open(&Spec { replicas: 3 }).unwrap();
        assert_eq!(s.load::<Spec>().unwrap(), Some(Spec { replicas: 3 }));
        let msg = s.open(&Spec { replicas: 4 }).unwrap_err().to_string();
        assert!(msg.contains("different spec (replicas: 3 -> 4)"), "{msg}");
    }

    #[test]
    fn open_refuses_a_file_and_a_folder_of_something_else() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("f");
        fs::write(&file, "x").unwrap();
        let err = StudyDir::at(&file).open(&Spec { replicas: 1 }).unwrap_err();
        assert!(matches!(err, StudyDirError::IsAFile { .. }), "{err}");
        let err = StudyDir::at(tmp.path())
            .open(&Spec { replicas: 1 })
            .unwrap_err();
        assert!(matches!(err, StudyDirError::NotAStudy { .. }), "{err}");
        assert!(!tmp.path().join(StudyDir::SPEC).exists());
    }

    #[test]
    fn runs_and_temporaries_are_where_the_layout_says() {
        let tmp = tempfile::tempdir().unwrap();
        let s = StudyDir::at(tmp.path());
        let run = s.run("init", 3);
        assert_eq!(run.dir(), tmp.path().join("runs/init/0003"));
        let cond = tmp.path().join("runs/init");
        fs::create_dir_all(cond.join(".0003.tmp-42-7")).unwrap();
        fs::create_dir_all(cond.join(".0004.tmp-host-42-7")).unwrap();
        fs::create_dir_all(cond.join("0001")).unwrap();
        assert_eq!(
            s.temporaries(),
            [
                cond.join(".0003.tmp-42-7"),
                cond.join(".0004.tmp-host-42-7")
            ]
        );
    }
}
