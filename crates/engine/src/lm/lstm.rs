//! The LSTM language model (PyTorch's word-language-model example, with dropout masks from
//! the dropout stream): embedding, dropout, `layers` LSTM layers with dropout between them,
//! dropout on the last layer's output, and a linear decoder, optionally tied to the embedding.
//!
//! Initialization, as the example's: the embedding and the decoder weight uniform in
//! `±0.1`, the decoder bias zero; each LSTM layer as `nn.LSTM`, every weight and bias uniform
//! in `±1/sqrt(hidden)`, drawn in the order `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
//! Each layer runs as its own one-layer `lstm` call, so the dropout between layers is ours.

use runvar_core::runspec::ModelSpec;
use tch::nn::Path;
use tch::Tensor;

use crate::model::init::Init;
use crate::model::layers::REDUCED_LR_GROUP;
use crate::model::Mode;

use super::net::{Dense, LanguageModel, LmOutput, State};

/// Uniform bound of the embedding and decoder weights.
const INIT_RANGE: f64 = 0.1;

#[derive(Debug)]
struct Layer {
    /// `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
    params: [Tensor; 4],
}

/// The LSTM language model.
#[derive(Debug)]
pub struct Lstm {
    encoder: Tensor,
    layers: Vec<Layer>,
    decoder: Dense,
    hidden: i64,
    p_embed: f64,
    p_between: f64,
    p_out: f64,
}

impl Lstm {
    /// The model of `spec` (an [`ModelSpec::Lstm`]) for `vocab` tokens under `p`.
    ///
    /// # Panics
    /// When `spec` is not an LSTM (the caller matched it).
    pub fn new(p: &Path, spec: &ModelSpec, vocab: usize, init: &mut Init) -> Lstm {
        let ModelSpec::Lstm {
            embed,
            hidden,
            layers,
            dropout,
            dropout_embed,
            dropout_out,
            tie,
        } = *spec
        else {
            panic!("Lstm::new takes an lstm spec");
        };
        let (v, e, h) = (vocab as i64, embed as i64, hidden as i64);
        let encoder = (p / "encoder").var_copy("weight", &init.uniform(&[v, e], INIT_RANGE));
        let bound = 1.0 / (h as f64).sqrt();
        let rnn = p / "rnn";
        let layers = (0..layers)
            .map(|l| {
                let input = if l == 0 { e } else { h };
                let q = &rnn / l;
                let w_ih = q.var_copy("weight_ih", &init.uniform(&[4 * h, input], bound));
                let w_hh = q.var_copy("weight_hh", &init.uniform(&[4 * h, h], bound));
                let g = q.set_group(REDUCED_LR_GROUP);
                let b_ih = g.var_copy("bias_ih", &init.uniform(&[4 * h], bound));
                let b_hh = g.var_copy("bias_hh", &init.uniform(&[4 * h], bound));
                Layer {
                    params: [w_ih, w_hh, b_ih, b_hh],
                }
            })
            .collect();
        let decoder = Dense::decoder(&(p / "decoder"), tie.then_some(&encoder), || {
            init.uniform(&[v, h], INIT_RANGE)
        });
        Lstm {
            encoder,
            layers,
            decoder,
            hidden: h,
            p_embed: dropout_embed.unwrap_or(dropout),
            p_between: dropout,
            p_out: dropout_out.unwrap_or(dropout),
        }
    }
}

impl LanguageModel for Lstm {
    fn forward(&self, x: &Tensor, state: Option<&State>, mode: &mut Mode) -> LmOutput {
        let batch = x.size()[1];
        let train = mode.is_train();
        let emb = Tensor::embedding(&self.encoder, x, -1, false, false);
        let mut h = mode.dropout(&emb, self.p_embed);
        let mut next = Vec::with_capacity(self.layers.len());
        for (l, layer) in self.layers.iter().enumerate() {
            if l > 0 {
                h = mode.dropout(&h, self.p_between);
            }
            let zeros = || Tensor::zeros([1, batch, self.hidden], (tch::Kind::Float, x.device()));
            let (h0, c0) = match state {
                Some(s) => (s[l].0.shallow_clone(), s[l].1.shallow_clone()),
                None => (zeros(), zeros()),
            };
            let (out, hn, cn) = h.lstm(&[h0, c0], &layer.params, true, 1, 0.0, train, false, false);
            next.push((hn, cn));
            h = out;
        }
        let out = mode.dropout(&h, self.p_out);
        LmOutput {
            logits: self.decoder.forward(&out),
            features: h,
            state: next,
        }
    }

    fn recurrent(&self) -> bool {
        true
    }

    fn feature_dim(&self) -> usize {
        self.hidden as usize
    }
}
