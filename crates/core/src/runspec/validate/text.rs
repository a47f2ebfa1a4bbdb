//! The checks of a language-model spec: a text corpus goes with an LSTM or a Transformer, and
//! the settings only a token stream has (segments, the evaluation window) with nothing else.

use super::super::{DatasetName, ModelSpec, RunSpec, SpecError};
use super::{check, invalid, probability};

/// The longest BPTT segment accepted: far beyond any recipe, small enough that a segment's
/// activations are sized without overflow.
const MAX_BPTT: usize = 100_000;

/// Check that the corpus and the model agree, and the language-model settings.
pub(super) fn validate(spec: &RunSpec) -> Result<(), SpecError> {
    let d = &spec.data;
    let text = d.dataset.is_text();
    if text != spec.model.is_lm() {
        return Err(if text {
            invalid(
                "model.kind",
                format!(
                    "dataset {} is a text corpus; it trains a language model: kind = \"lstm\" or \
                     \"transformer\"",
                    d.dataset.name()
                ),
            )
        } else {
            invalid(
                "data.dataset",
                format!(
                    "a language model trains on a text corpus (shakespeare, char-text, ptb), not {}",
                    d.dataset.name()
                ),
            )
        });
    }
    if !text {
        for (set, field) in [
            (d.bptt.is_some(), "data.bptt"),
            (d.order.is_some(), "data.order"),
            (d.eval_window.is_some(), "data.eval_window"),
        ] {
            check(!set, field, || {
                format!(
                    "applies to language models only; dataset {} is not a text corpus",
                    d.dataset.name()
                )
            })?;
        }
        return Ok(());
    }
    let bptt = d.bptt.ok_or_else(|| {
        invalid(
            "data.bptt",
            "a language model needs its segment length (tokens of truncated backpropagation \
             through time), e.g. 35 or 64"
                .into(),
        )
    })?;
    check((1..=MAX_BPTT).contains(&bptt), "data.bptt", || {
        format!("must be between 1 and {MAX_BPTT} (got {bptt})")
    })?;
    check(d.eval_window != Some(0), "data.eval_window", || {
        "must be at least 1 (got 0)".into()
    })?;
    check(!d.augment.is_active(), "data.augment", || {
        "a text corpus has no augmentation".into()
    })?;
    check(spec.seeds.data.is_none(), "seeds.data", || {
        "the data source (resampling examples) applies to classifiers; a language model's \
         training stream is fixed"
            .into()
    })?;
    let t = &spec.train;
    check(t.data_fraction.is_none(), "train.data_fraction", || {
        "applies to classifiers only".into()
    })?;
    check(t.cycles == 1, "train.cycles", || {
        "snapshot ensembles of language models are not implemented; use 1".into()
    })?;
    check(t.precision.is_fp32(), "train.precision", || {
        "language models train in fp32 only".into()
    })?;
    check(spec.tta.is_empty(), "tta", || {
        "test-time augmentation applies to images, not text".into()
    })?;
    if d.dataset == DatasetName::Shakespeare {
        check(d.dir.is_none(), "data.dir", || {
            "the shakespeare corpus is embedded; use dataset = \"char-text\" for text files".into()
        })?;
    }
    Ok(())
}

/// The sizes and probabilities of the two language models.
pub(super) fn model(model: &ModelSpec) -> Result<(), SpecError> {
    let positive =
        |v: usize, field: &str| check(v >= 1, field, || format!("must be at least 1 (got {v})"));
    match model {
        ModelSpec::Lstm {
            embed,
            hidden,
            layers,
            dropout,
            dropout_embed,
            dropout_out,
            tie,
        } => {
            positive(*embed, "model.embed")?;
            positive(*hidden, "model.hidden")?;
            positive(*layers, "model.layers")?;
            probability(*dropout, "model.dropout")?;
            probability(dropout_embed.unwrap_or(0.0), "model.dropout_embed")?;
            probability(dropout_out.unwrap_or(0.0), "model.dropout_out")?;
            check(!tie || embed == hidden, "model.tie", || {
                format!("tied weights need embed = hidden (got {embed} and {hidden})")
            })?;
        }
        ModelSpec::Transformer {
            dim,
            heads,
            layers,
            ff,
            dropout,
            ..
        } => {
            positive(*dim, "model.dim")?;
            positive(*heads, "model.heads")?;
            positive(*layers, "model.layers")?;
            positive(*ff, "model.ff")?;
            check(dim % heads == 0, "model.heads", || {
                format!("must divide model.dim = {dim} (got {heads})")
            })?;
            probability(*dropout, "model.dropout")?;
        }
        _ => {}
    }
    Ok(())
}
