//! Named, documented starting points: `runvar train --preset NAME`.

use super::{
    AugmentSpec, DataSpec, DatasetName, Device, ModelSpec, RunSpec, Schedule, Seeds, TrainSpec,
};

/// A preset's name and what it is.
#[derive(Debug, Clone, Copy)]
pub struct PresetInfo {
    /// Name, as given to `--preset`.
    pub name: &'static str,
    /// One line: data, model, recipe, what it reaches.
    pub about: &'static str,
}

/// Every preset, in the order `--help` lists them.
pub const PRESETS: &[PresetInfo] = &[
    PresetInfo {
        name: "digits-mlp",
        about: "UCI 8x8 digits (embedded), MLP 64-256-10 with dropout 0.1, 20 epochs; ~97% test accuracy, ~1 s on one core",
    },
    PresetInfo {
        name: "digits-cnn",
        about: "UCI 8x8 digits (embedded), classic CNN, crop (pad 1) augmentation, 20 epochs; ~98%",
    },
    PresetInfo {
        name: "mnist1d-mlp",
        about: "MNIST-1D (generated, 4000/1000), MLP 40-128-128-128-10, dropout 0.1, shifts of up to 3, 80 epochs at lr 0.2; ~83%, unstable: a one-ULP flip gives ~93% of the all-sources disagreement; the default study, ~3 s a run",
    },
    PresetInfo {
        name: "mnist1d-resnet8",
        about: "MNIST-1D (generated), ResNet-8 x0.5 with 1x3 kernels, shifts of up to 3, 20 epochs; ~89%, unstable; ~5 s a run",
    },
    PresetInfo {
        name: "mnist-mlp",
        about: "MNIST (--data-dir), MLP 784-256-256-10, 3 epochs, batch 128; ~97.5%",
    },
    PresetInfo {
        name: "mnist-cnn",
        about: "MNIST (--data-dir), classic CNN with dropout 0.25/0.5, 3 epochs; ~99%",
    },
    PresetInfo {
        name: "fashion-resnet14",
        about: "Fashion-MNIST (--data-dir), ResNet-14, crop (pad 4) + flip, 10 epochs, batch 512, lr 0.4",
    },
    PresetInfo {
        name: "cifar10-resnet14",
        about: "CIFAR-10 (--data-dir), ResNet-14, the paper's full recipe: 500 epochs, batch 512, lr 0.4, 3 warm-up epochs",
    },
];

fn recipe(epochs: usize, batch_size: usize, lr: f64, warmup_epochs: f64) -> TrainSpec {
    TrainSpec {
        epochs,
        batch_size,
        lr,
        momentum: 0.9,
        weight_decay: 5e-4,
        warmup_epochs,
        schedule: Schedule::Cosine,
        reduced_lr_factor: 0.1,
        eval_batch_size: 1000,
        cycles: 1,
        precision: Default::default(),
        layout: Default::default(),
        data_fraction: None,
    }
}

fn data(dataset: DatasetName, crop_padding: usize, flip: bool) -> DataSpec {
    DataSpec {
        dataset,
        dir: None,
        train_limit: None,
        test_limit: None,
        seed: 0,
        augment: AugmentSpec { crop_padding, flip },
    }
}

/// The preset of that name, or `None`.
pub fn preset(name: &str) -> Option<RunSpec> {
    let (data, model, train) = match name {
        "digits-mlp" => (
            data(DatasetName::Digits, 0, false),
            ModelSpec::Mlp {
                hidden: vec![256],
                dropout: 0.1,
            },
            recipe(20, 32, 0.05, 1.0),
        ),
        "digits-cnn" => (
            data(DatasetName::Digits, 1, false),
            ModelSpec::Cnn {
                dropout: 0.25,
                dropout_fc: 0.5,
            },
            recipe(20, 32, 0.05, 1.0),
        ),
        "mnist1d-mlp" => (
            data(DatasetName::Mnist1d, 3, false),
            ModelSpec::Mlp {
                hidden: vec![128, 128, 128],
                dropout: 0.1,
            },
            // Chosen by a measured sweep (README, "What the default study shows"): long and
            // fast enough for one bit to reach the all-sources spread, short enough for the
            // default study to finish in under 5 minutes on 2 cores.
            recipe(80, 100, 0.2, 1.0),
        ),
        "mnist1d-resnet8" => (
            data(DatasetName::Mnist1d, 3, false),
            ModelSpec::Resnet {
                depth: 8,
                width: 0.5,
            },
            recipe(20, 100, 0.1, 1.0),
        ),
        "mnist-mlp" => (
            data(DatasetName::Mnist, 0, false),
            ModelSpec::Mlp {
                hidden: vec![256, 256],
                dropout: 0.0,
            },
            recipe(3, 128, 0.05, 1.0),
        ),
        "mnist-cnn" => (
            data(DatasetName::Mnist, 0, false),
            ModelSpec::Cnn {
                dropout: 0.25,
                dropout_fc: 0.5,
            },
            recipe(3, 128, 0.05, 1.0),
        ),
        "fashion-resnet14" => (
            data(DatasetName::FashionMnist, 4, true),
            ModelSpec::Resnet {
                depth: 14,
                width: 1.0,
            },
            recipe(10, 512, 0.4, 1.0),
        ),
        "cifar10-resnet14" => (
            data(DatasetName::Cifar10, 4, true),
            ModelSpec::Resnet {
                depth: 14,
                width: 1.0,
            },
            recipe(500, 512, 0.4, 3.0),
        ),
        _ => return None,
    };
    Some(RunSpec {
        preset: Some(name.to_string()),
        data,
        model,
        train,
        seeds: Seeds::default(),
        low_level: false,
        bit_flip: None,
        threads: 0,
        device: Device::Cpu,
        tta: Vec::new(),
    })
}
