//! Named, documented starting points: `runvar train --preset NAME`.

use super::{
    AugmentSpec, DataSpec, DatasetName, Device, ModelSpec, Optimizer, RunSpec, Schedule, Seeds,
    TrainSpec,
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
    PresetInfo {
        name: "shakespeare-char-lstm",
        about: "Shakespeare (embedded, character level), LSTM 2x96 with dropout 0.1, BPTT 32, batch 32, 1 epoch of Adam at lr 0.02; ~9.5 test perplexity, ~6 s a run; its whole study fits in 10 minutes on 2 cores",
    },
    PresetInfo {
        name: "shakespeare-char-transformer",
        about: "Shakespeare (embedded, character level), causal Transformer 2x128 (4 heads, pre-LayerNorm, learned positions), context 32, 1 epoch of Adam",
    },
    PresetInfo {
        name: "ptb-word-lstm",
        about: "Penn Treebank (--data-dir, word level), LSTM 2x650 tied, dropout 0.5, BPTT 35, batch 20, SGD lr 20 clipped at 0.25, 40 epochs (PyTorch's medium recipe); logits of the first 2,000 test words",
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
        optimizer: Optimizer::Sgd,
        clip: None,
    }
}

/// A language model's recipe: `optimizer` at `lr` with no weight decay, clipping, a warm-up of
/// `warmup_epochs` and a cosine decay; biases at the full rate.
fn lm_recipe(
    epochs: usize,
    batch_size: usize,
    optimizer: Optimizer,
    lr: f64,
    clip: f64,
    warmup_epochs: f64,
) -> TrainSpec {
    TrainSpec {
        momentum: 0.0,
        weight_decay: 0.0,
        reduced_lr_factor: 1.0,
        // PyTorch's example evaluates in 10 streams; for a language model the streams change
        // the context (each starts from a zero state), so this is part of the recipe.
        eval_batch_size: 10,
        optimizer,
        clip: Some(clip),
        ..recipe(epochs, batch_size, lr, warmup_epochs)
    }
}

/// A corpus with segments of `bptt` tokens and an evaluation window of `window` tokens.
fn text(dataset: DatasetName, bptt: usize, window: Option<usize>) -> DataSpec {
    DataSpec {
        bptt: Some(bptt),
        eval_window: window,
        ..data(dataset, 0, false)
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
        bptt: None,
        order: None,
        eval_window: None,
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
        "shakespeare-char-lstm" => (
            text(DatasetName::Shakespeare, 32, None),
            ModelSpec::Lstm {
                embed: 48,
                hidden: 96,
                layers: 2,
                dropout: 0.1,
                dropout_embed: None,
                dropout_out: None,
                tie: false,
            },
            lm_recipe(1, 32, Optimizer::Adam, 0.02, 1.0, 0.05),
        ),
        "shakespeare-char-transformer" => (
            text(DatasetName::Shakespeare, 32, None),
            ModelSpec::Transformer {
                dim: 128,
                heads: 4,
                layers: 2,
                ff: 512,
                dropout: 0.1,
                positions: super::Positions::Learned,
                tie: false,
            },
            lm_recipe(1, 32, Optimizer::Adam, 0.002, 1.0, 0.05),
        ),
        "ptb-word-lstm" => (
            text(DatasetName::Ptb, 35, Some(2_000)),
            ModelSpec::Lstm {
                embed: 650,
                hidden: 650,
                layers: 2,
                dropout: 0.5,
                dropout_embed: None,
                dropout_out: None,
                tie: true,
            },
            lm_recipe(40, 20, Optimizer::Sgd, 20.0, 0.25, 0.0),
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
