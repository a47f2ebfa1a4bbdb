//! `runvar analyze`: the metrics of runs made anywhere.

use std::path::PathBuf;

use clap::Args;

use super::values::at_least_one;

/// `runvar analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Run directories, or .npy/.npz files of logits: (n, C) for one run, (N, n, C) for N.
    /// Give each once.
    #[arg(required = true, value_name = "RUN_DIR_OR_NPY")]
    pub inputs: Vec<PathBuf>,
    /// Labels .npy (1-D integers); required with array files unless an .npz holds `labels`.
    /// With run directories, a check: it must equal every run's labels.npy.
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    /// Penultimate features for CKA: .npy/.npz files giving one (n, d) matrix per run, or
    /// (N, n, d) stacks, in the order of the logits. Takes every path up to the next option,
    /// so give the runs first. Not with run directories (each holds its features.npy).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub features: Vec<PathBuf>,
    /// Name of this group of runs in the table.
    #[arg(long, default_value = "runs")]
    pub name: String,
    /// Bootstrap resamples.
    #[arg(long, value_parser = at_least_one, default_value_t = 10_000)]
    pub bootstrap: usize,
    /// Print the row as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
