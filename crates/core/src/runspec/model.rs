//! The network a run trains.

use serde::{Deserialize, Serialize};

/// The network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ModelSpec {
    /// A single linear layer on the flattened input (multinomial logistic regression).
    Linear,
    /// Fully connected ReLU network.
    Mlp {
        /// Widths of the hidden layers.
        hidden: Vec<usize>,
        /// Dropout probability after each hidden activation.
        #[serde(default)]
        dropout: f64,
    },
    /// The classic PyTorch MNIST CNN: conv3x3(32)-ReLU-conv3x3(64)-ReLU-maxpool2-dropout-
    /// fc(128)-ReLU-dropout-fc.
    Cnn {
        /// Dropout after the pooling layer (classic: 0.25).
        #[serde(default)]
        dropout: f64,
        /// Dropout after the hidden fully connected layer (classic: 0.5).
        #[serde(default)]
        dropout_fc: f64,
    },
    /// CIFAR ResNet of depth 6n+2 (docs/protocol.md section 4).
    Resnet {
        /// Depth 6n+2: 8, 14, 20, ... (ResNet-14 has n = 2 blocks per stage).
        depth: usize,
        /// Width multiplier on the stage widths 16, 32, 64.
        #[serde(default = "one")]
        width: f64,
    },
}

impl ModelSpec {
    /// True when the model has a dropout layer with a non-zero probability.
    pub fn has_dropout(&self) -> bool {
        match self {
            ModelSpec::Mlp { dropout, .. } => *dropout > 0.0,
            ModelSpec::Cnn {
                dropout,
                dropout_fc,
            } => *dropout > 0.0 || *dropout_fc > 0.0,
            ModelSpec::Linear | ModelSpec::Resnet { .. } => false,
        }
    }
}

fn one() -> f64 {
    1.0
}
