//! Studies: the paper's protocol (docs/protocol.md section 2) as N replicas per condition.
//!
//! A condition names the sources it varies (`init`, `init+shuffle`, `all`, `control`,
//! `bit_flip`, `data`). Replica i of a condition uses seed i for each varied source and the
//! study's fixed seed for every other source, with low-level nondeterminism on only where the
//! condition varies it, and the full training set where it does not vary `data`. [`plan`]
//! turns a [`StudySpec`] into run specs and finds what is left to do; a `--target-ci` study
//! plans its replicas in rounds ([`target`]).

mod build;
mod condition;
mod export;
mod file;
mod gallery;
mod mitigated;
mod mitigation;
mod notes;
mod plan;
mod resume;
mod status;
mod survey;
pub mod target;
mod test_set_notes;
mod units;

use std::path::Path;

use serde::{Deserialize, Serialize};

pub use build::{build_report, write_report, CKA_ESTIMATOR};
pub use condition::Condition;
pub use export::{runs_csv, RUNS_CSV_HEADER};
pub use file::StudyFile;
pub use mitigation::{Mitigation, DEFAULT_CYCLES, SNAPSHOT_CONDITION};
pub use plan::{plan, PlannedRun};
pub use resume::{not_counted, prepare, NotCounted, PrepareError, RemoveError};
pub use status::{ClaimStatus, ConditionStatus, StudyStatus};
pub use survey::{RunState, Survey};
pub use target::Target;
pub use units::{claim_path, claim_unit, unit_key, units};

use crate::runspec::{RunSpec, SpecError};
use crate::store::{StudyDir, StudyDirError};

/// Everything that determines a study's results. Stored as `study.json` in the study
/// directory; a different spec on an existing directory is refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudySpec {
    /// The run every replica starts from (its seeds are replaced per condition and replica).
    pub run: RunSpec,
    /// Replicas per condition (N).
    pub replicas: usize,
    /// The conditions, in report order.
    pub conditions: Vec<Condition>,
    /// Seed of every source a condition does not vary.
    #[serde(default)]
    pub fixed_seed: u64,
    /// Bootstrap resamples for errors and intervals.
    #[serde(default = "default_bootstrap")]
    pub bootstrap: usize,
    /// Mitigations to evaluate against the `all` condition (see [`StudySpec::with_mitigations`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mitigations: Vec<Mitigation>,
    /// Replicas trained together as one stacked model (1: every run alone). A run's bits
    /// depend on its pack size, so every run of a study is trained in a pack of exactly this
    /// size, padded with throw-away copies when a condition has fewer runs left.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub pack: usize,
    /// `F` of the conditions that vary `data`: each of their replicas trains on `round(F n)`
    /// distinct training examples instead of a bootstrap resample of `n` (their runs'
    /// `train.data_fraction`; see [`crate::resample`]). Absent: the bootstrap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_fraction: Option<f64>,
    /// With `--target-ci`: the stopping rule ([`target`]). `replicas` is then the current
    /// round's replicas, not a fixed N: it grows, round by round, until the rule says stop,
    /// and `study.json` is rewritten at the start of each round.
    ///
    /// So `study.json` holds the target, the cap and the first round here, and the current
    /// count in `replicas`. What a study's runs are is fixed by everything else: replica i of
    /// a condition is the same run whatever the round it was trained in. A rerun therefore
    /// resumes at the count the directory holds ([`target::resume`]), a plain study of N
    /// replicas may go on as a `--target-ci` study whose first round is N, and a rerun may
    /// change `W` and `M` (the new ones are written to `study.json`): neither changes any run's
    /// bits, only how many replicas are trained. Rounds already trained are kept, so a wider
    /// `W` or a lower `M` stops at once rather than removing runs. A different first round
    /// (`--replicas`) is refused, as any other change of the spec is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

fn default_bootstrap() -> usize {
    10_000
}

