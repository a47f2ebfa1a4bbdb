//! `runvar study`: the protocol's replicas per condition, from a preset or a study file.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use runvar_core::runspec::RunSpec;
use runvar_core::study::target::DEFAULT_MAX_REPLICAS;
use runvar_core::study::{
    self, Condition, Mitigation, StudyFile, StudySpec, Target, DEFAULT_CYCLES, DEFAULT_PRESET,
    DEFAULT_REPLICAS,
};

use super::run::{DataFlags, DeviceFlag, Limits, Output, PerCommand, RunFlags, Task, Threads};
use super::slurm::{Backend, SlurmFlags};
use super::values::{at_least_one, fraction, positive};

/// `runvar study`.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// `--preset` or `--spec` (a study file).
    #[command(flatten)]
    pub task: Task<StudyArgs>,
    /// Replicas per condition (default 16); with --target-ci, the first round's.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub replicas: Option<usize>,
    /// Conditions, comma-separated: control, init, shuffle, augment, dropout, low_level,
    /// bit_flip, all, or combinations such as init+shuffle. `data` (each replica trains on its
    /// own bootstrap resample of the training set) is not part of `all` nor of the default
    /// list; name it: data, data+init, ...
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub conditions: Option<Vec<String>>,
    /// The conditions that vary `data` train each replica on round(F x n) distinct training
    /// examples, drawn without replacement, instead of a bootstrap resample; F in (0, 1].
    #[arg(long, value_parser = fraction, value_name = "F")]
    pub data_fraction: Option<f64>,
    /// Train in rounds until the 95% bootstrap interval of every condition's accuracy SD is
    /// narrower than W percentage points (or --max-replicas is reached). The first round is
    /// --replicas; each later round adds half as many replicas again (at least 4), rounded up
    /// to whole packs. The report says where and why it stopped. Rerun the same command to
    /// resume; W and --max-replicas may change on a rerun. Not with --backend slurm.
    #[arg(long, value_parser = positive, value_name = "W")]
    pub target_ci: Option<f64>,
    /// With --target-ci: at most M replicas per condition (default 64, or --replicas when
    /// that is larger).
    #[arg(long, value_parser = at_least_one, value_name = "M")]
    pub max_replicas: Option<usize>,
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
                                     bootstrap, pack, data_fraction, target_ci, max_replicas, \
                                     and a [run] table";
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
        let (mut study, file_pack, file_cap) = match &self.task.spec {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                let file = StudyFile::from_toml_str(&text, path)?;
                let (pack, cap) = (file.pack, file.max_replicas);
                (file.into_spec(path)?, pack, cap)
            }
            None => {
                let run = RunSpec::from_preset(self.task.preset().unwrap_or(DEFAULT_PRESET))?;
                (StudySpec::new(run, DEFAULT_REPLICAS), None, None)
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
        if let Some(f) = self.data_fraction {
            study.data_fraction = Some(f);
        }
        study.target = self.target(&study, file_cap)?;
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

    /// The `--target-ci` rule of `study` (its replicas the first round): the flags over the
    /// study file's `target_ci` and `max_replicas` (`file_cap`, as written).
    fn target(&self, study: &StudySpec, file_cap: Option<usize>) -> anyhow::Result<Option<Target>> {
        let cap = self.max_replicas.or(file_cap);
        let Some(ci_width) = self.target_ci.or(study.target.as_ref().map(|t| t.ci_width)) else {
            if let Some(m) = cap {
                bail!("--max-replicas {m}: caps the rounds of --target-ci W; add --target-ci");
            }
            return Ok(None);
        };
        let first_round = study.replicas;
        let max_replicas = cap.unwrap_or(DEFAULT_MAX_REPLICAS.max(first_round));
        if max_replicas < first_round {
            bail!(
                "--max-replicas {max_replicas} is below --replicas {first_round}: the first round \
                 would already pass the cap"
            );
        }
        Ok(Some(Target {
            ci_width,
            max_replicas,
            first_round,
        }))
    }
}
