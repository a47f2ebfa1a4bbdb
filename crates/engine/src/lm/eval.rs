//! Evaluation of a token stream: the mean cross-entropy of every predicted token, and the
//! logits, features and targets of the evaluation window.
//!
//! The stream is cut into `train.eval_batch_size` columns ([`Columns`]); each column starts
//! from a zero state and carries it through consecutive segments of `bptt` rows (a recurrent
//! model; a Transformer sees each segment alone), predicting its rows `1 .. rows`. The window is
//! the first N predicted tokens in stream order: column 0's targets, then column 1's, ...
//! Per-segment cross-entropy sums are added in f64, in segment then column order, so the result
//! does not depend on the thread count beyond libtorch's own kernels.

use tch::{Device, Kind, Reduction, Tensor};

use super::net::{LanguageModel, State};
use super::stream::{eval_segments, Columns};
use crate::model::Mode;
use crate::EngineError;

/// What evaluating a stream gives.
#[derive(Debug, Default)]
pub struct StreamEval {
    /// Mean cross-entropy per predicted token, nats.
    pub cross_entropy: f64,
    /// Predicted tokens: `columns * (rows - 1)`.
    pub tokens: usize,
    /// The window's logits, `[window, vocab]` row-major (empty when no window was asked).
    pub logits: Vec<f32>,
    /// The window's features, `[window, feature_dim]`.
    pub features: Vec<f32>,
    /// The window's targets.
    pub labels: Vec<i64>,
}

/// Evaluate `net` on `cols` in segments of `bptt` rows on `device`, keeping the first `window`
/// predicted tokens' logits, features and targets.
///
/// # Errors
/// [`EngineError::Torch`].
pub fn evaluate(
    net: &dyn LanguageModel,
    cols: &Columns,
    bptt: usize,
    device: Device,
    window: usize,
) -> Result<StreamEval, EngineError> {
    let _guard = tch::no_grad_guard();
    let (rows, b) = (cols.rows, cols.columns);
    let per_column = rows.saturating_sub(1);
    let window = window.min(per_column * b);
    // Only the columns the window reaches are copied out.
    let window_columns = if per_column == 0 {
        0
    } else {
        window.div_ceil(per_column)
    };
    let mut out = StreamEval {
        tokens: per_column * b,
        logits: Vec::new(),
        features: Vec::new(),
        labels: vec![0; window],
        ..Default::default()
    };
    let mut parts: Vec<Vec<(Vec<f32>, Vec<f32>)>> = vec![Vec::new(); window_columns];
    let mut state: Option<State> = None;
    let mut sum = 0f64;
    for (start, len) in eval_segments(rows, bptt) {
        let x = Tensor::from_slice(cols.rows(start, len))
            .view([len as i64, b as i64])
            .to_device(device);
        let y = Tensor::from_slice(cols.rows(start + 1, len)).to_device(device);
        let o = net.forward(&x, state.as_ref(), &mut Mode::Eval);
        let vocab = o.logits.size()[2];
        let flat = o.logits.to_kind(Kind::Float).reshape([-1, vocab]);
        let loss = flat.cross_entropy_loss::<Tensor>(&y, None, Reduction::Sum, -100, 0.0);
        sum += loss.double_value(&[]);
        for (c, part) in parts.iter_mut().enumerate() {
            let logits = o.logits.select(1, c as i64).to_device(Device::Cpu);
            let features = o.features.select(1, c as i64).to_device(Device::Cpu);
            part.push((
                Vec::<f32>::try_from(logits.to_kind(Kind::Float).flatten(0, -1))?,
                Vec::<f32>::try_from(features.to_kind(Kind::Float).flatten(0, -1))?,
            ));
        }
        if net.recurrent() {
            state = Some(o.state);
        }
    }
    out.cross_entropy = if out.tokens == 0 {
        0.0
    } else {
        sum / out.tokens as f64
    };
    // Stream order: column 0's rows 1.., then column 1's, ...; cut to the window.
    for (c, part) in parts.into_iter().enumerate() {
        for (logits, features) in part {
            out.logits.extend(logits);
            out.features.extend(features);
        }
        for r in 1..rows {
            let i = c * per_column + r - 1;
            if i < window {
                out.labels[i] = cols.data[r * b + c];
            }
        }
    }
    let vocab = out.logits.len() / (window_columns * per_column).max(1);
    let dim = out.features.len() / (window_columns * per_column).max(1);
    out.logits.truncate(window * vocab);
    out.features.truncate(window * dim);
    Ok(out)
}
