//! The small causal Transformer language model: token embedding plus positions (learned, or
//! fixed sinusoids), dropout, `layers` pre-LayerNorm blocks, a final LayerNorm and a linear
//! decoder, optionally tied to the embedding.
//!
//! A block is `x + drop(attn(LN1(x)))`, then `x + drop(ff(LN2(x)))`: multi-head self-attention
//! with a causal mask (position t sees positions up to t of its own segment) and dropout on the
//! attention weights, and a feed-forward layer `W2 gelu(W1 x)`. Every dropout mask comes from
//! the dropout stream, in the order the layers run.
//!
//! Initialization (GPT-2's): every weight normal with standard deviation 0.02 (embeddings,
//! learned positions, projections), biases zero, LayerNorm scales one and shifts zero.

use runvar_core::runspec::{ModelSpec, Positions};
use tch::nn::Path;
use tch::{Kind, Tensor};

use crate::model::init::Init;
use crate::model::layers::REDUCED_LR_GROUP;
use crate::model::Mode;

use super::net::{Dense, LanguageModel, LmOutput};

/// Standard deviation of every initial weight.
const INIT_STD: f64 = 0.02;

#[derive(Debug)]
struct Norm {
    w: Tensor,
    b: Tensor,
}

impl Norm {
    fn new(p: &Path, d: i64) -> Norm {
        let g = p.set_group(REDUCED_LR_GROUP);
        Norm {
            w: g.var_copy("weight", &Tensor::ones([d], tch::kind::FLOAT_CPU)),
            b: g.var_copy("bias", &Tensor::zeros([d], tch::kind::FLOAT_CPU)),
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let d = self.w.size()[0];
        x.layer_norm([d], Some(&self.w), Some(&self.b), 1e-5, false)
    }
}

#[derive(Debug)]
struct Block {
    ln1: Norm,
    qkv: Dense,
    proj: Dense,
    ln2: Norm,
    ff1: Dense,
    ff2: Dense,
}

/// The Transformer language model.
#[derive(Debug)]
pub struct Transformer {
    encoder: Tensor,
    /// `[context, dim]`: learned (a parameter) or sinusoids (a constant).
    positions: Tensor,
    blocks: Vec<Block>,
    ln_f: Norm,
    decoder: Dense,
    dim: i64,
    heads: i64,
    dropout: f64,
}

fn dense(p: &Path, init: &mut Init, input: i64, output: i64) -> Dense {
    let w = init.normal(&[output, input], INIT_STD);
    Dense::new(p, w, Tensor::zeros([output], tch::kind::FLOAT_CPU))
}

/// The sinusoids of Vaswani et al. (2017): at position t, channel 2i is `sin(t / 10000^(2i/d))`
/// and channel 2i+1 its cosine.
fn sinusoids(context: i64, d: i64) -> Tensor {
    let mut v = vec![0f32; (context * d) as usize];
    for t in 0..context {
        for c in 0..d {
            let i = (c / 2) as f64;
            let angle = t as f64 / 10_000f64.powf(2.0 * i / d as f64);
            v[(t * d + c) as usize] = if c % 2 == 0 { angle.sin() } else { angle.cos() } as f32;
        }
    }
    Tensor::from_slice(&v).view([context, d])
}

impl Transformer {
    /// The model of `spec` (a [`ModelSpec::Transformer`]) for `vocab` tokens and segments of
    /// at most `context` tokens, under `p`.
    ///
    /// # Panics
    /// When `spec` is not a Transformer (the caller matched it).
    pub fn new(
        p: &Path,
        spec: &ModelSpec,
        vocab: usize,
        context: usize,
        init: &mut Init,
    ) -> Transformer {
        let ModelSpec::Transformer {
            dim,
            heads,
            layers,
            ff,
            dropout,
            positions,
            tie,
        } = *spec
        else {
            panic!("Transformer::new takes a transformer spec");
        };
        let (v, d, f, ctx) = (vocab as i64, dim as i64, ff as i64, context as i64);
        let encoder = (p / "encoder").var_copy("weight", &init.normal(&[v, d], INIT_STD));
        let positions = match positions {
            Positions::Learned => {
                (p / "positions").var_copy("weight", &init.normal(&[ctx, d], INIT_STD))
            }
            Positions::Sinusoidal => sinusoids(ctx, d).to_device(p.device()),
        };
        let blocks = (0..layers)
            .map(|l| {
                let q = p / "blocks" / l;
                Block {
                    ln1: Norm::new(&(&q / "ln1"), d),
                    qkv: dense(&(&q / "qkv"), init, d, 3 * d),
                    proj: dense(&(&q / "proj"), init, d, d),
                    ln2: Norm::new(&(&q / "ln2"), d),
                    ff1: dense(&(&q / "ff1"), init, d, f),
                    ff2: dense(&(&q / "ff2"), init, f, d),
                }
            })
            .collect();
        let ln_f = Norm::new(&(p / "ln_f"), d);
        let decoder = Dense::decoder(&(p / "decoder"), tie.then_some(&encoder), || {
            init.normal(&[v, d], INIT_STD)
        });
        Transformer {
            encoder,
            positions,
            blocks,
            ln_f,
            decoder,
            dim: d,
            heads: heads as i64,
            dropout,
        }
    }

    /// Causal multi-head self-attention of `x` (`[B, T, d]`).
    fn attention(&self, block: &Block, x: &Tensor, mode: &mut Mode) -> Tensor {
        let (b, t) = (x.size()[0], x.size()[1]);
        let hd = self.dim / self.heads;
        let split = |z: &Tensor| z.view([b, t, self.heads, hd]).transpose(1, 2);
        let qkv = block.qkv.forward(x).chunk(3, -1);
        let (q, k, v) = (split(&qkv[0]), split(&qkv[1]), split(&qkv[2]));
        let scores = q.matmul(&k.transpose(-2, -1)) / (hd as f64).sqrt();
        let future = Tensor::ones([t, t], (Kind::Bool, x.device())).triu(1);
        let weights = scores
            .masked_fill(&future, f64::NEG_INFINITY)
            .softmax(-1, Kind::Float);
        let weights = mode.dropout(&weights, self.dropout);
        let y = weights
            .matmul(&v)
            .transpose(1, 2)
            .contiguous()
            .view([b, t, self.dim]);
        block.proj.forward(&y)
    }
}

impl LanguageModel for Transformer {
    fn forward(&self, x: &Tensor, _state: Option<&super::net::State>, mode: &mut Mode) -> LmOutput {
        // Batch-major inside: `[B, T, d]`.
        let tokens = x.transpose(0, 1);
        let t = tokens.size()[1];
        let emb = Tensor::embedding(&self.encoder, &tokens, -1, false, false)
            + self.positions.narrow(0, 0, t).unsqueeze(0);
        let mut h = mode.dropout(&emb, self.dropout);
        for block in &self.blocks {
            let a = self.attention(block, &block.ln1.forward(&h), mode);
            h = &h + mode.dropout(&a, self.dropout);
            let f = block
                .ff2
                .forward(&block.ff1.forward(&block.ln2.forward(&h)).gelu("none"));
            h = &h + mode.dropout(&f, self.dropout);
        }
        let h = self.ln_f.forward(&h);
        LmOutput {
            logits: self.decoder.forward(&h).transpose(0, 1),
            features: h.transpose(0, 1),
            state: Vec::new(),
        }
    }

    fn recurrent(&self) -> bool {
        false
    }

    fn feature_dim(&self) -> usize {
        self.dim as usize
    }
}
