//! The files of one run directory: their names, in one place, and their paths.
//!
//! Every reader and writer of a run directory goes through [`RunFiles`]: the engine writes
//! through it (into a [`super::RunDirWriter`]), and analysis, the study survey, the report and
//! `runvar analyze` read through it. A new file, or a renamed one, is changed here alone.

use std::path::{Path, PathBuf};

use super::checksum::SHA256SUMS;

/// The files of the run directory at one path.
///
/// | file | holds | written |
/// |---|---|---|
/// | `spec.json` | the resolved run spec and the environment it ran in | always |
/// | `record.json` | the outcome: accuracy, cross-entropy, parameter hash, time, bit flip | always |
/// | `metrics.json` | per-epoch training metrics | always |
/// | `logits.npy` | test logits, `(n, C)` float32 | always |
/// | `labels.npy` | test labels, `(n,)` int64 | always |
/// | `features.npy` | penultimate-layer features, `(n, d)` float32 | when the model has them |
/// | `snapshots.npy` | the snapshot ensemble's members' logits, `(cycles, n, C)` | snapshot runs |
/// | `logits_tta_<view>.npy` | logits averaged over a test-time augmentation's views | TTA runs |
/// | `snapshots_tta_<view>.npy` | the same for each snapshot, `(cycles, n, C)` | both |
/// | `SHA256SUMS` | the SHA-256 of every file above ([`super::checksum`]) | always |
/// | `DONE` | nothing: it is written last, so its presence means finished | always |
///
/// # Examples
/// ```
/// use runvar_core::store::RunFiles;
/// let run = RunFiles::at("study/runs/init/0003");
/// assert_eq!(run.logits(), std::path::Path::new("study/runs/init/0003/logits.npy"));
/// assert_eq!(RunFiles::tta_logits("flip"), "logits_tta_flip.npy");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFiles {
    dir: PathBuf,
}

impl RunFiles {
    /// The resolved spec and environment.
    pub const SPEC: &'static str = "spec.json";
    /// The run's outcome.
    pub const RECORD: &'static str = "record.json";
    /// Per-epoch metrics.
    pub const METRICS: &'static str = "metrics.json";
    /// Test logits.
    pub const LOGITS: &'static str = "logits.npy";
    /// Penultimate-layer features of the test set.
    pub const FEATURES: &'static str = "features.npy";
    /// Test labels.
    pub const LABELS: &'static str = "labels.npy";
    /// Logits of each member of a snapshot ensemble.
    pub const SNAPSHOTS: &'static str = "snapshots.npy";
    /// The checksum list.
    pub const SUMS: &'static str = SHA256SUMS;
    /// The marker written last.
    pub const DONE: &'static str = "DONE";
    /// Files every finished run directory has, each listed in its `SHA256SUMS`.
    pub const REQUIRED: [&'static str; 5] = [
        Self::SPEC,
        Self::RECORD,
        Self::METRICS,
        Self::LOGITS,
        Self::LABELS,
    ];

    /// The run directory at `dir` (which need not exist).
    pub fn at(dir: impl Into<PathBuf>) -> RunFiles {
        RunFiles { dir: dir.into() }
    }

    /// The file name of the logits under test-time augmentation `view` (e.g. `flip`).
    pub fn tta_logits(view: &str) -> String {
        format!("logits_tta_{view}.npy")
    }

    /// The file name of each snapshot's logits under test-time augmentation `view`.
    pub fn snapshot_tta_logits(view: &str) -> String {
        format!("snapshots_tta_{view}.npy")
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `spec.json`.
    pub fn spec(&self) -> PathBuf {
        self.dir.join(Self::SPEC)
    }

    /// `record.json`.
    pub fn record(&self) -> PathBuf {
        self.dir.join(Self::RECORD)
    }

    /// `logits.npy`.
    pub fn logits(&self) -> PathBuf {
        self.dir.join(Self::LOGITS)
    }

    /// `features.npy`.
    pub fn features(&self) -> PathBuf {
        self.dir.join(Self::FEATURES)
    }

    /// `labels.npy`.
    pub fn labels(&self) -> PathBuf {
        self.dir.join(Self::LABELS)
    }

    /// `snapshots.npy`.
    pub fn snapshots(&self) -> PathBuf {
        self.dir.join(Self::SNAPSHOTS)
    }

    /// `logits_tta_<view>.npy`.
    pub fn tta(&self, view: &str) -> PathBuf {
        self.dir.join(Self::tta_logits(view))
    }

    /// `snapshots_tta_<view>.npy`.
    pub fn snapshots_tta(&self, view: &str) -> PathBuf {
        self.dir.join(Self::snapshot_tta_logits(view))
    }

    /// True when the run finished (its `DONE` marker exists).
    pub fn is_complete(&self) -> bool {
        self.dir.join(Self::DONE).is_file()
    }
}

/// Report files, shared by a study directory and `runvar instability`'s output folder.
pub mod report {
    /// The report as JSON.
    pub const JSON: &str = "report.json";
    /// The report as Markdown.
    pub const MARKDOWN: &str = "report.md";
    /// The report as one self-contained HTML page.
    pub const HTML: &str = "report.html";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_its_name_in_the_directory() {
        let r = RunFiles::at("d");
        let pairs = [
            (r.spec(), RunFiles::SPEC),
            (r.record(), RunFiles::RECORD),
            (r.logits(), RunFiles::LOGITS),
            (r.features(), RunFiles::FEATURES),
            (r.labels(), RunFiles::LABELS),
            (r.snapshots(), RunFiles::SNAPSHOTS),
        ];
        for (path, name) in pairs {
            assert_eq!(path, Path::new("d").join(name));
        }
        assert_eq!(r.tta("crop25"), Path::new("d/logits_tta_crop25.npy"));
        assert_eq!(
            r.snapshots_tta("flip"),
            Path::new("d/snapshots_tta_flip.npy")
        );
        assert!(!r.is_complete());
    }
}
