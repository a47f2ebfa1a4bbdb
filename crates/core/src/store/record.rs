//! What a finished run stores, as JSON.

use serde::{Deserialize, Serialize};

use crate::runspec::RunSpec;

/// Where and with what a run was trained: part of its identity, since bits depend on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// runvar's version.
    pub runvar_version: String,
    /// libtorch's version.
    pub libtorch_version: String,
    /// Intra-op threads actually used.
    pub threads: usize,
    /// Device used: `cpu`, or on a GPU its index, name and CUDA, driver and cuDNN versions
    /// (`cuda:0 (NVIDIA H100 80GB HBM3; CUDA runtime 13.0, driver 13.0, cuDNN 91900)`).
    pub device: String,
    /// CPU model name, as the OS reports it.
    pub cpu: String,
    /// Operating system and architecture.
    pub os: String,
}

/// `spec.json`: the resolved spec (thread count resolved) and the environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecRecord {
    /// The spec as run.
    pub spec: RunSpec,
    /// Where it ran.
    pub environment: Environment,
}

/// The bit flip as applied: which element moved and its bits before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BitFlipRecord {
    /// Parameter tensor name.
    pub param: String,
    /// Flat (row-major) index of the element in that tensor.
    pub index: usize,
    /// `up` (towards +inf) or `down` (towards -inf).
    pub direction: String,
    /// IEEE-754 bits before the flip.
    pub old_bits: u32,
    /// IEEE-754 bits after the flip (one ULP away).
    pub new_bits: u32,
    /// How the element was drawn: `live: ...` (among the elements whose gradient on the probe
    /// batch is non-zero) or `all: ...` (none was; docs/protocol.md section 2). Empty in
    /// records written before the rule existed (drawn among all elements).
    #[serde(default)]
    pub rule: String,
    /// Elements the draw was among.
    #[serde(default)]
    pub candidates: usize,
    /// Elements of the tensor.
    #[serde(default)]
    pub elements: usize,
}

/// A run's resample of its training set (the `data` source, [`crate::resample`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRecord {
    /// The data seed.
    pub seed: u64,
    /// Examples one epoch trains on (slots of the resample): `n` for a bootstrap, `round(F n)`
    /// for a fraction `F`.
    pub examples: usize,
    /// Distinct examples among them.
    pub distinct: usize,
    /// Examples of the full training set, `n`.
    pub of: usize,
}

/// `metrics.json`: the per-epoch metrics of a run, in epoch order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsRecord {
    /// One entry per epoch.
    pub epochs: Vec<EpochMetrics>,
}

/// One epoch's metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch's minibatches.
    pub train_loss: f64,
    /// Test accuracy after the epoch, a fraction in [0, 1].
    pub test_accuracy: f64,
    /// Mean test cross-entropy after the epoch, in nats.
    pub test_cross_entropy: f64,
    /// Seconds since training started.
    pub elapsed_seconds: f64,
    /// A language model's cross-entropy and perplexity on the whole validation and test
    /// streams (its `test_*` fields above are those of the evaluation window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lm: Option<LmMetrics>,
}

/// A language model's evaluation on whole streams: mean cross-entropy per predicted token
/// (nats) and its perplexity, `exp` of it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LmMetrics {
    /// Mean cross-entropy over the validation stream's predicted tokens.
    pub valid_cross_entropy: f64,
    /// `exp(valid_cross_entropy)`.
    pub valid_perplexity: f64,
    /// Mean cross-entropy over the test stream's predicted tokens.
    pub test_cross_entropy: f64,
    /// `exp(test_cross_entropy)`.
    pub test_perplexity: f64,
    /// Tokens predicted in the validation stream (its length minus one).
    pub valid_tokens: usize,
    /// Tokens predicted in the test stream.
    pub test_tokens: usize,
}

impl LmMetrics {
    /// The metrics of mean cross-entropies `valid` and `test` over so many tokens.
    pub fn new(valid: (f64, usize), test: (f64, usize)) -> LmMetrics {
        LmMetrics {
            valid_cross_entropy: valid.0,
            valid_perplexity: valid.0.exp(),
            test_cross_entropy: test.0,
            test_perplexity: test.0.exp(),
            valid_tokens: valid.1,
            test_tokens: test.1,
        }
    }
}

/// `record.json`: the outcome of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Number of trainable parameters.
    pub param_count: usize,
    /// SHA-256 of the final parameters and buffers (names and little-endian bits, sorted by
    /// name), hex.
    pub param_hash: String,
    /// The bit flip, if the run had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bit_flip: Option<BitFlipRecord>,
    /// The resample of the training set, if the run had one (absent: the full set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataRecord>,
    /// Final test accuracy, a fraction.
    pub test_accuracy: f64,
    /// Final mean test cross-entropy, nats.
    pub test_cross_entropy: f64,
    /// Number of test examples (rows of `logits.npy`).
    pub n_test: usize,
    /// Number of classes (columns of `logits.npy`).
    pub classes: usize,
    /// Width of `features.npy`.
    pub feature_dim: usize,
    /// Wall time of training and evaluation, seconds (data loading excluded); for a run trained
    /// in a replica pack, the whole pack's.
    pub wall_seconds: f64,
    /// The replica pack the run was trained in, if it was not trained alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<PackRecord>,
    /// Where it was trained: the host, and under Slurm the job, the array task and the GPUs
    /// the task was given (absent in records written before runvar recorded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// A language model's final cross-entropy and perplexity on the whole validation and test
    /// streams; its `test_accuracy` and `test_cross_entropy` are those of the evaluation
    /// window (`logits.npy`), next-token accuracy and mean cross-entropy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lm: Option<LmMetrics>,
}

/// The host and scheduler slot a process runs in, from its environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// Host name.
    pub host: String,
    /// `SLURM_JOB_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm_job_id: Option<String>,
    /// `SLURM_ARRAY_JOB_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm_array_job_id: Option<String>,
    /// `SLURM_ARRAY_TASK_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm_array_task_id: Option<String>,
    /// `CUDA_VISIBLE_DEVICES`: the GPUs visible to the process, as Slurm (or the user) set it,
    /// narrowed to one by `--device cuda:N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda_visible_devices: Option<String>,
    /// The device a run trained on, as asked for (`cpu`, `cuda:0`, `cuda:N`); absent in claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

impl Placement {
    /// This process's placement (empty environment variables count as unset).
    pub fn here() -> Placement {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Placement {
            host: super::TempOwner::this_process().host,
            slurm_job_id: env("SLURM_JOB_ID"),
            slurm_array_job_id: env("SLURM_ARRAY_JOB_ID"),
            slurm_array_task_id: env("SLURM_ARRAY_TASK_ID"),
            cuda_visible_devices: env("CUDA_VISIBLE_DEVICES"),
            device: None,
        }
    }
}

/// Where a run sat in a replica pack. Packs change the floating-point accumulation order, so a
/// run's bits depend on the pack size (not on its position in the pack).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRecord {
    /// Replicas in the pack.
    pub size: usize,
    /// This run's position in it (0-based).
    pub index: usize,
}
