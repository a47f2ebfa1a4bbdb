//! The CIFAR ResNet family of depth 6n+2 (He et al. 2016, section 4.2), as docs/protocol.md
//! section 4 specifies it: parameter-free subsampling shortcuts with a BatchNorm and zero
//! channel padding, zero-initialized second BN of each block, Kaiming normal (fan_out) convs.

use tch::nn::Path;
use tch::Tensor;

use super::init::Init;
use super::layers::{batch_norm, BatchNorm, Conv2d, ConvInit, ConvShape, Linear};
use super::pack::Replicas;
use super::{Mode, Network, Output, Shape};

/// Shortcut of a block that changes width or resolution: subsample, BN (input channels), pad.
#[derive(Debug)]
struct Downsample {
    stride: i64,
    bn: BatchNorm,
    extra_channels: i64,
}

#[derive(Debug)]
struct Block {
    conv1: Conv2d,
    bn1: BatchNorm,
    conv2: Conv2d,
    bn2: BatchNorm,
    shortcut: Option<Downsample>,
}

impl Block {
    fn new(
        p: &Path,
        c_in: i64,
        c_out: i64,
        stride: i64,
        kh: i64,
        inits: &mut [Init],
        channels_last: bool,
    ) -> Block {
        let shape = |c_in, c_out| ConvShape {
            c_in,
            c_out,
            kh,
            kw: 3,
        };
        let conv1 = Conv2d::new(
            &(p / "conv1"),
            shape(c_in, c_out),
            stride,
            true,
            ConvInit::KaimingFanOut,
            inits,
            channels_last,
        );
        let k = inits.len() as i64;
        let bn1 = batch_norm(&(p / "bn1"), k * c_out, 1.0);
        let conv2 = Conv2d::new(
            &(p / "conv2"),
            shape(c_out, c_out),
            1,
            true,
            ConvInit::KaimingFanOut,
            inits,
            channels_last,
        );
        let bn2 = batch_norm(&(p / "bn2"), k * c_out, 0.0);
        let shortcut = (stride != 1 || c_in != c_out).then(|| Downsample {
            stride,
            bn: batch_norm(&(p / "shortcut_bn"), k * c_in, 1.0),
            extra_channels: c_out - c_in,
        });
        Block {
            conv1,
            bn1,
            conv2,
            bn2,
            shortcut,
        }
    }

    fn forward(&self, x: &Tensor, train: bool, replicas: Replicas) -> Tensor {
        // In-place ReLUs and sum, as torchvision's ResNets: BatchNorm's backward needs its
        // input, not its output, so the output can be overwritten (same values, fewer
        // activation-sized allocations).
        let h = self.bn1.forward_t(&self.conv1.forward(x), train).relu_();
        let mut h = self.bn2.forward_t(&self.conv2.forward(&h), train);
        let s = match &self.shortcut {
            None => x.shallow_clone(),
            Some(d) => {
                let sub = if d.stride > 1 {
                    let sh = if x.size()[2] == 1 { 1 } else { d.stride };
                    x.slice(2, 0, None, sh).slice(3, 0, None, d.stride)
                } else {
                    x.shallow_clone()
                };
                // Dense, so that BatchNorm runs its vectorized kernels (2.7x faster on the
                // CPU than on the strided view, forward and backward).
                let sub = d.bn.forward_t(&self.conv1.dense_input(&sub), train);
                replicas.pad_channels(&sub, d.extra_channels)
            }
        };
        h += s;
        h.relu_()
    }
}

/// ResNet-(6n+2): stem, three stages of n basic blocks, global average pool, linear.
#[derive(Debug)]
pub struct ResNet {
    conv1: Conv2d,
    bn1: BatchNorm,
    blocks: Vec<Block>,
    fc: Linear,
    feature_dim: usize,
    replicas: Replicas,
}

impl ResNet {
    /// # Shapes
    /// `[b, c, h, w]` → stem `[b, 16k, h, w]` → stage 1 `[b, 16k, h, w]` → stage 2
    /// `[b, 32k, h/2, w/2]` → stage 3 `[b, 64k, h/4, w/4]` → pool `[b, 64k]` → `[b, classes]`,
    /// with k the width multiplier (widths rounded, at least 1).
    pub fn new(
        p: &Path,
        s: Shape,
        depth: usize,
        width: f64,
        inits: &mut [Init],
        channels_last: bool,
    ) -> ResNet {
        let n = (depth - 2) / 6;
        let widths: Vec<i64> = [16.0, 32.0, 64.0]
            .iter()
            .map(|w: &f64| ((w * width).round() as i64).max(1))
            .collect();
        // 1-D signals (height 1) get 1x3 kernels: a 3x3 kernel's outer rows would only ever see
        // padding, leaving two thirds of each kernel without effect (and a bit flip there
        // without consequence).
        let kh = if s.height == 1 { 1 } else { 3 };
        let stem = ConvShape {
            c_in: s.channels as i64,
            c_out: widths[0],
            kh,
            kw: 3,
        };
        let conv1 = Conv2d::new(
            &(p / "conv1"),
            stem,
            1,
            true,
            ConvInit::KaimingFanOut,
            inits,
            channels_last,
        );
        let replicas = Replicas(inits.len() as i64);
        let bn1 = batch_norm(&(p / "bn1"), replicas.0 * widths[0], 1.0);
        let mut blocks = Vec::new();
        let mut c_in = widths[0];
        for (stage, &c_out) in widths.iter().enumerate() {
            for i in 0..n {
                let stride = if stage > 0 && i == 0 { 2 } else { 1 };
                let bp = p / format!("layer{}", stage + 1) / i;
                let block = Block::new(&bp, c_in, c_out, stride, kh, inits, channels_last);
                blocks.push(block);
                c_in = c_out;
            }
        }
        let fc = Linear::new(&(p / "fc"), c_in, s.classes as i64, inits);
        ResNet {
            conv1,
            bn1,
            blocks,
            fc,
            feature_dim: c_in as usize,
            replicas,
        }
    }
}

impl Network for ResNet {
    fn forward(&self, x: &Tensor, mode: &mut Mode) -> Output {
        let train = mode.is_train();
        let mut h = self.bn1.forward_t(&self.conv1.forward(x), train).relu_();
        for block in &self.blocks {
            h = block.forward(&h, train, self.replicas);
        }
        let features = self.replicas.pool(&h);
        Output {
            logits: self.fc.forward(&features),
            features,
        }
    }

    fn first_weight(&self) -> &'static str {
        "conv1.weight"
    }

    fn feature_dim(&self) -> usize {
        self.feature_dim
    }

    fn replicas(&self) -> Replicas {
        self.replicas
    }
}
