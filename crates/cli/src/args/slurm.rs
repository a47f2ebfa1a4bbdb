//! `runvar study --backend slurm`: the flags of the job array it submits.

use clap::{Args, ValueEnum};

use super::values::at_least_one;

/// Where `runvar study` trains.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// Here, on a pool of worker threads.
    #[default]
    Local,
    /// A Slurm job array, one task per unit (a run, or a pack), then a report job.
    Slurm,
}

/// A value that goes into an `#SBATCH` line: one word, no newline.
fn sbatch_value(s: &str) -> Result<String, String> {
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{s}`: one word without spaces (it is written into an #SBATCH line)"
        ));
    }
    Ok(s.to_string())
}

/// An extra sbatch option: starts with `-`, no newline (an `#SBATCH` line of its own).
fn sbatch_option(s: &str) -> Result<String, String> {
    if !s.starts_with('-') || s.chars().any(char::is_control) {
        return Err(format!(
            "`{s}`: an sbatch option on one line, such as --qos=high or --constraint=a100"
        ));
    }
    Ok(s.to_string())
}

/// The job array's resources, passed to sbatch as written (see `man sbatch`).
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "Slurm (with --backend slurm)")]
pub struct SlurmFlags {
    /// Partition of the array and report jobs.
    #[arg(long, value_name = "NAME", value_parser = sbatch_value)]
    pub partition: Option<String>,
    /// Account charged for the jobs.
    #[arg(long, value_name = "NAME", value_parser = sbatch_value)]
    pub account: Option<String>,
    /// Time limit of each array task, as sbatch takes it (e.g. 2:00:00, 1-00:00:00).
    #[arg(long, value_name = "TIME", value_parser = sbatch_value)]
    pub time: Option<String>,
    /// Generic resources of each array task, e.g. gpu:1 (a GPU study wants one per task).
    #[arg(long, value_name = "GRES", value_parser = sbatch_value)]
    pub gres: Option<String>,
    /// CPUs of each array task (default: the study's --threads).
    #[arg(long, value_name = "N", value_parser = at_least_one)]
    pub cpus_per_task: Option<usize>,
    /// Memory of each array task, as sbatch takes it (e.g. 8G).
    #[arg(long, value_name = "SIZE", value_parser = sbatch_value)]
    pub mem: Option<String>,
    /// At most L array tasks running at once (--array=...%L).
    #[arg(long, value_name = "L", value_parser = at_least_one)]
    pub array_limit: Option<usize>,
    /// Another sbatch option for both jobs, e.g. --sbatch-arg=--qos=high (repeatable).
    #[arg(long, value_name = "OPTION", value_parser = sbatch_option, allow_hyphen_values = true)]
    pub sbatch_arg: Vec<String>,
    /// Write the scripts and print the sbatch commands, but submit nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl SlurmFlags {
    /// The first of these flags that is given, as written on the command line; they mean
    /// something only with `--backend slurm`.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            (self.partition.is_some(), "--partition"),
            (self.account.is_some(), "--account"),
            (self.time.is_some(), "--time"),
            (self.gres.is_some(), "--gres"),
            (self.cpus_per_task.is_some(), "--cpus-per-task"),
            (self.mem.is_some(), "--mem"),
            (self.array_limit.is_some(), "--array-limit"),
            (!self.sbatch_arg.is_empty(), "--sbatch-arg"),
            (self.dry_run, "--dry-run"),
        ]
        .into_iter()
        .find_map(|(given, name)| given.then_some(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_for_sbatch_lines_are_one_word() {
        assert_eq!(sbatch_value("gpu:1").as_deref(), Ok("gpu:1"));
        for bad in ["", "a b", "x\n#SBATCH --mem=1", "\t"] {
            assert!(sbatch_value(bad).is_err(), "{bad:?}");
        }
        assert!(sbatch_option("--qos=high").is_ok());
        for bad in ["qos=high", "--qos=a\n--mem=2"] {
            assert!(sbatch_option(bad).is_err(), "{bad:?}");
        }
    }
}
