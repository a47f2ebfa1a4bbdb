//! `runvar compare`: is the difference between two groups of runs real?

use std::path::PathBuf;

use clap::Args;

use super::values::at_least_one;

/// `runvar compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A, the baseline: DIR:CONDITION (a condition of a study directory), a study directory
    /// (its `all` condition, or its only one), or one .npy/.npz file of logits (an (N, n, C)
    /// stack, or an .npz of runs). For several files, use --a instead.
    #[arg(value_name = "A")]
    pub a: Option<String>,
    /// B, the runs compared with A: the same forms as A. Differences are B - A.
    #[arg(value_name = "B")]
    pub b: Option<String>,
    /// A as several .npy/.npz files or run directories, read as `runvar analyze` reads them
    /// (e.g. --a base/seed*/logits.npy). Takes every path up to the next option: give B
    /// before it (`runvar compare B --a FILES...`), or use --b.
    #[arg(long = "a", value_name = "PATH", num_args = 1..)]
    pub a_files: Vec<PathBuf>,
    /// B as several .npy/.npz files or run directories, as --a (`runvar compare A --b
    /// FILES...`, or `--a FILES... --b FILES...`).
    #[arg(long = "b", value_name = "PATH", num_args = 1..)]
    pub b_files: Vec<PathBuf>,
    /// Labels .npy (1-D integers) for logits files without them (an .npz may hold
    /// `labels`). With runvar runs, a check: it must equal the labels the runs scored.
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    /// Random permutations (and sign flips) of the permutation tests; when the runs have at
    /// most this many distinct splits, every split is enumerated instead (an exact test).
    #[arg(long, value_parser = at_least_one, default_value_t = 10_000)]
    pub permutations: usize,
    /// Bootstrap resamples of every interval (each arm's runs resampled on their own).
    #[arg(long, value_parser = at_least_one, default_value_t = 10_000)]
    pub bootstrap: usize,
    /// Seed of the bootstrap and of the random permutations: the same seed, the same
    /// numbers.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The verdict calls a difference detected when the (paired) permutation p-value is at
    /// most this.
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
    pub alpha: f64,
    /// Print the comparison as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
