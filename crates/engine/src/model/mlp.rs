//! Fully connected ReLU networks; with no hidden layer, the linear model.

use tch::nn::Path;
use tch::Tensor;

use super::init::Init;
use super::layers::Linear;
use super::pack::Replicas;
use super::{Mode, Network, Output, Shape};

/// `flatten -> [fc_i -> ReLU -> dropout]* -> out`. Layers are `fc1`, `fc2`, ..., and `out`;
/// the linear model (no hidden layer) is the single layer `fc`.
#[derive(Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    out: Linear,
    dropout: f64,
    feature_dim: usize,
    first: &'static str,
    replicas: Replicas,
}

const HIDDEN_NAMES: [&str; 8] = ["fc1", "fc2", "fc3", "fc4", "fc5", "fc6", "fc7", "fc8"];

impl Mlp {
    /// # Shapes
    /// `[b, c, h, w]` → flatten `[b, c*h*w]` → hidden widths → `[b, classes]`.
    pub fn new(p: &Path, shape: Shape, widths: &[usize], dropout: f64, inits: &mut [Init]) -> Mlp {
        let mut in_dim = (shape.channels * shape.height * shape.width) as i64;
        let mut hidden = Vec::new();
        for (i, &w) in widths.iter().enumerate() {
            let name = HIDDEN_NAMES
                .get(i)
                .map_or_else(|| format!("fc{}", i + 1), |s| s.to_string());
            hidden.push(Linear::new(&(p / name.as_str()), in_dim, w as i64, inits));
            in_dim = w as i64;
        }
        let last = if widths.is_empty() { "fc" } else { "out" };
        let out = Linear::new(&(p / last), in_dim, shape.classes as i64, inits);
        Mlp {
            hidden,
            out,
            dropout,
            feature_dim: in_dim as usize,
            first: if widths.is_empty() {
                "fc.weight"
            } else {
                "fc1.weight"
            },
            replicas: Replicas(inits.len() as i64),
        }
    }
}

impl Network for Mlp {
    fn forward(&self, x: &Tensor, mode: &mut Mode) -> Output {
        let mut h = self.replicas.flatten(x);
        for layer in &self.hidden {
            // In place: a linear layer's backward needs its input, not its output.
            h = mode.dropout(&layer.forward(&h).relu_(), self.dropout);
        }
        Output {
            logits: self.out.forward(&h),
            features: h,
        }
    }

    fn first_weight(&self) -> &'static str {
        self.first
    }

    fn feature_dim(&self) -> usize {
        self.feature_dim
    }

    fn replicas(&self) -> Replicas {
        self.replicas
    }
}
