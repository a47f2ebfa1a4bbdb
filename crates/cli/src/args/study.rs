//! `runvar study`: the protocol's replicas per condition, from a preset or a study file.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use runvar_core::runspec::RunSpec;
use runvar_core::study::{
    self, Condition, Mitigation, StudyFile, StudySpec, DEFAULT_CYCLES, DEFAULT_PRESET,
    DEFAULT_REPLICAS,
};

use super::run::{DataFlags, DeviceFlag, Limits, Output, PerCommand, RunFlags, Task, Threads};
use super::slurm::{Backend, SlurmFlags};
use super::values::at_least_one;

/// `runvar study`.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// `--preset` or `--spec` (a study file).
    #[command(flatten)]
    pub task: Task<StudyArgs>,
    /// Replicas per condition (default 16).
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub replicas: Option<usize>,
    /// Conditions, comma-separated: control, init, shuffle, augment, dropout, low_level,
    /// bit_flip, all, or combinations such as init+shuffle.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub conditions: Option<Vec<String>>,
    /// Mitigations to evaluate against the `all` condition, comma-separated: snapshot, flip,
    /// crop25, crop81, flip-crop25, flip-crop81, or snapshot+<view> (e.g. snapshot+flip).
    /// TTA reuses the trained `all` runs; snapshot trains the same seeds as snapshot ensembles.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub mitigations: Option<Vec<String>>,
    /// Cycles of the snapshot ensembles (default 5; the same epoch budget).
    #[arg(long, value_parser = at_least_one, value_name = "C")]
    pub snapshot_cycles: Option<usize>,
    /// The study directory (default: runs/study-<preset>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Runs (or packs) trained at once (default: one per core; each uses --threads threads).
    /// On a GPU one at a time: --pack fills it instead.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub workers: Option<usize>,
    /// Train K replicas of a condition together as one stacked model (grouped convolutions,
    /// batched matmuls). Each run keeps its own seeds; only the float accumulation order
    /// changes. Default: 1 on the CPU; on a GPU 32 (where PyTorch's own packs are fastest on
    /// an H100), or the largest pack that fits in its free memory. A resumed study keeps the
    /// pack it was started with. A pack that does not fit is refused before anything is
    /// trained.
    #[arg(long, value_parser = at_least_one, value_name = "K")]
    pub pack: Option<usize>,
    /// `--device`.
    #[command(flatten)]
    pub device: DeviceFlag,
    /// `--threads`.
    #[command(flatten)]
    pub threads: Threads<StudyArgs>,
    /// `--data-dir`, `--epochs`.
    #[command(flatten)]
    pub data: DataFlags,
    /// `--train-limit`, `--test-limit`.
    #[command(flatten)]
    pub limits: Limits,
    /// `--json`, `--quiet`.
    #[command(flatten)]
    pub output: Output<StudyArgs>,
    /// Where to train: local (here) or slurm (submit a job array of `runvar worker` tasks and
    /// a report job; run it again to submit what is still missing).
    #[arg(long, value_enum, default_value_t = Backend::Local)]
    pub backend: Backend,
    /// `--partition`, `--account`, `--time`, ... for `--backend slurm`.
    #[command(flatten)]
    pub slurm: SlurmFlags,
}

impl PerCommand for StudyArgs {
    const PRESET: Option<&'static str> = Some(DEFAULT_PRESET);
    const PRESET_HELP: &'static str = "The task (default: mnist1d-mlp)";
    const SPEC_HELP: &'static str = "A study file (TOML): replicas, conditions, fixed_seed, \
                                     bootstrap, pack, and a [run] table";
    /// One per run: runs train side by side, one per core (`--workers`).
    const THREADS: usize = 1;
    const THREADS_HELP: &'static str = "Intra-op threads per run (default: the spec's, else 1; \
                                        0 = all cores; results depend on it)";
    const JSON_HELP: &'static str = "Print report.json to stdout instead of the table";
}

impl StudyArgs {
    /// The study the arguments describe, validated, and whether its pack size was given (by
    /// `--pack` or the study file) rather than left to the default.
    ///
    /// # Errors
    /// The study file cannot be read or parsed; an unknown preset, condition or mitigation; a
    /// value the spec refuses.
    pub fn study(&self) -> anyhow::Result<(StudySpec, bool)> {
        let (mut study, file_pack) = match &self.task.spec {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                let file = StudyFile::from_toml_str(&text, path)?;
                let pack = file.pack;
                (file.into_spec(path)?, pack)
            }
            None => {
                let run = RunSpec::from_preset(self.task.preset().unwrap_or(DEFAULT_PRESET))?;
                (StudySpec::new(run, DEFAULT_REPLICAS), None)
            }
        };
        RunFlags::new(&self.threads)
            .data(&self.data)
            .limits(&self.limits)
            .device(&self.device)
            .apply(&mut study.run);
        if let Some(n) = self.replicas {
            study.replicas = n;
        }
        let pack_given = self.pack.or(file_pack);
        study.pack = pack_given.unwrap_or_else(|| study::default_pack(&study.run, study.replicas));
        if let Some(names) = &self.conditions {
            study.conditions = names
                .iter()
                .map(|n| Condition::parse(n, &study.run))
                .collect::<Result<_, _>>()?;
        }
        if let Some(names) = &self.mitigations {
            let ms = names
                .iter()
                .map(|n| Mitigation::parse(n))
                .collect::<Result<Vec<_>, _>>()?;
            study = study.with_mitigations(&ms, self.snapshot_cycles.unwrap_or(DEFAULT_CYCLES))?;
        }
        study.validate()?;
        Ok((study, pack_given.is_some()))
    }
}
