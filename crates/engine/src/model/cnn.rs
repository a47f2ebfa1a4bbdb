//! The classic PyTorch MNIST CNN (pytorch/examples `mnist/main.py`), for any image size.

use tch::nn::Path;
use tch::Tensor;

use super::init::Init;
use super::layers::{Conv2d, ConvInit, ConvShape, Linear};
use super::pack::Replicas;
use super::{Mode, Network, Output, Shape};

/// conv1 3x3 (32) → ReLU → conv2 3x3 (64) → ReLU → max-pool 2 → dropout → fc1 (128) → ReLU →
/// dropout → fc2. PyTorch default init throughout.
#[derive(Debug)]
pub struct Cnn {
    conv1: Conv2d,
    conv2: Conv2d,
    fc1: Linear,
    fc2: Linear,
    dropout: f64,
    dropout_fc: f64,
    replicas: Replicas,
}

impl Cnn {
    /// # Shapes
    /// `[b, c, h, w]` → conv1 `[b, 32, h-2, w-2]` → conv2 `[b, 64, h-4, w-4]` → pool
    /// `[b, 64, (h-4)/2, (w-4)/2]` → flatten → fc1 `[b, 128]` → fc2 `[b, classes]`.
    pub fn new(
        p: &Path,
        s: Shape,
        dropout: f64,
        dropout_fc: f64,
        inits: &mut [Init],
        channels_last: bool,
    ) -> Cnn {
        let c = s.channels as i64;
        let conv1 = Conv2d::new(
            &(p / "conv1"),
            ConvShape::square(c, 32, 3),
            1,
            false,
            ConvInit::Default,
            inits,
            channels_last,
        );
        let conv2 = Conv2d::new(
            &(p / "conv2"),
            ConvShape::square(32, 64, 3),
            1,
            false,
            ConvInit::Default,
            inits,
            channels_last,
        );
        let flat = 64 * ((s.height as i64 - 4) / 2) * ((s.width as i64 - 4) / 2);
        let fc1 = Linear::new(&(p / "fc1"), flat, 128, inits);
        let fc2 = Linear::new(&(p / "fc2"), 128, s.classes as i64, inits);
        Cnn {
            conv1,
            conv2,
            fc1,
            fc2,
            dropout,
            dropout_fc,
            replicas: Replicas(inits.len() as i64),
        }
    }
}

impl Network for Cnn {
    fn forward(&self, x: &Tensor, mode: &mut Mode) -> Output {
        // In-place ReLUs: a convolution's or linear layer's backward needs its input, not its
        // output.
        let h = self.conv2.forward(&self.conv1.forward(x).relu_()).relu_();
        let h = h.max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false);
        // Flattening first keeps each replica's dropout draws in a solo run's element order.
        let h = mode.dropout(&self.replicas.flatten(&h), self.dropout);
        let features = mode.dropout(&self.fc1.forward(&h).relu_(), self.dropout_fc);
        Output {
            logits: self.fc2.forward(&features),
            features,
        }
    }

    fn first_weight(&self) -> &'static str {
        "conv1.weight"
    }

    fn feature_dim(&self) -> usize {
        128
    }

    fn replicas(&self) -> Replicas {
        self.replicas
    }
}
