//! The engine's error type.

use runvar_core::data::DataError;

/// Errors from preparing data, building a model or training.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The dataset could not be loaded.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The spec asks for something this engine or this data cannot do.
    #[error("`{field}`: {message}")]
    Spec {
        /// The spec field at fault.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The device asked for is not available.
    #[error("{0}")]
    Device(String),
    /// libtorch raised an error.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// The pack, the batch or the model would not fit in the device's memory.
    #[error(transparent)]
    Memory(Box<runvar_core::machine::TooLarge>),
    /// Training diverged.
    #[error("training diverged at epoch {epoch}, step {step}: the loss is {loss}; lower train.lr")]
    Diverged {
        /// 1-based epoch.
        epoch: usize,
        /// 0-based global step.
        step: usize,
        /// The non-finite loss.
        loss: f64,
    },
}

impl EngineError {
    pub(crate) fn spec(field: &str, message: impl Into<String>) -> EngineError {
        EngineError::Spec {
            field: field.to_string(),
            message: message.into(),
        }
    }
}
