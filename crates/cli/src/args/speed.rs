//! `runvar speed`: replica packs of a preset timed on synthetic data.

use clap::Args;
use runvar_core::runspec::RunSpec;

use super::run::{DeviceFlag, LowLevel, Numerics, PerCommand, RunFlags, Task, Threads};
use super::values::at_least_one;

/// `runvar speed`.
#[derive(Debug, Args)]
pub struct SpeedArgs {
    /// `--preset` or `--spec` (a run spec file).
    #[command(flatten)]
    pub task: Task<SpeedArgs>,
    /// `--device`.
    #[command(flatten)]
    pub device: DeviceFlag,
    /// Pack sizes to measure, comma-separated (default: 1,2,4,8 on the CPU; 1,8,32,64,128 on
    /// a GPU).
    #[arg(long, value_parser = at_least_one, value_name = "LIST", value_delimiter = ',')]
    pub pack: Option<Vec<usize>>,
    /// Timed optimizer steps per pack size.
    #[arg(long, value_parser = at_least_one, value_name = "N", default_value_t = 10)]
    pub steps: usize,
    /// Untimed steps before them (kernel selection, allocator warm-up).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub warmup: usize,
    /// Override the preset's batch size.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub batch_size: Option<usize>,
    /// `--precision`, `--layout`.
    #[command(flatten)]
    pub numerics: Numerics,
    /// `--low-level`.
    #[command(flatten)]
    pub low_level: LowLevel,
    /// `--threads`.
    #[command(flatten)]
    pub threads: Threads<SpeedArgs>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

impl PerCommand for SpeedArgs {
    const PRESET: Option<&'static str> = Some("cifar10-resnet14");
    const PRESET_HELP: &'static str = "The workload (default: cifar10-resnet14, the paper's)";
    const SPEC_HELP: &'static str = "A run spec file (TOML) instead of a preset";
    const THREADS: usize = 0;
    const THREADS_HELP: &'static str = "Intra-op threads (default: the spec's, 0 = all cores)";
}

impl SpeedArgs {
    /// The workload the arguments describe, validated.
    ///
    /// # Errors
    /// The spec cannot be had, or a value the spec refuses.
    pub fn run_spec(&self) -> anyhow::Result<RunSpec> {
        let mut spec = self.task.run_spec()?;
        RunFlags::new(&self.threads)
            .device(&self.device)
            .numerics(&self.numerics)
            .low_level(&self.low_level)
            .apply(&mut spec);
        spec.train.batch_size = self.batch_size.unwrap_or(spec.train.batch_size);
        spec.validate()?;
        Ok(spec)
    }
}
