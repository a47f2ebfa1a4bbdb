//! The flags that say what to train, each defined once, and the one function that applies them
//! to a run spec.
//!
//! The commands that train (`train`, `study`, `instability`, `speed`) flatten the groups they
//! have (`#[command(flatten)]`), gather what was given into one [`RunFlags`] (`None` for a
//! flag not given or not offered) and apply it with [`RunFlags::apply`]: a flag means the same
//! in every command. Where commands differ (the task without `--preset`, the threads without
//! `--threads`, what `--json` prints), each says so in its [`PerCommand`] implementation, and
//! its help says it too.

use std::marker::PhantomData;
use std::path::PathBuf;

use clap::Args;
use runvar_core::runspec::RunSpec;

use super::values::{at_least_one, DeviceArg, LayoutArg, OnOff, PrecisionArg};

/// What the shared flags say and default to in one command.
pub trait PerCommand {
    /// The preset when neither `--preset` nor `--spec` is given; `None`: one of them is
    /// required.
    const PRESET: Option<&'static str> = None;
    /// Help of `--preset`.
    const PRESET_HELP: &'static str = "";
    /// Help of `--spec`.
    const SPEC_HELP: &'static str = "";
    /// Threads of a run when neither `--threads` nor the spec gives a number (0: all cores).
    const THREADS: usize = 0;
    /// Help of `--threads`, stating [`PerCommand::THREADS`].
    const THREADS_HELP: &'static str = "";
    /// Help of `--json`: what is printed.
    const JSON_HELP: &'static str = "";
}

/// `--preset` and `--spec`: the task. At most one; with neither, [`PerCommand::PRESET`].
#[derive(Debug, Args)]
pub struct Task<C: PerCommand> {
    /// A preset name (`runvar presets` lists them).
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "spec",
        required_unless_present_any = C::PRESET.is_none().then_some("spec"),
        help = C::PRESET_HELP
    )]
    pub preset: Option<String>,
    /// A spec file (TOML).
    #[arg(long, value_name = "FILE", help = C::SPEC_HELP)]
    pub spec: Option<PathBuf>,
    #[arg(skip)]
    command: PhantomData<C>,
}

impl<C: PerCommand> Task<C> {
    /// The preset asked for, else the command's default.
    pub fn preset(&self) -> Option<&str> {
        self.preset.as_deref().or(C::PRESET)
    }

    /// The run spec the task names: the file's (`--spec` as a run spec file), else the preset's.
    ///
    /// # Errors
    /// The file cannot be read or parsed; an unknown preset; neither given where the command
    /// has no default (clap refuses that first).
    pub fn run_spec(&self) -> anyhow::Result<RunSpec> {
        Ok(match (&self.spec, self.preset()) {
            (Some(path), _) => RunSpec::from_toml_file(path)?,
            (None, Some(name)) => RunSpec::from_preset(name)?,
            (None, None) => anyhow::bail!("give --preset NAME or --spec FILE"),
        })
    }
}

/// `--data-dir` and `--epochs`: where the data is and how long to train on it.
#[derive(Debug, Args)]
pub struct DataFlags {
    /// Folder holding the dataset's files (MNIST, Fashion-MNIST, CIFAR-10; a text corpus's
    /// train.txt/valid.txt/test.txt, or ptb.train.txt ... for ptb; default: the data folder
    /// `runvar data fetch` fills, $XDG_CACHE_HOME/runvar/data or ~/.cache/runvar/data).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Override the number of epochs.
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub epochs: Option<usize>,
}

/// `--train-limit` and `--test-limit`: how much of the data.
#[derive(Debug, Args)]
pub struct Limits {
    /// Train on the first N training examples only (tokens, for a text corpus).
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub train_limit: Option<usize>,
    /// Evaluate on the first N test examples only (tokens of the test stream, for a text
    /// corpus).
    #[arg(long, value_parser = at_least_one, value_name = "N")]
    pub test_limit: Option<usize>,
}

