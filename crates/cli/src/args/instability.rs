//! `runvar instability` (twins of a run followed in lockstep) and `runvar instability sweep`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use runvar_core::runspec::RunSpec;

use super::run::{DataFlags, Output, PerCommand, RunFlags, Task, Threads};
use super::values::at_least_one;

/// `runvar instability`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InstabilityArgs {
    /// `sweep`: how much of the all-sources variability a bit flip reproduces, per model.
    #[command(subcommand)]
    pub sweep: Option<SweepCommand>,
    /// `--preset` or `--spec` (a run spec file).
    #[command(flatten)]
    pub task: Task<InstabilityArgs>,
    /// Bit-flipped twins (flip seeds 1..=K).
    #[arg(long, value_parser = at_least_one, value_name = "K", default_value_t = 4)]
    pub twins: usize,
    /// Runs with independent seeds, for the level divergence saturates at.
    #[arg(long, value_name = "R", default_value_t = 2)]
    pub independent: usize,
    /// Output directory (default: runs/instability-<preset>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// `--data-dir`, `--epochs`.
    #[command(flatten)]
    pub data: DataFlags,
    /// `--threads`.
    #[command(flatten)]
    pub threads: Threads<InstabilityArgs>,
    /// `--json`, `--quiet`.
    #[command(flatten)]
    pub output: Output<InstabilityArgs>,
}

impl PerCommand for InstabilityArgs {
    const PRESET: Option<&'static str> = Some("mnist1d-resnet8");
    const PRESET_HELP: &'static str = "The task (default: mnist1d-resnet8)";
    const SPEC_HELP: &'static str = "A run spec file (TOML) instead of a preset";
    /// One: the base run, its twins and the independent runs train in lockstep, one thread.
    const THREADS: usize = 1;
    const THREADS_HELP: &'static str =
        "Intra-op threads (default: the spec's, else 1; 0 = all cores)";
    const JSON_HELP: &'static str = "Print instability.json to stdout instead of the table";
}

impl InstabilityArgs {
    /// The base run the arguments describe, without a bit flip (the twins add theirs),
    /// validated.
    ///
    /// # Errors
    /// The spec cannot be had, or a value the spec refuses.
    pub fn base_spec(&self) -> anyhow::Result<RunSpec> {
        let mut base = self.task.run_spec()?;
        RunFlags::new(&self.threads)
            .data(&self.data)
            .apply(&mut base);
        base.bit_flip = None;
        base.validate()?;
        Ok(base)
    }
}

/// `runvar instability sweep`.
#[derive(Debug, Subcommand)]
pub enum SweepCommand {
    /// For each configuration (model family and size, learning rate, batch size), a small
    /// study of `all` against `bit_flip`: the ratio of their disagreement and accuracy SD.
    ///
    /// Each configuration is a resumable study under <out>/<configuration>/.
    Sweep(SweepArgs),
}

/// `runvar instability sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Replicas per condition per configuration.
    #[arg(long, value_parser = at_least_one, value_name = "N", default_value_t = 8)]
    pub replicas: usize,
    /// Configurations to run (default: all); `runvar instability sweep --list` names them.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub configs: Option<Vec<String>>,
    /// List the configurations and exit.
    #[arg(long)]
    pub list: bool,
    /// Output directory (default: runs/instability-sweep).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Runs trained at once (default: one per core).
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub workers: Option<usize>,
    /// `--json`, `--quiet`.
    #[command(flatten)]
    pub output: Output<SweepArgs>,
}

impl PerCommand for SweepArgs {
    const JSON_HELP: &'static str = "Print the sweep as JSON instead of the table";
}
