//! Command-line arguments: one struct per subcommand, one file per subcommand, and the flags
//! several subcommands share defined once in [`run`] (as ripgrep's `crates/core/flags/` defines
//! each flag once).
//!
//! - [`run`]: the flags that say what to train (`--preset`, `--spec`, `--epochs`, `--threads`,
//!   ...), grouped, and [`run::RunFlags::apply`], the one function that applies them to a spec;
//! - [`values`]: the values those flags take;
//! - one module per subcommand: its own flags, and the function that turns its arguments into
//!   the spec it runs.

use clap::{Parser, Subcommand};

pub mod analyze;
pub mod compare;
pub mod data;
pub mod instability;
pub mod plan;
pub mod report;
pub mod run;
pub mod slurm;
pub mod speed;
pub mod status;
pub mod study;
pub mod train;
pub mod values;
pub mod worker;

pub use analyze::AnalyzeArgs;
pub use compare::CompareArgs;
pub use instability::{InstabilityArgs, SweepArgs, SweepCommand};
pub use plan::PlanArgs;
pub use report::ReportArgs;
pub use speed::SpeedArgs;
pub use status::StatusArgs;
pub use study::StudyArgs;
pub use train::TrainArgs;
pub use worker::WorkerArgs;

/// Measure, explain and reduce run-to-run variability in neural-network training.
///
/// Exit codes: 0 done; 1 finished, but some runs failed (each named on stderr); 2 bad input or
/// a fatal error (the message names the file or field); 130 interrupted (finished runs are
/// kept; the same command resumes).
#[derive(Debug, Parser)]
#[command(name = "runvar", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train one run of a network, every source of randomness under its own seed.
    ///
    /// Writes one run directory (spec.json, record.json, metrics.json, logits.npy,
    /// features.npy, labels.npy, SHA256SUMS, DONE), atomically: an interrupted run leaves
    /// nothing that looks finished. The destination is checked before training.
    ///
    /// Example: runvar train --preset digits-mlp --seed-init 3 --out runs/init-3
    Train(TrainArgs),
    /// Run the whole protocol: N replicas per condition, then the metrics and the report.
    ///
    /// With no arguments: the default task (preset mnist1d-mlp, generated data, no download),
    /// every condition (control, each source alone, init+shuffle, all, bit flip), 16 replicas
    /// each, into runs/study-mnist1d-mlp. Interrupt it and run the same command again: finished
    /// runs are kept and only the rest is trained. A changed spec on an existing directory is
    /// refused.
    ///
    /// With --backend slurm it trains nothing here: it sets up the directory the same way,
    /// submits a Slurm job array of `runvar worker` tasks (one per unit still missing) and a
    /// report job after it, and prints both job ids; the same command again submits only what
    /// is still missing.
    ///
    /// Examples: runvar study --preset digits-cnn --replicas 16 --conditions control,init,all;
    /// runvar study --spec study.toml --out /scratch/study --backend slurm --gres gpu:1
    Study(StudyArgs),
    /// Compute the variability metrics of runs made anywhere: runvar run directories, or
    /// logits saved by PyTorch, JAX or numpy as .npy files or .npz archives.
    ///
    /// A 2-D (n, C) array is one run; a 3-D (N, n, C) array, as np.save(path, np.stack(runs))
    /// writes it, is N runs, and N must be at least 2 (for a stack of one, drop the first axis
    /// or stack more runs). float16, float32 and float64 in either byte order, C or Fortran
    /// order, are read and converted to float32; NaN or infinite logits are refused, naming the
    /// file, the stack index, the example and the column. Each member of an .npz is one run or
    /// a stack, in archive order, except `labels` (the labels when --labels is not given),
    /// `features` (the features of the archive's only logits member) and `features_NAME` (of
    /// member NAME). Give run directories or array files, not both, and two runs or more.
    ///
    /// Each run is given once: the same file or directory twice, under any spelling (./a.npy,
    /// a link to it), is refused, and so is one file given in two roles (an input and --labels
    /// or --features); two different files that hold the same numbers are two runs (a
    /// deterministic control). A run directory holds its own labels.npy and features.npy: with
    /// run directories, --labels is checked against every run's labels and --features is
    /// refused.
    ///
    /// Examples: runvar analyze seed*/logits.npy --labels labels.npy --features seed*/feats.npy;
    /// runvar analyze stacked.npy --labels labels.npy; runvar analyze runs.npz (saved with
    /// np.savez("runs.npz", logits=np.stack(runs), labels=y)).
    Analyze(AnalyzeArgs),
    /// Is the difference between two groups of runs real? Compares the test accuracy and
    /// cross-entropy of the runs of A and B.
    ///
    /// A and B are each a condition of a study directory (DIR:CONDITION), a study directory
    /// (its `all` condition, or its only one), or logits files as `runvar analyze` reads them
    /// (one .npy/.npz as A or B; several with --a and --b). Both must have scored the same
    /// test set (the same labels) and have at least 2 runs each.
    ///
    /// For each metric: the means and run-to-run SDs; the difference B - A with a percentile
    /// bootstrap interval (each arm's runs resampled on their own); a permutation test (exact
    /// over every split when there are at most --permutations of them); Welch's t test; the
    /// probability that a run of B beats a run of A (ties half); Cohen's d, the difference in
    /// run-to-run SDs. When replica i of A and of B drew every seed alike (runvar runs whose
    /// spec.json seeds match), the runs are paired and the per-pair differences get a bootstrap
    /// interval, a sign-flip test and a paired t test. Then one verdict a line, to paste into a
    /// paper, using the (paired) permutation p-value.
    ///
    /// Examples: runvar compare runs/study:init runs/study:all;
    /// runvar compare runs/base runs/new (two studies, paired when their seeds match);
    /// runvar compare --a base/*/logits.npy --b new/*/logits.npy --labels labels.npy
    Compare(CompareArgs),
    /// How many runs per arm does a comparison need? Before training them.
    ///
    /// From the run-to-run SD of test accuracy (--sd, or --from a study condition) and the
    /// difference worth detecting (--effect, in percentage points): the runs per arm a
    /// two-sided two-sample t test needs at --alpha to detect it with probability --power
    /// (exact power, noncentral t); and at N = 5, 10, 25, 50, 100 runs: the power, the
    /// smallest detectable difference, the 95% interval of the SD N runs would measure, and
    /// (with --from) of the mean pairwise disagreement.
    ///
    /// Examples: runvar plan --sd 0.25 --effect 0.3;
    /// runvar plan --from runs/study-mnist1d-mlp:all --effect 0.5 --power 0.9
    Plan(PlanArgs),
    /// Rebuild a study's report (report.json, report.md, report.html, runs.csv, pairwise/) from
    /// its stored runs.
    ///
    /// Each run counts only when its files match their SHA256SUMS and its spec is the one the
    /// study plans for it; others are named with the reason, left out, and the exit code is 1.
    Report(ReportArgs),
    /// Train a share of an existing study directory's units, claiming each so that any number
    /// of workers, on one host or many sharing the directory, train every run once.
    ///
    /// A unit is one pack of the study (replicas k*pack..(k+1)*pack of one condition; one run
    /// with packs of 1), numbered in plan order. A unit another live worker holds is left to
    /// it; one whose worker died is taken over. The report is not built: run `runvar report
    /// STUDY_DIR` when the workers are done.
    ///
    /// Examples: runvar worker runs/study-mnist1d-mlp --shard 0/4;
    /// runvar worker DIR --unit $SLURM_ARRAY_TASK_ID
    Worker(WorkerArgs),
    /// Where a study directory stands: per condition, runs done, claimed by a live process,
    /// missing or rejected; every claim with its host, pid and Slurm job; the time left.
    ///
    /// Read from the directory alone, never from a scheduler, so it works the same for
    /// `runvar study`, workers started by hand, and Slurm job arrays.
    ///
    /// Example: runvar status runs/study-mnist1d-mlp
    Status(StatusArgs),
    /// Follow bit-flipped twins of a run through training and measure how fast they diverge.
    ///
    /// Trains a base run, K twins that differ only by a one-ULP flip of one initial weight, a
    /// twin with no flip (it must stay at distance 0), and runs with independent seeds, in
    /// lockstep. Records distances to the base run at log-spaced steps, then every epoch, and
    /// reports the early growth rate, the saturation step and level, and a lower bound on the
    /// condition number of training. `runvar instability sweep` compares model families.
    ///
    /// Example: runvar instability --preset mnist1d-resnet8 --twins 4
    Instability(InstabilityArgs),
    /// Measure training speed: replica packs of a preset on synthetic data of its shape.
    ///
    /// For each pack size K, trains K replicas as one stacked model for a few steps and
    /// reports replica-steps per second, achieved FLOP/s and estimated memory traffic against
    /// the device's measured matmul and copy ceilings, peak memory per replica, and how long
    /// the paper's protocol (700 runs of the preset's recipe) would take at the best rate. A
    /// pack that would not fit in memory is refused before it is built.
    ///
    /// Example: runvar speed --preset cifar10-resnet14 --device cuda --pack 1,8,32,64
    Speed(SpeedArgs),
    /// List the presets with what each trains.
    Presets,
    /// Print the protocol runvar implements (docs/protocol.md): sources, metrics with their
    /// formulas, recipes, the published numbers, and where runvar departs from the paper.
    ///
    /// Reports cite it by section ("protocol section 3"); it is built into the binary, so it
    /// matches this version of runvar.
    Protocol,
    /// Download MNIST, Fashion-MNIST and CIFAR-10 into the data folder, and see what it holds.
    ///
    /// Example: runvar data fetch mnist
    Data(data::DataArgs),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("runvar").chain(args.iter().copied()))
    }

    #[test]
    fn train_flags_parse() {
        let cli = parse(&[
            "train",
            "--preset",
            "digits-mlp",
            "--seed-init",
            "3",
            "--low-level",
            "on",
            "--bit-flip",
            "7",
            "--bit-flip-param",
            "fc1.weight",
            "--out",
            "r",
        ])
        .unwrap();
        let Command::Train(a) = cli.command else {
            panic!("not train")
        };
        assert_eq!(a.seed_init, Some(3));
        assert_eq!(a.low_level.low_level, Some(values::OnOff::On));
        assert_eq!(a.bit_flip, Some(7));
        assert_eq!(a.bit_flip_param.as_deref(), Some("fc1.weight"));
    }

    #[test]
    fn preset_or_spec_is_required_and_exclusive() {
        assert!(parse(&["train"]).is_err());
        assert!(parse(&["train", "--preset", "a", "--spec", "b.toml"]).is_err());
        assert!(parse(&["train", "--spec", "b.toml"]).is_ok());
    }

    #[test]
    fn study_defaults_and_lists() {
        let Command::Study(a) = parse(&["study"]).unwrap().command else {
            panic!("not study")
        };
        assert!(a.task.preset.is_none() && a.replicas.is_none() && a.conditions.is_none());
        let Command::Study(a) = parse(&[
            "study",
            "--conditions",
            "control,init+shuffle",
            "--replicas",
            "3",
        ])
        .unwrap()
        .command
        else {
            panic!("not study")
        };
        assert_eq!(a.conditions.unwrap(), ["control", "init+shuffle"]);
        assert!(parse(&["analyze"]).is_err(), "analyze needs inputs");
    }

    #[test]
    fn bad_values_are_usage_errors() {
        assert!(parse(&["train", "--preset", "a", "--seed-init", "-1"]).is_err());
        assert!(parse(&["train", "--preset", "a", "--low-level", "maybe"]).is_err());
        assert!(parse(&["train", "--preset", "a", "--bit-flip-param", "x"]).is_err());
    }
}
