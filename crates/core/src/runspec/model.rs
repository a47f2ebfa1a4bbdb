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
    /// A word- or character-level LSTM language model: embedding, `layers` LSTM layers,
    /// a linear decoder to the vocabulary (as PyTorch's word-language-model example).
    Lstm {
        /// Embedding width.
        embed: usize,
        /// Hidden units per LSTM layer.
        hidden: usize,
        /// LSTM layers.
        layers: usize,
        /// Dropout between LSTM layers, and the default of the two below.
        #[serde(default)]
        dropout: f64,
        /// Dropout on the embeddings (default: `dropout`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dropout_embed: Option<f64>,
        /// Dropout on the last layer's output, before the decoder (default: `dropout`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dropout_out: Option<f64>,
        /// Share the embedding and decoder weights (needs `embed == hidden`).
        #[serde(default)]
        tie: bool,
    },
    /// A small causal Transformer language model: pre-LayerNorm blocks of multi-head
    /// self-attention and a GELU feed-forward layer, a final LayerNorm and a linear decoder.
    Transformer {
        /// Model width (embedding and residual stream).
        dim: usize,
        /// Attention heads (must divide `dim`).
        heads: usize,
        /// Blocks.
        layers: usize,
        /// Width of the feed-forward layer.
        ff: usize,
        /// Dropout on the embeddings, the attention weights, and each block's two outputs.
        #[serde(default)]
        dropout: f64,
        /// Position information added to the embeddings.
        #[serde(default)]
        positions: Positions,
        /// Share the embedding and decoder weights.
        #[serde(default)]
        tie: bool,
    },
}

/// How a Transformer knows positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Positions {
    /// A learned embedding per position (initialized from the init stream).
    #[default]
    Learned,
    /// Fixed sinusoids (Vaswani et al. 2017): no parameters.
    Sinusoidal,
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
            ModelSpec::Lstm {
                dropout,
                dropout_embed,
                dropout_out,
                ..
            } => {
                *dropout > 0.0
                    || dropout_embed.unwrap_or(*dropout) > 0.0
                    || dropout_out.unwrap_or(*dropout) > 0.0
            }
            ModelSpec::Transformer { dropout, .. } => *dropout > 0.0,
            ModelSpec::Linear | ModelSpec::Resnet { .. } => false,
        }
    }

    /// True for the language models (LSTM, Transformer).
    pub fn is_lm(&self) -> bool {
        matches!(self, ModelSpec::Lstm { .. } | ModelSpec::Transformer { .. })
    }
}

fn one() -> f64 {
    1.0
}
