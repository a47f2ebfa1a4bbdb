//! Command-line arguments: one struct per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod data;

/// A count that must be at least 1: `--epochs 0`, `--twins 0` or `--steps 0` would run
/// nothing and report numbers anyway.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{e} (expected a whole number of at least 1)")),
    }
}

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
    /// Example: runvar study --preset digits-cnn --replicas 16 --conditions control,init,all
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
    /// Rebuild a study's report (report.json, report.md, report.html, runs.csv, pairwise/) from
    /// its stored runs.
    ///
    /// Each run counts only when its files match their SHA256SUMS and its spec is the one the
    /// study plans for it; others are named with the reason, left out, and the exit code is 1.
    Report(ReportArgs),
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

/// Arithmetic of training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    /// float32 throughout (the paper's setting).
    Fp32,
    /// bfloat16 autocast of the forward pass: faster on GPUs, different numerics.
    Bf16,
}

impl From<PrecisionArg> for runvar_core::spec::Precision {
    fn from(p: PrecisionArg) -> Self {
        match p {
            PrecisionArg::Fp32 => runvar_core::spec::Precision::Fp32,
            PrecisionArg::Bf16 => runvar_core::spec::Precision::Bf16,
        }
    }
}

/// Memory layout of convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// Channels-last on the CPU, NCHW on GPUs.
    Auto,
    /// PyTorch's default `[n, c, h, w]`.
    Nchw,
    /// Channels-last (`n, h, w, c` in memory).
    ChannelsLast,
}

impl From<LayoutArg> for runvar_core::spec::Layout {
    fn from(l: LayoutArg) -> Self {
        match l {
            LayoutArg::Auto => runvar_core::spec::Layout::Auto,
            LayoutArg::Nchw => runvar_core::spec::Layout::Nchw,
            LayoutArg::ChannelsLast => runvar_core::spec::Layout::ChannelsLast,
        }
    }
}

/// `runvar speed`.
#[derive(Debug, Args)]
pub struct SpeedArgs {
    /// The workload (default: cifar10-resnet14, the paper's).
    #[arg(long, value_name = "NAME", conflicts_with = "spec")]
    pub preset: Option<String>,
    /// A run spec file (TOML) instead of a preset.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Device to measure.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
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
    /// Arithmetic: fp32 (default) or bf16 (opt-in; changes the numerics).
    #[arg(long, value_enum)]
    pub precision: Option<PrecisionArg>,
    /// Memory layout of convolutions (default: the spec's, auto).
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// The low-level source: off (default) enforces deterministic algorithms; on lets cuDNN
    /// choose nondeterministic ones.
    #[arg(long, value_name = "ON|OFF")]
    pub low_level: Option<OnOff>,
    /// Intra-op threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

/// A device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// The CPU.
    Cpu,
    /// The first CUDA GPU (needs libtorch's CUDA libraries: LD_LIBRARY_PATH with the torch/lib
    /// folder of PyTorch 2.11 for CUDA, or RUNVAR_TORCH_CUDA=<path to libtorch_cuda.so>).
    Cuda,
}

impl From<DeviceArg> for runvar_core::spec::Device {
    fn from(d: DeviceArg) -> Self {
        match d {
            DeviceArg::Cpu => runvar_core::spec::Device::Cpu,
            DeviceArg::Cuda => runvar_core::spec::Device::Cuda,
        }
    }
}