/// `--threads`: intra-op threads of each run; 0 means all cores in every command.
#[derive(Debug, Args)]
pub struct Threads<C: PerCommand> {
    /// Intra-op threads.
    #[arg(long, value_name = "N", help = C::THREADS_HELP)]
    pub threads: Option<usize>,
    #[arg(skip)]
    command: PhantomData<C>,
}

/// `--device`.
#[derive(Debug, Args)]
pub struct DeviceFlag {
    /// Device to train on: cpu, cuda (the first visible GPU) or cuda:N (default: the spec's;
    /// every preset's is cpu). CUDA needs libtorch's CUDA libraries: LD_LIBRARY_PATH with the
    /// torch/lib folder of PyTorch 2.11 for CUDA, or RUNVAR_TORCH_CUDA=<path to
    /// libtorch_cuda.so>. Under Slurm, cuda:N counts the GPUs of the task's
    /// CUDA_VISIBLE_DEVICES.
    #[arg(long, value_parser = super::values::device, value_name = "DEVICE")]
    pub device: Option<DeviceArg>,
}

/// `--precision` and `--layout`: how the arithmetic is done.
#[derive(Debug, Args)]
pub struct Numerics {
    /// Arithmetic: fp32 (default) or bf16 (opt-in bfloat16 autocast; changes the numerics).
    #[arg(long, value_enum)]
    pub precision: Option<PrecisionArg>,
    /// Memory layout of convolutions (default: the spec's, auto; changes the bits).
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
}

/// `--low-level`.
#[derive(Debug, Args)]
pub struct LowLevel {
    /// Low-level nondeterminism: on CPU, permute each minibatch from its own stream (the sum
    /// order changes, the math does not); on CUDA, allow cuDNN's nondeterministic algorithms.
    #[arg(long, value_name = "ON|OFF")]
    pub low_level: Option<OnOff>,
}

/// `--json` and `--quiet`: what goes to the terminal.
#[derive(Debug, Args)]
pub struct Output<C: PerCommand> {
    /// Print JSON instead of the table.
    #[arg(long, help = C::JSON_HELP)]
    pub json: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    #[arg(skip)]
    command: PhantomData<C>,
}

impl<C: PerCommand> Output<C> {
    /// No progress bar and no notes on stderr: asked for, or stdout carries JSON.
    pub fn silent(&self) -> bool {
        self.quiet || self.json
    }
}

