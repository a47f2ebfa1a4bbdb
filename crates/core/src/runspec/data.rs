//! What a run trains and tests on: the dataset, its shape, limits and augmentation.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Which dataset a run trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetName {
    /// UCI 8x8 handwritten digits, embedded in the binary.
    Digits,
    /// Procedurally generated 1-D digits (Greydanus 2020), generated from `data.seed`.
    Mnist1d,
    /// MNIST from IDX files in `data.dir`.
    Mnist,
    /// Fashion-MNIST from IDX files in `data.dir`.
    FashionMnist,
    /// CIFAR-10 binary batches in `data.dir`.
    Cifar10,
    /// Language modelling, character level: the Shakespeare corpus embedded in the binary
    /// ([`crate::data::text`]).
    Shakespeare,
    /// Language modelling, character level: `train.txt`, `valid.txt`, `test.txt` in `data.dir`.
    CharText,
    /// Language modelling, word level: Penn Treebank's `ptb.train.txt`, `ptb.valid.txt`,
    /// `ptb.test.txt` in `data.dir`.
    Ptb,
}

impl DatasetName {
    /// The spelling used in specs.
    pub fn name(self) -> &'static str {
        match self {
            DatasetName::Digits => "digits",
            DatasetName::Mnist1d => "mnist1d",
            DatasetName::Mnist => "mnist",
            DatasetName::FashionMnist => "fashion-mnist",
            DatasetName::Cifar10 => "cifar10",
            DatasetName::Shakespeare => "shakespeare",
            DatasetName::CharText => "char-text",
            DatasetName::Ptb => "ptb",
        }
    }

    /// True for the language-modelling corpora (token streams, not labelled examples).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            DatasetName::Shakespeare | DatasetName::CharText | DatasetName::Ptb
        )
    }

    /// Example shape, class count and split sizes of the full dataset. For a text corpus an
    /// example is a token (1x1x1), the classes are the vocabulary and the splits count tokens:
    /// exact for the embedded corpus, Penn Treebank's published sizes for `ptb`, and for
    /// `char-text` (unknown before reading) a byte vocabulary and 1 M tokens, for sizing only.
    pub fn geometry(self) -> DataGeometry {
        let (channels, height, width, classes, train, test) = match self {
            DatasetName::Digits => (1, 8, 8, 10, 1348, 449),
            DatasetName::Mnist1d => (1, 1, 40, 10, 4000, 1000),
            DatasetName::Mnist | DatasetName::FashionMnist => (1, 28, 28, 10, 60_000, 10_000),
            DatasetName::Cifar10 => (3, 32, 32, 10, 50_000, 10_000),
            DatasetName::Shakespeare => (
                1,
                1,
                1,
                SHAKESPEARE_VOCAB,
                SHAKESPEARE_TRAIN,
                SHAKESPEARE_TEST,
            ),
            DatasetName::CharText => (1, 1, 1, 256, 1_000_000, 100_000),
            DatasetName::Ptb => (1, 1, 1, 10_000, 929_589, 82_430),
        };
        DataGeometry {
            channels,
            height,
            width,
            classes,
            train,
            test,
        }
    }

    /// True when the dataset is read from files in a data directory.
    pub fn needs_dir(self) -> bool {
        matches!(
            self,
            DatasetName::Mnist
                | DatasetName::FashionMnist
                | DatasetName::Cifar10
                | DatasetName::CharText
                | DatasetName::Ptb
        )
    }
}

/// Vocabulary size of the embedded Shakespeare corpus (pinned by its loader's tests).
pub const SHAKESPEARE_VOCAB: usize = 76;
/// Training tokens of the embedded Shakespeare corpus.
pub const SHAKESPEARE_TRAIN: usize = 410_380;
/// Test tokens of the embedded Shakespeare corpus.
pub const SHAKESPEARE_TEST: usize = 40_011;

/// How the shuffle source orders a language model's training segments in an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SegmentOrder {
    /// The segments in stream order, starting at an offset in `0..bptt` drawn per epoch from
    /// the shuffle stream; the hidden state is carried from segment to segment (as PyTorch's
    /// word-language-model example trains, plus the random start).
    #[default]
    Offset,
    /// The segments (from offset 0) in an order drawn per epoch from the shuffle stream; the
    /// hidden state starts from zero in each segment.
    Segments,
}

/// The evaluation window a language model's logits are saved for, by default: the first
/// 20,000 target tokens of the test split.
pub const DEFAULT_EVAL_WINDOW: usize = 20_000;

/// Shape of a dataset: example geometry, classes, split sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataGeometry {
    /// Channels per example.
    pub channels: usize,
    /// Height (1 for 1-D signals).
    pub height: usize,
    /// Width.
    pub width: usize,
    /// Classes.
    pub classes: usize,
    /// Training examples.
    pub train: usize,
    /// Test examples.
    pub test: usize,
}

/// Training-time augmentation, drawn per example per epoch from the `augment` stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AugmentSpec {
    /// Zero-pad by this many pixels, then crop back to the original size at a random offset
    /// (0 = no crop). For 1-D signals the crop is a shift along the signal.
    pub crop_padding: usize,
    /// Mirror horizontally with probability 1/2.
    pub flip: bool,
}

impl AugmentSpec {
    /// True when any augmentation is on.
    pub fn is_active(&self) -> bool {
        self.crop_padding > 0 || self.flip
    }
}

/// The data a run trains and evaluates on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// The dataset.
    pub dataset: DatasetName,
    /// Folder holding the dataset's files (MNIST, Fashion-MNIST, CIFAR-10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// Use only the first N training examples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_limit: Option<usize>,
    /// Use only the first N test examples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_limit: Option<usize>,
    /// Seed of generated datasets (mnist1d). Fixed across replicas: the dataset itself is not a
    /// source (the `data` source resamples its training set, `seeds.data`).
    #[serde(default)]
    pub seed: u64,
    /// Training-time augmentation.
    #[serde(default)]
    pub augment: AugmentSpec,
    /// Language models: tokens per segment of truncated backpropagation through time (the
    /// training sequence length, and the segment length of evaluation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bptt: Option<usize>,
    /// Language models: how the shuffle source orders an epoch's segments (default `offset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<SegmentOrder>,
    /// Language models: the logits of the first N target tokens of the test split are the
    /// run's `logits.npy` (default [`DEFAULT_EVAL_WINDOW`], capped at the split's length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_window: Option<usize>,
}

impl DataSpec {
    /// The segment order of a language model (its default when unset).
    pub fn segment_order(&self) -> SegmentOrder {
        self.order.unwrap_or_default()
    }

    /// The evaluation window asked for (its default when unset), before capping at the split.
    pub fn window(&self) -> usize {
        self.eval_window.unwrap_or(DEFAULT_EVAL_WINDOW)
    }
}

/// One example's augmentation: crop offsets into the padded image, and the flip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AugmentDraw {
    /// Row offset in `0..=2 * padding` (0 for 1-D signals).
    pub dy: u8,
    /// Column offset in `0..=2 * padding`.
    pub dx: u8,
    /// Mirror horizontally.
    pub flip: bool,
}
