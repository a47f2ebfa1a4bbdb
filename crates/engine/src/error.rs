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
    /// A replica pack would not fit in the device's memory.
    #[error(
        "a pack of {pack} replicas needs about {needed:.0} MiB ({per_replica_mib:.1} MiB per \
         replica), but {device} has {available_mib:.0} MiB free; use --pack {max_pack} or fewer",
        needed = *per_replica_mib * *pack as f64
    )]
    Memory {
        /// Replicas asked for.
        pack: usize,
        /// Estimated peak MiB of one replica.
        per_replica_mib: f64,
        /// Free MiB on the device.
        available_mib: f64,
        /// The largest pack that fits.
        max_pack: usize,
        /// The device, in words.
        device: String,
    },
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
