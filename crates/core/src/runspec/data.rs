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
        }
    }

    /// Example shape, class count and split sizes of the full dataset.
    pub fn geometry(self) -> DataGeometry {
        let (channels, height, width, train, test) = match self {
            DatasetName::Digits => (1, 8, 8, 1348, 449),
            DatasetName::Mnist1d => (1, 1, 40, 4000, 1000),
            DatasetName::Mnist | DatasetName::FashionMnist => (1, 28, 28, 60_000, 10_000),
            DatasetName::Cifar10 => (3, 32, 32, 50_000, 10_000),
        };
        DataGeometry {
            channels,
            height,
            width,
            classes: 10,
            train,
            test,
        }
    }

    /// True when the dataset is read from files in a data directory.
    pub fn needs_dir(self) -> bool {
        matches!(
            self,
            DatasetName::Mnist | DatasetName::FashionMnist | DatasetName::Cifar10
        )
    }
}

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
