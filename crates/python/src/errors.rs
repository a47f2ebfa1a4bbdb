//! runvar-core's errors as Python exceptions: bad input (shapes, dtypes, NaN, labels out of
//! range, too few runs, settings out of range) is `ValueError`, a size this machine's memory
//! cannot hold is `MemoryError`; the message is the CLI's, naming the argument (`logits[3]`,
//! `labels`) where the CLI names the file.

use pyo3::exceptions::{PyMemoryError, PyValueError};
use pyo3::PyErr;
use runvar_core::analysis::AnalysisError;
use runvar_core::compare::CompareError;
use runvar_core::machine::TooLarge;
use runvar_core::metrics::MetricsError;

/// An error computed off the interpreter, made a Python exception once back on it.
#[derive(Debug)]
pub enum Error {
    /// Bad input: `ValueError`.
    Input(String),
    /// Too large for this machine's memory: `MemoryError`.
    Memory(String),
}

impl From<AnalysisError> for Error {
    fn from(e: AnalysisError) -> Self {
        Error::Input(e.to_string())
    }
}

impl From<CompareError> for Error {
    fn from(e: CompareError) -> Self {
        Error::Input(e.to_string())
    }
}

impl From<MetricsError> for Error {
    fn from(e: MetricsError) -> Self {
        Error::Input(e.to_string())
    }
}

impl From<Box<TooLarge>> for Error {
    fn from(e: Box<TooLarge>) -> Self {
        Error::Memory(e.to_string())
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> Self {
        match e {
            Error::Input(m) => PyValueError::new_err(m),
            Error::Memory(m) => PyMemoryError::new_err(m),
        }
    }
}

/// Refuse a value whose memory, `bytes(value)`, this machine does not have free (as the CLI
/// does before it allocates), naming the keyword argument.
pub fn check_size(
    field: &str,
    value: usize,
    purpose: &str,
    bytes: impl Fn(u64) -> f64,
) -> Result<(), Error> {
    if let Some(free) = runvar_core::machine::available_memory() {
        runvar_core::machine::check_size(field, value as u64, purpose, free, bytes)?;
    }
    Ok(())
}

/// [`check_size`] of `bootstrap` resamples, as `runvar analyze` and `runvar compare` check
/// their `--bootstrap`.
///
/// # Errors
/// `MemoryError` naming the largest number that fits.
pub fn check_bootstrap(bootstrap: usize) -> Result<(), Error> {
    check_size(
        "bootstrap",
        bootstrap,
        "the bootstrap resamples",
        runvar_core::study::StudySpec::bootstrap_bytes,
    )
}
