//! What a finished run produced, and its run directory.

use runvar_core::runspec::AugmentDraw;
use runvar_core::runspec::Tta;
use runvar_core::store::{
    EpochMetrics, MetricsRecord, RunDirWriter, RunFiles, RunRecord, SpecRecord, StoreError,
};

/// The data draws of one epoch, kept when tracing is on (for isolation tests).
#[derive(Debug, Clone, PartialEq)]
pub struct EpochTrace {
    /// Example ids in the order they were trained on.
    pub order: Vec<usize>,
    /// Augmentation draw per slot of the training set (per example id without a resample).
    pub augment: Vec<AugmentDraw>,
    /// The slot of the training set's multiset each entry of `order` came from (the shuffle's
    /// permutation of the slots); empty without a resample, where the slot is the example id.
    pub slots: Vec<usize>,
    /// Number of 32-bit draws the dropout stream gave this epoch.
    pub dropout_draws: usize,
}

/// Everything a finished run produced.
#[derive(Debug)]
pub struct Outcome {
    /// `spec.json`: the resolved spec and environment.
    pub spec_record: SpecRecord,
    /// `record.json`.
    pub record: RunRecord,
    /// Per-epoch metrics.
    pub epochs: Vec<EpochMetrics>,
    /// Test logits, `n_test x classes`, row-major.
    pub logits: Vec<f32>,
    /// Penultimate features of the test set, `n_test x feature_dim`.
    pub features: Vec<f32>,
    /// Test labels.
    pub labels: Vec<i64>,
    /// Per-epoch data draws (only with [`super::Trainer::with_trace`]).
    pub trace: Vec<EpochTrace>,
    /// Test logits with each of the spec's test-time augmentations (final model).
    pub tta: Vec<(Tta, Vec<f32>)>,
    /// With `train.cycles > 1`: each snapshot's test logits and TTA logits, in cycle order.
    pub snapshots: Vec<Snapshot>,
}

/// The model at the end of one snapshot cycle, evaluated.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Optimizer steps done when it was taken.
    pub step: usize,
    /// Test logits.
    pub logits: Vec<f32>,
    /// Test logits with each of the spec's test-time augmentations.
    pub tta: Vec<Vec<f32>>,
}

impl Outcome {
    /// Write the run directory `dest` atomically (see [`runvar_core::store`]).
    ///
    /// # Errors
    /// [`runvar_core::store::StoreError`] naming the path; nothing is left at `dest` then.
    pub fn save(&self, dest: &std::path::Path) -> Result<std::path::PathBuf, StoreError> {
        self.write(RunDirWriter::create(dest)?)
    }

    /// Write the run's files through `w` (made before training, so that a destination that
    /// cannot be written is refused before any work) and commit it.
    ///
    /// # Errors
    /// As [`Outcome::save`].
    pub fn write(&self, w: RunDirWriter) -> Result<std::path::PathBuf, StoreError> {
        let n = self.labels.len();
        w.write_json(RunFiles::SPEC, &self.spec_record)?;
        w.write_json(
            RunFiles::METRICS,
            &MetricsRecord {
                epochs: self.epochs.clone(),
            },
        )?;
        w.write_npy_f32(RunFiles::LOGITS, &[n, self.record.classes], &self.logits)?;
        w.write_npy_f32(
            RunFiles::FEATURES,
            &[n, self.record.feature_dim],
            &self.features,
        )?;
        w.write_npy_i64(RunFiles::LABELS, &[n], &self.labels)?;
        for (t, logits) in &self.tta {
            w.write_npy_f32(
                &RunFiles::tta_logits(&t.name()),
                &[n, self.record.classes],
                logits,
            )?;
        }
        if !self.snapshots.is_empty() {
            let shape = [self.snapshots.len(), n, self.record.classes];
            let all: Vec<f32> = self
                .snapshots
                .iter()
                .flat_map(|s| s.logits.iter().copied())
                .collect();
            w.write_npy_f32(RunFiles::SNAPSHOTS, &shape, &all)?;
            for (k, t) in self.spec_record.spec.tta.iter().enumerate() {
                let all: Vec<f32> = self
                    .snapshots
                    .iter()
                    .flat_map(|s| s.tta[k].iter().copied())
                    .collect();
                w.write_npy_f32(&RunFiles::snapshot_tta_logits(&t.name()), &shape, &all)?;
            }
        }
        w.write_json(RunFiles::RECORD, &self.record)?;
        w.commit()
    }
}