/// The run-spec flags of one command line, gathered: `None` where a flag was not given or the
/// command has no such flag. Built by each command's arguments ([`RunFlags::new`], then its
/// groups), applied by [`RunFlags::apply`].
#[derive(Debug, Clone, Default)]
pub struct RunFlags {
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--epochs`.
    pub epochs: Option<usize>,
    /// `--train-limit`.
    pub train_limit: Option<usize>,
    /// `--test-limit`.
    pub test_limit: Option<usize>,
    /// `--threads`.
    pub threads: Option<usize>,
    /// The command's threads when neither `--threads` nor the spec gives a number
    /// ([`PerCommand::THREADS`]).
    pub default_threads: usize,
    /// `--device`.
    pub device: Option<DeviceArg>,
    /// `--precision`.
    pub precision: Option<PrecisionArg>,
    /// `--layout`.
    pub layout: Option<LayoutArg>,
    /// `--low-level`.
    pub low_level: Option<OnOff>,
}

impl RunFlags {
    /// No flag given yet; `threads` from command `C`.
    pub fn new<C: PerCommand>(threads: &Threads<C>) -> RunFlags {
        RunFlags {
            threads: threads.threads,
            default_threads: C::THREADS,
            ..RunFlags::default()
        }
    }

    /// With `--data-dir` and `--epochs`.
    pub fn data(mut self, d: &DataFlags) -> RunFlags {
        self.data_dir.clone_from(&d.data_dir);
        self.epochs = d.epochs;
        self
    }

    /// With `--train-limit` and `--test-limit`.
    pub fn limits(mut self, l: &Limits) -> RunFlags {
        (self.train_limit, self.test_limit) = (l.train_limit, l.test_limit);
        self
    }

    /// With `--device`.
    pub fn device(mut self, d: &DeviceFlag) -> RunFlags {
        self.device = d.device;
        self
    }

    /// With `--precision` and `--layout`.
    pub fn numerics(mut self, n: &Numerics) -> RunFlags {
        (self.precision, self.layout) = (n.precision, n.layout);
        self
    }

    /// With `--low-level`.
    pub fn low_level(mut self, l: &LowLevel) -> RunFlags {
        self.low_level = l.low_level;
        self
    }

    /// Apply the flags to `spec`: each flag given replaces the spec's value, and the rest of
    /// the spec stays as it is.
    ///
    /// Threads are resolved here, once, to the number a run uses: `--threads N` if given,
    /// else the spec's `threads` unless 0, else the command's default
    /// ([`PerCommand::THREADS`]); then 0, given or defaulted, means every core of this machine.
    /// A study stores the number, so that a study resumed on a machine with another core
    /// count is refused rather than mixing runs trained with different thread counts (their
    /// bits differ).
    ///
    /// `--device cuda:N` also makes GPU N the one this process trains on: the spec says only
    /// cuda, since which of a machine's GPUs a run used does not change its bits.
    pub fn apply(&self, spec: &mut RunSpec) {
        if let Some(dir) = &self.data_dir {
            spec.data.dir = Some(dir.clone());
        }
        if let Some(e) = self.epochs {
            spec.train.epochs = e;
        }
        spec.data.train_limit = self.train_limit.or(spec.data.train_limit);
        spec.data.test_limit = self.test_limit.or(spec.data.test_limit);
        let threads = match (self.threads, spec.threads) {
            (Some(n), _) => n,
            (None, 0) => self.default_threads,
            (None, n) => n,
        };
        spec.threads = runvar_engine::device::resolve_threads(threads);
        if let Some(d) = self.device {
            spec.device = d.into();
            d.choose();
        }
        if let Some(p) = self.precision {
            spec.train.precision = p.into();
        }
        if let Some(l) = self.layout {
            spec.train.layout = l.into();
        }
        if let Some(on) = self.low_level {
            spec.low_level = on.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fallback<const N: usize>;
    impl<const N: usize> PerCommand for Fallback<N> {
        const THREADS: usize = N;
    }

    fn threads<const N: usize>(flag: Option<usize>, spec_threads: usize) -> usize {
        let mut spec = RunSpec::from_preset("digits-mlp").unwrap();
        spec.threads = spec_threads;
        let t = Threads::<Fallback<N>> {
            threads: flag,
            command: PhantomData,
        };
        RunFlags::new(&t).apply(&mut spec);
        spec.threads
    }

    #[test]
    fn threads_mean_the_same_in_every_command() {
        let cores = runvar_engine::device::resolve_threads(0);
        // The flag wins, and 0 is every core, whatever the command's default.
        assert_eq!(threads::<1>(Some(3), 5), 3);
        assert_eq!(threads::<1>(Some(0), 5), cores);
        assert_eq!(threads::<0>(Some(0), 0), cores);
        // Without it: the spec's number, else the command's default.
        assert_eq!(threads::<1>(None, 5), 5);
        assert_eq!(threads::<1>(None, 0), 1);
        assert_eq!(threads::<0>(None, 0), cores);
    }

    #[test]
    fn flags_not_given_leave_the_spec_as_it_is() {
        let before = RunSpec::from_preset("digits-mlp").unwrap();
        let mut spec = before.clone();
        let t = Threads::<Fallback<0>> {
            threads: Some(2),
            command: PhantomData,
        };
        RunFlags::new(&t).apply(&mut spec);
        assert_eq!(spec.threads, 2);
        spec.threads = before.threads;
        assert_eq!(spec, before);
    }
}
