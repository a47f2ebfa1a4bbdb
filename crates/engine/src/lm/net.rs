//! What the two language models share: the interface the loop drives, their state, and the
//! layers they are built from.
//!
//! A language model reads tokens time-major, `[T, B]` (T positions of B parallel streams, as
//! PyTorch's word-language-model example does), and returns, per position, the logits of the
//! next token and the last hidden layer (the features a run stores for CKA). A recurrent model
//! also returns the state to carry into the next segment.

use tch::nn::Path;
use tch::Tensor;

use crate::model::layers::REDUCED_LR_GROUP;
use crate::model::Mode;

/// A recurrent model's state between segments: `(h, c)` per layer, each `[1, B, hidden]`.
pub type State = Vec<(Tensor, Tensor)>;

/// One forward pass over a segment.
#[derive(Debug)]
pub struct LmOutput {
    /// `[T, B, vocab]`.
    pub logits: Tensor,
    /// `[T, B, feature_dim]`: the last hidden layer, before the output dropout.
    pub features: Tensor,
    /// The state after the segment (recurrent models; empty otherwise).
    pub state: State,
}

/// A language model built from a [`ModelSpec`].
pub trait LanguageModel {
    /// Forward pass of tokens `x` (`[T, B]`, int64) from `state` (`None`: zeros).
    fn forward(&self, x: &Tensor, state: Option<&State>, mode: &mut Mode) -> LmOutput;
    /// Whether the state carries from one segment to the next (an LSTM's does).
    fn recurrent(&self) -> bool;
    /// Name of the embedding weight, the default bit-flip target.
    fn first_weight(&self) -> &'static str {
        "encoder.weight"
    }
    /// Width of [`LmOutput::features`].
    fn feature_dim(&self) -> usize;
}

/// A fully connected layer: weight `[out, in]` (group 0) and bias `[out]` (the 1-D group).
#[derive(Debug)]
pub struct Dense {
    w: Tensor,
    b: Tensor,
}

impl Dense {
    /// A layer under `p` with its weight drawn by `weight` and its bias by `bias`.
    pub fn new(p: &Path, weight: Tensor, bias: Tensor) -> Dense {
        Dense {
            w: p.var_copy("weight", &weight),
            b: p.set_group(REDUCED_LR_GROUP).var_copy("bias", &bias),
        }
    }

    /// `x W^T + b` over the last dimension.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.linear(&self.w, Some(&self.b))
    }

    /// A decoder to the vocabulary: its own weight, or the embedding's `tied` (which then is
    /// the weight), and a zero bias, under `p`.
    pub fn decoder(p: &Path, tied: Option<&Tensor>, weight: impl FnOnce() -> Tensor) -> Dense {
        let w = match tied {
            Some(t) => t.shallow_clone(),
            None => p.var_copy("weight", &weight()),
        };
        let out = w.size()[0];
        let b = p
            .set_group(REDUCED_LR_GROUP)
            .var_copy("bias", &Tensor::zeros([out], tch::kind::FLOAT_CPU));
        Dense { w, b }
    }
}
