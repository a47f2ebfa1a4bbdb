//! `runvar worker`: train a share of an existing study directory's units.

use std::path::PathBuf;

use clap::Args;

use super::values::at_least_one;

/// `I/N`: the share of the units whose index is `I` modulo `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This share, `0..count`.
    pub index: usize,
    /// How many shares.
    pub count: usize,
}

/// Parse `I/N` with `N >= 1` and `I < N`.
fn shard(s: &str) -> Result<Shard, String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("`{s}`: expected I/N, e.g. 0/4"))?;
    let num = |t: &str| {
        t.trim()
            .parse::<usize>()
            .map_err(|e| format!("`{s}`: {e} (expected I/N, e.g. 0/4)"))
    };
    let (index, count) = (num(i)?, num(n)?);
    if count == 0 || index >= count {
        return Err(format!("`{s}`: I must be in 0..N and N at least 1"));
    }
    Ok(Shard { index, count })
}

/// `runvar worker`.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// The study directory (made by `runvar study`; its study.json says what to train).
    #[arg(value_name = "STUDY_DIR")]
    pub dir: PathBuf,
    /// Train the units whose index is I modulo N (0-based), e.g. --shard 0/4 .. 3/4.
    #[arg(long, value_name = "I/N", value_parser = shard, conflicts_with = "unit")]
    pub shard: Option<Shard>,
    /// Train only unit K (0-based, in plan order: condition by condition, replica blocks of
    /// the pack size), e.g. --unit $SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "K")]
    pub unit: Option<usize>,
    /// The GPU to train on, for a study on cuda: cuda:N (default cuda:0, the first visible;
    /// under Slurm the task's own). A study's device itself is fixed by its study.json.
    #[arg(long, value_parser = super::values::device, value_name = "DEVICE")]
    pub device: Option<super::values::DeviceArg>,
    /// Runs (or packs) trained at once (default: one per core over the threads of a run).
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub workers: Option<usize>,
    /// No progress bar and no notes on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_checked() {
        assert_eq!(shard("1/4"), Ok(Shard { index: 1, count: 4 }));
        for bad in ["4/4", "0/0", "1", "a/2", "-1/2"] {
            assert!(shard(bad).is_err(), "{bad}");
        }
    }
}