/// `runvar train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Start from this preset (`runvar presets` lists them).
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "spec",
        conflicts_with = "spec"
    )]
    pub preset: Option<String>,
    /// Read the run spec from this TOML file (it may say `preset = "NAME"` and override keys).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Seed of the initial parameters.
    #[arg(long, value_name = "SEED")]
    pub seed_init: Option<u64>,
    /// Seed of the example order.
    #[arg(long, value_name = "SEED")]
    pub seed_shuffle: Option<u64>,
    /// Seed of the crops and flips.
    #[arg(long, value_name = "SEED")]
    pub seed_augment: Option<u64>,
    /// Seed of the dropout masks.
    #[arg(long, value_name = "SEED")]
    pub seed_dropout: Option<u64>,
    /// Low-level nondeterminism: on CPU, permute each minibatch from its own stream (the sum
    /// order changes, the math does not); on CUDA, allow cuDNN's nondeterministic algorithms.
    #[arg(long, value_name = "ON|OFF")]
    pub low_level: Option<OnOff>,
    /// Seed of the low-level permutation.
    #[arg(long, value_name = "SEED")]
    pub seed_low_level: Option<u64>,
    /// Move one initial weight by one float32 ULP; SEED picks the element and the direction.
    #[arg(long, value_name = "SEED")]
    pub bit_flip: Option<u64>,
    /// Tensor to flip in (default: the first layer's weight, e.g. conv1.weight).
    #[arg(long, value_name = "NAME", requires = "bit_flip")]
    pub bit_flip_param: Option<String>,
    /// Folder holding the dataset's files (MNIST, Fashion-MNIST, CIFAR-10; default: the data
    /// folder `runvar data fetch` fills, $XDG_CACHE_HOME/runvar/data or ~/.cache/runvar/data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Override the number of epochs.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub epochs: Option<usize>,
    /// Train on the first N training examples only.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub train_limit: Option<usize>,
    /// Evaluate on the first N test examples only.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub test_limit: Option<usize>,
    /// Intra-op threads (results depend on it; default: the spec's, 0 = all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Device to train on.
    #[arg(long, value_enum)]
    pub device: Option<DeviceArg>,
    /// Arithmetic: fp32 (default) or bf16 (opt-in bfloat16 autocast; changes the numerics).
    #[arg(long, value_enum)]
    pub precision: Option<PrecisionArg>,
    /// Memory layout of convolutions (default: the spec's, auto; changes the bits).
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// Train as a snapshot ensemble: the epochs split into C cosine cycles, each with the
    /// warm-up; each snapshot's test logits go to snapshots.npy.
    #[arg(long, value_parser = at_least_one, value_name = "C")]
    pub cycles: Option<usize>,
    /// Also evaluate test-time augmentations (flip, crop25, crop81, flip-crop25, flip-crop81,
    /// grid<step>, flip-grid<step>), comma-separated; logits go to logits_tta_<name>.npy.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub tta: Option<Vec<String>>,
    /// The run directory to create (default: runs/<name>-<UTC time>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print record.json to stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `runvar study`.
#[derive(Debug, Args)]
pub struct StudyArgs {
    /// The task (default: mnist1d-mlp).
    #[arg(long, value_name = "NAME", conflicts_with = "spec")]
    pub preset: Option<String>,
    /// A study file (TOML): replicas, conditions, fixed_seed, bootstrap, and a [run] table.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
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
    /// Device to train on.
    #[arg(long, value_enum)]
    pub device: Option<DeviceArg>,
    /// Intra-op threads per run (default 1; results depend on it).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Folder holding the dataset's files (MNIST, Fashion-MNIST, CIFAR-10; default: the data
    /// folder `runvar data fetch` fills, $XDG_CACHE_HOME/runvar/data or ~/.cache/runvar/data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Override the number of epochs of every run.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub epochs: Option<usize>,
    /// Train on the first N training examples only.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub train_limit: Option<usize>,
    /// Evaluate on the first N test examples only.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub test_limit: Option<usize>,
    /// Print report.json to stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

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

/// `runvar instability`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InstabilityArgs {
    /// `sweep`: how much of the all-sources variability a bit flip reproduces, per model.
    #[command(subcommand)]
    pub sweep: Option<SweepCommand>,
    /// The task (default: mnist1d-resnet8).
    #[arg(long, value_name = "NAME", conflicts_with = "spec")]
    pub preset: Option<String>,
    /// A run spec file (TOML) instead of a preset.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Bit-flipped twins (flip seeds 1..=K).
    #[arg(long, value_parser = at_least_one, value_name = "K", default_value_t = 4)]
    pub twins: usize,
    /// Runs with independent seeds, for the level divergence saturates at.
    #[arg(long, value_name = "R", default_value_t = 2)]
    pub independent: usize,
    /// Output directory (default: runs/instability-<preset>).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Folder holding the dataset's files (MNIST, Fashion-MNIST, CIFAR-10; default: the data
    /// folder `runvar data fetch` fills, $XDG_CACHE_HOME/runvar/data or ~/.cache/runvar/data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Override the number of epochs.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub epochs: Option<usize>,
    /// Intra-op threads (default 1).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print instability.json to stdout instead of the table.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
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
    /// Print the sweep as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `runvar report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The study directory.
    #[arg(value_name = "STUDY_DIR")]
    pub dir: PathBuf,
    /// Print report.json to stdout instead of the table.
    #[arg(long)]
    pub json: bool,
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
        assert_eq!(a.low_level, Some(OnOff::On));
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
        assert!(a.preset.is_none() && a.replicas.is_none() && a.conditions.is_none());
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
