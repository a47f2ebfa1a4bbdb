//! Networks: linear, MLP, the classic MNIST CNN, and the CIFAR ResNet family.
//!
//! Every network returns its logits and its penultimate features (the input of the last
//! linear layer), which runvar stores for CKA. Layers have fixed names (`fc1.weight`,
//! `conv1.weight`, `layer2.0.bn2.bias`, ...) so that `--bit-flip-param` can name any tensor.

mod cnn;
pub mod dropout;
pub mod init;
pub mod layers;
mod mlp;
pub mod pack;
pub mod probe;
mod resnet;

use runvar_core::runspec::ModelSpec;
use tch::nn::Path;
use tch::Tensor;

pub use dropout::Mode;
use init::Init;
pub use pack::Replicas;

use crate::EngineError;

/// What a forward pass gives (with a leading replica dimension `K` for a pack).
#[derive(Debug)]
pub struct Output {
    /// `[batch, classes]`, or `[K, batch, classes]`.
    pub logits: Tensor,
    /// `[batch, feature_dim]`, or `[K, batch, feature_dim]`: the penultimate layer.
    pub features: Tensor,
}

/// A network built from a [`ModelSpec`].
pub trait Network {
    /// Forward pass of `x` (`[batch, K * channels, height, width]`, see [`pack`]).
    fn forward(&self, x: &Tensor, mode: &mut Mode) -> Output;
    /// Name of the first layer's weight tensor (the default bit-flip target).
    fn first_weight(&self) -> &'static str;
    /// Width of the penultimate features.
    fn feature_dim(&self) -> usize;
    /// How many replicas this network holds.
    fn replicas(&self) -> Replicas;
}

/// Input shape and class count a network is built for.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Channels.
    pub channels: usize,
    /// Height (1 for 1-D signals).
    pub height: usize,
    /// Width.
    pub width: usize,
    /// Classes.
    pub classes: usize,
}

impl From<runvar_core::runspec::DataGeometry> for Shape {
    /// The input shape and classes of a dataset (what a model of it is built for).
    fn from(g: runvar_core::runspec::DataGeometry) -> Shape {
        Shape {
            channels: g.channels,
            height: g.height,
            width: g.width,
            classes: g.classes,
        }
    }
}

/// Build the network of `spec` under `p`: one replica per init stream of `inits`, each drawing
/// its initial values from its own stream (a pack when there is more than one); convolutions
/// run channels-last when `channels_last` is true (see [`runvar_core::runspec::Layout`]).
///
/// # Errors
/// [`EngineError::Spec`] when the model cannot take this input (e.g. a CNN on 1-D signals).
pub fn build(
    spec: &ModelSpec,
    p: &Path,
    shape: Shape,
    inits: &mut [Init],
    channels_last: bool,
) -> Result<Box<dyn Network>, EngineError> {
    Ok(match spec {
        ModelSpec::Linear => Box::new(mlp::Mlp::new(p, shape, &[], 0.0, inits)),
        ModelSpec::Mlp { hidden, dropout } => {
            Box::new(mlp::Mlp::new(p, shape, hidden, *dropout, inits))
        }
        ModelSpec::Cnn {
            dropout,
            dropout_fc,
        } => {
            if shape.height < 6 || shape.width < 6 {
                return Err(EngineError::spec(
                    "model.kind",
                    format!(
                        "the cnn needs images of at least 6x6; this dataset has {}x{}",
                        shape.height, shape.width
                    ),
                ));
            }
            let net = cnn::Cnn::new(p, shape, *dropout, *dropout_fc, inits, channels_last);
            Box::new(net)
        }
        ModelSpec::Resnet { depth, width } => {
            let net = resnet::ResNet::new(p, shape, *depth, *width, inits, channels_last);
            Box::new(net)
        }
        ModelSpec::Lstm { .. } | ModelSpec::Transformer { .. } => {
            return Err(EngineError::spec(
                "model.kind",
                "a language model (lstm, transformer) trains on a text corpus, not on images",
            ))
        }
    })
}