/// The pack size a study of `replicas` replicas of `run` gets by default, chosen by measurement
/// per device: 1 on the CPU, where stacked kernels are no faster per replica than separate
/// runs on separate cores (a ResNet-14 pack of 8 ran at 0.52x per replica, an MLP pack broke
/// even); on a GPU, 32 (or all replicas when fewer), where an H100 trains a pack of 32
/// ResNet-14s about 3x faster per replica than one at a time. `runvar study` lowers the GPU
/// default to the largest pack that fits in the device's free memory.
pub fn default_pack(run: &RunSpec, replicas: usize) -> usize {
    if run.is_lm() {
        // Language models train one run at a time (no stacked LSTM kernels).
        return 1;
    }
    match run.device {
        crate::runspec::Device::Cpu => 1,
        crate::runspec::Device::Cuda => replicas.clamp(1, 32),
    }
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// The preset of `runvar study` with no arguments.
pub const DEFAULT_PRESET: &str = "mnist1d-mlp";

/// Replicas per condition by default: the most the default study fits in 5 minutes on 2 CPU
/// cores (9 conditions of the 80-epoch `mnist1d-mlp`); the replication found N = 25 gives
/// the paper's point estimates with wider intervals.
pub const DEFAULT_REPLICAS: usize = 16;

impl StudySpec {
    /// The default conditions for `run`: control, each source alone (dropout only when the model
    /// has dropout, augment only when the data is augmented), init+shuffle, all, and bit flip.
    pub fn default_conditions(run: &RunSpec) -> Vec<Condition> {
        let mut names = vec!["control", "init", "shuffle"];
        if run.data.augment.is_active() {
            names.push("augment");
        }
        if run.model.has_dropout() {
            names.push("dropout");
        }
        names.extend(["low_level", "init+shuffle", "all", "bit_flip"]);
        names
            .into_iter()
            .map(|n| Condition::parse(n, run).expect("default conditions parse"))
            .collect()
    }

    /// A study of `run` with the default conditions and `replicas` replicas.
    pub fn new(run: RunSpec, replicas: usize) -> StudySpec {
        let conditions = StudySpec::default_conditions(&run);
        StudySpec {
            run,
            replicas,
            conditions,
            fixed_seed: 0,
            bootstrap: default_bootstrap(),
            mitigations: Vec::new(),
            pack: 1,
            data_fraction: None,
            target: None,
        }
    }

    /// Check the spec.
    ///
    /// # Errors
    /// [`SpecError::Invalid`] naming the field.
    pub fn validate(&self) -> Result<(), SpecError> {
        // First: a fraction in the run names the study's own key.
        self.validate_data_and_target()?;
        self.run.validate()?;
        let invalid = |field: &str, message: String| SpecError::Invalid {
            field: field.into(),
            message,
        };
        if self.replicas < 2 {
            return Err(invalid(
                "replicas",
                format!(
                    "must be at least 2: pairwise metrics need two runs (got {})",
                    self.replicas
                ),
            ));
        }
        if self.pack == 0 {
            return Err(invalid("pack", "must be at least 1".into()));
        }
        if self.pack > 1 && self.run.is_lm() {
            return Err(invalid(
                "pack",
                format!(
                    "language models train one run at a time; use --pack 1 (got {})",
                    self.pack
                ),
            ));
        }
        if !self.mitigations.is_empty() && self.run.is_lm() {
            return Err(invalid(
                "mitigations",
                "snapshot ensembles and test-time augmentation are not implemented for language \
                 models"
                    .into(),
            ));
        }
        if self.conditions.is_empty() {
            return Err(invalid(
                "conditions",
                "must name at least one condition".into(),
            ));
        }
        for (i, c) in self.conditions.iter().enumerate() {
            if self.conditions[..i].iter().any(|d| d.name == c.name) {
                return Err(invalid(
                    "conditions",
                    format!("`{}` is listed twice", c.name),
                ));
            }
        }
        if self.bootstrap < 100 {
            return Err(invalid(
                "bootstrap",
                format!("must be at least 100 resamples (got {})", self.bootstrap),
            ));
        }
        Ok(())
    }

    /// The checks of [`StudySpec::data_fraction`] and [`StudySpec::target`].
    fn validate_data_and_target(&self) -> Result<(), SpecError> {
        let invalid = |field: &str, message: String| SpecError::Invalid {
            field: field.into(),
            message,
        };
        if self.run.train.data_fraction.is_some() {
            return Err(invalid(
                "run.train.data_fraction",
                "a study sets the fraction with its own `data_fraction` (--data-fraction), for \
                 the conditions that vary data"
                    .into(),
            ));
        }
        if let Some(f) = self.data_fraction {
            let varies = |c: &Condition| c.sources.contains(&crate::seed::Source::Data);
            if !self.conditions.iter().any(varies) {
                return Err(invalid(
                    "data_fraction",
                    "no condition varies `data`; add one, such as data or data+init".into(),
                ));
            }
            let g = self.run.data.dataset.geometry().train;
            let n = self.run.data.train_limit.map_or(g, |l| l.min(g));
            crate::resample::fraction_size(f, n)
                .map_err(|e| invalid("data_fraction", e.to_string()))?;
        }
        if let Some(t) = &self.target {
            t.check().map_err(|m| invalid("target", m))?;
            if t.first_round > self.replicas {
                return Err(invalid(
                    "target.first_round",
                    format!(
                        "{} is more than the study's {} replicas",
                        t.first_round, self.replicas
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Estimated peak bytes of analysing one condition of `replicas` runs: every run's logits
    /// and features in memory (f32, and a working copy), and about a dozen `N x N` f64
    /// tables (pairwise metrics, Gram matrices, the matrices written to `pairwise/`).
    pub fn analysis_bytes(&self, replicas: u64) -> f64 {
        let g = self.run.data.dataset.geometry();
        let n = self.run.data.test_limit.map_or(g.test, |l| l.min(g.test)) as f64;
        let features = crate::runspec::Footprint::of(&self.run).map_or(0.0, |f| f.feature_dim);
        let per_run = 2.0 * 4.0 * n * (g.classes as f64 + features);
        let runs = replicas as f64;
        runs * per_run + 12.0 * 8.0 * runs * runs
    }

    /// Estimated peak bytes of `resamples` bootstrap resamples: the replicates, their finite
    /// copy and its sorted copy, f64 each.
    pub fn bootstrap_bytes(resamples: u64) -> f64 {
        3.0 * 8.0 * resamples as f64
    }

    /// Check the sizes that grow with the machine's memory, not with the run: the replicas
    /// (analysed together, with `N x N` tables) and the bootstrap resamples, against
    /// `available` bytes. Refused with the largest value that fits.
    ///
    /// # Errors
    /// [`crate::machine::TooLarge`] naming `replicas` or `bootstrap`.
    pub fn check_sizes(&self, available: f64) -> Result<(), Box<crate::machine::TooLarge>> {
        use crate::machine::check_size;
        check_size(
            "replicas",
            self.replicas as u64,
            "analysing one condition's runs",
            available,
            |n| self.analysis_bytes(n),
        )?;
        check_size(
            "bootstrap",
            self.bootstrap as u64,
            "the bootstrap resamples",
            available,
            StudySpec::bootstrap_bytes,
        )
    }

    /// Parse a study file (TOML): `replicas`, `conditions` (names such as `"init+shuffle"`),
    /// `fixed_seed`, `bootstrap`, `pack`, and a `[run]` table with the keys of a run spec (it
    /// may say `preset = "NAME"`). Missing keys take the defaults ([`StudyFile`]).
    ///
    /// # Errors
    /// [`SpecError`] naming the file and the key.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<StudySpec, SpecError> {
        StudyFile::from_toml_str(text, path)?.into_spec(path)
    }

    /// Read `study.json` from a study directory, if there is one ([`StudyDir::load`]).
    ///
    /// # Errors
    /// [`SpecError::Parse`] naming the file.
    pub fn load(dir: &Path) -> Result<Option<StudySpec>, SpecError> {
        StudyDir::at(dir).load().map_err(|e| match e {
            StudyDirError::Spec { path, message } => SpecError::Parse { path, message },
            other => SpecError::Parse {
                path: StudyDir::at(dir).spec_path(),
                message: other.to_string(),
            },
        })
    }
}
