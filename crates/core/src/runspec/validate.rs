//! Field-by-field checks of a [`RunSpec`], each error naming its field.

use super::{ModelSpec, RunSpec, SpecError};

mod text;

pub(super) fn invalid(field: &str, message: String) -> SpecError {
    SpecError::Invalid {
        field: field.to_string(),
        message,
    }
}

pub(super) fn check(
    ok: bool,
    field: &str,
    message: impl FnOnce() -> String,
) -> Result<(), SpecError> {
    if ok {
        Ok(())
    } else {
        Err(invalid(field, message()))
    }
}

pub(super) fn probability(p: f64, field: &str) -> Result<(), SpecError> {
    check((0.0..1.0).contains(&p), field, || {
        format!("must be a probability in [0, 1) (got {p})")
    })
}

pub(super) fn validate(spec: &RunSpec) -> Result<(), SpecError> {
    let t = &spec.train;
    check(t.epochs >= 1, "train.epochs", || {
        format!("must be at least 1 (got {})", t.epochs)
    })?;
    check(t.batch_size >= 1, "train.batch_size", || {
        "must be at least 1 (got 0)".into()
    })?;
    check(t.eval_batch_size >= 1, "train.eval_batch_size", || {
        "must be at least 1 (got 0)".into()
    })?;
    check(t.lr.is_finite() && t.lr > 0.0, "train.lr", || {
        format!("must be a positive number (got {})", t.lr)
    })?;
    check((0.0..1.0).contains(&t.momentum), "train.momentum", || {
        format!("must be in [0, 1) (got {})", t.momentum)
    })?;
    check(
        t.weight_decay.is_finite() && t.weight_decay >= 0.0,
        "train.weight_decay",
        || format!("must be 0 or positive (got {})", t.weight_decay),
    )?;
    check(
        t.warmup_epochs.is_finite() && t.warmup_epochs >= 0.0 && t.warmup_epochs <= t.epochs as f64,
        "train.warmup_epochs",
        || {
            format!(
                "must be between 0 and train.epochs = {} (got {})",
                t.epochs, t.warmup_epochs
            )
        },
    )?;
    check(
        t.cycles >= 1 && t.cycles <= t.epochs,
        "train.cycles",
        || {
            format!(
                "must be between 1 and train.epochs = {} (got {})",
                t.epochs, t.cycles
            )
        },
    )?;
    check(
        t.warmup_epochs * t.cycles as f64 <= t.epochs as f64,
        "train.warmup_epochs",
        || {
            format!(
                "{} warm-up epochs in each of {} cycles do not fit in {} epochs",
                t.warmup_epochs, t.cycles, t.epochs
            )
        },
    )?;
    check(
        t.reduced_lr_factor.is_finite() && t.reduced_lr_factor >= 0.0,
        "train.reduced_lr_factor",
        || format!("must be 0 or positive (got {})", t.reduced_lr_factor),
    )?;

    if let Some(c) = t.clip {
        check(c.is_finite() && c > 0.0, "train.clip", || {
            format!("must be a positive gradient norm (got {c})")
        })?;
    }
    check(
        t.optimizer.is_sgd() || t.momentum == 0.0,
        "train.momentum",
        || {
            format!(
                "Adam has no momentum setting (its betas are 0.9 and 0.999); set it to 0 (got {})",
                t.momentum
            )
        },
    )?;
    text::validate(spec)?;

    if let Some(f) = t.data_fraction {
        // Its size needs the training set's: checked again on the loaded data.
        let n = spec.data.dataset.geometry().train;
        let n = spec.data.train_limit.map_or(n, |l| l.min(n));
        crate::resample::check_fraction(spec.seeds.data, f, n)
            .map_err(|e| invalid("train.data_fraction", e.to_string()))?;
    }

    let d = &spec.data;
    for (limit, field) in [
        (d.train_limit, "data.train_limit"),
        (d.test_limit, "data.test_limit"),
    ] {
        check(limit != Some(0), field, || {
            "must be at least 1 (got 0)".into()
        })?;
    }
    check(
        d.augment.crop_padding <= 64,
        "data.augment.crop_padding",
        || format!("must be at most 64 (got {})", d.augment.crop_padding),
    )?;

    match &spec.model {
        ModelSpec::Linear => {}
        ModelSpec::Mlp { hidden, dropout } => {
            if let Some(i) = hidden.iter().position(|&w| w == 0) {
                return Err(invalid(
                    "model.hidden",
                    format!("layer {i} has width 0; every hidden width must be at least 1"),
                ));
            }
            probability(*dropout, "model.dropout")?;
        }
        ModelSpec::Cnn {
            dropout,
            dropout_fc,
        } => {
            probability(*dropout, "model.dropout")?;
            probability(*dropout_fc, "model.dropout_fc")?;
        }
        ModelSpec::Lstm { .. } | ModelSpec::Transformer { .. } => text::model(&spec.model)?,
        ModelSpec::Resnet { depth, width } => {
            check(*depth >= 8 && (depth - 2) % 6 == 0, "model.depth", || {
                format!("must be 6n+2 with n >= 1: 8, 14, 20, 26, ... (got {depth})")
            })?;
            check(
                width.is_finite() && *width > 0.0 && (16.0 * width).round() >= 1.0,
                "model.width",
                || format!("must be positive with 16 x width >= 1 channel (got {width})"),
            )?;
        }
    }
    if let Some(flip) = &spec.bit_flip {
        check(flip.param.as_deref() != Some(""), "bit_flip.param", || {
            "must name a parameter tensor, e.g. `conv1.weight`".into()
        })?;
    }
    check(spec.threads <= 1024, "threads", || {
        format!("must be at most 1024 (got {})", spec.threads)
    })?;
    Ok(())
}
